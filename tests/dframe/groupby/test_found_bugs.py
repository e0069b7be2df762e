"""Regressions of issue 10 in the groupby family, each equal to pandas at every partition count
in process and at one and a few partitions on the runtime (natively: a
``PandasFallbackWarning`` fails the test unless it is expected).

* a column picked after the window (``gb.rolling(2).v.sum()``) computed a placeholder;
* ``ngroup`` numbered the groups of each shuffled partition on its own;
* results carried the index levels their pieces brought, not pandas' (``unstack`` then orders
  rows and columns differently);
* time-based windows (``rolling("12h")``) raised: the window ran on positional labels.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, on_executors, product_on_executors
from tests.dframe.groupby.test_groupby import DATA

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def _both(op, npartitions, data=DATA):
    return op(data), op(dframe.from_pandas(data, npartitions=npartitions))


def assert_levels(expected, result) -> None:
    """Same index levels (each level's values, in order), which ``assert_same`` ignores."""
    index = result.to_pandas().index
    if isinstance(expected.index, pd.MultiIndex):
        assert isinstance(index, pd.MultiIndex)
        for want, got in zip(expected.index.levels, index.levels, strict=True):
            pd.testing.assert_index_equal(got, want)


# -- 1. a column picked after the window ---------------------------------------------------------

AFTER_WINDOW = {
    "rolling_attribute": lambda d: d.groupby("k").rolling(2).v.sum(),
    "rolling_item": lambda d: d.groupby("k").rolling(2)["w"].sum(),
    "rolling_from_selection": lambda d: d.groupby("k")[["v", "w"]].rolling(2)["v"].mean(),
    "rolling_attribute_from_selection": lambda d: d.groupby("k")[["v", "w"]].rolling(2).w.min(),
    "expanding_attribute": lambda d: d.groupby("s").expanding().v.mean(),
    "ewm_attribute": lambda d: d.groupby("k").ewm(alpha=0.5).w.mean(),
    "ewm_item": lambda d: d.groupby("s", sort=False).ewm(com=1.0)["v"].std(),
}


@product_on_executors(name=list(AFTER_WINDOW))
def test_column_after_window(executor, name, npartitions):
    assert_same(*_both(AFTER_WINDOW[name], npartitions))


def test_window_settings_and_errors(sync):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    assert ddf.groupby("k").rolling(3, min_periods=2).min_periods == 2
    assert ddf.groupby("k").rolling(3).window == 3
    # pandas' errors: the key is no column of the window, a Series window has no columns.
    with pytest.raises(AttributeError):
        DATA.groupby("k").rolling(2).k  # noqa: B018
    with pytest.raises(AttributeError):
        ddf.groupby("k").rolling(2).k  # noqa: B018
    with pytest.raises(KeyError):
        DATA.groupby("k").rolling(2)["k"]
    with pytest.raises(KeyError):
        ddf.groupby("k").rolling(2)["k"]
    with pytest.raises(KeyError):
        ddf.groupby("k")["v"].rolling(2)["v"]


def test_window_data_falls_back(sync):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning):
        obj = ddf.groupby("k").rolling(2).v.obj
    assert_same(DATA.groupby("k").rolling(2).v.obj, obj)


def test_ewm_times_falls_back(sync):
    data = DATA.sort_values("t", kind="stable")
    op = lambda d: d.groupby("k").ewm(halflife="2D", times=d["t"]).w.mean()
    expected = op(data)
    with pytest.warns(dframe.PandasFallbackWarning):
        result = op(dframe.from_pandas(data, npartitions=3))
    assert_same(expected, result)


# -- 2. ngroup -----------------------------------------------------------------------------------

NGROUP = {
    "sorted": lambda d: d.groupby("s").ngroup(),
    "unsorted": lambda d: d.groupby("s", sort=False).ngroup(),
    "missing_kept": lambda d: d.groupby("kf", dropna=False).ngroup(),
    "unsorted_missing_kept": lambda d: d.groupby("s", sort=False, dropna=False).ngroup(),
    "descending": lambda d: d.groupby("kf").ngroup(ascending=False),
    "descending_unsorted": lambda d: d.groupby("s", sort=False).ngroup(ascending=False),
    "several_keys": lambda d: d.groupby(["k", "s"], dropna=False).ngroup(ascending=False),
    "categorical_observed": lambda d: d.groupby("c", observed=True).ngroup(),
    "categorical_unobserved": lambda d: d.groupby(["c", "kf"], observed=False, dropna=False).ngroup(
        ascending=False
    ),
    "series_groupby": lambda d: d.groupby("k")["v"].ngroup(),
    "series_by_series": lambda d: d["v"].groupby(d["s"], sort=False).ngroup(),
    "index_level": lambda d: d.set_index("s").groupby(level=0, dropna=False).ngroup(),
    "as_column": lambda d: d.assign(g=d.groupby(["b", "kf"]).ngroup()),
}


@product_on_executors(name=list(NGROUP))
def test_ngroup(executor, name, npartitions):
    assert_same(*_both(NGROUP[name], npartitions))


# -- 3. pandas' index levels (what unstack orders by) ----------------------------------------

LEVELS = {
    "sorted": lambda d: d.groupby(["k", "s"]).v.sum(),
    "unsorted": lambda d: d.groupby(["s", "k"], sort=False).w.sum(),
    "missing_kept": lambda d: d.groupby(["s", "kf"], dropna=False).w.max(),
    "unsorted_missing_kept": lambda d: d.groupby(["kf", "s"], sort=False, dropna=False).size(),
    # Rows dropped for a missing key still order (and add to) the other keys' levels.
    "dropped_rows": lambda d: d.groupby(["kf", "t"]).v.mean(),
    "dropped_rows_unsorted": lambda d: d.groupby(["s", "k"], sort=False).w.min(),
    "shuffled": lambda d: d.groupby(["s", "k"], sort=False).v.median(),
    "frame": lambda d: d.groupby(["k", "s"]).agg({"v": ["sum", "max"], "w": "min"}),
    "describe_unsorted": lambda d: d.groupby(["s", "kf"], sort=False).w.describe(),
    # pandas unstacks describe's per-group results: unused level values go, the rest reorder.
    "describe_dropped_rows": lambda d: d.groupby(["s", "kf", "k"])[["v", "w"]].describe(),
    "value_counts_unsorted": lambda d: d.groupby("s", sort=False).kf.value_counts(dropna=False),
    "value_counts_frame": lambda d: d.groupby("k")[["s", "b"]].value_counts(),
    "rolling": lambda d: d.groupby(["s", "k"], sort=False).w.rolling(2).sum(),
    "rolling_missing_kept": lambda d: d.groupby("kf", dropna=False).v.rolling(2).sum(),
}


@product_on_executors(name=list(LEVELS))
def test_result_levels(executor, name, npartitions):
    expected, result = _both(LEVELS[name], npartitions)
    assert_same(expected, result)
    assert_levels(expected, result)


@pytest.mark.parametrize("strategy", ["tree", "shuffle"])
@pytest.mark.parametrize("name", ["sorted", "unsorted", "dropped_rows_unsorted", "frame"])
def test_result_levels_by_strategy(executor, name, strategy):
    with dframe.config.override(groupby_strategy=strategy):
        expected, result = _both(LEVELS[name], 7)
        assert_same(expected, result)
        assert_levels(expected, result)


UNSTACKED = {
    "sum": lambda d: d.groupby(["k", "s"]).v.sum().unstack(),
    "sum_first_level": lambda d: d.groupby(["s", "k"], sort=False).w.sum().unstack(0),
    "missing_kept": lambda d: d.groupby(["s", "k"], dropna=False).w.sum().unstack(0, fill_value=0),
    "dropped_rows": lambda d: d.groupby(["kf", "s"], sort=False).w.sum().unstack(),
    "size": lambda d: d.groupby(["k", "s"]).size().unstack(fill_value=0),
    "frame": lambda d: d.groupby(["k", "s"]).agg({"v": ["sum", "max"]}).unstack(),
    "rolling": lambda d: d.groupby(["s", "k"], sort=False).w.rolling(2).sum().unstack(0),
}


@product_on_executors(name=list(UNSTACKED))
def test_unstack_of_result(executor, name, npartitions):
    assert_same(*_both(UNSTACKED[name], npartitions))


# -- 4. time-based windows ----------------------------------------------------------------------

BY_TIME = DATA.sort_values("t", kind="stable")  # pandas wants time in order within groups
ON_INDEX = BY_TIME.set_index("t")

TIME_WINDOWS = {
    "index": (ON_INDEX, lambda d: d.groupby("k").rolling("2D").w.sum()),
    "index_frame": (ON_INDEX, lambda d: d.groupby("s").rolling("36h", min_periods=2)[["v", "w"]].mean()),
    "index_series": (ON_INDEX, lambda d: d.groupby("k")["v"].rolling("12h").count()),
    "index_unsorted_missing": (ON_INDEX, lambda d: d.groupby("kf", sort=False, dropna=False).rolling("1D").w.max()),
    "on_column": (BY_TIME, lambda d: d.groupby("k").rolling("2D", on="t").w.sum()),
    "on_column_item": (BY_TIME, lambda d: d.groupby("s").rolling("1D", on="t")[["t", "v"]].max()),
    "descending_times": (ON_INDEX.iloc[::-1], lambda d: d.groupby("k").rolling("2D").v.mean()),
}  # fmt: skip


@product_on_executors(name=list(TIME_WINDOWS))
def test_time_window(executor, name, npartitions):
    data, op = TIME_WINDOWS[name]
    assert_same(*_both(op, npartitions, data))


@pytest.mark.parametrize("npartitions", [1, 2])
def test_time_window_needs_ordered_groups(sync, npartitions):
    # Group 1's times go back and forth (group 2's go back: ordered, which pandas accepts).
    times = ["2024-01-02", "2024-01-03", "2024-01-01", "2024-01-01", "2024-01-03"]
    data = pd.DataFrame(
        {"k": [1, 2, 1, 2, 1], "w": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=pd.to_datetime(times)
    )
    op = lambda d: d.groupby("k").rolling("1D").w.sum()
    with pytest.raises(ValueError, match="monotonic") as want:
        op(data)
    with pytest.raises(ValueError, match="monotonic") as got:
        op(dframe.from_pandas(data, npartitions=npartitions)).to_pandas()
    assert str(got.value) == str(want.value)
    ordered = data.iloc[[1, 3]]
    assert_same(op(ordered), op(dframe.from_pandas(ordered, npartitions=npartitions)))


# -- 5. found in review (session xd) -------------------------------------------------------------


STR_LABELS = pd.DataFrame(
    {"k": [1, 2, 1, 2, 1, 3, 3], "v": [1, 2, 3, 4, 5, 6, 7]},
    index=pd.Index(list("abcdefg"), name="ix"),
)


@on_executors(SMALL_NPARTITIONS)  # 7 rows
@pytest.mark.parametrize("sort", [False, True])
def test_row_labels_of_rowwise_results_keep_their_dtype(executor, npartitions, sort):
    """groupby(k).head(2) (and every row-wise result: tail, cumsum, shift, rank ...) said its
    index was int64 before computing (the sample was labelled by position), so reset_index
    made an int64 'ix' column holding strings and 'z' + d['ix'] raised UFuncTypeError."""
    for op in (
        lambda d: "z" + d.groupby("k", sort=sort).head(2).reset_index()["ix"],
        lambda d: d.groupby("k", sort=sort).tail(1).reset_index(),
        lambda d: d.groupby("k", sort=sort)["v"].cumsum().reset_index(),
        lambda d: d.groupby("k", sort=sort).shift(1).reset_index(),
    ):
        assert_same(*_both(op, npartitions, STR_LABELS))


CATEGORICAL_KEY = pd.DataFrame({
    "c": pd.Categorical([None, "b", "a", "b", None, "a"], categories=["b", "a", "z"], ordered=True),
    "k": [1, 2, 3, 4, 5, 6],
    "v": [1.0, 2.0, 3.0, 4.0, 5.5, 6.0],
})


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("kernel", ["arrow", "pandas"])
@pytest.mark.parametrize("observed", [False, True])
def test_missing_categorical_key_comes_last(sync, npartitions, kernel, observed):
    """groupby(c, dropna=False).median() of a categorical key whose first row is missing put
    the NaN group first at 1 partition (pandas: last): groups were ordered by sort_index, which
    on a CategoricalIndex puts missing values first whatever na_position says."""
    with dframe.config.override(groupby_kernel=kernel):
        for op in (
            lambda d: d.groupby("c", dropna=False, observed=observed).median(),
            lambda d: d.groupby("c", dropna=False, observed=observed)["v"].median(),
            lambda d: d.groupby("c", dropna=False, observed=observed).nunique(),
        ):
            assert_same(*_both(op, npartitions, CATEGORICAL_KEY))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("split_out", [2, 4])
@pytest.mark.parametrize("selection", [["k"], "k", ["k", "v"]])
def test_size_of_a_selection_with_split_out(sync, npartitions, split_out, selection):
    """groupby(c, observed=False, split_out=2)[["k"]].size() raised KeyError: size reads no
    column, so the plan pruned the selected one, which pandas' GroupBy over the shuffled rows
    then selected. (pandas has no split_out: its answer is that of the same call without it.)"""
    expected = CATEGORICAL_KEY.groupby("c", observed=False)[selection].size()
    ddf = dframe.from_pandas(CATEGORICAL_KEY, npartitions=npartitions)
    assert_same(expected, ddf.groupby("c", observed=False, split_out=split_out)[selection].size())
    expected = CATEGORICAL_KEY.groupby("c", observed=False)[selection].count()
    assert_same(expected, ddf.groupby("c", observed=False, split_out=split_out)[selection].count())
