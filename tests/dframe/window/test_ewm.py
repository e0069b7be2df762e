"""``ewm(...).mean()/.sum()/.var()/.std()`` match pandas across partition boundaries, natively
(a fallback fails the test): every way to give the decay, ``adjust``, ``ignore_na``,
``min_periods``, missing values in runs over several partitions, empty frames and lone rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dframe
from dframe import config, fallback
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import assert_same, make_frame, on_executors

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
}


@on_executors()
@pytest.mark.parametrize("name", list(OPS))
def test_ewm(name, executor, npartitions):
    pdf = _gappy()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(OPS[name](pdf), OPS[name](df))


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
    pdf = _gappy()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning, match="ewm"):
        result = df[["x", "y"]].ewm(span=3).corr()
    assert_same(pdf[["x", "y"]].ewm(span=3).corr(), result)
    fallback.reset_warnings()  # (a fallback warns once per operation)
    times = pd.Series(pd.date_range("2024", periods=len(pdf), freq="h"))
    with pytest.warns(dframe.PandasFallbackWarning, match="ewm"):
        result = df.x.ewm(halflife="2h", times=times.to_numpy()).mean()
    assert_same(pdf.x.ewm(halflife="2h", times=times.to_numpy()).mean(), result)


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
    decay=st.sampled_from([("com", 0.5), ("span", 4.0), ("halflife", 1.5), ("alpha", 0.8)]),
    adjust=st.booleans(),
    ignore_na=st.booleans(),
    min_periods=st.integers(0, 4),
    name=st.sampled_from(["mean", "sum", "var", "std", "var_bias"]),
)
def test_property_matches_pandas(
    values, npartitions, decay, adjust, ignore_na, min_periods, name
):
    if name == "sum" and not adjust:
        name = "mean"  # (pandas has no sum with adjust=False)
    kwargs = {"bias": True} if name == "var_bias" else {}
    name = name.removesuffix("_bias")
    s = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    options = {decay[0]: decay[1], "adjust": adjust, "ignore_na": ignore_na}
    options["min_periods"] = min_periods
    with config.override(executor=SyncExecutor()):
        ds = dframe.from_pandas(s, npartitions=npartitions)
        expected = getattr(s.ewm(**options), name)(**kwargs)
        result = getattr(ds.ewm(**options), name)(**kwargs).to_pandas()
    pd.testing.assert_series_equal(result, expected, rtol=1e-9, atol=1e-9)
