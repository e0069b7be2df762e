"""``dframe.compute``: several results in one computation, equal to pandas' one by one."""

from __future__ import annotations

import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, forms_on_executors, make_frame

pytestmark = [pytest.mark.timeout(60), pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")]


def queries(d):
    cols = d[["a", "b"]]
    return [cols.sum(), cols.mean(), cols.min(), cols.max(), cols.std(), d.b.cumsum(),
            d[d.a > 0].s.str.upper(), d.median(numeric_only=True), d.a.value_counts()]


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_compute_matches_pandas(npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    results = dframe.compute(*queries(df), "not dframe", 7)
    for expected, result in zip([*queries(pdf), "not dframe", 7], results, strict=True):
        assert_same(expected, result)


def test_reductions_of_one_input_share_one_pass(sync):
    df = dframe.from_pandas(make_frame(), npartitions=7)
    cols = df[["a", "b"]]
    before = sync.tasks_submitted
    dframe.compute(cols.sum(), cols.mean(), cols.min(), cols.max())
    # One chunk task per partition for all four, then one combine+finalize task.
    assert sync.tasks_submitted - before == 7 + 1


def test_compute_of_nothing_and_empty_frames(sync):
    assert dframe.compute() == ()
    empty = make_frame().iloc[:0]
    df = dframe.from_pandas(empty, npartitions=1)
    s, m = dframe.compute(df[["a", "b"]].sum(), df[["a", "b"]].mean())
    assert_same(empty[["a", "b"]].sum(), s)
    assert_same(empty[["a", "b"]].mean(), m)
    assert isinstance(m, pd.Series)


AGGS = {
    "list": lambda d: d[["a", "b", "flag"]].agg(["sum", "mean"]),
    "name": lambda d: d[["a", "b"]].agg("max"),
    "many": lambda d: d[["a", "b", "flag"]].aggregate(["min", "max", "count", "median", "nunique"]),
    "datetime": lambda d: d[["a", "t"]].agg(["min", "max"]),
    "strings": lambda d: d[["a", "s"]].agg(["min", "max"]),
    "dict": lambda d: d.agg({"a": "sum", "b": "mean"}),
    "dict_lists": lambda d: d.agg({"a": ["sum"], "b": ["mean", "min"]}),
    "dict_mixed": lambda d: d.agg({"a": "sum", "b": ["mean", "min"]}),
    "series_list": lambda d: d.a.agg(["sum", "mean"]),
    "series_name": lambda d: d.b.agg("std"),
    "series_moments": lambda d: d.b.agg(["sem", "var"]),
}


@forms_on_executors(list(AGGS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS)
def test_agg_by_names_is_native(name, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(AGGS[name](pdf), AGGS[name](df))


def test_agg_with_functions_falls_back(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning):
        assert_same(pdf[["a", "b"]].agg(["sum", lambda s: s.max() - s.min()]),
                    df[["a", "b"]].agg(["sum", lambda s: s.max() - s.min()]))
    with pytest.raises(TypeError):
        pdf[["a", "s"]].agg(["mean"])
    with pytest.raises(TypeError):
        df[["a", "s"]].agg(["mean"])
