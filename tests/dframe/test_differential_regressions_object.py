"""Regression tests for object columns (mixed Python values, or strings with None kept as object):
differences the differential test (``test_differential.py``) found once its frames held such
columns. In pandas 3 an object column is not ``str``, yet pandas infers ``str`` from the values
of some results (melt of strings and None): such dtypes follow the whole column's values, which
one partition cannot know.

Each test compares with pandas at several partition counts (more partitions than rows too).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.test_differential_regressions import df_of, same

pytestmark = pytest.mark.timeout(60)

PARTITIONS = [1, 3, 7]


@pytest.fixture(autouse=True)
def _sync():
    with dframe.config.override(executor="sync"), warnings.catch_warnings():
        warnings.simplefilter("ignore", dframe.PandasFallbackWarning)
        yield


def objects(*values) -> np.ndarray:
    return np.array(values, dtype=object)


def series_of(pdf_or_series, npartitions):
    return dframe.from_pandas(pdf_or_series, npartitions=npartitions)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "values",
    [
        objects(1, "a", None, 2.5, "a"),
        objects("a", None, "b", np.nan, "b"),
        objects(None, "a", pd.NA, "b", None),
        objects(None, np.nan, 1, None),
        objects("a", "b", None, None, None, None, None, 1),
        objects(None, np.nan, None),
        objects(1, 1.0, True, "a", None),
    ],
    ids=["mixed", "none_and_nan", "none_and_na", "ints", "many_none", "missing_only", "equal"],
)
@pytest.mark.parametrize(
    "options", [{"dropna": False}, {"dropna": False, "sort": False}, {"normalize": True}, {}]
)
def test_value_counts_of_an_object_column_with_missing_values(values, options, npartitions):
    """value_counts(dropna=False) of an object column with None gave NaN labels at 2+ partitions:
    the merge of the partitions' counts grouped None, NaN and <NA> into one NaN, where pandas'
    count of the whole column keeps each (an object column is counted by its Python values)."""
    s = pd.Series(values, dtype=object, name="o")
    same(s.value_counts(**options), series_of(s, npartitions).value_counts(**options))


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_value_counts_of_object_ints_keeps_object_labels(npartitions):
    """value_counts of an object column of ints and None gave int64 labels at 2+ partitions
    (appending the partitions' object labels inferred int64); pandas keeps object."""
    s = pd.Series(objects(1, 2, None, None), dtype=object, name="o")
    same(s.value_counts(), series_of(s, npartitions).value_counts())


def _object_frame(values) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "k": np.arange(n, dtype="int64"),
            "o": pd.Series(objects(*values), dtype=object),
            "f": np.arange(n) * 1.5,
        }
    )


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "values",
    [("a", None, "b"), ("a", 1, None), (None, None), (), ("a", "b"), (None, "a", np.nan, pd.NA)],
    ids=["strings_none", "mixed", "none", "empty", "strings", "missing_kinds"],
)
@pytest.mark.parametrize(
    "options",
    [
        {"id_vars": ["k"], "value_vars": ["o"]},
        {"id_vars": ["o"]},
        {"id_vars": ["k"], "value_vars": ["o", "f"]},
        {"id_vars": ["o"], "ignore_index": False},
        {},
    ],
    ids=["value", "id", "value_and_float", "id_keep_index", "all"],
)
def test_melt_of_object_columns(values, options, npartitions):
    """melt of an object column said str before computing (the stand-in's strings) and was
    object where pandas infers str (strings and None: a partition of None alone stayed object):
    pandas infers a melted object column's dtype from all its values."""
    pdf = _object_frame(values)
    expected = pdf.melt(**options)
    result = df_of(pdf, npartitions).melt(**options)
    assert list(result.dtypes) == list(expected.dtypes)  # before computing
    same(expected, result)


def _keyed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": [1, 2, 1, 3, 2, 1, 5],
            "o": pd.Series(objects(1, "a", None, 2.5, "a", None, "b"), dtype=object),
            "so": pd.Series(objects("a", None, "b", "a", None, "b", None), dtype=object),
            "f": np.arange(7.0),
        }
    )


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "chain",
    [
        lambda d: d.groupby("k")["so"].first(),
        lambda d: d.groupby("k").agg({"o": "first", "so": "last"}),
        lambda d: d.groupby("k").last(),
        lambda d: d.pivot_table(index="k", values=["o", "so"], aggfunc="first"),
    ],
    ids=["first", "agg", "last", "pivot_table_first"],
)
def test_groupby_first_last_of_object_columns_stay_object(chain, npartitions):
    """groupby first/last of an object column of strings came out str (also at 1 partition):
    the partials were rebuilt with pd.DataFrame/pd.Series from the columns' object arrays,
    which pandas 3 infers as str."""
    pdf = _keyed_frame()
    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "chain",
    [
        lambda d: d.groupby("o", dropna=False).size(),
        lambda d: d.groupby("o").sum(),
        lambda d: d.groupby(["o", "k"], dropna=False)["f"].mean(),
    ],
    ids=["size", "sum", "two_keys"],
)
def test_groupby_on_mixed_object_keys(chain, npartitions):
    """groupby on an object key of ints and strings raised TypeError (sorting the groups);
    pandas orders such keys its own way (numbers, then strings)."""
    pdf = _keyed_frame()
    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_reset_index_of_an_object_index_of_strings(npartitions):
    """set_index of an object column of strings and None, then reset_index: pandas infers str
    for the whole column; a partition holding only None stayed object and made the column
    object at 7 partitions."""
    pdf = _keyed_frame()
    same(pdf.set_index("so").reset_index(), df_of(pdf, npartitions).set_index("so").reset_index())


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("columns", [["so"], ["so", "k"]], ids=["one", "two"])
def test_value_counts_of_a_frame_with_an_object_column_of_strings(columns, npartitions):
    """A frame's value_counts(dropna=False) over an object column of strings and None: pandas'
    level is str (inferred from the values); a partition whose keys were all None has an empty
    object level, which made the joined level object."""
    pdf = _keyed_frame()[columns]
    same(pdf.value_counts(dropna=False), df_of(pdf, npartitions).value_counts(dropna=False))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "chain",
    [
        lambda d: d.groupby("k").min(),
        lambda d: d.groupby("k", sort=False).max(),
        lambda d: d.groupby(["k", "f"], sort=False).min(),
        lambda d: d.groupby("k")["so"].max(),
        lambda d: d.groupby("k").agg({"so": "min"}),
    ],
    ids=["frame_min", "frame_max", "two_keys", "series_max", "agg_min"],
)
def test_groupby_min_max_of_an_object_column(chain, npartitions):
    """groupby min/max of an object column of strings: pandas gives object by the frame's
    groupby and str by the Series' (its SeriesGroupBy infers); dframe's chunks, by column, gave
    str for both."""
    pdf = _keyed_frame()[["k", "so", "f"]]
    same(chain(pdf), chain(df_of(pdf, npartitions)))


def _indexed(index: pd.Index, column: str) -> pd.DataFrame:
    return pd.DataFrame({column: np.arange(len(index), dtype="int64")}, index=index)


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("how", ["outer", "inner", "left", "right"])
@pytest.mark.parametrize(
    "left, right",
    [
        (pd.Index([0, 1, 2]), pd.Index(objects(0.0, 1.5, "All"))),
        (pd.Index(objects(0.0, 1.5, "All")), pd.Index([0, 1, 2])),
        (pd.RangeIndex(4), pd.Index(objects(2.0, 0.0, 1.0, 3.0, "All"))),
        (pd.Index(objects(1, "a", 1, 0.0)), pd.Index(objects(0.0, 1.0, 2.0))),
    ],
    ids=["int_margins", "margins_int", "range_margins", "repeated_labels"],
)
def test_join_with_an_object_index_keeps_pandas_labels(left, right, how, npartitions):
    """A join of an int index with crosstab margins (floats and "All", object) turned the int
    label 0 into the float 0.0 at 3+ partitions, and an outer join put the rows out of pandas'
    order: which side's label an equal pair (0 and 0.0) keeps, and the order, follow facts of
    the whole indexes (monotonic, unique) that a partition's index does not share. Equal labels
    of other types (1 and 1.0) also met in different partitions (hashed as they were)."""
    a, b = _indexed(left, "x"), _indexed(right, "y")
    for sort in (False, True):
        expected = a.join(b, how=how, sort=sort)
        result = df_of(a, npartitions).join(df_of(b, npartitions), how=how, sort=sort)
        result = result.to_pandas()
        same(expected, result)
        assert [type(v) for v in result.index] == [type(v) for v in expected.index]


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_object_index_of_numbers_stays_object(npartitions):
    """A filtered frame with an object index of ints and floats came back float64 (pandas'
    concat of the partitions infers a dtype from object labels); pandas keeps the labels."""
    pdf = _indexed(pd.Index(objects(1, 2.0, "a", 3)), "x")
    expected = pdf[pdf.x != 2]
    result = df_of(pdf, npartitions)
    result = result[result.x != 2].to_pandas()
    same(expected, result)
    assert [type(v) for v in result.index] == [type(v) for v in expected.index]


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "name", ["mean", "sum", "min", "max", "std", "var", "median", "prod", "sem", "count"]
)
@pytest.mark.parametrize(
    "values", [(), (1, 2.5, None), (3, 1, 2)], ids=["empty", "numbers", "ints"]
)
def test_reduction_of_an_object_series_of_numbers(values, name, npartitions):
    """A reduction of an object Series (an empty frame's stack, say) raised TypeError when
    planned ("Could not convert 'a' to numeric": its stand-in holds strings) where pandas
    answers NaN or reduces the numbers; min/max of object ints came back floats."""
    s = pd.Series(objects(*values), dtype=object, name="o")
    expected = getattr(s, name)()
    result = getattr(series_of(s, npartitions), name)()
    assert type(result) is type(expected)
    assert repr(result) == repr(expected)
    stacked = pd.DataFrame({"o": s}).iloc[:0]
    assert repr(getattr(stacked.stack(), name)()) == repr(
        getattr(df_of(stacked, npartitions).stack(), name)()
    )


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("expression", ["d['o'] < 1", "d['o'] >= 2.5", "d < 2", "d['o'] == 'a'"])
@pytest.mark.parametrize(
    "values", [(1, 2.5, None), ("a", None, "b"), (None, None, None)], ids=["numbers", "strings", "none"]
)
def test_object_column_compared_with_a_number(values, expression, npartitions):
    """An object column compared with a number raised TypeError when planned (its stand-in
    holds strings) where pandas compares the numbers the column holds; with strings, pandas'
    TypeError (when computed)."""
    pdf = pd.DataFrame({"o": pd.Series(objects(*values), dtype=object), "f": [1.0, 2.0, 3.0]})
    try:
        expected = eval(expression, {"d": pdf})
    except TypeError:
        with pytest.raises(TypeError):
            eval(expression, {"d": df_of(pdf, npartitions)}).to_pandas()
        return
    same(expected, eval(expression, {"d": df_of(pdf, npartitions)}))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "chain",
    [
        lambda d: d.pivot_table(index="k", aggfunc="mean"),
        lambda d: d.pivot_table(index="k", aggfunc="median"),
        lambda d: d.pivot_table(index="k", aggfunc="first"),
        lambda d: d.groupby("k").mean(),
        lambda d: d.groupby("k")[["o", "f"]].agg("std"),
        lambda d: d.groupby("k")["o"].var(),
    ],
    ids=["pivot_mean", "pivot_median", "pivot_first", "mean", "agg_std", "series_var"],
)
@pytest.mark.parametrize(
    "values", [(None, None, None, None), (1, None, 2.5, None)], ids=["missing_only", "numbers"]
)
def test_groupby_mean_beside_an_object_column(values, chain, npartitions):
    """pivot_table (mean) beside an object column of missing values raised TypeError (the
    groupby planned on the stand-in's strings) where pandas leaves the column out; with
    numbers, pandas averages them, and the layout step turned the missing cells' NaN into
    None."""
    pdf = pd.DataFrame(
        {"k": [1, 2, 1, 2], "o": pd.Series(objects(*values), dtype=object), "f": np.arange(4.0)}
    )
    same(chain(pdf), chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("columns", [["o"], ["o", "k"]], ids=["one", "two"])
@pytest.mark.parametrize("dropna", [True, False])
@pytest.mark.parametrize(
    "values",
    [(1, 2, None, 1, np.nan, 2), (True, 1, 0, None, 1.5, "x"), (True, False, None) * 2],
    ids=["ints_nan", "mixed", "bools"],
)
def test_value_counts_of_a_frame_infers_the_level_from_the_whole_column(
    values, dropna, columns, npartitions
):
    """A frame's value_counts(dropna=False) over an object column of ints and NaN: pandas
    infers the level from the whole column's values (float64); the partitions' levels, each
    inferred from its own values (a partition of ints alone: int64; of 0 beside NaN: 0.0),
    were joined."""
    pdf = pd.DataFrame({"o": pd.Series(objects(*values), dtype=object), "k": [1, 1, 2, 2, 3, 3]})
    pdf = pdf[columns]
    same(pdf.value_counts(dropna=dropna), df_of(pdf, npartitions).value_counts(dropna=dropna))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("options", [{}, {"method": "dense"}, {"ascending": False}])
@pytest.mark.parametrize(
    "values", [(1, "a", 2, None), (1, 2.5, None, 3), ("b", "a", None, "c")],
    ids=["unlike", "numbers", "strings"],
)
def test_rank_of_an_object_column(values, options, npartitions):
    """rank of a frame (or Series) with an object column of ints and strings ranked them
    (merging the partitions' counts sorts numbers before strings) where pandas raises
    TypeError: the values do not compare."""
    pdf = pd.DataFrame({"o": pd.Series(objects(*values), dtype=object), "f": [1.0, 3.0, 2.0, 4.0]})
    for chain in (lambda d: d.rank(**options), lambda d: d["o"].rank(**options)):
        try:
            expected = chain(pdf)
        except TypeError:
            with pytest.raises(TypeError):
                chain(df_of(pdf, npartitions)).to_pandas()
            continue
        same(expected, chain(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("op", ["<", "==", ">="])
def test_compare_transposed_timestamps_with_a_timestamp(op, npartitions):
    # seed 4242: T.T leaves an object column of tz-aware Timestamps; comparing it with a
    # Timestamp was planned on string stand-ins (and number ones): TypeError.
    ts = pd.Timestamp("2024-01-01", tz="UTC")
    pdf = pd.DataFrame({
        "tz": pd.array(["2024-01-01", None, "2024-01-02 01:30"], dtype="datetime64[ns, UTC]"),
        "i": [1, 2, 3],
    })

    def chain(d):
        return eval(f"d.T.T['tz'] {op} ts", {"d": d, "ts": ts})

    same(chain(pdf), chain(df_of(pdf, npartitions)))
    with pytest.raises(TypeError):  # the int column: pandas' error, when computed
        (pdf.T.T["i"] < ts)
    with pytest.raises(TypeError):
        (df_of(pdf, npartitions).T.T["i"] < ts).to_pandas()


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize(
    "chain",
    [
        "d.ewm(com=0.5).cov(d.shift(1))",
        "d.shift(1).ewm(com=0.5).mean()",
        "d.shift(1).ewm(com=0.5).corr(d)",
        "d.shift(1).rolling(2).mean()",
        "d.shift(1).expanding().sum()",
        "d.shift(1).astype(str).astype(object).expanding().sum()",
    ],
)
@pytest.mark.parametrize("rows", [0, 5])
def test_windows_of_shifted_bools_are_object(chain, rows, npartitions):
    # seed 4242: shift(1) of bools is object (True/False and NaN), which pandas' windows take
    # as numbers; the window planned on object stand-ins of strings (TypeError, DataError).
    pdf = pd.DataFrame({"k": np.arange(rows) % 2 == 0})

    def run(d):
        return eval(chain, {"d": d["k"]})

    try:
        expected = run(pdf)
    except Exception as error:  # noqa: BLE001  # (pandas refuses strings: so must dframe)
        with pytest.raises(type(error)):
            run(df_of(pdf, npartitions)).to_pandas()
        return
    same(expected, run(df_of(pdf, npartitions)))


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("options", [{}, {"normalize": True}, {"sort": False}])
def test_value_counts_of_stacked_ints_and_floats_keeps_int_labels(options, npartitions):
    # a sub-run of the differential (stack, then value_counts): stacking int64, float64 and
    # Int64 columns makes objects (0 and 1.0); the partitions' counts were added by a groupby,
    # which inferred float64 labels (0 became 0.0).
    pdf = pd.DataFrame({"k": [0, 0, 2], "f": [1.0, 1.0, 2.5], "n": pd.array([1, 1, None])})
    same(pdf.stack().value_counts(**options),
         df_of(pdf, npartitions).stack().value_counts(**options))  # fmt: skip


def _loc_set_where_less(d):
    d = d.copy()
    d.loc[(d["k"] == 0) & (d["b"] < 1), "k"] = 5
    return d


@pytest.mark.parametrize("npartitions", PARTITIONS)
@pytest.mark.parametrize("rows", [0, 4])
@pytest.mark.parametrize("agg", ["min", "max"])
@pytest.mark.parametrize(
    "then",
    [
        _loc_set_where_less,
        lambda d: d.groupby(["k"]).agg({"b": "mean"}),
        lambda d: d.groupby(["k"]).sum(),
    ],
    ids=["loc_set", "groupby_mean", "groupby_sum"],
)
def test_frame_groupby_min_of_object_values_then_more(then, agg, rows, npartitions):
    # seed 4303: diff of bools is object (True/False and NaN); a frame's groupby min/max of an
    # object column is str only for strings (pandas infers it per column, as for a Series)
    # but the plan said str, not to be settled: a comparison with a number raised at planning;
    # and a groupby planned on the guess before settling it (mean of str: TypeError).
    pdf = pd.DataFrame({"b": np.arange(rows) % 3 == 0, "k": np.arange(rows) // 2})

    def chain(d):
        d = d.assign(b=d["b"].diff())
        return then(d.groupby(["k"], as_index=False).agg({"b": agg}))

    same(chain(pdf), chain(df_of(pdf, npartitions)))
