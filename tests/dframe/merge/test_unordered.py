"""A merge whose row order nothing downstream looks at (a sorted aggregation of statistics
blind to order, through row-by-row steps) skips the exchange that restores pandas' order; every
other consumer still gets pandas' order. Results equal pandas' either way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.merge.nodes import Merge
from dframe.optimize.rules import optimize, toposort
from tests.dframe.conftest import assert_same


def _orders(plan) -> list[tuple]:
    return [n.spec.order for n in toposort(optimize(plan)) if isinstance(n, Merge)]


def _tables():
    rng = np.random.default_rng(3)
    facts = pd.DataFrame({
        "k": rng.integers(0, 12, 60), "g": rng.integers(0, 3, 60),
        "v": rng.normal(size=60), "w": rng.integers(0, 5, 60),
    })
    dims = pd.DataFrame({
        "k": np.arange(0, 14), "name": pd.array([f"n{i % 4}" for i in range(14)], dtype="str"),
        "rate": rng.normal(size=14),
    })
    return facts, dims


@pytest.mark.parametrize("npartitions", [1, 3, 7, 80])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_sorted_aggregation_of_a_merge_needs_no_order(sync, npartitions, how):
    facts, dims = _tables()
    f, d = dframe.from_pandas(facts, npartitions), dframe.from_pandas(dims, 2)

    def query(a, b):
        j = a.merge(b, on="k", how=how)
        j = j[j.w > 0].assign(x=j.v * j.rate)
        return j.groupby(["name", "g"]).agg(total=("x", "sum"), n=("w", "count"), m=("v", "max"))

    with dframe.config.override(merge_strategy="shuffle"):
        assert all(order == () for order in _orders(query(f, d)._plan))
        assert_same(query(facts, dims), query(f, d))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_chain_of_merges_under_a_sorted_aggregation(sync, npartitions):
    facts, dims = _tables()
    more = pd.DataFrame({"name": pd.array(["n0", "n1", "n2", "n3"], dtype="str"), "z": [1, 2, 3, 4]})
    f = dframe.from_pandas(facts, npartitions)
    d, m = dframe.from_pandas(dims, 2), dframe.from_pandas(more, 1)

    def query(a, b, c):
        j = a.merge(b, on="k").merge(c, on="name", how="left")
        return j.groupby("z", as_index=False).v.mean()

    with dframe.config.override(merge_strategy="shuffle"):
        assert _orders(query(f, d, m)._plan) == [(), ()]
        assert_same(query(facts, dims, more), query(f, d, m))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_consumers_that_see_the_order_keep_it(sync, npartitions):
    facts, dims = _tables()
    f, d = dframe.from_pandas(facts, npartitions), dframe.from_pandas(dims, 2)
    queries = [
        lambda a, b: a.merge(b, on="k").groupby("name").v.first(),  # first row of each group
        lambda a, b: a.merge(b, on="k").groupby("name", sort=False).v.sum(),  # appearance order
        lambda a, b: a.merge(b, on="k").assign(x=lambda t: t.v + 1),  # the rows themselves
        lambda a, b: a.merge(b, on="k").v.cumsum(),
    ]
    with dframe.config.override(merge_strategy="shuffle"):
        for query in queries:
            assert all(order != () for order in _orders(query(f, d)._plan))
            assert_same(query(facts, dims), query(f, d))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_accessors_between_merge_and_aggregation(sync, npartitions):
    """``.dt``/``.str`` results are row by row: they do not make the merge keep its order."""
    facts, dims = _tables()
    facts["t"] = pd.to_datetime("2024-01-01") + pd.to_timedelta(facts.w * 400, unit="D")
    f, d = dframe.from_pandas(facts, npartitions), dframe.from_pandas(dims, 2)

    def query(a, b):
        j = a.merge(b, on="k")
        j = j.assign(year=j.t.dt.year, initial=j.name.str.slice(0, 2))
        j = j.assign(v=j.v.where(j.initial == "n1", 0.0).clip(j.rate, None))
        return j.groupby(["initial", "year"], as_index=False).agg(total=("v", "sum"))

    with dframe.config.override(merge_strategy="shuffle"):
        assert _orders(query(f, d)._plan) == [()]
        assert_same(query(facts, dims), query(f, d))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_a_computed_result_pins_the_merge_it_lines_up_with(sync, npartitions):
    """A Series computed from a merge (its result cached) and then combined with that merge
    partition by partition: the merge must run as it did (neither narrowed nor unordered)."""
    facts, dims = _tables()
    f, d = dframe.from_pandas(facts, npartitions), dframe.from_pandas(dims, 2)
    j, pj = f.merge(d, on="k"), facts.merge(dims, on="k")
    s = j.v * 2
    s.to_pandas()  # computed and cached
    with dframe.config.override(merge_strategy="shuffle"):
        assert_same(pj.assign(t=pj.v * 2)[["k", "t"]], j.assign(t=s)[["k", "t"]])
        expected = pj.assign(t=pj.v * 2).groupby("name").t.sum()
        assert_same(expected, j.assign(t=s).groupby("name").t.sum())
