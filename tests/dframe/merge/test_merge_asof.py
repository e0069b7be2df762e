"""``merge_asof`` of dframe frames matches pandas: each left partition against the whole right
side, natively, at any partitioning of either side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import assert_same, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

_RNG = np.random.default_rng(1)
LEFT = pd.DataFrame(
    {
        "t": np.sort(_RNG.integers(0, 500, 39)),
        "k": _RNG.integers(0, 4, 39),
        "v": _RNG.random(39),
    }
)
RIGHT = pd.DataFrame(
    {
        "t": np.sort(_RNG.integers(0, 500, 12)),
        "k": _RNG.integers(0, 4, 12),
        "w": _RNG.integers(0, 100, 12),
        "s": pd.array([f"r{i}" for i in range(12)], dtype="str"),
    }
)
CASES = {
    "on": {"on": "t"},
    "by": {"on": "t", "by": "k"},
    "tolerance": {"on": "t", "by": "k", "tolerance": 15},
    "forward": {"on": "t", "direction": "forward"},
    "nearest": {"on": "t", "by": "k", "direction": "nearest"},
    "no exact matches": {"on": "t", "allow_exact_matches": False},
    "suffixes": {"on": "t", "suffixes": ("_l", "_r")},
}


@product_on_executors(case=CASES)
def test_merge_asof_matches_pandas(executor, npartitions, case):
    kwargs = CASES[case]
    left = dframe.from_pandas(LEFT, npartitions=npartitions)
    right = dframe.from_pandas(RIGHT, npartitions=3)
    assert_same(pd.merge_asof(LEFT, RIGHT, **kwargs), dframe.merge_asof(left, right, **kwargs))


@pytest.mark.parametrize("npartitions", [1, 3, 40])
def test_right_side_as_pandas_and_operations_after(sync, npartitions):
    left = dframe.from_pandas(LEFT, npartitions=npartitions)
    expected = pd.merge_asof(LEFT, RIGHT, on="t", by="k")
    result = dframe.merge_asof(left, RIGHT, on="t", by="k")
    assert_same(expected, result)
    assert_same(expected[["t", "w"]], result[["t", "w"]])
    assert_same(expected[expected.w > 50], result[result.w > 50])


@pytest.mark.parametrize("npartitions", [1, 3])
def test_no_rows_on_either_side(sync, npartitions):
    empty_left, empty_right = LEFT.iloc[:0], RIGHT.iloc[:0]
    left = dframe.from_pandas(LEFT, npartitions=npartitions)
    assert_same(
        pd.merge_asof(LEFT, empty_right, on="t"),
        dframe.merge_asof(left, dframe.from_pandas(empty_right, npartitions=1), on="t"),
    )
    assert_same(
        pd.merge_asof(empty_left, RIGHT, on="t"),
        dframe.merge_asof(dframe.from_pandas(empty_left, npartitions=npartitions), RIGHT, on="t"),
    )


def test_pandas_errors(sync):
    unsorted = LEFT.iloc[::-1].reset_index(drop=True)
    with pytest.raises(ValueError, match="sorted"):
        pd.merge_asof(unsorted, RIGHT, on="t")
    for n in (1, 3):
        with pytest.raises(ValueError, match="sorted"):
            dframe.merge_asof(dframe.from_pandas(unsorted, npartitions=n), RIGHT, on="t").to_pandas()
    floats = RIGHT.astype({"t": "float64"})
    with pytest.raises(pd.errors.MergeError):
        pd.merge_asof(LEFT, floats, on="t")
    with pytest.raises(pd.errors.MergeError):
        dframe.merge_asof(dframe.from_pandas(LEFT, npartitions=2), floats, on="t")
    with pytest.raises(KeyError):
        dframe.merge_asof(dframe.from_pandas(LEFT, npartitions=2), RIGHT, on="missing")
