"""The groupby strategy comes from an estimate of the groups per partition (issue 12, gate 1),
not from the share of distinct keys in a sample: a sample of a partition with many equally
frequent keys sees most of them once, which looked like "nearly unique" to the old probe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
import dframe.groupby.nodes as gb
from dframe.groupby.cardinality import estimate_groups, sample_rows
from tests.dframe.conftest import assert_same


@pytest.mark.parametrize(
    "rows, groups",
    [(1_000_000, 10), (1_000_000, 50_000), (2_500_000, 100_000), (400_000, 400_000)],
)
def test_estimate_is_close_to_the_true_count(rows, groups):
    rng = np.random.default_rng(0)
    keys = rng.integers(0, groups, rows) if groups < rows else rng.permutation(rows)
    part = pd.DataFrame({"k": keys, "s": pd.array([f"x{i % 7}" for i in range(rows)], "str")})
    true = len(part.drop_duplicates())
    est = estimate_groups(sample_rows(part), rows)
    assert abs(est - true) <= 0.1 * true, (est, true)


def test_a_small_partition_is_counted_exactly():
    keys = pd.DataFrame({"k": [1, 2, 2, None, None, 3]})
    assert estimate_groups(keys, 6) == 4


@pytest.fixture
def chosen(monkeypatch):
    picks = []
    original = gb.choose_strategy
    monkeypatch.setattr(gb, "choose_strategy", lambda *a: picks.append(original(*a)) or picks[-1])
    return picks


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "groups_per_partition, strategy",
    [(10, "tree"), (50_000, "tree"), ("unique", "shuffle")],
)
def test_chosen_plan(sync, chosen, groups_per_partition, strategy):
    """4 partitions of 1M rows: 10 and 5·10⁴ groups per partition reduce by tree (partials are
    ≤ 5 % of the rows); unique keys shuffle."""
    rows, nparts = 1_000_000, 4
    rng = np.random.default_rng(1)
    if groups_per_partition == "unique":
        keys = rng.permutation(rows * nparts)
    else:
        keys = rng.integers(0, groups_per_partition, rows * nparts)
    pdf = pd.DataFrame({"k": keys, "v": np.ones(rows * nparts)})
    got = dframe.from_pandas(pdf, nparts).groupby("k").v.sum()
    assert_same(pdf.groupby("k").v.sum(), got)
    assert chosen == [strategy]


@pytest.mark.parametrize("as_index", [True, False])
def test_named_aggregation_reduces_by_tree(sync, as_index):
    """``as_index=False`` named aggregations (TPC-H q1's shape) took the shuffle path: their
    output columns are the keywords, which the width check did not count."""
    pdf = pd.DataFrame({
        "k": pd.array(["a", "b", "c"] * 20, dtype="str"), "j": [1, 2] * 30,
        "v": np.arange(60.0), "o": np.arange(60),
    })
    g = dframe.from_pandas(pdf, 3).groupby(["k", "j"], as_index=as_index)
    got = g.agg(s=("v", "sum"), m=("v", "mean"), c=("o", "count"))
    assert got._plan.tree is not None
    want = pdf.groupby(["k", "j"], as_index=as_index).agg(
        s=("v", "sum"), m=("v", "mean"), c=("o", "count")
    )
    assert_same(want, got)
