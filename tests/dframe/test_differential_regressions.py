"""Minimal repros of the differences the differential test (``test_differential.py``) found
between dframe and pandas. Each is left out by the generator (the ``differential`` package) with
a ``# KNOWN:`` comment and is expected to fail here (strict): once dframe is fixed, the test
passes, its xfail marker must go, and so must the generator's exclusion. Tests without the
marker are differences found on HEAD f0fddba that the working tree has fixed since.

Each test runs on the in-process executor unless it names the runtime (``shared_ray``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.execution.lower import collect_partitions

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _sync():
    with dframe.config.override(executor="sync"), warnings.catch_warnings():
        warnings.simplefilter("ignore", dframe.PandasFallbackWarning)
        yield


def same(expected, result) -> None:
    if hasattr(result, "to_pandas"):
        result = result.to_pandas()
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected, check_exact=False, rtol=1e-9)
    else:
        pd.testing.assert_series_equal(result, expected, check_exact=False, rtol=1e-9)


def df_of(pdf: pd.DataFrame, npartitions: int = 2):
    return dframe.from_pandas(pdf, npartitions=npartitions)


def test_setitem_array():
    """Found on HEAD f0fddba: df[col] = ndarray/list falls back with inplace=True, which pandas'
    __setitem__ rejects (TypeError). Passes in the working tree since (a regression test
    now)."""
    pdf = pd.DataFrame({"a": [1, 2, 3]})
    df = df_of(pdf)
    pdf["r"] = np.array([7, 8, 9])
    df["r"] = np.array([7, 8, 9])
    same(pdf, df)


def test_pop_removes_the_column():
    """Found on HEAD f0fddba: DataFrame.pop leaves the column in a frame of several partitions.
    Passes in the working tree since (a regression test now)."""
    pdf = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    df = df_of(pdf)
    same(pdf.pop("b"), df.pop("b"))
    same(pdf, df)


@pytest.mark.parametrize("npartitions", [1, 2, 7])
@pytest.mark.parametrize("options", [{}, {"margins": True}, {"dropna": False}])
def test_crosstab_duplicate_index(npartitions, options):
    """crosstab of columns of a frame with duplicate index labels raised ValueError (cannot
    reindex on an axis with duplicate labels): pandas' Series of one frame share its index and
    are not aligned."""
    pdf = pd.DataFrame({"a": [1, 2, None, 2], "b": [1, 1, 2, None]}, index=[0, 0, 1, 0])
    df = df_of(pdf, npartitions)
    same(pd.crosstab(pdf["a"], pdf["b"], **options), dframe.crosstab(df["a"], df["b"], **options))


@pytest.mark.parametrize("npartitions", [1, 2])
@pytest.mark.parametrize("sort", [False, True])
def test_merge_boolean_key_on_int_key(npartitions, sort):
    """outer merge of a boolean key with NA on an int key raised TypeError (the sort keys of
    both sides did not fit in one column); pandas makes the key column object."""
    left = pd.DataFrame({"nb": pd.array([True, None], dtype="boolean")})
    right = pd.DataFrame({"k": [1, 2]})
    expected = left.merge(right, left_on="nb", right_on="k", how="outer", sort=sort)
    result = df_of(left, npartitions).merge(
        df_of(right, 1), left_on="nb", right_on="k", how="outer", sort=sort
    )
    same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("how", ["outer", "right"])
def test_merge_boolean_key_on_int_key_partition_dtypes(npartitions, how):
    """A right-only row's boolean key was <NA> where pandas' object column holds NaN: pandas
    coerces keys of different dtypes to object only when both sides have rows, and a pair of
    partitions without left rows merged uncoerced. Where a side has no rows at all (a filter
    emptied it), pandas coerces nothing and keeps boolean."""
    left = pd.DataFrame({"nb": pd.array([True, None, False], dtype="boolean"), "v": [1, 2, 3]})
    right = pd.DataFrame({"k": [1, 5]})
    for f in (
        lambda l, r: l.merge(r, left_on="nb", right_on="k", how=how),
        lambda l, r: l[l["v"] > 5].merge(r, left_on="nb", right_on="k", how=how),
        lambda l, r: l.merge(r[r["k"] > 5], left_on="nb", right_on="k", how=how),
        lambda l, r: l.merge(r.rename(columns={"k": "nb"}), on="nb", how=how, sort=True),
    ):
        same(f(left, right), f(df_of(left, npartitions), df_of(right, 1)))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_groupby_mean_nullable_boolean(npartitions):
    """groupby mean of a nullable boolean column was float64 with NaN; pandas gives Float64
    with <NA>."""
    pdf = pd.DataFrame({"k": [1, 2], "nb": pd.array([True, None], dtype="boolean")})
    same(pdf.groupby("k").mean(), df_of(pdf, npartitions).groupby("k").mean())


def test_loc_setitem_empty_mask():
    """Found on HEAD f0fddba: df.loc[mask] = value of another dtype raises TypeError even when the
    mask selects no row; pandas does nothing. Passes in the working tree since (a regression
    test now)."""
    pdf = pd.DataFrame({"k": [1, 2]})
    df = df_of(pdf)
    pdf.loc[pdf["k"] > 5] = "z"
    df.loc[df["k"] > 5] = "z"
    same(pdf, df)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_value_counts_subset_of_one(npartitions):
    """DataFrame.value_counts(subset=[one column]) had a flat Index; pandas keeps a MultiIndex
    of one level (also for a frame of one column)."""
    pdf = pd.DataFrame({"k": [1, 2, 2, None], "j": ["a", "b", "b", "a"]})
    df = df_of(pdf, npartitions)
    same(pdf.value_counts(["k"]), df.value_counts(["k"]))
    same(pdf.value_counts("j", dropna=False), df.value_counts("j", dropna=False))
    same(pdf[["k"]].value_counts(normalize=True), df[["k"]].value_counts(normalize=True))


@pytest.mark.parametrize("values", [[True, False], [1, 2], ["a", "b"], [2.5, None, 1.0]])
@pytest.mark.parametrize("npartitions", [1, 2, 7])
def test_get_dummies_series(values, npartitions):
    """get_dummies of a (non-categorical) Series had CategoricalIndex columns; pandas an Index
    of the values' dtype."""
    pdf = pd.DataFrame({"v": values})
    df = df_of(pdf, npartitions)
    same(pd.get_dummies(pdf["v"]), dframe.get_dummies(df["v"]))
    same(pd.get_dummies(pdf["v"], dummy_na=True), dframe.get_dummies(df["v"], dummy_na=True))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_concat_object_column(npartitions):
    """concat turned an object column of mixed Python values into str dtype, converting the
    values to strings: the stand-ins pandas' concat ran on were str (``meta.nonempty``)."""
    pdf = pd.DataFrame(
        {"o": pd.Series(["a", 1], dtype=object)}, index=pd.Index(["x", 2], dtype=object)
    )
    df = df_of(pdf, npartitions)
    same(pd.concat([pdf, pdf]), dframe.concat([df, df]))
    same(pd.concat([pdf["o"], pdf["o"]]), dframe.concat([df["o"], df["o"]]))
    assert list(dframe.concat([df, df]).dtypes) == [object]


@pytest.mark.parametrize("name", ["std", "var", "sem"])
@pytest.mark.parametrize("npartitions", [1, 3])
def test_std_numeric_only_without_numeric_columns(name, npartitions):
    """std/var/sem(numeric_only=True) of a frame without numeric columns raised ValueError (No
    objects to concatenate); pandas returns an empty Series."""
    pdf = pd.DataFrame({"s": pd.array(["a", "b"], dtype="str")})
    df = df_of(pdf, npartitions)
    same(getattr(pdf, name)(numeric_only=True), getattr(df, name)(numeric_only=True))


@pytest.mark.parametrize("npartitions", [1, 2])
def test_var_without_columns(npartitions):
    """var() of a frame without columns raised ValueError (No objects to concatenate); pandas
    returns an empty Series."""
    pdf = pd.DataFrame(index=range(3))
    same(pdf.var(), df_of(pdf, npartitions).var())


def test_head_after_assigning_a_shifted_column():
    """Found on HEAD f0fddba: head() of a frame assigned a shifted/cumulative/ranked column:
    ValueError an assigned Series must come from the same frame. Passes in the working tree
    since (a regression test now)."""
    pdf = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    df = df_of(pdf, 1)
    same(pdf.assign(r=pdf["a"].shift()).head(1), df.assign(r=df["a"].shift()).head(1))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_drop_duplicates_without_columns(npartitions):
    """drop_duplicates(ignore_index=True) of a frame without columns reset the index; pandas
    returns such a frame as it is."""
    pdf = pd.DataFrame(index=["a", "b", "a"])
    df = df_of(pdf, npartitions)
    same(pdf.drop_duplicates(ignore_index=True), df.drop_duplicates(ignore_index=True))
    same(pdf.drop_duplicates(keep=False), df.drop_duplicates(keep=False))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_drop_duplicates_without_rows(npartitions):
    """drop_duplicates(ignore_index=True) of a frame without rows gave a RangeIndex; pandas
    returns an empty frame as it is (its index kept), also one a filter emptied (whose emptiness
    dframe learns only when computing). A Series is renumbered all the same."""
    pdf = pd.DataFrame({"k": np.array([], dtype="int64")}, index=pd.Index([], name="idx"))
    same(pdf.drop_duplicates(ignore_index=True), df_of(pdf, 1).drop_duplicates(ignore_index=True))
    pdf = pd.DataFrame({"k": [1, 1, 2, 3]}, index=pd.Index(list("abcd"), name="idx"))
    df = df_of(pdf, npartitions)
    for f in (
        lambda d: d[d["k"] > 5].drop_duplicates(ignore_index=True),
        lambda d: d[d["k"] > 1].drop_duplicates(ignore_index=True),
        lambda d: d[d["k"] > 5]["k"].drop_duplicates(ignore_index=True),
    ):
        same(f(pdf), f(df))


@pytest.mark.parametrize("npartitions", [1, 2, 7])
@pytest.mark.parametrize("method", ["average", "min", "first"])
def test_rank_nullable_int(npartitions, method):
    """rank of a nullable Int64 column was float64 with NaN; pandas gives Float64 (UInt64 for
    whole ranks) with <NA>, and float64 for a frame's columns."""
    pdf = pd.DataFrame({"n": pd.array([1, 0, None, 1], dtype="Int64")})
    df = df_of(pdf, npartitions)
    same(pdf["n"].rank(method=method), df["n"].rank(method=method))
    same(pdf.rank(method=method, pct=True), df.rank(method=method, pct=True))


def test_merge_bool_key_on_int_key_left_dtypes():
    left = pd.DataFrame({"b": [True, False]})
    right = pd.DataFrame({"k": [1, 0, 2]})
    expected = left.merge(right, left_on="b", right_on="k", how="left")
    result = df_of(left, 1).merge(df_of(right, 1), left_on="b", right_on="k", how="left")
    assert list(result.dtypes) == list(expected.dtypes)


@pytest.mark.parametrize("npartitions", [1, 3, 9])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "std", "count"])
def test_expanding_sum_with_inf(npartitions, name):
    """expanding() over inf: pandas' windows treat inf as missing (count alone counts it),
    dframe's expanding propagated it."""
    pdf = pd.DataFrame({"f": [1.0, np.inf, 1.0, -np.inf, 2.0, np.nan, 3.0]})
    df = df_of(pdf, npartitions)
    same(getattr(pdf.expanding(2), name)(), getattr(df.expanding(2), name)())


@pytest.mark.parametrize("name", ["any", "all"])
def test_any_rejects_numeric_only(name):
    """DataFrame.any(numeric_only=True) was accepted; pandas raises TypeError (any/all have
    bool_only, not numeric_only), for a Series too."""
    pdf = pd.DataFrame({"a": [1, 0]})
    df = df_of(pdf, 1)
    for obj in (pdf, df, pdf["a"], df["a"]):
        with pytest.raises(TypeError):
            getattr(obj, name)(numeric_only=True)
    same(getattr(pdf, name)(bool_only=True), getattr(df, name)(bool_only=True))


def test_join_sort_mixed_index_types():
    """join(sort=True) of a str index with an int index sorted the result; pandas' Index.join
    casts indexes of different dtypes to a common one and joins them again without sort, so
    the left order stays. Fixed (a regression test now)."""
    left = pd.DataFrame({"a": [2, 1]}, index=["r9", "r13"])
    right = pd.DataFrame({"b": [1, 3]})
    same(left.join(right, sort=True), df_of(left, 1).join(df_of(right, 1), sort=True))


@pytest.mark.parametrize("npartitions", [1, 2, 7])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "count"])
def test_groupby_only_the_key_column(npartitions, name):
    """groupby of a frame whose only column is the key gave no rows; pandas gives one row per
    group (and no columns)."""
    pdf = pd.DataFrame({"k": [1, 1, 2, None]})
    df = df_of(pdf, npartitions)
    same(getattr(pdf.groupby("k"), name)(), getattr(df.groupby("k"), name)())
    gb_kw = {"dropna": False, "sort": False}
    same(getattr(pdf.groupby("k", **gb_kw), name)(), getattr(df.groupby("k", **gb_kw), name)())


def test_loc_setitem_keeps_object_columns():
    """Found on HEAD f0fddba: df.loc[mask, c] = v turns the frame's other object columns into str.
    Passes in the working tree since (a regression test now)."""
    pdf = pd.DataFrame({"b": pd.Series([True, False], dtype=object), "k": [1, 2]})
    df = df_of(pdf, 1)
    pdf.loc[pdf["k"] == 1, "k"] = 5
    df.loc[df["k"] == 1, "k"] = 5
    same(pdf, df)


@pytest.mark.parametrize("npartitions", [1, 2, 7])
def test_groupby_mean_nullable_int(npartitions):
    """groupby mean/std/var and pivot_table of nullable Int64 were float64 with NaN; pandas
    gives Float64 with <NA>."""
    pdf = pd.DataFrame({"k": [1, 2, 1], "n": pd.array([1, None, 2], dtype="Int64")})
    df = df_of(pdf, npartitions)
    for name in ("mean", "std", "var"):
        same(getattr(pdf.groupby("k"), name)(), getattr(df.groupby("k"), name)())
    same(pdf.groupby("k", as_index=False)["n"].mean(), df.groupby("k", as_index=False)["n"].mean())
    same(pdf.pivot_table(index="k", values="n"), dframe.pivot_table(df, index="k", values="n"))


def test_fillna_other_type_dtype():
    pdf = pd.DataFrame({"f": [1.0, None]})
    result = df_of(pdf, 1)["f"].fillna("a")
    assert pdf["f"].fillna("a").dtype == object
    assert result.dtype == object


@pytest.mark.parametrize("name", ["std", "var", "sem"])
@pytest.mark.parametrize("npartitions", [1, 2, 7])
def test_std_with_inf(name, npartitions):
    """std/var/sem of a column with inf gave inf; pandas NaN (inf - inf)."""
    pdf = pd.DataFrame({"f": [0.0, np.inf, 1.0], "g": [1.0, np.nan, 3.0]})
    df = df_of(pdf, npartitions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pandas' own, over inf - inf
        expected, result = getattr(pdf["f"], name)(), getattr(df["f"], name)()
        assert np.isnan(expected)
        assert np.isnan(result), result
        same(getattr(pdf, name)(), getattr(df, name)())


@pytest.mark.parametrize("npartitions", [1, 2, 7])
@pytest.mark.parametrize("strategy", ["broadcast", "shuffle"])
def test_merge_sorted_nat_key(npartitions, strategy):
    """merge on a datetime key with NaT, sorted (sort=True or how='outer'): NaT came last;
    pandas sorts times by their int64 values, NaT first."""
    key = pd.to_datetime(["2024-01-04", None, "2024-01-01", None])
    left = pd.DataFrame({"key": key, "i": [1, 2, 3, 4]})
    right = pd.DataFrame({"key": key[:2], "v": [9, 8]})
    with dframe.config.override(merge_strategy=strategy):
        for how, sort in (("outer", False), ("left", True)):
            expected = left.merge(right, on="key", how=how, sort=sort)
            result = df_of(left, npartitions).merge(df_of(right, 1), on="key", how=how, sort=sort)
            same(expected, result)


@pytest.mark.parametrize("how", ["left", "outer"])
def test_merge_categorical_key_on_int_key_sorted(how):
    """merge(sort=True) of a categorical key on an int key sorted by the categories' order;
    pandas by value (the key's dtypes differ, so pandas merges the values)."""
    left = pd.DataFrame({"c": pd.Categorical(["x", "z", "y"], categories=["z", "x", "y"])})
    right = pd.DataFrame({"k": [1]})
    expected = left.merge(right, left_on="c", right_on="k", how=how, sort=True)
    result = df_of(left, 1).merge(df_of(right, 1), left_on="c", right_on="k", how=how, sort=True)
    same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("margins", [False, True])
@pytest.mark.parametrize("dropna", [True, False])
def test_pivot_table_categorical_columns_observed_false(dropna, margins, npartitions):
    """Raised TypeError, with margins too (that case was left out of the generator); matches
    since."""
    pdf = pd.DataFrame(
        {
            "k": [0, 1, 2, 3],
            "c": pd.Categorical(["x", "x", "x", None], categories=["x", "y", "z"]),
            "f": [1.0, 1.0, 2.0, 2.0],
        }
    )
    options = {
        "index": "f",
        "columns": "c",
        "observed": False,
        "dropna": dropna,
        "margins": margins,
    }
    same(pdf.pivot_table(**options), df_of(pdf, npartitions).pivot_table(**options))


@pytest.mark.parametrize(
    "values",
    [
        pd.Categorical(["x", None], categories=["x", "y"], ordered=True),
        pd.array([1, None], dtype="Int64"),
        pd.array([True, None], dtype="boolean"),
    ],
    ids=["category", "Int64", "boolean"],
)
@pytest.mark.parametrize("npartitions", [1, 3])
def test_agg_min_max_keeps_dtype(values, npartitions):
    """agg(['min', 'max']) dropped categorical and nullable dtypes (category -> str, Int64 ->
    int64, boolean -> bool)."""
    pdf = pd.DataFrame({"c": values})
    same(pdf.agg(["min", "max"]), df_of(pdf, npartitions).agg(["min", "max"]))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("rows", [1, 2, 3, 5])
def test_assign_duplicate_column_label(npartitions, rows):
    """Assigning to a label two columns share (after a rename) scrambled them at 2+ partitions:
    pandas' setitem lays the value out column-wise on a frame of as many rows as such columns,
    which a partition of 2 rows was. At 2 rows pandas' whole frame is that case (its answer)."""
    pdf = pd.DataFrame({"r": 1, "b": [True, False] * 3, "k": [3, 1, 2, 4, 0, 6]}).iloc[:rows]
    expected = pdf.rename(columns={"b": "r"})
    result = df_of(pdf, npartitions).rename(columns={"b": "r"})
    for value in (
        lambda d: d["k"],
        lambda d: d["k"].astype("Int64"),
        lambda d: list(range(rows)),
        lambda d: pd.Series(range(rows), index=range(rows - 1, -1, -1)),  # aligned by label
        lambda d: 5,
    ):
        same(expected.assign(r=value(expected)), result.assign(r=value(result)))
        e, r = expected.copy(), result.copy()
        e["r"], r["r"] = value(e), value(r)
        same(e, r)


def test_mask_int_dtype_of_a_partition_subset():
    pdf = pd.DataFrame({"k": [3, 2, 1, 2, 5, 6]})
    df = df_of(pdf, 3)
    same(pdf["k"].mask(pdf["k"] == 3).tail(1), df["k"].mask(df["k"] == 3).tail(1))


def test_map_partial_dict_dtype_of_a_partition_subset():
    pdf = pd.DataFrame({"k": [3, 2, 1, 2, 5, 6]})
    df = df_of(pdf, 3)
    mapping = {3: 10, 2: 20, 1: 30}
    same(pdf["k"].map(mapping).head(1), df["k"].map(mapping).head(1))


def test_getitem_callable():
    pdf = pd.DataFrame({"k": [3, 2, 1]})
    same(pdf[lambda e: e["k"] > 1], df_of(pdf)[lambda e: e["k"] > 1])


def test_assign_keeps_object_dtype_in_metadata():
    pdf = pd.DataFrame({"o": pd.Series([1, "a"], dtype=object)})
    result = df_of(pdf).assign(r=1)
    assert list(result.dtypes) == list(pdf.assign(r=1).dtypes)


def test_outer_merge_dtypes_metadata():
    left = pd.DataFrame({"k": [1, 2], "i": [3, 4], "b": [True, False]})
    right = pd.DataFrame({"k": [1, 5]})
    expected = left.merge(right, on="k", how="outer")
    result = df_of(left).merge(df_of(right, 1), on="k", how="outer")
    assert list(result.dtypes) == list(expected.dtypes)


def test_melt_after_outer_merge():
    """melt after an outer merge cast to the merge's (wrong) int64 dtype: IntCastingNaNError.
    Fixed: melt's blocks agree on the dtypes of their values, found when computing (a
    regression test now)."""
    left = pd.DataFrame({"k": [1, 2], "i": [3, 4]})
    right = pd.DataFrame({"k": [1, 5], "j": [7, 8]})
    expected = left.merge(right, on="k", how="outer").melt(id_vars=["k"], value_vars=["i"])
    result = df_of(left).merge(df_of(right, 1), on="k", how="outer")
    same(expected, result.melt(id_vars=["k"], value_vars=["i"]))


def test_astype_category_keeps_ordered():
    pdf = pd.DataFrame({"c": pd.Categorical(["x", "y", "x"], ordered=True)})
    same(pdf["c"].astype("category"), df_of(pdf)["c"].astype("category"))


def test_shift_empty_bool_then_get_dummies():
    pdf = pd.DataFrame({"b": np.array([], dtype=bool)})
    expected = pd.get_dummies(pdf.shift(1), dummy_na=True)
    same(expected, dframe.get_dummies(df_of(pdf, 1).shift(1), dummy_na=True))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("ordered", [True, False])
def test_outer_join_mixed_index_types_keeps_name(npartitions, ordered):
    """An outer join of a named str index with an int index lost the name at 2+ partitions (a
    pair without right rows keeps its own index) and sorted the labels, where pandas keeps the
    sides' order when both are sorted (and sorts them when not)."""
    labels = ["a", "b", "c"] if ordered else ["b", "c", "a"]
    left = pd.DataFrame({"k": [0, 2, 1]}, index=pd.Index(labels, name="idx"))
    right = pd.DataFrame({"v": [1, 2]})
    expected = left.join(right, how="outer")
    same(expected, df_of(left, npartitions).join(df_of(right, 1), how="outer"))


def _slow_for_3(v):
    import time

    time.sleep(0.3 if v == 3 else 0.0)
    return v


@pytest.mark.timeout(120)
def test_concat_same_lazy_series_twice_on_runtime(shared_ray):
    pdf = pd.DataFrame({"k": [1, 3]})
    # (progress=False: the progress bar's tracking waits for every task, hiding the race)
    with dframe.config.override(executor="runtime", progress=False):
        s = df_of(pdf, 2)["k"].map(_slow_for_3)
        same(pd.concat([pdf["k"], pdf["k"]]), dframe.concat([s, s]))


@pytest.mark.timeout(120)
def test_runtime_get_repeated_refs(shared_ray):
    import time

    @shared_ray.remote
    def value_after(x, seconds):
        time.sleep(seconds)
        return x

    a, b = value_after.remote(1, 0.0), value_after.remote(2, 0.3)
    assert shared_ray.get([a, b, a, b]) == [1, 2, 1, 2]


def test_quantile_object_column_labels():
    pdf = pd.DataFrame([[0.5, 1.0], [1.0, 2.0]], columns=pd.Index([1, 3], dtype=object))
    same(pdf.quantile(0.5), df_of(pdf, 1).quantile(0.5))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_pivot_table_unsorted_columns_with_missing_key(npartitions):
    """Fixed: pivot_table(sort=False) orders the columns (and rows) by first appearance among
    all rows, also those dropped for a missing index key, as pandas' unstack of the
    aggregation's levels does."""
    pdf = pd.DataFrame(
        {"s": pd.array([None, "a", "a"], dtype="str"), "k": [1, 3, 1], "v": [1, 2, 3]}
    )
    kwargs = {"index": "s", "columns": "k", "values": "v", "aggfunc": "first", "sort": False}
    same(pdf.pivot_table(**kwargs), df_of(pdf, npartitions).pivot_table(**kwargs))


def test_named_aggregation_named_like_the_key():
    pdf = pd.DataFrame({"y": [1, 1, 2], "v": [1, 2, 3]})
    expected = pdf.groupby("y", as_index=False).agg(y=("v", "sum"))
    same(expected, df_of(pdf).groupby("y", as_index=False).agg(y=("v", "sum")))


def test_sum_duplicate_column_labels():
    pdf = pd.DataFrame([[1, 2], [3, 4]], columns=["k", "k"])
    same(pdf.sum(), df_of(pdf).sum())


def test_concat_inner_after_concat_columns_with_same_label():
    pdf = pd.DataFrame({"k": [0, 2, 2, 0]})
    df = df_of(pdf)
    expected = pd.concat([pdf[["k"]], pdf[["k"]]], axis=1)
    result = dframe.concat([df[["k"]], df[["k"]]], axis=1)
    same(
        pd.concat([expected.tail(2), expected], join="inner"),
        dframe.concat([result.tail(2), result], join="inner"),
    )


def test_merge_sorted_categorical_keys_of_different_dtypes():
    left = pd.DataFrame({"c": pd.Categorical(["z", None], categories=["z", "x"]), "v": [1, 2]})
    right = pd.DataFrame(
        {"c": pd.Categorical(["z", "x"], categories=["z", "x"], ordered=True), "w": [7, 8]}
    )
    expected = left.merge(right, on="c", how="left", sort=True)
    same(expected, df_of(left, 1).merge(df_of(right, 1), on="c", how="left", sort=True))


def test_groupby_observed_false_categorical_second_key():
    pdf = pd.DataFrame(
        {
            "k": [0, 2, 0],
            "c": pd.Categorical(["y", "x", "x"], categories=["x", "y"]),
            "v": [1, 2, 3],
        }
    )
    expected = pdf.groupby(["k", "c"], observed=False).sum()
    same(expected, df_of(pdf, 1).groupby(["k", "c"], observed=False).sum())


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("keep", ["first", "last", "all"])
def test_nlargest_two_columns_with_na(npartitions, n, keep):
    """nlargest/nsmallest over two columns, the first nullable Int64 with <NA>, gave no rows:
    each partition's candidates were pandas' own nlargest(n + 1), and pandas, where a group tied
    on the first column has fewer than n values, takes none of the group (<NA>) or all of it
    (NaN), more or fewer than n rows; the whole's answer needs rows that selection dropped."""
    pdf = pd.DataFrame({
        "n": pd.array([-3, None, None, 4, 4, None, 4], dtype="Int64"),
        "f": [1.0, np.nan, 2.0, 4.0, 4.0, np.nan, 4.0],
        "k": [2, 3, 0, 1, 1, 5, 0],
    })
    df = df_of(pdf, npartitions)
    for cols in (["n", "k"], ["f", "k"], ["k", "n"], ["k", "f", "n"], ["f", "n"]):
        for data, frame in ((pdf, df), (pdf.iloc[:3], df.iloc[:3])):
            for method in ("nlargest", "nsmallest"):
                expected = getattr(data, method)(n, cols, keep=keep)
                same(expected, getattr(frame, method)(n, cols, keep=keep))


def test_groupby_rolling_partition_of_missing_keys():
    pdf = pd.DataFrame({"c": pd.Categorical([None, None, "x", "x"]), "k": [1, 2, 3, 4]})
    expected = pdf.groupby("c", dropna=False)["k"].rolling(2).max()
    same(expected, df_of(pdf, 3).groupby("c", dropna=False)["k"].rolling(2).max())


@pytest.mark.timeout(120)
def test_cumsum_nullable_on_runtime(shared_ray):
    pdf = pd.DataFrame({"x": pd.array([1, 2, 3, 2], dtype="Int64")})
    with dframe.config.override(executor="runtime", progress=False):
        same(pdf["x"].cumsum(), df_of(pdf)["x"].cumsum())


def test_floordiv_by_int_column_with_zero_dtype():
    pdf = pd.DataFrame({"n": pd.array([1, 0, -3, None], dtype="Int64")})
    result = -1 // df_of(pdf)["n"]
    assert result.dtype == (-1 // pdf["n"]).dtype


@pytest.mark.parametrize("dtype", ["bool", "int64"])
def test_min_of_empty_series(dtype):
    pdf = pd.DataFrame({"x": np.array([], dtype=dtype)})
    expected, result = pdf["x"].min(), df_of(pdf)["x"].min()
    assert np.isnan(expected)
    assert np.isnan(result), result


def test_explode_all_missing():
    pdf = pd.DataFrame({"s": pd.array([None, None], dtype="str")})
    expected = pdf["s"].str.split(",").explode()
    same(expected, df_of(pdf)["s"].str.split(",").explode())


def test_replace_with_other_type_then_quantile():
    pdf = pd.DataFrame({"f": [1.0, 2.0]})
    expected = pdf["f"].replace(1.5, "a").quantile([0.1, 0.5])
    same(expected, df_of(pdf, 1)["f"].replace(1.5, "a").quantile([0.1, 0.5]))


def test_max_skipna_false_nullable():
    pdf = pd.DataFrame({"n": pd.array([1, None], dtype="Int64")})
    assert pdf["n"].max(skipna=False) is pd.NA
    assert df_of(pdf)["n"].max(skipna=False) is pd.NA


def test_groupby_shift_empty_bool():
    pdf = pd.DataFrame({"k": np.array([], dtype="int64"), "b": np.array([], dtype=bool)})
    same(pdf.groupby("k")["b"].shift(-1), df_of(pdf).groupby("k")["b"].shift(-1))


def test_join_after_emptying_filter_dtypes():
    left = pd.DataFrame({"n": pd.array([0, -3], dtype="Int64")}, index=[16, 1])
    right = pd.DataFrame({"i": [20]})
    df = df_of(left, 1)
    same(left[left["n"] > 0].join(right).sum(), df[df["n"] > 0].join(df_of(right, 1)).sum())


@pytest.mark.parametrize("npartitions", [1, 3, 7, 40])
def test_outer_join_named_range_index_name(npartitions):
    """An outer join of a named RangeIndex with an unnamed one kept the name at 2+ partitions
    (a pair without right rows keeps its own); pandas' union of two ranges drops it."""
    left = pd.DataFrame({"i": range(22)}, index=pd.RangeIndex(-1, 43, 2, name="idx"))
    right = pd.DataFrame({"k": [1, 2, 3]})
    expected = left.join(right, how="outer")
    same(expected, df_of(left, npartitions).join(df_of(right, 2), how="outer"))


def test_groupby_observed_false_all_categories_dtype():
    pdf = pd.DataFrame(
        {"k": [0, 3, 3], "c": pd.Categorical(["x", "y", "x"], categories=["x", "y"])}
    )
    f = lambda d: d.groupby("c", observed=False).agg(x=("k", "first")).sum()
    same(f(pdf), f(df_of(pdf)))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("target", ["str", "string", "U", object])
def test_astype_str_datetime_per_partition(npartitions, target):
    """astype(str) of datetimes/timedeltas formatted each partition alone: '2024-01-01' where
    pandas writes '2024-01-01 00:00:00' as another row has a time, fractional digits as the
    finest value of the column needs, days only when every timedelta is whole days."""
    times = ["2024-01-01", "2024-01-02", "2024-01-01 05:00", "2023-12-31", "NaT", "2024-01-03"]
    t = pd.Series(pd.to_datetime(times, format="ISO8601"))
    pdf = pd.DataFrame({
        "t": t,
        "ms": t.astype("datetime64[ms]") + pd.to_timedelta([0, 0, 0, 0, 0, 3], unit="ms"),
        "tz": t.dt.tz_localize("America/New_York"),
        "d": t - pd.Timestamp("2023-12-31"),
        "k": range(6),
    })
    df = df_of(pdf, npartitions)
    for f in (
        lambda d: d["t"].astype(target),
        lambda d: d["d"].astype(target),
        lambda d: d.astype(target),
        lambda d: d.astype({"ms": target, "k": "float64"}),
        lambda d: d.iloc[[0, 1, 3]].astype(target),  # all at midnight: dates only
    ):
        same(f(pdf), f(df))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("how", ["inner", "left", "outer"])
def test_inner_join_descending_range_index(npartitions, how):
    """An inner join of a descending RangeIndex kept the left order; pandas intersects the
    ranges, which comes out ascending (a left join keeps the left order)."""
    left = pd.DataFrame({"c": ["y", "z", "x", "w"]}, index=pd.RangeIndex(3, -1, -1))
    right = pd.DataFrame({"i": [-1, 0, 5]})
    expected = left.join(right, how=how)
    same(expected, df_of(left, npartitions).join(df_of(right, 2), how=how))


def test_rank_nan_column_label():
    pdf = pd.DataFrame({"s": pd.array(["b", "a", "b"], dtype="str"), "f": [np.nan, 2.5, 1.0]})
    df = df_of(pdf, 1)
    expected = pd.crosstab(pdf["s"], pdf["f"], dropna=False).rank()
    same(expected, dframe.crosstab(df["s"], df["f"], dropna=False).rank())


def test_groupby_observed_false_bool_max():
    pdf = pd.DataFrame(
        {"c": pd.Categorical(["x", "y"], categories=["x", "y", "w"]), "r": [True, False]}
    )
    same(pdf.groupby("c", observed=False).max(), df_of(pdf).groupby("c", observed=False).max())


# ---- found by the long run (20,000 chains) ---------------------------------------------------


def test_column_with_a_private_looking_name_as_attribute():
    left, right = pd.DataFrame({"k": [1, 2]}), pd.DataFrame({"k": [1]})
    expected = left.merge(right, how="left", indicator=True)._merge
    same(expected, df_of(left).merge(df_of(right, 1), how="left", indicator=True)._merge)


def test_nunique_without_columns():
    pdf = pd.DataFrame(index=[1, 2])
    same(pdf.nunique(), df_of(pdf, 1).nunique())


def test_stack_mixed_kinds_with_na_per_partition():
    pdf = pd.DataFrame(
        {"nb": pd.array([None, True], dtype="boolean"), "c": pd.Categorical(["z", "z"])},
        index=[7, 15],
    )
    same(pdf.stack(), df_of(pdf, 2).stack())


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_stack_of_a_partition_where_a_column_is_all_missing(npartitions):
    """CI's differential run (stop 17): a categorical missing in the last partition only, beside
    datetimes — that partition alone stacks to datetime64 (NaN became NaT); pandas: object, NaN.
    And a column missing everywhere does not vote (int beside all-NaN floats stacks to float)."""
    pdf = pd.DataFrame({
        "c": pd.Categorical(["x"] * 6 + [None], categories=["x", "y"]),
        "s": ["a"] * 7,
        "t": pd.to_datetime(["2024-01-01"] * 7),
    })
    same(pdf.set_index("s", append=True).stack(), df_of(pdf, npartitions).set_index("s", append=True).stack())
    pdf = pd.DataFrame({"cn": pd.Categorical([None] * 5, categories=["x"]), "i": range(5), "f": [np.nan] * 5})
    same(pdf.stack(), df_of(pdf, npartitions).stack())
    same(pdf[["cn", "f"]].stack(), df_of(pdf, npartitions)[["cn", "f"]].stack())


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize(
    "values",
    [
        [pd.NA, "z", True, "z"],
        [["z", pd.NA], [], [True], None],
        [[pd.NA], ["z", None], [], [np.nan, "y"]],
        [[pd.NA, None], [], [pd.NA], None],
        [["z"], ["y", pd.NaT], pd.NA, ["x"]],
    ],
)
def test_explode_object_with_na_per_partition(npartitions, values):
    """explode inferred the dtype per partition: a partition of strings and <NA> only became
    str, its <NA> NaN, where pandas' whole column stays object and keeps <NA> (and a partition
    of missing values only stayed object where the whole column is str)."""
    s = pd.Series(values, dtype=object)
    same(s.explode(), dframe.from_pandas(s, npartitions=npartitions).explode())
    pdf = pd.DataFrame({"a": s, "b": s.map(lambda v: v[::-1] if isinstance(v, list) else v),
                        "i": range(len(s))})
    for column in ("a", ["a", "b"], ["b", "a"]):
        for ignore_index in (False, True):
            same(pdf.explode(column, ignore_index=ignore_index),
                 df_of(pdf, npartitions).explode(column, ignore_index=ignore_index))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_groupby_cumcount_missing_key_dtype(npartitions):
    """Fixed: groupby cumcount with a missing key (dropna) is float64 (NaN there) in every
    partition (the shuffle home gives all partitions the dtype of the rows with a missing key),
    and a later shift takes its dtype from the partitions' dtypes, not from the plan's int64 (it
    raised IntCastingNaNError)."""
    pdf = pd.DataFrame({"nb": pd.array([True, None, False, True], dtype="boolean")})
    f = lambda d: d.groupby(["nb"], sort=False).cumcount().shift(2, fill_value=0.0)
    same(f(pdf), f(df_of(pdf, npartitions)))


@pytest.mark.parametrize(
    ("method", "values"),
    [("cumprod", [0.0, np.inf, -2.0, np.nan, 3.0]), ("cumsum", [1.0, np.inf, np.nan, -np.inf, 2.0])],
)
def test_cumulative_nan_made_by_the_values_stays(method, values):
    # 0 * inf and inf - inf make the running value NaN for good; only a missing input is skipped
    s = pd.Series(values)
    for n in (2, 3):
        same(getattr(s, method)(), getattr(dframe.from_pandas(s, npartitions=n), method)())


def test_pivot_table_dropna_false_categorical_columns():
    pdf = pd.DataFrame(
        {
            "i": [17, 15, 6],
            "c": pd.Categorical(["z", None, "x"], categories=["z", "x", "y"]),
            "k": [1, 3, 0],
        }
    )
    kwargs = {"index": "i", "columns": "c", "values": "k", "aggfunc": "sum", "fill_value": 0}
    kwargs.update(dropna=False, observed=False)
    same(pdf.pivot_table(**kwargs), df_of(pdf, 2).pivot_table(**kwargs))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_groupby_observed_false_keys_of_dropped_rows(npartitions):
    """Fixed: groupby(observed=False) of several keys: values of a key seen only in rows dropped
    for another key's missing value make groups (with every category), as in pandas."""
    pdf = pd.DataFrame(
        {
            "i": [17, 15, 6],
            "c": pd.Categorical(["z", None, "x"], categories=["z", "x", "y"]),
            "k": [1, 3, 0],
        }
    )
    f = lambda d: d.groupby(["i", "c"], observed=False)[["k"]].sum()
    same(f(pdf), f(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_groupby_cummin_bool_missing_key(npartitions):
    """Fixed: groupby cummin of a bool column with a missing key (dropna) is float64 in every
    partition (partitions without a missing key gave bool, so the whole was object)."""
    pdf = pd.DataFrame({"b": [True, False, False], "k": [3, 3, 0]})
    pdf["t"] = pd.to_datetime([None, "2024-01-01", "2024-01-02"])
    f = lambda d: d.groupby(["k", "t"], sort=False)[["b"]].cummin()
    same(f(pdf), f(df_of(pdf, npartitions)))


def test_groupby_diff_bool_with_a_partition_without_groups():
    # pandas' diff of bools raises on no rows; a shuffled partition without rows must not ask
    pdf = pd.DataFrame({"r": [True, False, True, True], "b": [True, False, True, False]})
    same(pdf.groupby("r")["b"].diff(), df_of(pdf, 3).groupby("r")["b"].diff())


def test_shift_bool_emptied_by_head():
    pdf = pd.DataFrame({"b": [True, False], "k": [1, 2]})
    assert list(df_of(pdf).head(0).shift(1).dtypes) == list(pdf.head(0).shift(1).dtypes)


def test_astype_mapping_then_select_another_column():
    # the selection is pushed below the astype: the mapping names a column it no longer has
    pdf = pd.DataFrame({"s": pd.array(["a", None], dtype="str"), "c": pd.Categorical(["x", "z"])})
    same(pdf.astype({"c": "object"}).s, df_of(pdf).astype({"c": "object"}).s)


def test_join_object_index_true_matches_int_label_one():
    # pandas matches an object label True with an int label 1: both must meet in the shuffle
    left = pd.DataFrame({"a": [0.0, 1.0, 2.0]}, index=pd.Index([np.nan, True, "All"], dtype=object))
    right = pd.DataFrame({"k": [5, 6]})
    with dframe.config.override(merge_strategy="shuffle"):
        same(left.join(right), df_of(left, 3).join(df_of(right, 2)))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_drop_duplicates_ignore_index_without_rows(npartitions):
    """As test_drop_duplicates_without_rows, with a subset and a str index."""
    pdf = pd.DataFrame({"c": pd.Categorical([])}, index=pd.Index([], dtype="str"))
    f = lambda d: d.drop_duplicates(["c"], ignore_index=True)
    same(f(pdf), f(df_of(pdf, npartitions)))


def test_sort_index_categorical_with_missing_label_across_partitions():
    # the seams between partitions compared str with NaN (TypeError), not by category order
    index = pd.CategoricalIndex(["z", "z", None, "z", "y"], categories=["z", "x", "y", "w"])
    pdf = pd.DataFrame({"v": range(5)}, index=index)
    same(pdf.sort_index(na_position="first"), df_of(pdf, 3).sort_index(na_position="first"))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_groupby_every_row_with_a_missing_key_levels(npartitions):
    """Fixed: groupby where every row has a missing key: the empty result keeps the keys' values
    as index levels, as pandas' does."""
    pdf = pd.DataFrame({"c": pd.Series(["x", None], dtype=object), "f": [np.nan, 1.0], "b": [1, 2]})
    f = lambda d: d.groupby(["c", "f"])[["b"]].var(ddof=0)
    same(f(pdf), f(df_of(pdf, npartitions)))


def test_dt_integer_field_with_nat_dtype():
    s = pd.Series(pd.to_datetime(["2024-01-01", None]))
    assert dframe.from_pandas(s, npartitions=1).dt.day.dtype == s.dt.day.dtype


def test_loc_setitem_after_explode_keeps_str():
    pdf = pd.DataFrame({"k": [2, 0], "c": pd.Categorical(["y", "x"])})

    def f(d):
        d = d.assign(r=d["c"].str.split(",")).explode("r", ignore_index=True)
        d = d.copy()
        d.loc[d["k"] > 0, ["c"]] = "x"
        return d

    same(f(pdf), f(df_of(pdf, 1)))


def test_reset_index_of_a_named_range_index_names_the_column():
    # the made-up rows dframe plans with dropped the RangeIndex's name: the column was "index"
    pdf = pd.DataFrame({"k": [1, 2]}, index=pd.RangeIndex(-3, -5, -1, name="idx"))
    assert list(df_of(pdf).reset_index().columns) == list(pdf.reset_index().columns)
    same(pdf.reset_index()["idx"], df_of(pdf).reset_index()["idx"])


def test_prod_nan_made_by_the_values_in_one_partition():
    # 0 * inf in one partition is NaN for good; merging the partials must not skip it
    pdf = pd.DataFrame({"f": [0.25, np.inf, -0.0, 1000.0, 3.0, np.nan]})
    for n in (2, 3):
        same(pdf.prod(), df_of(pdf, n).prod())
        assert np.isnan(df_of(pdf, n)["f"].prod())


def test_str_after_split_with_a_partition_of_missing_values():
    pdf = pd.DataFrame({"s": pd.array(["a,b", "c", None, None, None, None], dtype="str")})
    f = lambda d: d["s"].str.split(",").str.len()
    same(f(pdf), f(df_of(pdf, 3)))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("values", [["z", "x", "z", None, None], ["y", "x", "z", None, "x"]])
def test_pivot_categorical_columns_with_missing_values_order(npartitions, values):
    """pivot/unstack on a categorical key with unused categories and missing values: pandas
    orders the level by first appearance and brings the missing value first by swapping it with
    the first value (z, x, NaN -> NaN, x, z); dframe moved the missing value alone."""
    cats = ["z", "x", "y", "w"]
    pdf = pd.DataFrame(
        {
            "k": [2, 2, 1, 1, 0],
            "c": pd.Categorical(values, categories=cats, ordered=True),
            "v": [1, 2, 3, 4, 5],
        }
    )
    df = df_of(pdf, npartitions)
    same(pdf.pivot(index="k", columns="c"), df.pivot(index="k", columns="c"))
    f = lambda d: d.set_index(["k", "c"])["v"].unstack()
    same(f(pdf), f(df))


def test_join_of_a_frame_with_repeated_column_labels():
    # get_dummies with one prefix for two columns repeats labels; the merge's common dtypes
    # were keyed by label (zip() argument 2 is shorter than argument 1)
    pdf = pd.DataFrame(
        {"k": [2, 1, 2, 0], "s": ["a", "ba", None, "a"], "c": ["y", None, "x", "y"]}
    )
    other = pd.DataFrame({"k": [1, 3, 0, 1, 3, 2, 3, 1], "i": [9, 19, 8, -2, 19, -5, 20, -2]})
    f = lambda d, o: d.join(o.set_index("k"), on="k").all(skipna=False)
    g = lambda d: dframe.get_dummies(d, prefix="p", dummy_na=True, dtype=int)
    expected = f(pd.get_dummies(pdf, prefix="p", dummy_na=True, dtype=int), other)
    for n in (1, 3):
        same(expected, f(g(df_of(pdf, n)), df_of(other, 1)))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("same_range", [False, True])
def test_reset_index_after_inner_join_of_named_range_index(npartitions, same_range):
    """An inner join of a named RangeIndex with an unnamed one said before computing that the
    name stays; pandas drops it when the ranges differ (keeps it when they are equal), so
    reset_index named the column 'idx' where pandas says 'index'."""
    left = pd.DataFrame({"i": range(5)}, index=pd.RangeIndex(-1, 9, 2, name="idx"))
    right = pd.DataFrame(
        {"k": [1, 2, 3, 4, 5]}, index=left.index.rename(None) if same_range else None
    )
    expected = left.join(right, how="inner").reset_index()
    result = df_of(left, npartitions).join(df_of(right, 1), how="inner").reset_index()
    assert list(result.columns) == list(expected.columns)  # before computing
    same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 3, 5])
def test_groupby_agg_list_of_several_keys_with_empty_partitions(npartitions):
    """Found by CI's run on 30c35be: an aggregation that moves rows (agg with a list) by two keys,
    with partitions left empty by drop_duplicates, raised KeyError: the empty partitions' results
    had no key levels to cut into ranges."""
    pdf = pd.DataFrame({"k": [0, 0], "i": [0, 0], "f": [1.0, 1.0], "n": pd.array([1, 1], "Int64")})
    chain = lambda d: d.drop_duplicates().groupby(["k", "i"], as_index=False)["f"].agg(["sum"])
    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_series_unstack_of_a_level_with_missing_values(npartitions):
    """Found by CI's differential run after 3c13533 (value_counts, shift, unstack): the level
    holds <NA> as a value, but value_counts codes its rows as missing (-1), so pandas counts the
    level as fully used and keeps level order with the missing rows' column first; dframe took
    the <NA> for the level's own value and put it last."""
    pdf = pd.DataFrame({
        "c": pd.Categorical(["x"] * 4, categories=["x", "y"]), "i": [0] * 4,
        "nb": pd.array([True, True, True, None], dtype="boolean"),
    })
    chain = lambda d: d.value_counts(dropna=False).shift(1).unstack()
    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_concat_with_an_empty_frame_without_columns(npartitions):
    """Found by the differential run after b707c3b (crosstab of empty columns, then concat):
    pandas leaves out a frame of no rows and no columns (index name and dtypes with it) when
    anything else is left; a frame without columns but with rows stays (float64 then), and
    the index is named only where all inputs agree (dframe kept the name of the partitions with
    rows)."""
    pdf = pd.DataFrame({"k": np.array([], dtype="int64"), "i": np.array([], dtype="int64")})
    other = pd.DataFrame({"k": np.array([], dtype="int64")})
    d, o = df_of(pdf, npartitions), df_of(other, npartitions)
    same(pd.concat([pd.crosstab(pdf["k"], pdf["i"]), other]), dframe.concat([dframe.crosstab(d["k"], d["i"]), o]))
    rows = pd.DataFrame(index=pd.Index(["a", "b"], name="q"))
    for objs in ([rows.iloc[:0], other], [rows, other], [other, rows.iloc[:0], other]):
        same(pd.concat(objs), dframe.concat([df_of(x, npartitions) for x in objs]))
    same(pd.concat([rows.iloc[:0]] * 2), dframe.concat([df_of(rows.iloc[:0], npartitions)] * 2))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_window_of_strings_without_rows(npartitions):
    """Found by the differential run of this session (astype('str') of an empty frame, then a
    grouped rolling sum): pandas sums no strings, or strings of numbers, without complaint;
    dframe raised DataError at the call from its made-up sample values. Strings pandas rejects
    raise pandas' DataError when computed."""
    pdf = pd.DataFrame({"k": np.array([], dtype="int64"), "i": np.array([], dtype="int64")})
    f = lambda d: d.astype("str").groupby(["k"])["i"].rolling(1).sum()
    same(f(pdf), f(df_of(pdf, npartitions)))
    numbers = pd.DataFrame({"k": [1, 2, 1], "i": [2, 3, 4]})
    same(f(numbers), f(df_of(numbers, npartitions)))
    words = pd.DataFrame({"k": [1, 2, 1], "i": ["a", "b", "c"]})
    with pytest.raises(pd.errors.DataError):
        f(words)
    with pytest.raises(pd.errors.DataError):
        f(df_of(words, npartitions)).to_pandas()


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_pivot_table_observed_false_unsorted_plain_columns(npartitions):
    """pivot_table(observed=False, sort=False) with a categorical index: a plain columns key
    came out sorted where pandas keeps its first appearance — the groupby's index (every
    category with each plain value) was built with sorted levels, which pivoting lays out."""
    pdf = pd.DataFrame(
        {
            "k": [0, 0, 0, 1],
            "c": pd.Categorical(["x", "x", "x", "x"], categories=["x", "y"]),
            "t": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01", "2023-12-31"]),
        }
    )
    df = df_of(pdf, npartitions)
    f = lambda d: d.pivot_table(
        index="c", columns="t", values="k", aggfunc="count", observed=False, sort=False
    )
    same(f(pdf), f(df))
    g = lambda d: d.groupby(["c", "t"], observed=False, sort=False)[["k"]].sum()
    same(g(pdf), g(df))
    levels = g(df).to_pandas().index.levels
    assert [list(x) for x in levels] == [list(x) for x in g(pdf).index.levels]


def test_merge_of_unlike_keys_without_rows():
    """Found by the differential run of this session (astype('str') of an empty frame, merge)."""
    pdf = pd.DataFrame({"k": np.array([], dtype="int64"), "i": np.array([], dtype="int64")})
    other = pd.DataFrame({"k": [0]})
    f = lambda d, o: d.astype("str").merge(o, on="k", how="inner")
    same(f(pdf, other), f(df_of(pdf, 1), df_of(other, 1)))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("strategy", ["auto", "shuffle"])
def test_merge_of_unlike_keys_with_a_side_a_filter_emptied(npartitions, strategy):
    """A str key on an int key where a filter emptied a side: pandas merges (it checks the keys
    only when both sides have rows); dframe raised ValueError at the call, from its made-up
    sample values. Where both sides have rows, pandas' ValueError is raised when computed."""
    pdf = pd.DataFrame({"k": [1, 2, 0], "i": [3, 4, 12]})
    other = pd.DataFrame({"k": [0, 1]})
    with dframe.config.override(merge_strategy=strategy):
        for how in ("inner", "outer"):
            f = lambda d, o, how=how: d[d["i"] > 99].astype("str").merge(o, on="k", how=how)
            same(f(pdf, other), f(df_of(pdf, npartitions), df_of(other, 1)))
            g = lambda d, o, how=how: o.merge(d[d["i"] > 99].astype("str"), on="k", how=how)
            same(g(pdf, other), g(df_of(pdf, npartitions), df_of(other, 1)))
        f = lambda d, o: d[d["i"] > 9].astype("str").merge(o, on="k")
        with pytest.raises(ValueError, match="You are trying to merge on") as expected:
            f(pdf, other)
        with pytest.raises(ValueError) as raised:
            f(df_of(pdf, npartitions), df_of(other, 1)).to_pandas()
        assert str(raised.value) == str(expected.value)


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("margins", [False, True])
def test_pivot_table_without_rows(npartitions, margins):
    """Found by a differential run with seed 11 (pivot_table with margins of an empty frame,
    then rename and sort_values of the value column: KeyError): dframe's table had no columns
    where pandas keeps the value column (and an 'All' row)."""
    pdf = pd.DataFrame(
        {"k": np.array([], dtype="int64"), "b": np.array([], dtype=bool)},
        index=pd.Index([], dtype="int64", name="idx"),
    )
    for options in ({"aggfunc": "sum", "fill_value": 0}, {"aggfunc": "mean"}, {"sort": False}):
        f = lambda d, options=options: d.pivot_table(
            index="k", values="b", margins=margins, **options
        )
        same(f(pdf), f(df_of(pdf, npartitions)))


def test_unstack_rows_of_a_categorical_level_with_missing_values():
    pdf = pd.DataFrame(
        {
            "c": pd.Categorical(["x", "y", "x", None], categories=["x", "y", "z"]),
            "k": [0, 0, 0, 0],
            "i": [3, 7, 1, 0],
        }
    )
    f = lambda d: d.set_index(["c", "i"])["k"].unstack()
    same(f(pdf), f(df_of(pdf, 1)))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_unstack_after_value_counts_of_rows_with_missing_values(npartitions):
    """Found by a differential run with seed 11 (value_counts, sort_index, head, unstack).
    value_counts of several columns at 2+ partitions built its index levels from the counted
    groups only; pandas' levels also hold values of rows value_counts dropped (a missing value
    in another column), in order of first appearance, so a later unstack ordered rows by first
    appearance (unused level values) in pandas and by value in dframe."""
    pdf = pd.DataFrame({
        "k": [0] * 8, "i": [2, 3, 5, 0, 2, 5, 0, 2],
        "n": pd.array([1, 1, 1, 1, 1, 1, None, 1], dtype="Int64"),
        "s": pd.array(["a", "a", "a", None, "a", "a", "a", "a"], dtype="str"),
    })
    f = lambda d: d.value_counts().sort_index(ascending=False).head(3).unstack()
    same(f(pdf), f(df_of(pdf, npartitions)))
    for options in ({}, {"sort": False}, {"dropna": False}, {"subset": ["s", "i"]}):
        expected = pdf.value_counts(**options).index
        result = df_of(pdf, npartitions).value_counts(**options).to_pandas().index
        for level, expected_level in zip(result.levels, expected.levels, strict=True):
            pd.testing.assert_index_equal(level, expected_level)



@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_idxmax_of_a_frame_without_columns(npartitions):
    """Found by a differential run with seed 53 (melt, groupby sum, isna, idxmax). pandas
    answers a frame without columns by whether it has rows: with rows, an empty Series of the
    index' dtype over a RangeIndex; without, one over the (empty) columns. The per-partition
    candidates had no rows, so the answer was the one without rows (the columns' 'str')."""
    pdf = pd.DataFrame({"k": np.array([0], dtype="int64")})
    f = lambda d: d.melt().groupby(["variable", "value"]).sum().isna().idxmax(numeric_only=True)
    same(f(pdf), f(df_of(pdf, npartitions)))
    no_columns = pd.DataFrame(index=pd.Index(["a", "b", "c"]), columns=pd.Index([], dtype="str"))
    for frame in (no_columns, no_columns.iloc[:0], no_columns.iloc[:1]):
        for name in ("idxmax", "idxmin"):
            same(getattr(frame, name)(), getattr(df_of(frame, npartitions), name)())


@pytest.mark.parametrize("npartitions", [1, 3])
def test_value_counts_of_a_frame_with_int_column_labels(npartitions):
    """Found by the fixed seed after session 6's generator changes (crosstab(normalize), concat,
    value_counts): merging the partial counts grouped by ``level=[0, 1, ...]``, which pandas
    reads as level *names* where column labels are ints, so the values of the rows were shuffled
    between levels."""
    pdf = pd.DataFrame({-1: [0.5, 0.5, 0.25], 0: [1.0, 1.0, 2.0], 2: [3, 3, 4], 1: [7, 7, 8]})
    for options in ({}, {"sort": False}, {"normalize": True, "dropna": False}):
        same(pdf.value_counts(**options), df_of(pdf, npartitions).value_counts(**options))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_rank_of_a_column_labelled_missing(npartitions):
    """Found by the long run with seed 9002 (quantile, get_dummies(dummy_na=True), rank): the
    column labelled <NA> names its value counts <NA>, and pandas' reindex compared the names
    with == (TypeError: boolean value of NA is ambiguous)."""
    pdf = pd.DataFrame(
        [[True, False, False], [False, True, False]],
        index=["k", "n"],
        columns=pd.array([1.0, 2.0, None], dtype="Float64"),
    )
    same(pdf.rank(ascending=False), df_of(pdf, npartitions).rank(ascending=False))


EXPLODED_KINDS = {
    "timestamps_and_nan": [[pd.Timestamp("2024-01-01")], [np.nan], [pd.Timestamp("2024-01-05")]],
    "units": [[pd.Timestamp("2024-01-01")], [None], [pd.Timestamp("2024-01-01 00:00:00.000001")]],
    "time_zones": [[pd.Timestamp("2024-01-01")], [pd.NaT], [pd.Timestamp("2024-01-01", tz="UTC")]],
    "timedeltas": [[pd.Timedelta(1)], [None], []],
    "uint64_range": [[1, 2], [2**63], [None]],
    "beyond_int64": [[1, 2], [2**63], [-1]],
    "periods": [[pd.Period("2024-01", "M")], [pd.Period("2024-02", "M")], [None]],
    "floats_and_ints": [[1.5], [2], [np.int64(-3)]],
}


@pytest.mark.parametrize("npartitions", [1, 2, 3, 6])
@pytest.mark.parametrize("kind", sorted(EXPLODED_KINDS))
def test_explode_infers_the_whole_column(kind, npartitions):
    """Found by the long run with seed 9006 (std(skipna=False), explode): pandas infers an
    exploded column's dtype from all its elements (datetime64[s] from Timestamps and NaN); each
    partition now infers beside one element of each kind found in any partition."""
    s = pd.Series(EXPLODED_KINDS[kind] * 2, dtype=object)
    same(s.explode(), dframe.from_pandas(s, npartitions=npartitions).explode())
    pdf = pd.DataFrame({"a": s, "b": s, "x": range(len(s))})
    same(pdf.explode(["a", "b"]), df_of(pdf, npartitions).explode(["a", "b"]))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_where_that_replaces_nothing_keeps_int64(npartitions):
    """Found by the long run with seed 9008 (value_counts, where, cumsum): ``where`` whose
    condition holds everywhere keeps int64 (pandas), and a cumsum after it plans on that."""
    pdf = pd.DataFrame({"b": [True] * 5 + [False] * 19 + [True] * 3})
    pdf["i"] = pdf.b.astype(int)
    f = lambda d: d.b.value_counts(sort=False).where(lambda c: c >= 5)
    same(f(pdf), f(df_of(pdf, npartitions)))
    same(f(pdf).cumsum(skipna=False), f(df_of(pdf, npartitions)).cumsum(skipna=False))
    g = lambda d: d.i.where(d.i > -1)  # no NaN made: int64 at any partitioning
    same(g(pdf), g(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_unstack_of_a_groupby_cumcount_over_missing_keys(npartitions):
    """Found by the long run with seed 9007 (groupby agg, groupby cumcount, unstack): a
    cumcount is float64 when a key is missing (NaN in those rows), int64 otherwise — known once
    computed; unstack planned its columns' dtypes on int64 and failed to cast NaN."""
    pdf = pd.DataFrame({"a": [1, 1, 2, 2], "b": [0, 1, 0, 1], "x": [1.0, np.nan, 1.0, 2.0]})
    f = lambda d: d.set_index(["a", "b"]).groupby("x").cumcount().unstack(0)
    same(f(pdf), f(df_of(pdf, npartitions)))
    same(f(pdf.fillna(3.0)), f(df_of(pdf.fillna(3.0), npartitions)))  # no missing key: int64


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_melt_of_a_value_column_missing_everywhere(npartitions):
    """Found by the long run with seed 9002 (a right merge matching nothing, then melt):
    pandas concatenates value columns of unlike dtypes into objects and its constructor infers
    their dtype from all of them (datetimes beside NaN only: datetime64; strings: str)."""
    frames = [
        pd.DataFrame({"i": [np.nan] * 3, "t": pd.to_datetime(["2024-01-01", None, "2024-01-02"])}),
        pd.DataFrame({"f": [np.nan] * 3, "s": pd.array(["a", None, "b"], dtype="str")}),
        pd.DataFrame({"f": [np.nan, 1.0, np.nan], "s": pd.array(["a", None, "b"], dtype="str")}),
    ]
    for pdf in frames:
        same(pdf.melt(), df_of(pdf, npartitions).melt())
        same(pdf.melt(ignore_index=False), df_of(pdf, npartitions).melt(ignore_index=False))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("dtype", ["Int64", "boolean", "Float64"])
def test_value_counts_of_a_nullable_column_counts_na_last(dtype, npartitions):
    """Found by the long run with seed 9007 (value_counts(dropna=False), nsmallest keep='all'):
    pandas appends <NA>'s count after a nullable column's values; merged partial counts put it
    where a partition first held it."""
    values = [1, None, 0, 0, None, 1, 1]  # (booleans: True, <NA>, False)
    s = pd.Series(values, dtype=dtype, name="n")
    for kwargs in ({"sort": False}, {}, {"ascending": True}):
        same(s.value_counts(dropna=False, **kwargs), df_of(s.to_frame(), npartitions).n.value_counts(dropna=False, **kwargs))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_drop_duplicates_that_drops_every_row_renumbers(npartitions):
    """Found by the long run with seed 9008 (pivot_table, drop_duplicates(keep=False,
    ignore_index=True)): a frame whose rows are all duplicates comes back renumbered (an empty
    RangeIndex); only a frame that had no rows keeps its labels."""
    pdf = pd.DataFrame({"a": [1, 1, 2, 2]}, index=["w", "x", "y", "z"])
    f = lambda d: d.drop_duplicates(keep=False, ignore_index=True)
    same(f(pdf), f(df_of(pdf, npartitions)))
    same(f(pdf.iloc[:0]), f(df_of(pdf.iloc[:0], npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_drop_beside_a_repeated_column_label(npartitions):
    """Found by the long run with seed 9006 (assign, rename to a label in use, drop): dropping a
    column of a frame whose other labels repeat kept each repeated column twice."""
    pdf = pd.DataFrame({"c": [1, 2, 3], "k": [4, 5, 6], "r": [7, 8, 9]}).rename(columns={"k": "r"})
    same(pdf.drop(columns=["c"]), df_of(pdf, npartitions).drop(columns=["c"]))
    same(pdf.drop("c", axis=1), df_of(pdf, npartitions).drop("c", axis=1))
@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("name", ["median", "quantile"])
def test_median_quantile_of_object_column_labels(npartitions, name):
    """Was left out of the generator (frame_reduce, frame_summary): an object Index of int
    column labels came back int64. Matches since."""
    pdf = pd.DataFrame([[0.5, 1.0], [1.0, 2.0], [3.0, 4.0]], columns=pd.Index([1, 3], dtype=object))
    f = lambda d: getattr(d, name)(numeric_only=True)
    same(f(pdf), f(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_agg_min_max_of_object_column_labels(npartitions):
    """agg(['min', 'max']) re-inferred an object Index of int column labels as int64 (the
    columns were joined by concat of a dict)."""
    pdf = pd.DataFrame(
        [[0.5, 1.0], [1.0, 2.0], [3.0, 4.0]], columns=pd.Index([1, 3], dtype=object, name="n")
    )
    same(pdf.agg(["min", "max"]), df_of(pdf, npartitions).agg(["min", "max"]))


@pytest.mark.parametrize(
    "dtype", ["bool", "int64", "float64", "boolean", "Int64", "timedelta64[ns]", "str"]
)
@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_min_max_without_rows(dtype, npartitions):
    """Was left out of the generator (series.reduce, frame_reduce, frame_summary): min/max of
    columns without rows. The reductions match since; agg(['min', 'max']) cast the NaN of an
    empty int64 column back to int64 (IntCastingNaNError), kept bool, and took a timedelta
    column's NaT for datetimes (TypeError)."""
    pdf = pd.DataFrame({"x": pd.Series([], dtype=dtype), "f": pd.Series([], dtype=float)})
    df = df_of(pdf, npartitions)
    for name in ("min", "max"):
        same(getattr(pdf, name)(), getattr(df, name)())
        same(getattr(pdf, name)(numeric_only=True), getattr(df, name)(numeric_only=True))
        expected, result = getattr(pdf["x"], name)(), getattr(df["x"], name)()
        assert type(result) is type(expected) and pd.isna(result) and pd.isna(expected)
    same(pdf.agg(["min", "max"]), df.agg(["min", "max"]))
    same(pdf.agg(["min", "count"]), df.agg(["min", "count"]))


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_agg_min_max_of_a_timedelta_column_without_values(npartitions):
    """The NaT a timedelta column without values gives was taken for datetimes (TypeError)."""
    pdf = pd.DataFrame({"t": pd.Series([None, None, None], dtype="m8[ns]"), "i": [1, 2, 3]})
    same(pdf.agg(["min", "max"]), df_of(pdf, npartitions).agg(["min", "max"]))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_groupby_sum_of_strings_over_unobserved_categories(npartitions):
    """Found when observed=False pivot tables of categorical columns came back to the
    generator: a group without rows summed a string column to '0' where pandas gives '' (an
    object column: 0)."""
    pdf = pd.DataFrame(
        {
            "c": pd.Categorical(["x", "x", "x"], categories=["x", "y"]),
            "i": pd.Categorical(["a", "a", "b"], categories=["a", "b", "q"]),
            "s": ["u", "v", "w"],
            "t": pd.Series(["a", "b", None], dtype="string"),
            "o": pd.Series(["u", "v", "w"], dtype=object),
        }
    )
    df = df_of(pdf, npartitions)
    f = lambda d: d.groupby(["i", "c"], observed=False)[["s", "t", "o"]].sum()
    same(f(pdf), f(df))
    same(f(pdf)["s"], df.groupby(["i", "c"], observed=False)["s"].sum())
    options = {"index": "i", "columns": "c", "values": "s", "aggfunc": "sum", "observed": False}
    for margins in (False, True):
        g = lambda d, margins=margins: d.pivot_table(**options, margins=margins)
        same(g(pdf), g(df))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_unstack_after_stack_of_an_unsorted_index(npartitions):
    """Found by the long run with seed 9002 (rank, stack, unstack(-1)): pandas' stack has the
    whole index as its level (in the frame's order) and unstack orders rows by it; each
    partition's stack had its own piece of the index as its level, and the union of those
    pieces is sorted."""
    pdf = pd.DataFrame({"k": [0, 2, 3, 1], "n": [5, 1, 2, 2]}, index=pd.RangeIndex(2, -2, -1))
    df = df_of(pdf, npartitions)
    f = lambda d: d.stack().unstack(-1)
    same(f(pdf), f(df))
    same(pdf.stack().unstack(0), df.stack().unstack(0))
    g = lambda d: d[d["k"] > 0].stack().unstack(-1)  # a level with values no row uses
    same(g(pdf), g(df))
    mixed = pdf.assign(s=["a", None, "c", "d"], n=[5.0, None, 2.0, 2.0])
    mixed.index = pd.Index([1.0, np.nan, 0.5, 2.0])  # a missing label is a level value
    same(mixed.stack().unstack(-1), df_of(mixed, npartitions).stack().unstack(-1))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
def test_pivot_table_observed_false_unsorted_categorical_columns_missing_index(npartitions):
    """pivot_table(observed=False, sort=False, dropna=False) with categorical columns put a
    missing index value where it first appears; pandas puts it first (its code is -1 in the
    aggregation's index, though the level holds NaN). Its column stays at the level's NaN."""
    pdf = pd.DataFrame(
        {
            "c": pd.Categorical(["x", "y", "x"], categories=["x", "y"]),
            "f": [1.0, None, 2.0],
            "v": [1, 2, 3],
        }
    )
    df = df_of(pdf, npartitions)
    for index, columns in (("f", "c"), ("c", "f")):
        f = lambda d, index=index, columns=columns: d.pivot_table(
            index=index, columns=columns, values="v", aggfunc="sum", observed=False,
            dropna=False, sort=False,
        )  # fmt: skip
        same(f(pdf), f(df))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("missing", [False, True])
def test_groupby_observed_false_unsorted_categorical_key_level(npartitions, missing):
    """pivot_table(observed=False, sort=False) with a categorical index laid out x, z, y where
    pandas gives z, x, y: with several keys and dropna, the groupby's level of a categorical
    key was its categories by first appearance; pandas' is every category in the categories'
    order (which its unstack, and so pivot_table, lays out)."""
    pdf = pd.DataFrame(
        {
            "i": pd.Categorical(["x", None if missing else "x", "z", "y", "x"],
                                categories=["z", "x", "y"]),  # fmt: skip
            "c": [1, 2, 1, 2, 2],
            "v": [1, 2, 3, 4, 5],
        }
    )
    df = df_of(pdf, npartitions)
    for sort in (False, True):
        g = lambda d, sort=sort: d.groupby(["i", "c"], observed=False, sort=sort)["v"].sum()
        same(g(pdf), g(df))
        same(g(pdf).unstack("c"), g(df).unstack("c"))  # (the levels decide its order)
        same(g(pdf).unstack("i"), g(df).unstack("i"))
        f = lambda d, sort=sort: d.pivot_table(
            index="i", columns="c", values="v", aggfunc="sum", observed=False, sort=sort
        )
        same(f(pdf), f(df))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("step", ["shift", "shift back", "diff"])
def test_groupby_shift_of_int_and_bool_columns_without_rows(npartitions, step):
    """Was left out of the generator (groupby transform): shift of an empty int64/bool column
    changed its dtype. Matches since."""
    pdf = pd.DataFrame(
        {
            "k": np.array([], dtype="int64"),
            "i": np.array([], dtype="int64"),
            "b": np.array([], dtype=bool),
        }
    )
    df = df_of(pdf, npartitions)
    run = {"shift": lambda g: g.shift(1), "shift back": lambda g: g.shift(-1)}
    if step == "diff":
        same(pdf.groupby("k")["i"].diff(), df.groupby("k")["i"].diff())
        with pytest.raises(TypeError):  # as pandas: numpy has no subtraction of bools
            df.groupby("k")[["i", "b"]].diff().to_pandas()
        return
    for column in ("i", "b", ["i", "b"]):
        same(run[step](pdf.groupby("k")[column]), run[step](df.groupby("k")[column]))
    same(pdf.shift(1), df.shift(1))


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_merge_sorted_on_categorical_keys_of_different_dtypes(npartitions, how):
    """Was left out of the generator (merge with sort=True or how='outer'): a categorical key
    ordered on one side only raised TypeError (Cannot set a Categorical with another). Matches
    since."""
    left = pd.DataFrame(
        {"c": pd.Categorical(["z", None, "x"], categories=["z", "x"]), "v": [1, 2, 3]}
    )
    right = pd.DataFrame(
        {"c": pd.Categorical(["z", "x"], categories=["z", "x"], ordered=True), "w": [7, 8]}
    )
    for a, b in ((left, right), (right, left)):
        for sort in (True, False):
            expected = a.merge(b, on="c", how=how, sort=sort)
            result = df_of(a, npartitions).merge(df_of(b, 2), on="c", how=how, sort=sort)
            same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 2, 3, 7])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("strategy", ["shuffle", "broadcast"])
def test_merge_categorical_key_on_int_key_partition_dtypes(npartitions, how, strategy):
    """outer merge of a categorical key on an int key raised pandas' ValueError (str and
    int64) at 7 partitions: where both sides were empty in a pair, their witnesses' keys were
    coerced as pandas' one merge does (the categorical to str), and pandas' merge of the pair
    checked the coerced keys again. pandas checks once."""
    right = pd.DataFrame({"k": [1, 5], "w": [7.0, 8.0]})
    lefts = (
        pd.DataFrame({"c": pd.Categorical(["x", None, "y"], categories=["x", "y"])}),
        pd.DataFrame({"c": pd.Categorical([1, None, 5], categories=[1, 5])}),  # pandas raises
        pd.DataFrame({"c": pd.Categorical([1, 2, 5], categories=[1, 2, 5])}),
    )
    with dframe.config.override(merge_strategy=strategy):
        for left in lefts:
            for f in (
                lambda l, r: l.merge(r, left_on="c", right_on="k", how=how),
                lambda l, r: l.merge(r[r["w"] > 9], left_on="c", right_on="k", how=how),
            ):
                try:
                    expected = f(left, right)
                except ValueError:
                    with pytest.raises(ValueError):
                        f(df_of(left, npartitions), df_of(right, 1)).to_pandas()
                    continue
                same(expected, f(df_of(left, npartitions), df_of(right, 1)))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_join_on_a_column_keeps_the_left_index_name_in_empty_partitions(npartitions):
    """Found by the long run with seed 9008 (filter, join on a column, pivot_table): a pair of
    partitions with an empty left side named its index after the right's ('k'), so a later
    groupby on 'k' found it both a level and a column; pandas' whole join keeps the left's."""
    pdf = pd.DataFrame({"k": [3, 2, 0, 0, 1, 0, 1, 3]}, index=pd.Index([f"r{i}" for i in range(8)], name="idx"))
    other = pd.DataFrame({"k": [0, 1, 1, 2], "v": [1.0, 2.0, 3.0, 4.0]})
    f = lambda d, o: d[d.k < 2].join(o.set_index("k"), on="k", how="inner")
    got = f(df_of(pdf, npartitions), df_of(other, 2))
    same(f(pdf, other), got)
    assert all(p.index.names == ["idx"] for p in collect_partitions(got._plan))
    same(f(pdf, other).groupby("k").v.sum(), got.groupby("k").v.sum())


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("how", ["inner", "left"])
def test_broadcast_merge_datetime_key_on_int_key_with_an_empty_broadcast_side(npartitions, how):
    """A broadcast merge of a datetime key on an int key raised pandas' ValueError where the
    broadcast side was empty: a big partition without rows merged with it made pandas check
    the keys (two empty frames), which pandas' one merge skips as long as the big side has
    rows anywhere (and raises, as here, when it has none)."""
    left = pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-01-02", None]), "v": [1, 2, 3]})
    right = pd.DataFrame({"k": [1, 5], "w": [7.0, 8.0]})
    f = lambda l, r: l.merge(r[r["w"] > 9], left_on="t", right_on="k", how=how)
    with dframe.config.override(merge_strategy="broadcast"):
        same(f(left, right), f(df_of(left, npartitions), df_of(right, 1)))
        g = lambda l, r: f(l[l["v"] > 5], r)  # no rows on either side: pandas checks, and raises
        with pytest.raises(ValueError):
            g(left, right)
        with pytest.raises(ValueError):
            g(df_of(left, npartitions), df_of(right, 1)).to_pandas()


@pytest.mark.parametrize("npartitions", [1, 2, 7])
@pytest.mark.parametrize("dtype", ["boolean", "Int64", "Float64"])
@pytest.mark.parametrize("values", [[True], [True, None], [], [True, False, None]])
def test_sem_of_a_nullable_series_without_two_values(values, dtype, npartitions):
    """Found by the differential test (its default seed, once object Series were reduced too): sem of a
    nullable Series with fewer than two values raised TypeError (float of <NA>) where pandas
    answers <NA>."""
    with dframe.config.override(executor="sync"):
        s = pd.Series(pd.array(values, dtype=dtype))
        assert repr(df_of(s, npartitions).sem()) == repr(s.sem())


def test_groupby_key_of_a_clipped_int_column_after_a_filter():
    """Found by the long run (seed 9001, session 9): ``clip(-1.5, 3)`` turns ints into floats
    only where a value is raised to -1.5; the partitions that had none stayed int64, and after a
    filter left one of those the key column was int64 at 7 partitions (pandas: float64)."""
    pdf = pd.DataFrame(
        {
            "i": np.array([15, -4, 16, 2, -4, 19, 12, 17, 0, 20, 14, 16, 14, -3, 12, 5, 3, 16, 7,
                           10, 8]),
            "f": np.array([-2.0, -2.0, -2.0, 0.0, np.nan, 3.0, 2.5, -1.5, np.inf, 2.5, np.nan,
                           -0.0, np.nan, -0.0, np.nan, 1000.0, 0.0, np.nan, np.inf, 2.5, 0.25]),
        }
    )

    def chain(d):
        d = d[["i", "f"]].clip(-1.5, 3).query("f > 0 and i < 3")
        return d.groupby(["f", "i"], sort=False, observed=False, as_index=False).agg(
            x=("f", "size")
        )

    with dframe.config.override(executor="sync"):
        same(chain(pdf), chain(df_of(pdf, 7)))


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("left_rows", [0, 2])
@pytest.mark.parametrize("filtered", [False, True])
def test_inner_join_on_a_column_names_the_index_by_the_left_input(npartitions, left_rows, filtered):
    """Found by the long run (seed 9002, session 9): pandas names the index of an empty inner
    ``join(on=...)`` after the right index only when the left *input* had no rows; dframe read
    the left side's emptiness from the merged rows, which an inner join with no match lacks.
    ``filtered``: the sides' lengths are not known when planning (a length task each)."""
    pdf = pd.DataFrame({"k": np.arange(left_rows), "i": np.arange(left_rows)})
    other = pd.DataFrame({"k": np.array([], dtype="int64")})

    def chain(d, o):
        if filtered:
            d, o = d[d["i"] >= 0], o[o["k"] >= 0]
        return d.join(o.set_index("k"), on="k", how="inner")

    same(chain(pdf, other), chain(df_of(pdf, npartitions), df_of(other, npartitions)))


@pytest.mark.timeout(120)
def test_inner_join_on_a_column_names_the_index_on_runtime(shared_ray):
    pdf = pd.DataFrame({"k": [0, 1, 2], "i": [0, 1, 2]})
    other = pd.DataFrame({"k": np.array([7], dtype="int64"), "v": [1.0]})
    with dframe.config.override(executor="runtime", progress=False):
        for left in (pdf, pdf.iloc[:0]):
            d, o = df_of(left, 2), df_of(other, 2)
            kept, dkept = left[left["i"] >= 0], d[d["i"] >= 0]
            right, dright = other[other["k"] > 0].set_index("k"), o[o["k"] > 0].set_index("k")
            same(kept.join(right, on="k", how="inner"), dkept.join(dright, on="k", how="inner"))


@pytest.mark.parametrize("npartitions", [1, 3, 5])
@pytest.mark.parametrize(
    "values", [["a", None, "b", "c"], [3, None, 2.5, 1], ["a", None, 3, 4], [None] * 4]
)
@pytest.mark.parametrize("stat", ["min", "max", "first", "last"])
def test_groupby_min_of_an_object_column_is_str_only_for_strings(npartitions, values, stat):
    """Noticed in session 9: a SeriesGroupBy's min/max of an object column is str in pandas
    only when the values are strings (numbers, mixed or none stay object); dframe took str from
    its string stand-in and turned numbers into strings."""
    pdf = pd.DataFrame({"k": [1, 1, 2, 2], "o": pd.Series(values, dtype=object)})
    df = df_of(pdf, npartitions)
    result = getattr(df.groupby("k")["o"], stat)()
    assert result.dtype == getattr(pdf.groupby("k")["o"], stat)().dtype  # before computing
    same(getattr(pdf.groupby("k")["o"], stat)(), result)
    same(getattr(pdf.groupby("k"), stat)(), getattr(df.groupby("k"), stat)())


def _fill_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nb": pd.array([True] * 9, dtype="boolean"),
            "t": pd.array(["2024-01-01"] * 9, dtype="datetime64[ns]"),
            "i": np.array([1, 3, 3, 3, 0, 3, 3, 1, 3]),
            "s": pd.array(["a"] * 6 + [None, "a", "a"], dtype="str"),
        },
        index=pd.RangeIndex(2, 20, 2),
    )


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_fillna_of_another_type_makes_the_whole_column_object(npartitions):
    """Found by the long run (seed 9003, session 10): ``fillna(0)`` turns a str column with a
    missing value into object — in pandas the whole column, in dframe only the partition
    holding it, and ``head`` read another. The stand-in probe that tells the dtype depends on
    the values raised on the boolean column (NA cannot be 0 there), so it said nothing; a
    column-wise function is now asked column by column."""
    pdf = _fill_frame()
    same(pdf.fillna(0).head(0), df_of(pdf, npartitions).fillna(0).head(0))
    same(pdf.fillna(0).head(2), df_of(pdf, npartitions).fillna(0).head(2))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_an_operation_refused_on_guessed_dtypes_asks_the_data(npartitions):
    """Found by the long run (seed 9003): after ``fillna(0)`` the str column is object in
    pandas, so comparing it with 2.5 is allowed; dframe planned on its guess (str) and raised
    TypeError. Planning on an unsettled guess now computes the dtypes before giving up."""
    pdf = _fill_frame()

    def chain(d):
        d = d.fillna(0).head(0)
        return d.loc[d["nb"].isin([True]) & (d["s"] <= 2.5), ["nb", "i"]]

    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_assigning_by_labels_over_unsettled_dtypes(npartitions):
    """Found by the long run (seed 9003): assigning a Series (by labels) to a frame whose
    dtypes are settled when computed collected the frame's index through the settling step,
    which tried to cast the indexes like frames (AttributeError)."""
    pdf = _fill_frame()

    def chain(d):
        d = d.assign(nb=d["nb"].where(d["nb"] == True))  # noqa: E712
        d = d.ffill().rename(columns={"i": "r"})
        return d.assign(r=d["nb"].bfill(limit=2))

    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("threshold", [0, 5, 6])
def test_groupby_shift_of_ints_is_int_only_without_rows(npartitions, threshold):
    """Found by the long run (seed 9004, session 10): pandas' groupby ``shift`` of an int
    column gives float64 (the shifted-in NaN), but int64 when there are no rows at all; dframe
    planned float64 and kept it for a filter that left no rows."""
    pdf = pd.DataFrame({"k": [1, 1, 2, 2, 2, 3], "x": [1, 2, 3, 4, 5, 6], "b": [True] * 6})

    def chain(d):
        d = d[d["x"] > threshold]
        return d.groupby("k")[["x", "b"]].shift(1), d.groupby("k")["x"].shift(-1)

    frame, series = chain(df_of(pdf, npartitions))
    expected_frame, expected_series = chain(pdf)
    pd.testing.assert_series_equal(frame.dtypes, expected_frame.dtypes)  # asked before computing
    assert series.dtype == expected_series.dtype
    same(expected_frame, frame)
    same(expected_series, series)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("first", [1, "b", None])
def test_groupby_transform_of_an_object_column_keeps_the_values_dtype(npartitions, first):
    """Found by the long run (seed 9005, session 10): a groupby ``transform('first')`` of an
    object column holding a number came back str: the shuffled partitions without rows held
    the planned dtype (str, from string stand-ins) and the partitions' dtypes were unified
    with theirs; ``explode`` after it then failed (IndexError)."""
    pdf = pd.DataFrame(
        {"k": [0] * 8 + [1] * 8, "o": np.array([first] + ["a"] * 15, dtype=object)}
    )

    def chain(d):
        t = d.groupby(["k"])["o"].transform("first")
        return t, t.fillna(1).drop_duplicates().explode()

    for expected, result in zip(chain(pdf), chain(df_of(pdf, npartitions)), strict=True):
        same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_groupby_transform_of_strings_in_an_object_column_is_str(npartitions):
    """Found by the long run (seed 9005 again, session 10): one group of strings in an object
    column: pandas' ``transform('sum')`` is str; the shuffled partitions without rows gave
    pandas' no-rows answer (object), which outvoted the rows (object)."""
    pdf = pd.DataFrame({"k": [0] * 13, "i": [0] * 13, "so": np.array(["a"] * 13, dtype=object)})
    result = df_of(pdf, npartitions).groupby(["k", "i"])["so"].transform("sum")
    expected = pdf.groupby(["k", "i"])["so"].transform("sum")
    assert result.dtype == expected.dtype
    same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_groupby_transform_of_strings_beside_a_group_of_missing_values(npartitions):
    """Found by the long run (seed 9005, third time, session 10): an object column of strings
    with one group holding only None: pandas' ``transform('min')`` is str (NaN for that
    group); the shuffled partition of that group gave object, which decided the dtype (it
    matched the planned dtype of rows with a missing key)."""
    pdf = pd.DataFrame(
        {
            "i": [0] * 13,
            "so": np.array(["a"] * 4 + [None] + ["a"] * 8, dtype=object),
            "k": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            "f": [1.0] * 13,
        }
    )

    def chain(d):
        d = d.copy()
        d.insert(0, "r", d["so"])
        return d.groupby(["k"])["r"].transform("min")

    result = chain(df_of(pdf, npartitions))
    assert result.dtype == chain(pdf).dtype
    same(chain(pdf), result)


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("how", ["std", "mean", "sum", "first"])
@pytest.mark.parametrize("values", [[], [1, 2, 3], [1.5, None, 2]])
def test_groupby_transform_of_an_object_column_of_numbers(npartitions, how, values):
    """Found by the long run (seed 9007, session 10): ``transform('std')`` of an object column
    raised at planning (strings stand in for object values) where pandas answers — for no rows
    (the shuffle's own stand-in) and for numbers (now pandas' answer, with a warning)."""
    pdf = pd.DataFrame(
        {"k": np.array([1, 1, 2][: len(values)], dtype="int64"), "o": np.array(values, dtype=object)}
    )
    expected = pdf.groupby(["k"])["o"].transform(how)
    same(expected, df_of(pdf, npartitions).groupby(["k"])["o"].transform(how))


@pytest.mark.parametrize("npartitions", [1, 2])
def test_logical_and_of_float_columns_of_missing_values(npartitions):
    """Found by the long run (seed 9007, second time, session 10): pandas answers ``f & g``
    of float columns when every value is NaN (False) and raises TypeError otherwise; dframe
    raised at planning on its stand-in of numbers. Now the data decides when computed."""
    pdf = pd.DataFrame({"k": [0, 1], "i": [0, 0], "f": [1.0, 1.0]})

    def chain(d):
        d = d.groupby(["k"])[["i", "f"]].shift(1)
        return d["i"] & d["f"]

    same(chain(pdf), chain(df_of(pdf, npartitions)))
    with pytest.raises(TypeError):
        pdf["f"] & pdf["f"]  # noqa: B018
    with pytest.raises(TypeError):  # (raised when computed)
        (df_of(pdf, npartitions)["f"] & df_of(pdf, npartitions)["f"]).to_pandas()


def _empty_with(dtype: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": np.array([], dtype="int64"),
            "i": np.array([], dtype="int64"),
            "f": np.array([], dtype="float64"),
            "t": pd.array([], dtype=dtype),
        }
    )


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_sum_after_unstack_of_no_rows_follows_the_columns_it_left_out(npartitions):
    """Found by the long run (seed 9008, session 10): ``unstack(0)`` of a frame without rows
    has no columns, but pandas keeps their blocks and ``sum()`` follows them: TypeError for
    datetimes, an empty object Series for timedeltas (which ``< 'a'`` answers). dframe
    planned float64 from its metadata: no error, and ``< 'a'`` refused at the call."""

    def chain(d):
        return d.set_index(["k", "i"]).unstack(0).sum()

    with pytest.raises(TypeError):
        chain(_empty_with("datetime64[ns]"))
    with pytest.raises(TypeError):
        chain(df_of(_empty_with("datetime64[ns]"), npartitions)).to_pandas()
    pdf = _empty_with("timedelta64[ns]")
    same(chain(pdf), chain(df_of(pdf, npartitions)))
    same(chain(pdf) < "a", chain(df_of(pdf, npartitions)) < "a")


@pytest.mark.parametrize("npartitions", [1, 3])
def test_frame_min_without_skipna_of_mixed_objects_with_none(npartitions):
    """Found by the long run (seed 9008, session 10; not fixed yet): a frame's
    ``min(skipna=False)`` over an object column of strings, an int and None is None in pandas
    (a missing value ends it before any comparison); dframe gives NaN at 1 partition and, at
    3, a partition without the None compares 'a' with 1 and raises TypeError."""
    pdf = pd.DataFrame({"k": [0] * 6, "o": np.array(["a", "a", "a", 1, "a", None], dtype=object)})
    same(pdf.min(skipna=False), df_of(pdf, npartitions).min(skipna=False))


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("bounds", [(None, np.inf), (-np.inf, None), (1.5, None), (0, 2)])
def test_clip_of_ints_at_infinite_or_fractional_bounds(npartitions, bounds):
    """Review of session 10: checking whether a bound can upcast ints must not itself fail on
    an infinite bound (``int(inf)`` raises OverflowError)."""
    pdf = pd.DataFrame({"a": [1, 2, 3, -4]})
    same(pdf.clip(*bounds), df_of(pdf, npartitions).clip(*bounds))


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("aggfunc", ["first", "max", "sum"])
def test_pivot_table_without_values_of_a_crosstab_with_margins(npartitions, aggfunc):
    """Found by the long run (seed 9008, session 11): ``pivot_table`` without ``values`` over
    crosstab's columns ``[False, True, 'All']`` selected them as a list, which pandas reads as
    a boolean mask (its own pivot_table does not select)."""
    pdf = pd.DataFrame({"k": [0] * 9, "b": [True] * 7 + [False, True]})

    def chain(d, lib):
        table = lib.crosstab(d["k"], d["b"], margins=True)
        return table.pivot_table(index="All", aggfunc=aggfunc)

    same(chain(pdf, pd), chain(df_of(pdf, npartitions), dframe))


@pytest.mark.xfail(strict=True, reason="object None vs NaN after a shuffle (issue 10, open)")
def test_groupby_transform_first_of_mixed_objects_keeps_none():
    """Found by the long run (seed 9008, session 11; not fixed): an all-missing group of an
    object column mixing strings and ints: pandas' ``transform('first')`` gives None (the
    whole result is object); a shuffled partition holding only string groups infers ``str``
    there, its None becomes NaN, and the pieces' concatenation is object with NaN."""
    pdf = pd.DataFrame(
        {
            "o": np.array(["a", "a", 1, None, "a", "a", "a"], dtype=object),
            "k": [0, 0, 1, 0, 0, 0, 0],
            "f": [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0],
        }
    )

    def chain(d):
        return d.groupby(["k", "f"])["o"].transform("first")

    same(chain(pdf), chain(df_of(pdf, 3)))


@pytest.mark.timeout(120)
def test_series_computed_from_a_shuffled_frame_assigned_back(shared_ray):
    """Found by the long run (seed 9013, session 11): ``d['k'] = qcut(d['k'], ...)`` on a
    frame out of a shuffle (groupby head): qcut computes the column (its quantiles), and
    when the frame was then computed from its cached input, the rebuilt shuffle took a new
    partitioning, which the computed column no longer matched."""
    pdf = pd.DataFrame({"so": ["a"] * 10, "k": [0] * 10, "i": [0] * 5 + [1] + [0] * 4})
    pdf = pdf.astype({"so": object})  # (its dtype settled from the data: computed first)

    def chain(d, lib):
        d = d.groupby(["k"]).head(2).copy()
        d["k"] = lib.qcut(d["k"], 2, precision=2, duplicates="drop")
        return d

    with dframe.config.override(executor="runtime"):
        same(chain(pdf, pd), chain(df_of(pdf, 1), dframe))


@pytest.mark.parametrize("npartitions", [1, 2, 5])
def test_outer_join_of_repeated_text_labels_with_numbers_sorts_numbers_first(npartitions):
    """Found by the long run (seeds 9014, session 11, and 9036): an outer join of a str index
    with an int one: pandas orders the object labels by a path chosen from the whole indexes
    (sorting, numbers first, when one repeats a label; ``['r0']`` with ``[0]`` in order);
    such joins now take their labels and order from pandas' join of the whole indexes."""
    cases = [
        (["r0", "r0"], [0]),
        (["r0"], [0]),
        (["b", "a"], [5, 0]),
        (["b", "a", "b"], [5, 0]),
    ]
    for left, right in cases:
        pdf = pd.DataFrame({"i": range(len(left))}, index=pd.Index(left, dtype="str"))
        other = pd.DataFrame({"k": range(len(right))}, index=right)
        for how in ("outer", "left", "inner", "right"):
            same(
                pdf.join(other, how=how),
                df_of(pdf, npartitions).join(df_of(other, npartitions), how=how),
            )


def test_mask_of_repeated_labels_by_a_condition_of_another_source():
    """Found by the long run (seed 9016, session 11): ``d.mask(other.isna())`` where ``d``
    repeats its labels: pandas aligns by a join of its own (here: TypeError, a categorical
    column given False); the condition is no longer reindexed to the rows natively."""
    pdf = pd.DataFrame(
        {"c": pd.Categorical(["x"] * 5, categories=["x", "y"]), "k": [0] * 5},
        index=pd.Index([0] * 5),
    )
    other = pd.DataFrame({"k": [0]})
    with pytest.raises(TypeError):
        pdf.mask(other.isna())
    with pytest.raises(TypeError):
        df_of(pdf, 1).mask(df_of(other, 1).isna()).to_pandas()


@pytest.mark.parametrize("npartitions", [1, 3])
def test_str_accessor_of_text_that_replaced_floats(npartitions):
    """Found by the long run (seed 9018, session 11): ``replace(1.0, 'a')`` of floats plans
    float64 until computed; ``.str`` refused that guess instead of asking the data's dtype."""
    pdf = pd.DataFrame({"k": [0] * 6, "f": [1.0] * 6})

    def chain(d):
        return d.value_counts(normalize=True).replace(1.0, "a").str.split(None, expand=True)

    same(chain(pdf), chain(df_of(pdf, npartitions)))
    with pytest.raises(AttributeError):
        df_of(pd.DataFrame({"f": [1.5, 2.5]}), npartitions)["f"].str.upper()


@pytest.mark.parametrize("npartitions", [1, 3])
def test_unsorted_groupby_of_two_categorical_keys_with_every_category(npartitions):
    """Found by the long run (seed 9018, session 11; a second categorical from qcut):
    ``groupby([c, r], sort=False, observed=False)``: pandas' groups are every pair of
    categories by first appearance; dframe listed the observed pairs first."""
    pdf = pd.DataFrame(
        {
            "i": [0] * 7,
            "c": pd.Categorical(list("xxxxxyx"), categories=["x", "y", "z"]),
            "r": pd.Categorical(list("pppppqq"), categories=["q", "p"]),
        }
    )

    def chain(d):
        return d.groupby(["c", "r"], sort=False, observed=False)["i"].sum()

    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.xfail(strict=True, reason="unsorted groupby of categoricals with NaN (issue 10)")
def test_unsorted_groupby_of_two_categorical_keys_with_missing_values():
    """Found in session 11 (a random check beside seed 9018; not fixed): with missing key
    values, pandas' order of every pair of categories (sort=False) also counts the categories
    first seen in the rows it drops; dframe's does not."""
    pdf = pd.DataFrame(
        {
            "i": [3, 4, 0, 4, 2, 1, 3, 2],
            "c": pd.Categorical([None, "y", None, None, None, "y", None, "x"], categories=list("xyz")),
            "r": pd.Categorical(["q", None, None, "q", "q", "p", "q", "q"], categories=list("qpw")),
        }
    )

    def chain(d):
        return d.groupby(["c", "r"], sort=False, observed=False)["i"].sum()

    same(chain(pdf), chain(df_of(pdf, 1)))


@pytest.mark.parametrize("npartitions", [1, 2])
def test_select_dtypes_of_bool_column_labels(npartitions):
    """Found by the long run (seed 9020, session 11): ``unstack`` of a bool level makes
    columns ``[True]``; ``select_dtypes`` projected them as a list, which pandas reads as a
    boolean mask."""
    pdf = pd.DataFrame({"k": [0], "b": [True], "nb": pd.array([True], dtype="boolean")})

    def chain(d):
        return d.set_index(["k", "b"])["nb"].unstack().select_dtypes(exclude="number")

    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_interpolate_of_ints_a_mask_filled_with_missing_values(npartitions):
    """Found by the suite's differential run (session 11): ``mask`` by a shorter condition of
    another source leaves int columns float with NaN, known once computed; ``interpolate``
    planned with the guess (ints: left alone) and cast NaN to int."""
    pdf = pd.DataFrame({"k": [0] * 12})
    other = pd.DataFrame({"k": np.array([], dtype="int64")})

    def chain(d, o):
        return d.mask(o.isna()).interpolate()

    same(chain(pdf, other), chain(df_of(pdf, npartitions), df_of(other, 1)))


@pytest.mark.xfail(strict=True, reason="timedeltas with object bools (issue 10, open)")
def test_timedeltas_times_an_object_column_of_bools():
    """Found by the suite's differential run (session 11; not fixed): after a concat with a
    frame lacking ``b``, ``b`` is object (bools); ``td * b`` is pandas' answer and ``td / b``
    its TypeError, while dframe raises other errors from its stand-ins."""
    pdf = pd.DataFrame({"b": [True] * 4, "td": pd.to_timedelta([1, 2, 3, 4], unit="h")})
    other = pd.DataFrame({"k": np.array([], dtype="int64")})

    def chain(d, o, lib):
        d = lib.concat([d, o])
        return d["td"] * d["b"]

    same(chain(pdf, other, pd), chain(df_of(pdf, 1), df_of(other, 1), dframe))


@pytest.mark.parametrize("npartitions", [1, 2])
def test_assigning_a_column_computed_before_to_a_frame_the_optimizer_rebuilds(npartitions):
    # suite's seed (session 11): interpolate computes its input (the data's dtypes); the head
    # under concat is then pushed to the source, rebuilding the concat — which must keep the
    # partitioning the computed column was made from.
    pdf = pd.DataFrame({"i": [0, 0, 0], "o": np.array(["a", "a", 1], dtype=object)})

    def chain(d, lib):
        d = lib.concat([d, d.head(3)])
        d = d.copy()
        d["i"] = d["i"].interpolate()
        return d

    same(chain(pdf, pd), chain(df_of(pdf, npartitions), dframe))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_groupby_apply_without_groups_answers_with_the_selected_columns(npartitions):
    # seeds 9023/9024: groupby corr (an apply) of a frame without rows — pandas never calls
    # the function and gives the selected columns, without rows; dframe gave no columns.
    pdf = pd.DataFrame({"k": np.array([], "int64"), "i": np.array([], "int64"), "f": []})
    d = df_of(pdf, npartitions)
    same(pdf.groupby("k")[["i", "f"]].corr(), d.groupby("k")[["i", "f"]].corr())
    same(pdf.groupby("k").cov(), d.groupby("k").cov())
    same(pdf.groupby("k")[["i"]].apply(len), d.groupby("k")[["i"]].apply(len))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_quantile_of_bools_without_rows(npartitions):
    # seed 9024: pandas refuses the quantile of bools only when there are some.
    pdf = pd.DataFrame({"i": np.array([], "int64"), "f": [], "b": np.array([], bool)})
    d = df_of(pdf, npartitions)
    same(pdf.quantile(0.5, numeric_only=True), d.quantile(0.5, numeric_only=True))
    rows = pd.DataFrame({"i": [1, 2], "f": [1.0, 2.0], "b": [True, False]})
    with pytest.raises(TypeError):
        rows.quantile(0.5, numeric_only=True)
    with pytest.raises(TypeError):
        df_of(rows, npartitions).quantile(0.5, numeric_only=True)


@pytest.mark.parametrize("npartitions", [1, 2])
def test_rank_of_numbers_only_after_text_replaced_numbers(npartitions):
    # seed 9029: replace(0, "a") of ints is object in pandas: rank(numeric_only=True) leaves
    # it out; dframe chose the columns by the planned dtypes.
    pdf = pd.DataFrame({"i": [0, 1], "k": [0, 0], "f": [1.0, 0.0]})

    def chain(d):
        d = d.copy()
        d["k"] = d["k"].replace(0, "a")
        d["f"] = d["f"].replace(1.0, "a")
        return d.rank(numeric_only=True)

    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("col", ["k", "f"])
def test_merge_after_assigning_a_column_interpolate_computed(npartitions, col):
    # seed 9042: interpolate computes its input (the data's dtypes); then (k) a merge sized the
    # computed column's plan as a frame (TypeError), or (f) pruning the frame's columns rebuilt
    # it with a new partitioning ("must come from the same frame").
    pdf = pd.DataFrame({
        "k": [0] * 13 + [1] * 7, "f": np.ones(20), "n": pd.array([1] * 20, dtype="Int64"),
        "s": pd.array(["a"] * 20, dtype="str"),
    })
    other = pd.DataFrame({"k": [0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2]})

    def chain(d, o):
        d = d[["f", "k", "n"]].interpolate().merge(o, on="k", how="inner")
        d = d.copy()
        d[col] = d[col].interpolate()
        return d.merge(o, on="k", how="inner") if col == "k" else d[col]

    same(chain(pdf, other), chain(df_of(pdf, npartitions), df_of(other, npartitions)))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("index", [None, [5, 3, 4, 1]], ids=["range", "unsorted"])
def test_unstack_after_stack_of_columns_of_several_dtypes(npartitions, index):
    # a sub-run of the differential (set_index(append=True).stack(), then unstack(0)): the stack
    # of unlike columns stacks each partition below a witness row, whose stand-in label (1.5)
    # stayed in the result's levels, unused; pandas' unstack then orders rows by appearance.
    pdf = pd.DataFrame(
        {"f": [1.0, 0.0, 2.0, 0.0], "k": [0, 0, 1, 2], "n": pd.array([1, None, 3, 4])},
        index=index,
    )

    def chain(d):
        return d.set_index("f", append=True).stack().unstack(0)

    same(chain(pdf), chain(df_of(pdf, npartitions)))
    same(pdf.stack().unstack(0), df_of(pdf, npartitions).stack().unstack(0))
