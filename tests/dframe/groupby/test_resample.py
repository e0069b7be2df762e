"""resample and ``groupby(pd.Grouper(freq=...))`` parity: native (a ``PandasFallbackWarning``
fails the test) and equal to pandas — empty bins, their fill values and dtypes included — at
several partition counts, on both executors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import fallback
from tests.dframe.conftest import NPARTITIONS, assert_same, in_turn

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def make_data(n: int = 36) -> pd.DataFrame:
    """Unsorted times over ten days with NaT, a two-day gap (empty bins), and one day holding
    half the rows (skew)."""
    rng = np.random.default_rng(3)
    minutes = rng.integers(0, 10 * 24 * 60, n)
    minutes[: n // 2] = rng.integers(0, 24 * 60, n // 2)  # skew: day one
    t = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(minutes, "min"))
    t[(t >= "2024-01-04") & (t < "2024-01-06")] += pd.Timedelta("2D")
    t[[4, 9]] = pd.NaT
    v = rng.normal(size=n)
    v[[1, 7]] = np.nan
    return pd.DataFrame(
        {
            "t": t,
            "k": rng.integers(0, 3, n),
            "v": v,
            "w": rng.integers(0, 100, n),
            "s": pd.array([f"s{i % 3}" for i in range(n)], dtype="str"),
        }
    )


DATA = make_data()
INDEXED = DATA.dropna(subset=["t"]).set_index("t")
NUM = ["v", "w"]

# f(frame with a "t" column, frame indexed by time)
OPS = {
    "sum": lambda d, i: i[NUM].resample("D").sum(),
    "mean": lambda d, i: i[NUM].resample("D").mean(),
    "count": lambda d, i: i.resample("12h").count(),
    "size": lambda d, i: i.resample("D").size(),
    "min": lambda d, i: i.resample("D").min(),
    "max_int": lambda d, i: i.resample("D").w.max(),
    "first": lambda d, i: i.resample("D").first(),
    "last": lambda d, i: i.resample("2D").last(),
    "std": lambda d, i: i[NUM].resample("D").std(),
    "var": lambda d, i: i.resample("D")["w"].var(),
    "median": lambda d, i: i.resample("D").v.median(),
    "prod": lambda d, i: i.resample("3D").w.prod(),
    "nunique": lambda d, i: i.resample("D").s.nunique(),
    "quantile": lambda d, i: i.resample("D").v.quantile(0.25),
    "ohlc": lambda d, i: i.resample("D").v.ohlc(),
    "ohlc_frame": lambda d, i: i[NUM].resample("2D").ohlc(),
    "agg_list": lambda d, i: i.resample("D").w.agg(["sum", "mean", "first"]),
    "agg_dict": lambda d, i: i.resample("D").agg({"v": "mean", "w": ["sum", "max"]}),
    "agg_callable": lambda d, i: i.resample("D").w.agg(lambda x: x.max() - x.min()),
    "selected": lambda d, i: i.resample("D")[["v", "s"]].first(),
    "series": lambda d, i: i.w.resample("D").sum(),
    "series_mean": lambda d, i: i.v.resample("6h").mean(),
    "on_column": lambda d, i: d.resample("D", on="t")[NUM].sum(),
    "on_column_first": lambda d, i: d.resample("D", on="t").first(),
    "closed_right": lambda d, i: i.resample("D", closed="right", label="right").w.sum(),
    "origin_epoch": lambda d, i: i.resample("7h", origin="epoch").v.mean(),
    "origin_end": lambda d, i: i.resample("2D", origin="end").w.sum(),
    "offset": lambda d, i: i.resample("D", offset="2h").w.count(),
    "weekly": lambda d, i: i.resample("W").w.sum(),
    "monthly": lambda d, i: i.resample("MS").w.mean(),
    "upsample_sum": lambda d, i: i.resample("h").w.sum(),
    "grouper_key": lambda d, i: d.groupby(pd.Grouper(key="t", freq="D")).w.sum(),
    "grouper_key_first": lambda d, i: d.groupby(pd.Grouper(key="t", freq="D")).first(),
    "grouper_level": lambda d, i: i.groupby(pd.Grouper(level="t", freq="3D"))[
        NUM
    ].mean(),
    "grouper_index": lambda d, i: i.groupby(pd.Grouper(freq="D")).size(),
    "grouper_and_key": lambda d, i: d.groupby(
        ["k", pd.Grouper(key="t", freq="D")]
    ).w.first(),
    "key_and_grouper": lambda d, i: d.groupby([pd.Grouper(key="t", freq="2D"), "k"])[
        NUM
    ].sum(),
    "level_grouper_and_key": lambda d, i: i.groupby(
        [pd.Grouper(level="t", freq="D"), "s"]
    ).w.max(),
}


def _both(op, npartitions, data=DATA, indexed=INDEXED):
    expected = op(data, indexed)
    result = op(
        dframe.from_pandas(data, npartitions=npartitions),
        dframe.from_pandas(indexed, npartitions=npartitions),
    )
    return expected, result


# Both per-partition kernels for every operation, each at several partitions.
@pytest.mark.parametrize(
    ("name", "npartitions", "groupby_kernel"),
    in_turn(OPS, NPARTITIONS, ["arrow", "pandas"]),
    indirect=["groupby_kernel"],
)
def test_resample(sync, name, npartitions, groupby_kernel):
    assert_same(*_both(OPS[name], npartitions))


@pytest.mark.parametrize(
    "name", ["sum", "first", "ohlc", "on_column", "grouper_and_key"]
)
def test_runtime_resample(executor, name):
    assert_same(*_both(OPS[name], 7))


@pytest.mark.parametrize("npartitions", [1, 4])
def test_time_zones_and_sorted_data(sync, npartitions):
    indexed = INDEXED.sort_index().tz_localize("US/Eastern")
    data = indexed.reset_index()
    for name in ["sum", "size", "last", "on_column", "grouper_key", "weekly"]:
        assert_same(*_both(OPS[name], npartitions, data, indexed))


def test_no_gaps_keeps_dtypes(sync):
    # Without an empty bin pandas keeps integer results integer (max, first ...).
    indexed = INDEXED.sort_index()
    full = indexed[indexed.index < "2024-01-02"]
    for name in ["max_int", "first", "min", "agg_list"]:
        assert_same(*_both(OPS[name], 3, full.reset_index(), full))


def test_empty_frames(sync):
    empty = DATA.iloc[:0]
    for name in ["sum", "mean", "size", "first", "series", "grouper_level"]:
        assert_same(*_both(OPS[name], 3, empty, INDEXED.iloc[:0]))
    # only NaT time stamps: no bin at all
    nat = DATA[DATA.t.isna()]
    op = lambda d, i: d.resample("D", on="t")[NUM].sum()
    expected = op(nat, None)
    result = op(dframe.from_pandas(nat, npartitions=2), None)
    assert_same(expected, result)


def test_many_rows_shuffled(sync):
    rng = np.random.default_rng(9)
    n = 5000
    t = pd.Timestamp("2024-03-01") + pd.to_timedelta(
        rng.integers(0, 90 * 24 * 3600, n), "s"
    )
    pdf = pd.DataFrame({"v": rng.normal(size=n), "w": rng.integers(0, 9, n)}, index=t)
    ddf = dframe.from_pandas(pdf, npartitions=6)
    assert_same(pdf.resample("h").sum(), ddf.resample("h").sum())
    assert_same(pdf.resample("D").last(), ddf.resample("D").last())
    assert_same(pdf.resample("6h").w.nunique(), ddf.resample("6h").w.nunique())


def test_unsupported_variants_fall_back_with_warning(sync):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    dix = dframe.from_pandas(INDEXED, npartitions=3)
    periods = INDEXED.sort_index().to_period("D")
    cases = [
        (lambda d: d.resample("D").interpolate(), INDEXED[NUM].sort_index(), "Resampler.interpolate"),
        (lambda d: d.resample("12h").ffill(), INDEXED.sort_index(), "Resampler.ffill"),
        (lambda d: d.resample("D").asfreq(), INDEXED.sort_index(), "Resampler.asfreq"),
        (lambda d: d.resample("D").w.sum(), periods, "Resampler.sum"),
        (lambda d: d.groupby(pd.Grouper(key="t", freq="D"), as_index=False).w.sum(), DATA,
         "GroupBy.sum"),
        (lambda d: d.groupby(["k", pd.Grouper(key="t", freq="D")], sort=False).w.max(), DATA,
         "GroupBy.max"),
    ]  # fmt: skip
    assert dix.npartitions == ddf.npartitions
    for op, data, name in cases:
        fallback.reset_warnings()
        with pytest.warns(dframe.PandasFallbackWarning, match=name):
            result = op(dframe.from_pandas(data, npartitions=3))
        assert_same(op(data), result)


def test_errors_like_pandas(sync):
    dix = dframe.from_pandas(INDEXED, npartitions=3)
    with pytest.raises(ValueError):
        dix.resample("not a rule")
    with pytest.raises(KeyError):
        dframe.from_pandas(DATA, npartitions=2).resample("D", on="nope")
