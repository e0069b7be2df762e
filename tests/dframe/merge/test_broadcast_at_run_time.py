"""A merge planned as a shuffle because a side's size was unknown (a filter of unknown
selectivity) broadcasts that side when, computed, it is small: no exchange of the big side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.merge import nodes
from tests.dframe.conftest import assert_same, merge_node


@pytest.fixture
def exchanges(monkeypatch):
    """How many output partitions of a hash exchange were merged."""
    calls = []
    original = nodes.MergePieces.__call__

    def counted(self, *pieces):
        calls.append(len(pieces))
        return original(self, *pieces)

    monkeypatch.setattr(nodes.MergePieces, "__call__", counted)
    return calls


def _frames(n: int = 4000):
    rng = np.random.default_rng(5)
    big = pd.DataFrame({"k": rng.integers(0, 2000, n), "v": rng.normal(size=n)})
    other = pd.DataFrame({"k": np.arange(2000), "w": rng.integers(0, 1000, 2000)})
    return big, other  # 64 KB and 32 KB


@pytest.mark.parametrize("npartitions", [2, 3, 7])
@pytest.mark.parametrize("how", ["inner", "left", "right"])
def test_filtered_side_small_once_computed_is_broadcast(sync, exchanges, npartitions, how):
    big, other = _frames()
    b = dframe.from_pandas(big, npartitions)
    o = dframe.from_pandas(other, npartitions)  # both unknown-size after the filter below

    def query(x, y):
        y = y[y.w > 985]  # a handful of rows
        return x.merge(y, on="k", how=how) if how != "right" else y.merge(x, on="k", how=how)

    with dframe.config.override(merge_broadcast_bytes=10_000):
        assert merge_node(query(b, o)).spec.strategy == "shuffle"  # planned: sizes unknown
        assert_same(query(big, other), query(b, o))
    assert exchanges == []


@pytest.mark.parametrize("npartitions", [2, 7])
def test_big_sides_still_shuffle(sync, exchanges, npartitions):
    big, other = _frames()
    b, o = dframe.from_pandas(big, npartitions), dframe.from_pandas(other, npartitions)
    with dframe.config.override(merge_broadcast_bytes=100, merge_strategy="auto"):
        assert_same(big.merge(other[other.w > 10], on="k"), b.merge(o[o.w > 10], on="k"))
    assert len(exchanges) == npartitions
