"""Operations along the row order — cumulative ops, shift/diff/pct_change, rolling and expanding
windows — match pandas across partition boundaries, natively (a fallback fails the test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dframe
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, forms_on_executors, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

NUM = ["a", "b", "flag"]

OPS = {
    "cumsum": lambda d: d[NUM].cumsum(),
    "cumsum_noskip": lambda d: d[["a", "b"]].cumsum(skipna=False),
    "cumprod": lambda d: (d[["b"]] / 100).cumprod(),
    "cummin": lambda d: d[["a", "b", "t"]].cummin(),
    "cummax_noskip": lambda d: d.b.cummax(skipna=False),
    "series_cumsum": lambda d: d.b.cumsum(),
    "cumsum_axis1": lambda d: d[["a", "b"]].cumsum(axis=1),
    "cumsum_of_filtered": lambda d: d[d.a > 0].b.cumsum(),
    "cumsum_assigned": lambda d: d.assign(c=d.b.cumsum()),
    "shift": lambda d: d.shift(2),
    "shift_neg_fill": lambda d: d[["a", "b"]].shift(-3, fill_value=0),
    "shift_far": lambda d: d.b.shift(11),
    "shift_zero": lambda d: d.a.shift(0),
    "diff": lambda d: d[["a", "b"]].diff(),
    "diff_neg": lambda d: d.b.diff(-2),
    "pct_change": lambda d: d.b.pct_change(),
    "pct_change_2": lambda d: d[["a", "b"]].pct_change(periods=2),
    "rolling_sum": lambda d: d[NUM].rolling(4).sum(),
    "rolling_mean_min_periods": lambda d: (
        d[["a", "b"]].rolling(5, min_periods=2).mean()
    ),
    "rolling_wider_than_partitions": lambda d: d.b.rolling(10, min_periods=1).max(),
    "rolling_min": lambda d: d.b.rolling(3).min(),
    "rolling_count": lambda d: d.b.rolling(3).count(),
    "rolling_std": lambda d: d.b.rolling(3).std(),
    "rolling_var": lambda d: d[["a", "b"]].rolling(4).var(ddof=0),
    "rolling_median": lambda d: d.b.rolling(3).median(),
    "rolling_apply": lambda d: d.b.rolling(3).apply(
        lambda x: x.max() - x.min(), raw=True
    ),
    "rolling_center": lambda d: d.b.rolling(3, center=True).sum(),
    "rolling_time_index": lambda d: d.set_index("t")[["a", "b"]].rolling("3D").sum(),
    "rolling_time_on": lambda d: d[["a", "b", "t"]].rolling("2D", on="t").mean(),
    "rolling_time_count": lambda d: (
        d.set_index("t").b.rolling("4D", min_periods=2).count()
    ),
    "expanding_sum": lambda d: d[NUM].expanding().sum(),
    "expanding_mean": lambda d: d.b.expanding(min_periods=3).mean(),
    "expanding_min_max": lambda d: (
        d[["a", "b"]].expanding().min() + d[["a", "b"]].expanding().max()
    ),
    "expanding_count": lambda d: d.b.expanding(min_periods=2).count(),
    "expanding_std": lambda d: d[["a", "b"]].expanding().std(),
    "expanding_var_ddof0": lambda d: d.b.expanding().var(ddof=0),
}


@forms_on_executors(list(OPS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS)
def test_window_op(name, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(OPS[name](pdf), OPS[name](df))


EMPTY_SAFE = [
    "cumsum",
    "cummax_noskip",
    "shift",
    "diff",
    "pct_change",
    "rolling_sum",
    "rolling_time_index",
    "expanding_sum",
    "expanding_std",
]


@pytest.mark.parametrize("name", EMPTY_SAFE)
def test_empty_frame(name, sync):
    pdf = make_frame().iloc[:0]
    assert_same(OPS[name](pdf), OPS[name](dframe.from_pandas(pdf, npartitions=3)))


def test_mostly_missing_values_and_lone_rows(sync):
    pdf = pd.DataFrame(
        {"x": [np.nan, np.nan, 1.0, np.nan, np.nan, 2.0, np.nan, np.nan]}
    )
    df = dframe.from_pandas(pdf, npartitions=8)  # one row per partition
    for op in (
        lambda d: d.cumsum(),
        lambda d: d.cummin(skipna=False),
        lambda d: d.rolling(3, min_periods=1).sum(),
        lambda d: d.expanding().mean(),
        lambda d: d.expanding(min_periods=2).std(),
        lambda d: d.diff(3),
    ):
        assert_same(op(pdf), op(df))


def test_time_window_on_a_decreasing_or_unordered_index(sync):
    pdf = make_frame().set_index("t").iloc[::-1]
    for n in (1, 3, 7):
        df = dframe.from_pandas(pdf, npartitions=n)
        assert_same(pdf.b.rolling("2D").sum(), df.b.rolling("2D").sum())
    shuffled = make_frame().set_index("t").iloc[[0, 1, 2, 5, 6, 3, 4]]
    df = dframe.from_pandas(shuffled, npartitions=3)
    with pytest.raises(ValueError, match="monotonic"):
        shuffled.b.rolling("2D").sum()
    with pytest.raises(ValueError, match="monotonic"):
        df.b.rolling("2D").sum().to_pandas()


def test_bad_arguments_raise_at_the_call(sync):
    df = dframe.from_pandas(make_frame(), npartitions=3)
    with pytest.raises(ValueError):
        df.b.rolling(-1)
    with pytest.raises(TypeError):
        df.t.cumprod()
    with pytest.raises(pd.errors.DataError):
        df.rolling(2).sum()  # the str column, as in pandas


def test_unsupported_window_falls_back_with_a_warning(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning, match="rolling"):
        result = df.b.rolling(3, step=2).sum()
    assert_same(pdf.b.rolling(3, step=2).sum(), result)


frames = st.lists(
    st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False)), min_size=0, max_size=30
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    values=frames,
    npartitions=st.integers(1, 9),
    periods=st.integers(-4, 4),
    window=st.integers(1, 6),
)
def test_property_cumsum_shift_rolling(values, npartitions, periods, window):
    pdf = pd.DataFrame(
        {"x": [np.nan if v is None else v for v in values]}, dtype="float64"
    )
    pdf["y"] = np.arange(len(pdf), dtype="int64")
    with config.override(executor=SyncExecutor()):
        df = dframe.from_pandas(pdf, npartitions=npartitions)
        pd.testing.assert_frame_equal(
            df.cumsum().to_pandas(), pdf.cumsum(), rtol=1e-9, atol=1e-6
        )
        pd.testing.assert_frame_equal(df.shift(periods).to_pandas(), pdf.shift(periods))
        pd.testing.assert_frame_equal(
            df.rolling(window, min_periods=1).sum().to_pandas(),
            pdf.rolling(window, min_periods=1).sum(),
            rtol=1e-9,
            atol=1e-6,
        )
