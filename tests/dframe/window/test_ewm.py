"""``ewm(...).mean()/.sum()/.var()/.std()/.cov()/.corr()`` and ``ewm(times=...).mean()`` match
pandas across partition boundaries, natively (a fallback fails the test): every way to give the
decay, ``adjust``, ``ignore_na``, ``min_periods``, missing values in runs over several
partitions, times with gaps, ties and time zones, empty frames and lone rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dframe
from dframe import config, fallback
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import assert_same, make_frame, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def _gappy(n: int = 39) -> pd.DataFrame:
    """Floats with missing runs longer than a partition, ints and bools, a shuffled index."""
    rng = np.random.default_rng(7)
    x = rng.normal(10, 3, n)
    x[[0, 1, 5]] = np.nan
    x[12:25] = np.nan  # spans several partitions at 7 and 40
    y = rng.normal(size=n)
    y[-6:] = np.nan
    return pd.DataFrame(
        {"x": x, "y": y, "i": np.arange(n) % 5 - 2, "flag": np.arange(n) % 3 == 0},
        index=rng.permutation(n) + 100,
    )


def _timed(n: int = 39) -> pd.DataFrame:
    """``_gappy`` with times in order: irregular gaps, repeated times, a gap of many
    half-lives; ``t`` naive (ns), ``s`` in seconds, ``tz`` in a time zone."""
    gaps = np.random.default_rng(8).choice([0, 1, 2, 5, 30, 4000], n, p=[.1, .4, .2, .15, .1, .05])
    t = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.cumsum(gaps), unit="min")
    return _gappy(n).assign(
        t=t, s=t.as_unit("s"), tz=t.tz_localize("UTC").tz_convert("America/New_York")
    )


OPS = {
    "mean_span": lambda d: d.ewm(span=4).mean(),
    "mean_com_no_adjust": lambda d: d.ewm(com=1.5, adjust=False).mean(),
    "mean_halflife_ignore_na": lambda d: d.ewm(halflife=3, ignore_na=True).mean(),
    "mean_alpha_no_adjust_ignore_na": lambda d: (
        d.ewm(alpha=0.3, adjust=False, ignore_na=True).mean()
    ),
    "mean_min_periods": lambda d: d.ewm(span=3, min_periods=5).mean(),
    "series_mean": lambda d: d.x.ewm(alpha=0.2).mean(),
    "series_mean_no_adjust_min_periods": lambda d: (
        d.y.ewm(span=6, adjust=False, min_periods=3).mean()
    ),
    "sum": lambda d: d.ewm(com=2).sum(),
    "sum_ignore_na_min_periods": lambda d: d.x.ewm(alpha=0.4, ignore_na=True, min_periods=2).sum(),
    "var": lambda d: d.ewm(span=5).var(),
    "var_bias": lambda d: d[["x", "i"]].ewm(com=0.5, min_periods=2).var(bias=True),
    "std": lambda d: d.x.ewm(halflife=2, ignore_na=True).std(),
    "std_bias": lambda d: d.y.ewm(alpha=0.6).std(bias=True),
    "var_no_adjust": lambda d: d.ewm(span=4, adjust=False, min_periods=2).var(),
    "std_no_adjust_ignore_na_bias": lambda d: (
        d.x.ewm(com=1.0, adjust=False, ignore_na=True).std(bias=True)
    ),
    "after_a_filter": lambda d: d[d.i != 0].x.ewm(span=3).mean(),
    "assigned": lambda d: d.assign(m=d.x.ewm(span=3).mean() - d.x),
    "mean_com_1_no_adjust": lambda d: d.ewm(com=1, adjust=False).mean(),
    "var_alpha_half_no_adjust": lambda d: d[["x", "y"]].ewm(alpha=0.5, adjust=False).var(),
    "cov_series": lambda d: d.x.ewm(span=4).cov(d.y),
    "cov_series_bias_no_adjust": lambda d: d.x.ewm(com=1.0, adjust=False).cov(d.i, bias=True),
    "cov_series_ignore_na_min_periods": (
        lambda d: d.y.ewm(com=2, ignore_na=True, min_periods=4).cov(d.x)
    ),
    "corr_series": lambda d: d.x.ewm(alpha=0.3, min_periods=3).corr(d.y),
    "corr_series_no_adjust_ignore_na": (
        lambda d: d.y.ewm(span=5, adjust=False, ignore_na=True).corr(d.flag)
    ),
    "cov_self": lambda d: d.y.ewm(span=3).cov(),
    "corr_self": lambda d: d.x.ewm(span=3, adjust=False).corr(),
    "cov_frame": lambda d: d.ewm(span=5).cov(),
    "cov_frame_bias_no_adjust": lambda d: d[["x", "y"]].ewm(com=0.5, adjust=False).cov(bias=True),
    "corr_frame": lambda d: d[["x", "y", "i"]].ewm(com=1.0, adjust=False, min_periods=2).corr(),
    "corr_frame_pairwise": lambda d: d[["y", "flag"]].ewm(halflife=2, ignore_na=True).corr(
        pairwise=True
    ),
    "corr_frame_pairwise_false": (
        lambda d: d[["x", "y"]].ewm(span=3, min_periods=2).corr(pairwise=False)
    ),
    "cov_frame_pairwise_false_bias": lambda d: d.ewm(alpha=0.4).cov(pairwise=False, bias=True),
    "cov_numeric_only": lambda d: d.assign(s="a").ewm(span=3).cov(numeric_only=True),
}

TIMED = {
    "times_column": lambda d: d.x.ewm(halflife="2h", times=d.t).mean(),
    "times_array": lambda d: d.y.ewm(halflife="30min", times=d.t.to_numpy()).mean(),
    "times_index_frame": lambda d: (
        d[["x", "y", "i"]].ewm(halflife=pd.Timedelta("90min"), times=pd.DatetimeIndex(d.t)).mean()
    ),
    "times_no_adjust": lambda d: d.x.ewm(halflife="1h", times=d.t, adjust=False).mean(),
    "times_no_adjust_ignore_na": (
        lambda d: d[["x", "y"]].ewm(halflife="45min", times=d.s, adjust=False, ignore_na=True)
        .mean()
    ),
    "times_ignore_na_min_periods": (
        lambda d: d.x.ewm(halflife="3h", times=d.s, ignore_na=True, min_periods=3).mean()
    ),
    "times_com_time_zone": lambda d: d.y.ewm(com=0.5, halflife="1h", times=d.tz).mean(),
    "times_span_frame": lambda d: d[["x", "flag"]].ewm(span=3, halflife="20min", times=d.t).mean(),
    "times_after_a_filter": lambda d: (lambda e: e.x.ewm(halflife="2h", times=e.t).mean())(
        d[d.i != 0]
    ),
}


@product_on_executors(name=list(OPS))
def test_ewm(name, executor, npartitions):
    pdf = _gappy()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(OPS[name](pdf), OPS[name](df))


@product_on_executors(name=list(TIMED))
def test_ewm_with_times(name, executor, npartitions):
    pdf = _timed()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(TIMED[name](pdf), TIMED[name](df))


@pytest.mark.parametrize("rows", [0, 1, 2])
@pytest.mark.parametrize("name", list(TIMED))
def test_times_on_few_rows(name, rows, sync):
    pdf = _timed().iloc[5 : 5 + rows]
    assert_same(TIMED[name](pdf), TIMED[name](dframe.from_pandas(pdf, npartitions=max(rows, 1))))


@pytest.mark.parametrize("name", list(OPS))
def test_empty_frame(name, sync):
    pdf = _gappy().iloc[:0]
    assert_same(OPS[name](pdf), OPS[name](dframe.from_pandas(pdf, npartitions=3)))


@pytest.mark.parametrize("rows", [1, 2])
@pytest.mark.parametrize("name", list(OPS))
def test_lone_rows(name, rows, sync):
    pdf = _gappy().iloc[5 : 5 + rows]
    assert_same(OPS[name](pdf), OPS[name](dframe.from_pandas(pdf, npartitions=rows)))


@pytest.mark.parametrize(
    "name", ["mean_span", "mean_com_no_adjust", "sum", "var", "std", "var_no_adjust"]
)
def test_all_missing_and_one_value_per_partition(name, sync):
    nan = np.nan
    for values in ([nan] * 9, [nan, nan, 1.0, nan, nan, 2.0, nan, nan, nan], [3.0] + [nan] * 8):
        pdf = pd.DataFrame({"x": values, "y": [1.0] * 9})
        df = dframe.from_pandas(pdf, npartitions=9)  # one row per partition
        assert_same(OPS[name](pdf), OPS[name](df))


def test_constant_values(sync):
    pdf = pd.DataFrame({"x": [2.5] * 20})
    df = dframe.from_pandas(pdf, npartitions=6)
    for op in (
        lambda d: d.ewm(span=3).mean(),
        lambda d: d.ewm(span=3).var(),
        lambda d: d.ewm(span=3, adjust=False).std(),
    ):
        assert_same(op(pdf), op(df))


def test_pandas_errors_at_the_call(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.raises(ValueError, match="comass"):
        df.b.ewm()
    with pytest.raises(ValueError, match="comass"):
        df.b.ewm(com=-1)
    with pytest.raises(NotImplementedError, match="adjust=False"):
        df.b.ewm(span=2, adjust=False).sum()
    with pytest.raises(pd.errors.DataError):
        df.ewm(span=2).mean()  # the str column, as in pandas
    assert_same(pdf.ewm(span=2).mean(numeric_only=True), df.ewm(span=2).mean(numeric_only=True))


def test_what_is_not_split_falls_back_with_a_warning(sync):
    pdf = _timed()
    df = dframe.from_pandas(pdf, npartitions=3)
    other = pdf[["x", "y"]] * 2
    with pytest.warns(dframe.PandasFallbackWarning, match="ewm"):
        result = df[["x", "y"]].ewm(span=3).corr(dframe.from_pandas(other, npartitions=2))
    assert_same(pdf[["x", "y"]].ewm(span=3).corr(other), result)
    fallback.reset_warnings()  # (a fallback warns once per operation)
    backwards = pdf.t.to_numpy()[::-1]  # (pandas computes with times out of order)
    with pytest.warns(dframe.PandasFallbackWarning, match="ewm"):
        result = df.x.ewm(halflife="2h", times=backwards).mean()
    assert_same(pdf.x.ewm(halflife="2h", times=backwards).mean(), result)
    fallback.reset_warnings()
    elsewhere = dframe.from_pandas(pdf.t, npartitions=2)  # times of another source
    with pytest.warns(dframe.PandasFallbackWarning, match="ewm"):
        result = df.x.ewm(halflife="2h", times=elsewhere).mean()
    assert_same(pdf.x.ewm(halflife="2h", times=pdf.t).mean(), result)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.x.ewm(halflife="2h", times=d.t.to_numpy()[:-1]),  # length
        lambda d: d.x.ewm(halflife=2, times=d.t),  # a number of rows with times
        lambda d: d.x.ewm(halflife="2h", times="t"),  # a column name: not datetimes
        lambda d: d.x.ewm(halflife="2h", times=d.x),
        lambda d: d.x.ewm(halflife="2h", times=d.t.where(d.i != 1)),  # NaT
        lambda d: d.x.ewm(halflife="2h", span=3, times=d.t, adjust=False),
        lambda d: d.x.ewm(halflife="2h", times=d.t).sum(),
        lambda d: d.x.ewm(halflife="2h", times=d.t).var(),
        lambda d: d.x.ewm(halflife="2h", times=d.t).corr(d.y),
        lambda d: d.x.ewm(span=2).cov(d.x.to_numpy()),
        lambda d: d[["x", "y"]].ewm(span=2).cov(d.x.to_numpy()),
    ],
)
def test_pandas_errors_of_times_and_pairs(call, sync):
    pdf = _timed()
    with pytest.raises(Exception) as expected:
        call(pdf)
    with pytest.raises(expected.type, match=str(expected.value)[:20] or None):
        result = call(dframe.from_pandas(pdf, npartitions=3))
        if isinstance(result, dframe.Series):
            result.to_pandas()


missing_floats = st.lists(
    st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False)), min_size=0, max_size=40
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    values=missing_floats,
    npartitions=st.integers(1, 9),
    decay=st.sampled_from(
        [("com", 0.5), ("span", 4.0), ("halflife", 1.5), ("alpha", 0.8), ("com", 1.0)]
    ),
    adjust=st.booleans(),
    ignore_na=st.booleans(),
    min_periods=st.integers(0, 4),
    name=st.sampled_from(["mean", "sum", "var", "std", "var_bias", "cov", "corr", "cov_bias"]),
)
def test_property_matches_pandas(
    values, npartitions, decay, adjust, ignore_na, min_periods, name
):
    if name == "sum" and not adjust:
        name = "mean"  # (pandas has no sum with adjust=False)
    kwargs = {"bias": True} if name.endswith("_bias") else {}
    name = name.removesuffix("_bias")
    s = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if name in ("cov", "corr"):
        # against the values shifted and halved: other rows missing, ties, constant runs
        kwargs["other"] = (s.shift(2).fillna(3.0) / 2).round()
    options = {decay[0]: decay[1], "adjust": adjust, "ignore_na": ignore_na}
    options["min_periods"] = min_periods
    with config.override(executor=SyncExecutor()):
        ds = dframe.from_pandas(s, npartitions=npartitions)
        expected = getattr(s.ewm(**options), name)(**kwargs)
        if "other" in kwargs:
            frame = dframe.from_pandas(pd.DataFrame({"s": s, "o": kwargs["other"]}), npartitions)
            ds, kwargs["other"] = frame.s.rename(None), frame.o.rename(None)
        result = getattr(ds.ewm(**options), name)(**kwargs).to_pandas()
    pd.testing.assert_series_equal(result, expected, rtol=1e-9, atol=1e-9)
