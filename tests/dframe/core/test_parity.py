"""Parity: each operation on pandas and on dframe gives the same result, at several partition
counts and on both executors. Falling back to pandas counts as a failure here: these operations
must stay native."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, forms_on_executors, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

NUM = ["a", "b", "flag"]

# name -> operation written once, run on a pandas and on a dframe DataFrame.
FRAME_OPS = {
    "column": lambda d: d["a"],
    "column_attr": lambda d: d.b,
    "columns_list": lambda d: d[["s", "a"]],
    "add_scalar": lambda d: d[["a", "b"]] + 1,
    "reflected_scalar": lambda d: 10 - d.a,
    "series_arith": lambda d: d.a * d.b - d.a / 2 + d.a // 4 - d.a % 3,
    "pow": lambda d: d.b**2,
    "frame_frame": lambda d: d[["a", "b"]] * d[["a", "b"]] + d[["a", "b"]],
    "compare_scalar": lambda d: d.a > 3,
    "compare_series": lambda d: d.a <= d.b,
    "eq_str": lambda d: d.s == "s1",
    "logical": lambda d: (d.a > 3) & (d.b < 105) | ~d.flag,
    "xor": lambda d: (d.a > 3) ^ d.flag,
    "neg_abs": lambda d: abs(-d.b),
    "filter": lambda d: d[d.a > 4],
    "filter_all_false": lambda d: d[d.a > 1000],
    "filter_chain": lambda d: (lambda x: x[x.a % 2 == 0][["a", "b"]] * 2)(d[d.b.notna()]),
    "series_filter": lambda d: d.a[d.a % 2 == 0],
    "isna": lambda d: d.isna(),
    "notna_series": lambda d: d.b.notna(),
    "fillna_scalar": lambda d: d[["a", "b"]].fillna(0),
    "fillna_dict": lambda d: d.fillna({"b": -1.0, "s": "zz"}),
    "dropna": lambda d: d.dropna(),
    "dropna_subset": lambda d: d.dropna(subset=["b"]),
    "series_dropna": lambda d: d.b.dropna(),
    "astype": lambda d: d[["a", "flag"]].astype("float32"),
    "astype_dict": lambda d: d.astype({"a": "float64"}),
    "assign": lambda d: d.assign(e=d.a + 1, f=lambda x: x.e * 2, g=5),
    "drop": lambda d: d.drop(columns=["s", "t"]),
    "drop_axis1": lambda d: d.drop("flag", axis=1),
    "rename": lambda d: d.rename(columns={"a": "A", "b": "B"}),
    "series_rename": lambda d: d.a.rename("z"),
    "isin": lambda d: d.a.isin([-7, 2, 5, 8]),
    "head": lambda d: d.head(3),
    "head_0": lambda d: d.head(0),
    "head_more": lambda d: d.head(100),
    "tail": lambda d: d.tail(4),
    "series_head": lambda d: d.b.head(6),
    "to_frame": lambda d: d.a.to_frame(),
    "sum": lambda d: d[NUM].sum(),
    "sum_numeric_only": lambda d: d.sum(numeric_only=True),
    "sum_min_count": lambda d: d[["b"]].sum(min_count=20),
    "mean": lambda d: d[NUM].mean(),
    "mean_skipna_false": lambda d: d[NUM].mean(skipna=False),
    "min": lambda d: d[["a", "b", "t"]].min(),
    "max": lambda d: d[["a", "b", "flag"]].max(),
    "min_str": lambda d: d[["s"]].min(),
    "count": lambda d: d.count(),
    "std": lambda d: d[NUM].std(),
    "var_ddof0": lambda d: d[["a", "b"]].var(ddof=0),
    "prod": lambda d: d[["flag"]].prod(),
    "any_all": lambda d: pd.concat([d[NUM].any(), d[NUM].all()]),
    "sum_axis1": lambda d: d[NUM].sum(axis=1),
    "mean_axis1": lambda d: d[["a", "b"]].mean(axis=1),
}

SCALAR_OPS = {
    "s_sum": lambda d: d.a.sum(),
    "s_mean": lambda d: d.b.mean(),
    "s_mean_skipna": lambda d: d.b.mean(skipna=False),
    "s_min": lambda d: d.b.min(),
    "s_max_t": lambda d: d.t.max(),
    "s_count": lambda d: d.b.count(),
    "s_std": lambda d: d.b.std(),
    "s_var": lambda d: d.a.var(),
    "s_prod": lambda d: d.a[d.a > 0].prod(),
    "s_any": lambda d: d.flag.any(),
    "s_all": lambda d: d.flag.all(),
    "s_sum_filtered_empty": lambda d: d.a[d.a > 1000].sum(),
}


@forms_on_executors(list(FRAME_OPS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS)
def test_frame_op(name, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    op = FRAME_OPS[name]
    if name == "any_all":
        expected = op(pdf)
        result = dframe.concat([df[NUM].any(), df[NUM].all()])
    else:
        expected, result = op(pdf), op(df)
    assert_same(expected, result)


@forms_on_executors(list(SCALAR_OPS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS)
def test_scalar_reduction(name, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(SCALAR_OPS[name](pdf), SCALAR_OPS[name](df))


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_inplace_column_ops(npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    before = df
    for d in (pdf, df):
        d["c"] = d.a * 2
        d["a"] = 0
        del d["s"]
        d.fillna({"b": 0.0}, inplace=True)
    assert_same(pdf, df)
    assert before is df  # same wrapper, new plan


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_properties(npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert len(df) == len(pdf)
    assert df.shape == pdf.shape
    pd.testing.assert_index_equal(df.columns, pdf.columns)
    pd.testing.assert_series_equal(df.dtypes, pdf.dtypes)
    pd.testing.assert_index_equal(df.index, pdf.index, exact=True)
    filtered = df[df.a > 4]
    pd.testing.assert_index_equal(filtered.index, pdf[pdf.a > 4].index)
    assert len(filtered) == len(pdf[pdf.a > 4])
    np.testing.assert_array_equal(df[["a", "b"]].to_numpy(), pdf[["a", "b"]].to_numpy())
    np.testing.assert_array_equal(np.asarray(df.a), np.asarray(pdf.a))
    assert list(df) == list(pdf)
    assert df.a.name == "a" and df.a.dtype == pdf.a.dtype


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_constructors(npartitions, executor):
    data = {"x": [1, 2, 3, 4], "y": [0.5, None, 2.5, 3.5]}
    assert_same(pd.DataFrame(data), dframe.DataFrame(data, npartitions=npartitions))
    arr = np.arange(12).reshape(4, 3)
    assert_same(
        pd.DataFrame(arr, columns=list("pqr")),
        dframe.DataFrame(arr, columns=list("pqr"), npartitions=npartitions),
    )
    assert_same(pd.DataFrame([[1, "a"], [2, "b"]]), dframe.DataFrame([[1, "a"], [2, "b"]]))
    assert_same(
        pd.Series([1.5, 2.5], name="v"),
        dframe.Series([1.5, 2.5], name="v", npartitions=npartitions),
    )
    pdf = pd.DataFrame(data, index=[10, 20, 30, 40])
    assert_same(pdf, dframe.DataFrame(pdf, npartitions=npartitions))


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_concat(npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pd.concat([pdf, pdf[pdf.a > 0]]), dframe.concat([df, df[df.a > 0]]))
    assert_same(
        pd.concat([pdf, pdf], ignore_index=True), dframe.concat([df, df], ignore_index=True)
    )
    assert_same(
        pd.concat([pdf[["a"]], pdf[["a", "b"]]]), dframe.concat([df[["a"]], df[["a", "b"]]])
    )


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_repr_matches_pandas(npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert repr(df) == repr(pdf)
    assert repr(df.b) == repr(pdf.b)
    assert df._repr_html_() == pdf._repr_html_()
    assert repr(df[df.a > 4]) == repr(pdf[pdf.a > 4])


@pytest.mark.parametrize("npartitions", [1, 4, 9])
def test_repr_of_long_frame_is_truncated_like_pandas(npartitions, executor):
    pdf = pd.DataFrame({"x": np.arange(200) * 1.5, "y": [f"v{i}" for i in range(200)]})
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert repr(df) == repr(pdf)
    assert repr(df.x) == repr(pdf.x)
    assert df._repr_html_() == pdf._repr_html_()
    assert repr(df[df.x > 10]) == repr(pdf[pdf.x > 10])


def test_computed_frame_is_not_recomputed(executor):
    df = dframe.from_pandas(make_frame(), npartitions=3)
    result = df[df.a > 0].a * 2
    first = result.to_pandas()
    count = executor.tasks_submitted
    assert_same(first, result)
    assert len(result) == len(first)
    assert executor.tasks_submitted == count + 3  # only the length tasks; nothing recomputed
    derived = result + 1  # builds on the cached partitions
    derived.to_pandas()
    assert executor.tasks_submitted == count + 3 + 3


def test_ufuncs_are_elementwise(executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    assert_same(np.sqrt(pdf.b), np.sqrt(df.b))
    assert_same(np.maximum(pdf.a, pdf.b), np.maximum(df.a, df.b))
    assert_same(np.add(pdf[["a", "b"]], 1), np.add(df[["a", "b"]], 1))
    assert_same(np.float64(2) * pdf.a, np.float64(2) * df.a)


def test_partitions_are_put_into_the_store_once(executor):
    df = dframe.from_pandas(make_frame(), npartitions=3)
    puts = []
    original = executor.put
    executor.put = lambda value: puts.append(1) or original(value)
    try:
        df.a.sum()
        df.b.sum()
        df[["a"]].to_pandas()
    finally:
        del executor.put
    expected = 3 if isinstance(executor, dframe.execution.executors.RuntimeExecutor) else 9
    assert len(puts) == expected


AXIS_NONE = ["sum", "prod", "mean", "min", "max", "std", "var", "any", "all"]


@forms_on_executors(
    [["a", "b"], ["a"], ["b"], ["flag"]],
    SMALL_NPARTITIONS,
    runtime_npartitions=SMALL_NPARTITIONS,
    name="columns",
    ids=lambda columns: "+".join(columns),
)
def test_reduction_over_all_values(columns, npartitions, executor):
    """``frame.<reduction>(axis=None)``: one scalar over every value, as pandas' 2-D reduction."""
    pdf = make_frame()[columns]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for name in AXIS_NONE:
        for skipna in (True, False):
            assert_same(getattr(pdf, name)(axis=None, skipna=skipna),
                        getattr(df, name)(axis=None, skipna=skipna))
    assert_same(pdf.sum(axis=None, min_count=len(pdf) * len(columns) + 1),
                df.sum(axis=None, min_count=len(pdf) * len(columns) + 1))


def test_reduction_over_all_values_numeric_only_and_errors(sync):
    pdf = make_frame().drop(columns="flag")
    df = dframe.from_pandas(pdf, npartitions=3)
    assert_same(pdf.mean(axis=None, numeric_only=True), df.mean(axis=None, numeric_only=True))
    assert_same(pdf.max(axis=None, numeric_only=True), df.max(axis=None, numeric_only=True))
    with pytest.warns(dframe.PandasFallbackWarning):  # bools mixed with numbers: object values
        mixed = make_frame()[["a", "flag"]]
        assert_same(mixed.max(axis=None), dframe.from_pandas(mixed, npartitions=3).max(axis=None))
    with pytest.raises(TypeError):
        pdf[["a", "s"]].mean(axis=None)
    with pytest.raises(TypeError):
        df[["a", "s"]].mean(axis=None)
    empty = pdf[["a", "b"]].iloc[:0]
    assert_same(empty.mean(axis=None), dframe.from_pandas(empty, npartitions=1).mean(axis=None))


CATEGORY_CASTS = {
    "strings": lambda d: d.s.astype("category"),
    "ints": lambda d: d.a.astype("category"),
    "datetimes": lambda d: d.t.astype("category"),
    "ordered": lambda d: d.s.astype(pd.CategoricalDtype(ordered=True)),
    "dict": lambda d: d.astype({"s": "category", "b": "category"}),
    "frame": lambda d: d[["a", "s"]].astype("category"),
    "given_categories": lambda d: d.s.astype(pd.CategoricalDtype(["s3", "s1", "s2", "s0"])),
}


@forms_on_executors(
    list(CATEGORY_CASTS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS
)
def test_astype_category_infers_categories_from_all_rows(name, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(CATEGORY_CASTS[name](pdf), CATEGORY_CASTS[name](df))


STRING_CASTS = {
    "str": lambda d: d.s.astype("category"),
    "string": lambda d: d.n.astype("category"),
    "frame": lambda d: d.astype("category"),
    "mapping": lambda d: d.astype({"s": "category", "v": "float32"}),
    "given": lambda d: d.s.astype(pd.CategoricalDtype(["y", "x", "w"], ordered=True)),
    "given_in_mapping": lambda d: d.astype({"n": pd.CategoricalDtype(["u", "v", "z"])}),
}


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
@pytest.mark.parametrize("name", list(STRING_CASTS))
@pytest.mark.filterwarnings("ignore:Constructing a Categorical with a dtype")
def test_astype_category_of_arrow_strings(name, npartitions, executor):
    """Arrow strings are coded by Arrow (``categorize.to_categorical``): missing values, both
    string dtypes, values outside given categories (left to pandas) as pandas codes them."""
    pdf = pd.DataFrame(
        {
            "s": pd.array(["x", None, "y", "z", "x", "é"] * 2, dtype="str"),
            "n": pd.array(["u", "v", None, "u"] * 3, dtype="string"),
            "v": np.arange(12),
        }
    )
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(STRING_CASTS[name](pdf), STRING_CASTS[name](df))


def test_arrow_strings_are_coded_by_arrow(monkeypatch):
    """The path above is Arrow's, not pandas' lookup (which would turn every category into a
    Python object in every partition)."""
    from dframe.core import categorize

    values = pd.Series(pd.array(["b", None, "a", "b"], dtype="str"), index=[3, 1, 2, 0], name="k")
    dtype = pd.CategoricalDtype(pd.Index(["a", "b", "c"], dtype="str"))
    expected = values.astype(dtype)

    def refuse(*args, **kwargs):
        raise AssertionError("coded by pandas")

    monkeypatch.setattr(pd.Series, "astype", refuse)
    assert_same(expected, categorize.to_categorical(values, dtype))
