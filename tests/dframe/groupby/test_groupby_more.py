"""groupby parity, continued: ``describe``, ``value_counts`` and per-group windows
(``rolling``/``expanding``/``ewm``), native (a ``PandasFallbackWarning`` fails the test) and
equal to pandas at several partition counts, on both executors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import fallback
from tests.dframe.conftest import NPARTITIONS, assert_same
from tests.dframe.groupby.test_groupby import DATA

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

VALS = ["v", "w"]

DESCRIBE = {
    "frame": lambda g: g("k").describe(),
    "selected": lambda g: g("k")[VALS].describe(),
    "series": lambda g: g("s")["v"].describe(),
    "nan_keys_kept": lambda g: g("kf", dropna=False)["w"].describe(),
    "unsorted": lambda g: g(["s", "k"], sort=False)["v"].describe(),
    "percentiles": lambda g: g("k")["w"].describe(percentiles=[0.1, 0.9]),
    "categorical_key": lambda g: g("c", observed=True)[VALS].describe(),
    "datetime_key": lambda g: g("t")["v"].describe(),
    "strings": lambda g: g("k")["s"].describe(),
    "datetime_values": lambda g: g("k")["t"].describe(),
    "as_index_false": lambda g: g(["k", "s"], as_index=False)["v"].describe(),
    "ohlc": lambda g: g("s")[VALS].ohlc(),
}

VALUE_COUNTS = {
    "series": lambda g: g("k")["w"].value_counts(),
    "series_floats": lambda g: g("k")["v"].value_counts(),
    "series_unsorted_groups": lambda g: g("s", sort=False)["k"].value_counts(),
    "series_ascending": lambda g: g("k")["s"].value_counts(ascending=True),
    "series_no_sort": lambda g: g("kf", dropna=False)["s"].value_counts(sort=False),
    "series_keep_nan": lambda g: g("k")["s"].value_counts(dropna=False),
    "normalize": lambda g: g("s")["k"].value_counts(normalize=True),
    "normalize_unsorted": lambda g: g("s", sort=False)["b"].value_counts(
        normalize=True
    ),
    "frame": lambda g: g("k")[["s", "b"]].value_counts(),
    "frame_subset": lambda g: g("s").value_counts(subset=["k", "b"], normalize=True),
    "frame_as_index_false": lambda g: g("k", as_index=False)[["s", "b"]].value_counts(),
    "frame_unsorted": lambda g: g(["b", "s"], sort=False)[["k"]].value_counts(
        ascending=True
    ),
    "categorical_key": lambda g: g("c")["k"].value_counts(),
    "datetime_key": lambda g: g("t")["s"].value_counts(dropna=False),
    "datetime_values": lambda g: g("k")["t"].value_counts(),
    "selected_as_index_false": lambda g: g("k", as_index=False)["w"].value_counts(),
}

WINDOWS = {
    "rolling_sum": lambda g: g("k")["v"].rolling(2).sum(),
    "rolling_frame": lambda g: g("k")[VALS].rolling(3, min_periods=1).mean(),
    "rolling_nan_keys": lambda g: g("kf", dropna=False)["w"].rolling(2).max(),
    "rolling_unsorted": lambda g: g("s", sort=False)["v"].rolling(2).std(),
    "rolling_multi_key": lambda g: g(["s", "k"])["w"].rolling(2, min_periods=1).sum(),
    "rolling_center": lambda g: g("k")["w"].rolling(3, center=True).median(),
    "rolling_agg": lambda g: g("k")["v"].rolling(2).agg(["sum", "min"]),
    "rolling_apply": lambda g: (
        g("k")["w"].rolling(2).apply(lambda x: x[0] - x[-1], raw=True)
    ),
    "rolling_select": lambda g: g("k").rolling(2)[VALS].sum(),
    "rolling_as_index_false": lambda g: g("k", as_index=False)[VALS].rolling(2).sum(),
    "rolling_categorical_key": lambda g: g("c", observed=True)["v"].rolling(2).sum(),
    "expanding": lambda g: g("k")["v"].expanding().mean(),
    "expanding_frame": lambda g: g("s").expanding(min_periods=2)[VALS].max(),
    "ewm": lambda g: g("k")["v"].ewm(alpha=0.5).mean(),
}


def _both(op, npartitions, data=DATA, split_out=None):
    expected = op(data.groupby)
    ddf = dframe.from_pandas(data, npartitions=npartitions)
    result = op(lambda *a, **k: ddf.groupby(*a, split_out=split_out, **k))
    return expected, result


@pytest.mark.parametrize("npartitions", NPARTITIONS)
@pytest.mark.parametrize("name", list(DESCRIBE))
def test_describe(sync, name, npartitions):
    expected, result = _both(DESCRIBE[name], npartitions)
    assert_same(expected, result)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
@pytest.mark.parametrize("name", list(VALUE_COUNTS))
def test_value_counts(sync, name, npartitions):
    expected, result = _both(VALUE_COUNTS[name], npartitions)
    assert_same(expected, result)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
@pytest.mark.parametrize("name", list(WINDOWS))
def test_windows(sync, name, npartitions):
    expected, result = _both(WINDOWS[name], npartitions)
    assert_same(expected, result)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_rolling_time_window(sync, npartitions):
    data = DATA.sort_values(
        "t", kind="stable"
    )  # pandas wants time in order within groups
    op = lambda g: g("k")[["t", "w"]].rolling("2D", on="t").sum()
    assert_same(*_both(op, npartitions, data))


@pytest.mark.parametrize("name", ["frame", "series"])
def test_runtime_describe(executor, name):
    assert_same(*_both(DESCRIBE[name], 7))


@pytest.mark.parametrize("name", ["series_unsorted_groups", "frame", "normalize"])
def test_runtime_value_counts(executor, name):
    assert_same(*_both(VALUE_COUNTS[name], 7))


@pytest.mark.parametrize("name", ["rolling_frame", "rolling_unsorted", "expanding"])
def test_runtime_windows(executor, name):
    assert_same(*_both(WINDOWS[name], 7))


@pytest.mark.parametrize(
    "op",
    [
        VALUE_COUNTS["frame"],
        VALUE_COUNTS["series"],
        WINDOWS["rolling_sum"],
        WINDOWS["ewm"],
    ],
)
def test_empty_partitions_and_results(sync, op):
    for data, nparts in [(DATA.iloc[:0], 3), (DATA.iloc[:3], 40), (DATA.iloc[::7], 7)]:
        expected, result = _both(op, nparts, data)
        assert_same(expected, result)
    # Only rows whose key is missing: no group at all (pandas' rolling fails on that).
    only_nan = DATA[DATA.kf.isna()]
    op = lambda g: g("kf")["w"].value_counts()
    assert_same(*_both(op, 3, only_nan))


def test_describe_with_empty_partitions_and_no_groups(sync):
    assert_same(*_both(DESCRIBE["frame"], 40, DATA.iloc[:3]))
    assert_same(*_both(DESCRIBE["series"], 7, DATA.iloc[:5]))
    assert_same(*_both(DESCRIBE["nan_keys_kept"], 3, DATA.iloc[:0]))
    # Rows, but no group: pandas cannot describe that; neither can dframe, with pandas' error.
    data = DATA[DATA.kf.isna()]
    op = lambda g: g("kf")["v"].describe()
    with pytest.raises(ValueError) as want:
        op(data.groupby)
    ddf = dframe.from_pandas(data, npartitions=3)
    with pytest.raises(ValueError) as got:
        op(ddf.groupby).to_pandas()
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("npartitions", [1, 3, 40])
def test_series_grouped_by_index_level(sync, npartitions):
    s = DATA.set_index("k")["w"]
    ds = dframe.from_pandas(DATA, npartitions=npartitions).set_index("k")["w"]
    assert_same(s.groupby(level=0).value_counts(), ds.groupby(level=0).value_counts())
    assert_same(
        s.groupby(level=0).rolling(2).sum(), ds.groupby(level=0).rolling(2).sum()
    )
    assert_same(s.groupby(level=0).describe(), ds.groupby(level=0).describe())


def test_many_groups_and_split_out(sync):
    rng = np.random.default_rng(5)
    n = 3000
    pdf = pd.DataFrame(
        {
            "k": rng.integers(0, 700, n),
            "x": rng.integers(0, 4, n),
            "v": rng.normal(size=n),
        }
    )
    ddf = dframe.from_pandas(pdf, npartitions=6)
    assert_same(
        pdf.groupby("k").x.value_counts(),
        ddf.groupby("k", split_out=3).x.value_counts(),
    )
    assert_same(
        pdf.groupby("k").v.describe(), ddf.groupby("k", split_out=2).v.describe()
    )
    assert_same(
        pdf.groupby("x").v.rolling(5).mean(), ddf.groupby("x").v.rolling(5).mean()
    )


def test_unsupported_variants_fall_back_with_warning(sync):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    cases = [
        lambda g: g("k")["v"].value_counts(bins=3),
        lambda g: g("k")[
            "c"
        ].value_counts(),  # categorical values: every category counted
        lambda g: g("c", observed=False)["v"].describe(),
    ]
    for op in cases:
        fallback.reset_warnings()  # each case warns (a fallback warns once per process)
        with pytest.warns(dframe.PandasFallbackWarning):
            result = op(ddf.groupby)
        assert_same(op(DATA.groupby), result)
