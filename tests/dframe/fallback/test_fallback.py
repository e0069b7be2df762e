"""Whatever dframe lacks runs on pandas, says so once, and returns dframe objects."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import PandasFallbackWarning
from tests.dframe.conftest import assert_same, make_frame

pytestmark = pytest.mark.timeout(60)


def test_unimplemented_method_warns_once_and_matches_pandas(executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    # (a correlation given as a Python function stays on pandas)
    with pytest.warns(PandasFallbackWarning, match=r"DataFrame\.corr") as record:
        result = df[["a", "b"]].corr(method=_overlap)
    assert record[0].filename == __file__  # points at the user's line
    assert isinstance(result, dframe.DataFrame)
    assert result.npartitions == 3
    assert_same(pdf[["a", "b"]].corr(method=_overlap), result)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df[["a"]].corr(method=_overlap)  # second time: silent


def _overlap(x, y):
    return float(np.minimum(x, y).sum())


def test_results_stay_dframe_objects_and_compose(executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(PandasFallbackWarning):
        ranked = df.sort_values("b", ascending=False, key=abs)
    assert_same(pdf.sort_values("b", ascending=False, key=abs).a * 2, ranked.a * 2)
    with pytest.warns(PandasFallbackWarning, match="Series.mode"):
        assert_same(pdf.s.mode(), df.s.mode())
    with pytest.warns(PandasFallbackWarning):
        assert_same(pdf.b.combine(pdf.a, max), df.b.combine(df.a, max))


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # inplace is deprecated
def test_inplace_fallback_replaces_the_data(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(PandasFallbackWarning):
        assert df.sort_values("b", inplace=True, key=abs) is None
    pdf.sort_values("b", inplace=True, key=abs)
    assert_same(pdf, df)


def test_indexers_and_accessors(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(PandasFallbackWarning, match="DataFrame.loc"):
        df.loc[0, "z"] = 1000  # a new column through loc: pandas
    pdf.loc[0, "z"] = 1000
    df.loc[1, "y"] = 1.5  # already reported for DataFrame.loc: once per process
    pdf.loc[1, "y"] = 1.5
    assert_same(pdf, df)
    with pytest.warns(PandasFallbackWarning, match="Series.str.get_dummies"):
        assert_same(pdf.s.str.get_dummies(), df.s.str.get_dummies())
    with pytest.warns(PandasFallbackWarning, match="Series.dt.freq"):
        assert pdf.t.dt.freq == df.t.dt.freq


def test_unaligned_operands_fall_back_correctly(sync):
    # Operands of other sources are aligned natively (tests/dframe/test_alignment.py); these
    # are still pandas' job.
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    other = dframe.from_pandas(pdf, npartitions=2)  # different partitioning
    with pytest.warns(PandasFallbackWarning, match="Series.__add__"):
        assert_same(pdf.a + pdf[["a"]], df.a + other[["a"]])
    with pytest.warns(PandasFallbackWarning, match="Series.__mul__"):
        assert_same(pdf.b * pdf.a.to_numpy(), df.b * pdf.a.to_numpy())
    indexed, pindexed = df.set_index("s"), pdf.set_index("s")
    with pytest.warns(PandasFallbackWarning, match="Series.add"):  # level=: pandas' job
        assert_same(pindexed.b.add(pindexed.a, level=0), indexed.b.add(indexed.a, level=0))


def test_unsupported_reduction_dtype_falls_back(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(PandasFallbackWarning, match="Series.sum"):
        assert_same(pdf.s.dropna().sum(), df.s.dropna().sum())


def test_top_level_namespace(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    assert dframe.NA is pd.NA and dframe.Timestamp is pd.Timestamp
    assert dframe.testing is pd.testing
    # dframe.options holds dframe's options and reaches pandas' own through it.
    with pd.option_context("display.max_rows", 7):
        assert dframe.options.display.max_rows == 7
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no data involved: no warning
        assert dframe.to_datetime("2024-01-02") == pd.Timestamp("2024-01-02")
    with pytest.warns(PandasFallbackWarning, match="pandas.lreshape"):
        result = dframe.lreshape(df, {"both": ["a", "b"]})
    assert isinstance(result, dframe.DataFrame)
    assert_same(pd.lreshape(pdf, {"both": ["a", "b"]}), result)
    with pytest.warns(PandasFallbackWarning, match="pandas.merge_ordered"):
        merged = dframe.merge_ordered(df, df[["a", "s"]], on="a")
    assert_same(pd.merge_ordered(pdf, pdf[["a", "s"]], on="a"), merged)


def test_attribute_error_only_for_what_pandas_lacks(sync):
    df = dframe.from_pandas(make_frame(), npartitions=2)
    with pytest.raises(AttributeError, match="no_such_method"):
        df.no_such_method
    with pytest.raises(AttributeError, match="no_such_method"):
        df.a.no_such_method
    with pytest.raises(AttributeError, match="no_such_function"):
        dframe.no_such_function
    assert callable(df.melt) and callable(df.a.cumprod)
