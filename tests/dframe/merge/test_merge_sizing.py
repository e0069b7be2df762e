"""A merge's output is sized by the data, not by the first operand (issue 11, gate 1).

TPC-H-shaped pandas code chains merges starting from the small dimension tables
(``region.merge(nation).merge(customer).merge(orders).merge(lineitem)``); the result must keep
at least the big side's partitions, balanced, in pandas' row order — and so fit a store much
smaller than the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.execution import lower
from tests.dframe.conftest import assert_same

MIB = 1 << 20


def tpch_like(scale: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """region(5) < nation(25) < customer < orders < lineitem, keys as in TPC-H."""
    rng = np.random.default_rng(seed)
    ncust, nord, nline = 15 * scale, 150 * scale, 600 * scale
    return {
        "region": pd.DataFrame({"r_regionkey": np.arange(5), "r_name": [f"R{i}" for i in range(5)]}),
        "nation": pd.DataFrame({"n_nationkey": np.arange(25), "n_regionkey": np.arange(25) % 5}),
        "customer": pd.DataFrame({
            "c_custkey": np.arange(ncust), "c_nationkey": rng.integers(0, 25, ncust),
        }),
        "orders": pd.DataFrame({
            "o_orderkey": np.arange(nord), "o_custkey": rng.integers(0, ncust, nord),
            "o_totalprice": rng.uniform(0, 1e5, nord).round(2),
        }),
        "lineitem": pd.DataFrame({
            "l_orderkey": rng.integers(0, nord, nline), "l_quantity": rng.integers(1, 51, nline),
            "l_price": rng.uniform(0, 1e4, nline).round(2),
        }),
    }


def chain(t: dict) -> pd.DataFrame:
    """The query as people write it: from the smallest table outwards."""
    return (
        t["region"]
        .merge(t["nation"], left_on="r_regionkey", right_on="n_regionkey")
        .merge(t["customer"], left_on="n_nationkey", right_on="c_nationkey")
        .merge(t["orders"], left_on="c_custkey", right_on="o_custkey")
        .merge(t["lineitem"], left_on="o_orderkey", right_on="l_orderkey")
    )


STRATEGIES = ["auto", "broadcast", "shuffle"]


# Every strategy at both sizes in process; on the runtime every strategy once, the sizes in turn.
@pytest.mark.parametrize(
    ("executor", "strategy", "nbig"),
    [("sync", strategy, nbig) for strategy in STRATEGIES for nbig in (3, 8)]
    + [("runtime", strategy, (3, 8)[i % 2]) for i, strategy in enumerate(STRATEGIES)],
    indirect=["executor"],
)
def test_chain_from_a_one_partition_table(executor, strategy, nbig):
    tables = tpch_like(scale=4)
    parts = {"region": 1, "nation": 1, "customer": 2, "orders": 3, "lineitem": nbig}
    dd = {k: dframe.from_pandas(v, npartitions=parts[k]) for k, v in tables.items()}
    with config.override(merge_strategy=strategy):
        out = chain(dd)
        assert_same(chain(tables), out)
        assert out.npartitions >= nbig
        lengths = lower.partition_lengths(out._plan)
    assert max(lengths) <= 2 * sum(lengths) / len(lengths), lengths


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_small_left_big_right_keeps_the_big_side_partitions(sync, how):
    rng = np.random.default_rng(3)
    small = pd.DataFrame({"k": np.arange(20), "a": rng.normal(size=20)})
    big = pd.DataFrame({"k": rng.integers(0, 25, 3000), "b": rng.normal(size=3000)})
    out = dframe.from_pandas(small, 1).merge(dframe.from_pandas(big, 6), on="k", how=how)
    assert_same(small.merge(big, on="k", how=how), out)
    assert out.npartitions >= 6
    lengths = lower.partition_lengths(out._plan)
    assert max(lengths) <= 2 * sum(lengths) / len(lengths), lengths


def test_a_filtered_computed_side_is_still_broadcast(sync):
    """What read_* returns is computed partitions; a filter of them has unknown rows, but its
    size is bounded by theirs, so the small side of a join is still broadcast."""
    rng = np.random.default_rng(5)
    big = pd.DataFrame({"k": rng.integers(0, 50, 4000), "v": rng.normal(size=4000)})
    small = pd.DataFrame({"k": np.arange(50), "w": rng.normal(size=50)})
    dbig = dframe.from_pandas(big, 4).persist()
    dsmall = dframe.from_pandas(small, 2).persist()
    out = dbig.merge(dsmall[dsmall.w > 0], on="k")
    assert out._plan.spec.strategy == "broadcast_right"
    assert_same(big.merge(small[small.w > 0], on="k"), out)
