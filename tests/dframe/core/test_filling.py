"""``where``/``mask``/``fillna`` with a dframe argument from another source match pandas.

pandas reindexes the argument to the rows being filled; dframe re-cuts it to the frame's
partitions (by position for two default indexes, by label otherwise) and fills partition by
partition, with no fallback. A replacement whose dtype differs from the column's (an int column
filled from a float one with missing rows) runs on pandas: its upcast depends on every value of
the argument, not only the replaced ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import PandasFallbackWarning

from tests.dframe.conftest import NPARTITIONS, assert_same, on_executors

pytestmark = pytest.mark.timeout(120)
native = pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")

LEFT = pd.DataFrame(
    {
        "a": [1, 2, 3, 4, 5, 6, 7],
        "b": [1.5, np.nan, 3, np.nan, 5, np.nan, 7],
        "s": pd.array(["x", None, "z", "w", None, "y", "y"], dtype="str"),
    }
)
# Every row of LEFT and more: permuted labels, a missing value, a duplicate value.
BY_LABEL = pd.DataFrame(
    {
        "a": [10, 20, 30, 40, 50, 60, 70, 80],
        "b": [9.0, 8, 7, np.nan, 6, 5, 5, 4],
        "s": pd.array(["p", "q", None, "r", "t", "u", "u", "v"], dtype="str"),
    },
    index=[4, 2, 0, 1, 3, 9, 6, 5],
)
LONGER = BY_LABEL.reset_index(drop=True)


def _df(pdf: pd.DataFrame, n: int) -> dframe.DataFrame:
    return dframe.from_pandas(pdf, npartitions=n)


@native
@on_executors()
@pytest.mark.parametrize("other", [LONGER, BY_LABEL], ids=["position", "label"])
def test_fillna_with_a_frame_of_another_source(executor, npartitions, other):
    left, right = _df(LEFT, npartitions), _df(other, 3)
    assert_same(LEFT.fillna(other), left.fillna(right))
    assert_same(LEFT["b"].fillna(other["b"]), left["b"].fillna(right["b"]))
    assert_same(LEFT["s"].fillna(other["s"]), left["s"].fillna(right["s"]))


@native
@on_executors()
def test_fillna_of_a_frame_with_a_series_fills_each_column_by_its_label(executor, npartitions):
    # pandas: a Series (or dict) gives each column the value at the column's label; labels that
    # are not columns are ignored, a repeated label's first value wins
    left = _df(LEFT, npartitions)
    assert_same(LEFT.fillna(LEFT.max(numeric_only=True)), left.fillna(left.max(numeric_only=True)))
    assert_same(LEFT.fillna(LEFT.mean(numeric_only=True)),
                left.fillna(left.mean(numeric_only=True)))
    for value in (
        pd.Series({"b": -1.0, "s": "z", "not a column": 3}),
        pd.Series([5.5, 6.5], index=["b", "b"]),
        pd.Series([], dtype="float64"),
    ):
        assert_same(LEFT.fillna(value), left.fillna(value))
        assert_same(LEFT.fillna(value), left.fillna(_df(value.to_frame("v")["v"], 2)))


@native
@on_executors()
@pytest.mark.parametrize("other", [LONGER, BY_LABEL], ids=["position", "label"])
def test_where_and_mask_with_a_condition_and_other_of_another_source(
    executor, npartitions, other
):
    left, right = _df(LEFT, npartitions), _df(other, 2)
    num = ["a", "b"]
    assert_same(LEFT.where(other[num] > 25, other), left.where(right[num] > 25, right))
    assert_same(LEFT.mask(LEFT.notna(), other), left.mask(left.notna(), right))
    assert_same(LEFT["a"].where(other["a"] > 25, -1), left["a"].where(right["a"] > 25, -1))
    assert_same(LEFT["b"].mask(other["b"] > 6, other["b"]), left["b"].mask(right["b"] > 6, right["b"]))


@native
@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_a_shorter_condition_is_false_where_it_has_no_rows(sync, npartitions):
    shorter = LONGER.iloc[:3]
    cond = _df(shorter, 2)["a"] > 15
    assert_same(LEFT["a"].where(shorter["a"] > 15, -1), _df(LEFT, npartitions)["a"].where(cond, -1))
    num = ["a", "b"]
    assert_same(
        LEFT.where(shorter[num] > 15), _df(LEFT, npartitions).where(_df(shorter, 2)[num] > 15)
    )
    # mask inverts cond before reindexing it: its missing rows are masked (found by the
    # differential test)
    assert_same(LEFT.mask(shorter.isna()), _df(LEFT, npartitions).mask(_df(shorter, 2).isna()))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_replacements_that_upcast_run_on_pandas(sync, npartitions):
    """An int column filled from rows the argument lacks: pandas upcasts (the reindexed
    argument holds NaN) whether or not a value is replaced."""
    num = ["a", "b"]
    shorter = LONGER.iloc[:3]
    left, right = _df(LEFT, npartitions), _df(shorter, 2)
    with pytest.warns(PandasFallbackWarning):
        result = left[num].where(left[num] > 2, right[num])
    assert_same(LEFT[num].where(LEFT[num] > 2, shorter[num]), result)
    assert_same(LEFT.fillna(shorter), left.fillna(right))


@native
@pytest.mark.parametrize("npartitions", [1, 3, 40])
def test_empty_frames(sync, npartitions):
    empty = LEFT.iloc[:0]
    assert_same(empty.fillna(LONGER), _df(empty, npartitions).fillna(_df(LONGER, 3)))
    assert_same(LEFT.fillna(LONGER.iloc[:0].astype({"a": "float64"})).dtypes, LEFT.dtypes)


def test_duplicate_labels_in_the_argument_raise_like_pandas(sync):
    dup = BY_LABEL.set_axis([0, 0, 1, 2, 3, 4, 5, 6])
    with pytest.raises(pd.errors.InvalidIndexError):
        LEFT.fillna(dup)
    with pytest.raises(pd.errors.InvalidIndexError), pytest.warns(PandasFallbackWarning):
        _df(LEFT, 3).fillna(_df(dup, 2)).to_pandas()


@pytest.mark.parametrize("npartitions", [1, 2, 4])
def test_a_replacement_of_another_dtype_upcasts_by_all_its_values(sync, npartitions):
    """pandas makes an int column float when it replaces any value by a float column that
    holds a non-integer anywhere (2.5 here, in a row not replaced): the partitions replaced
    (by integers) cannot see it, so such replacements run on pandas. (``clip`` finds it in a
    pass over the bound first: ``test_clipping.py``.)"""
    pdf = pd.DataFrame({"a": [1, 5, 3, 8], "t": [2.0, 2.0, 2.5, 9.0]})
    d = _df(pdf, npartitions)
    with pytest.warns(PandasFallbackWarning):
        result = d["a"].where(d["a"] > 2, d["t"])
    assert_same(pdf["a"].where(pdf["a"] > 2, pdf["t"]), result)


@native
@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_clip_of_a_frame_by_frames_series_and_lists(sync, npartitions):
    pdf = pd.DataFrame({"a": [1.0, 5, 3, 8, np.nan], "b": [2.0, 0, 9, 4, 1]})
    d = _df(pdf, npartitions)
    assert_same(pdf.clip(lower=pdf * 0 + 2), d.clip(lower=d * 0 + 2))
    assert_same(pdf.clip(pdf["b"], axis=0), d.clip(d["b"], axis=0))
    assert_same(pdf.clip([2, 1], [6, 5], axis=1), d.clip([2, 1], [6, 5], axis=1))
    assert_same(pdf.clip(upper=pdf["a"] * 0 + 4, axis="index"), d.clip(upper=d["a"] * 0 + 4, axis="index"))


@native
@on_executors()
def test_where_and_mask_replacing_from_a_series_along_the_rows(executor, npartitions):
    # ``axis=0``: every column takes the Series' value of its row (reindexed by label first)
    num = LEFT[["a", "b"]].astype("float64")
    left, by_label = _df(num, npartitions), _df(BY_LABEL, 2)
    for name in ("where", "mask"):
        expected = getattr(num, name)(num > 2, num["a"] * 1.5, axis=0)
        assert_same(expected, getattr(left, name)(left > 2, left["a"] * 1.5, axis=0))
        expected = getattr(num, name)(num > 2, BY_LABEL["b"], axis="index")
        assert_same(expected, getattr(left, name)(left > 2, by_label["b"], axis="index"))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_where_along_the_rows_with_a_replacement_that_may_upcast_runs_on_pandas(
    sync, npartitions
):
    # (floats into an int column: pandas decides the dtype from every value of the Series)
    left = _df(LEFT[["a"]], npartitions)
    with pytest.warns(PandasFallbackWarning, match="where"):
        result = left.where(left > 2, left["a"] * 1.5, axis=0)
    assert_same(LEFT[["a"]].where(LEFT[["a"]] > 2, LEFT["a"] * 1.5, axis=0), result)
