"""``interpolate`` matches pandas across partition boundaries, natively (a fallback fails the
test): linear, by labels (``index``/``values``/``time``), ``limit``, ``limit_direction``,
``limit_area``, runs of missing values over several partitions, empty frames, lone rows."""

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
    """Floats with missing runs longer than a partition and at both ends, nullable numbers,
    ints and bools, on an increasing DatetimeIndex with uneven steps."""
    rng = np.random.default_rng(3)
    x = rng.normal(10, 3, n)
    x[[0, 1, 5, 7]] = np.nan
    x[12:25] = np.nan
    x[-3:] = np.nan
    y = rng.normal(size=n)
    y[rng.random(n) < 0.4] = np.nan
    nullable = pd.array(np.round(y * 10), dtype="Float64")
    steps = np.cumsum(rng.integers(1, 5, n))
    return pd.DataFrame(
        {
            "x": x,
            "y": y,
            "F": nullable,
            "I": pd.array([None if i % 4 == 1 else i for i in range(n)], dtype="Int64"),
            "i": np.arange(n) % 5,
            "flag": np.arange(n) % 3 == 0,
        },
        index=pd.Timestamp("2024-01-01") + pd.to_timedelta(steps, unit="h"),
    )


OPS = {
    "linear": lambda d: d.interpolate(),
    "limit": lambda d: d.interpolate(limit=2),
    "backward": lambda d: d.interpolate(limit_direction="backward"),
    "backward_limit": lambda d: d.interpolate(limit=3, limit_direction="backward"),
    "both": lambda d: d.interpolate(limit_direction="both"),
    "both_limit": lambda d: d.interpolate(limit=1, limit_direction="both"),
    "inside": lambda d: d.interpolate(limit_direction="both", limit_area="inside"),
    "outside": lambda d: d.interpolate(limit_direction="both", limit_area="outside"),
    "outside_limit": lambda d: d.interpolate(limit=2, limit_area="outside"),
    "time": lambda d: d.interpolate(method="time"),
    "index_both_limit": lambda d: d.interpolate(method="index", limit=4, limit_direction="both"),
    "values_descending": lambda d: d.iloc[::-1].interpolate(method="values"),
    "series": lambda d: d.x.interpolate(limit_direction="both", limit=5),
    "series_time_inside": lambda d: d.y.interpolate(method="time", limit_area="inside"),
    "after_a_filter": lambda d: d[d.i != 2].x.interpolate(),
    "reset_index": lambda d: d.reset_index(drop=True).interpolate(method="index"),
}


@product_on_executors(name=list(OPS))
def test_interpolate(name, executor, npartitions):
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


@pytest.mark.parametrize("name", ["linear", "both", "both_limit", "outside", "time"])
def test_all_missing_and_one_value_per_partition(name, sync):
    nan = np.nan
    index = pd.date_range("2024", periods=9, freq="D")
    for values in ([nan] * 9, [nan, nan, 1.0, nan, nan, 2.0, nan, nan, nan], [3.0] + [nan] * 8):
        pdf = pd.DataFrame({"x": values, "y": 1.0}, index=index)
        df = dframe.from_pandas(pdf, npartitions=9)  # one row per partition
        assert_same(OPS[name](pdf), OPS[name](df))


def test_inplace(sync):
    pdf = _gappy()
    df = dframe.from_pandas(pdf, npartitions=4)
    returned = df.interpolate(limit=1, inplace=True)
    assert (pdf.interpolate(limit=1, inplace=True) is pdf) == (returned is df)
    assert_same(pdf, df)


def test_pandas_errors_at_the_call(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    for kwargs, error in [
        ({"limit": 0}, ValueError),
        ({"limit": 1.5}, ValueError),
        ({"limit_direction": "sideways"}, ValueError),
        ({"limit_area": "around"}, ValueError),
        ({"method": "pad"}, ValueError),
        ({"method": "time"}, ValueError),  # not a DatetimeIndex
    ]:
        with pytest.raises(error):
            pdf.b.interpolate(**kwargs)
        with pytest.raises(error):
            df.b.interpolate(**kwargs)
    with pytest.raises(TypeError):
        pdf.interpolate()  # the str column, as in pandas
    with pytest.raises(TypeError):
        df.interpolate()
    with pytest.raises(TypeError):
        df.s.interpolate()
    assert_same(pdf.a.interpolate(), df.a.interpolate())  # ints: unchanged


def test_what_is_not_split_falls_back_with_a_warning(sync):
    pdf = _gappy().sample(frac=1.0, random_state=0)  # labels out of order
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning, match="interpolate"):
        result = df.interpolate(method="time")
    assert_same(pdf.interpolate(method="time"), result)
    fallback.reset_warnings()  # (a fallback warns once per operation)
    with pytest.warns(dframe.PandasFallbackWarning, match="interpolate"):
        result = df[["x", "y"]].interpolate(axis=1)
    assert_same(pdf[["x", "y"]].interpolate(axis=1), result)


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
    method=st.sampled_from(["linear", "index", "time"]),
    limit=st.one_of(st.none(), st.integers(1, 5)),
    direction=st.sampled_from([None, "forward", "backward", "both"]),
    area=st.sampled_from([None, "inside", "outside"]),
    descending=st.booleans(),
)
def test_property_matches_pandas(values, npartitions, method, limit, direction, area, descending):
    s = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    steps = np.cumsum(np.arange(len(s)) % 3 + 1)
    s.index = pd.Timestamp("2024") + pd.to_timedelta(steps, unit="min")
    if descending and method != "time":
        s = s.iloc[::-1]
    options = {"method": method, "limit": limit, "limit_direction": direction}
    options["limit_area"] = area
    with config.override(executor=SyncExecutor()):
        result = dframe.from_pandas(s, npartitions=npartitions).interpolate(**options)
        pd.testing.assert_series_equal(result.to_pandas(), s.interpolate(**options), rtol=1e-9)
