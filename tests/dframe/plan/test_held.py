"""An aggregate the user holds is computed once (``plan/held.py``), as pandas computed it once.

The reference is pandas' answer; what is checked beside it is the structure: the held aggregate
is cached (computed on its own) where pandas users read it twice, and nothing else is — not a
join the user names, not an aggregate whose input the rest of the computation also reads."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.execution import lower
from dframe.plan import held
from tests.dframe.conftest import assert_same, on_executors

pytestmark = pytest.mark.timeout(60)

PDF = pd.DataFrame(
    {
        "k": np.arange(60) % 7,
        "v": np.arange(60, dtype="float64") * 1.5,
        "w": np.arange(60) % 5,
    }
)
OTHER = pd.DataFrame({"k": np.arange(7), "name": [f"n{i}" for i in range(7)]})


def _top(pd_, d):
    revenue = d.groupby("k", as_index=False).agg(total=("v", "sum"))
    top = revenue[revenue.total == revenue.total.max()]
    return revenue, top


@on_executors()
def test_a_held_aggregate_read_twice_is_computed_once(executor, npartitions):
    d = dframe.from_pandas(PDF, npartitions=npartitions)
    revenue, top = _top(dframe, d)
    # the scalar computed the aggregate on its own, once, and the filter reads that
    assert revenue._plan in lower.CACHE
    assert_same(_top(pd, PDF)[1], top)


@on_executors([1, 3, 40])
def test_an_aggregate_beside_its_frame(executor, npartitions):
    """``d.merge(means)`` after the means were looked at: pandas' answer, means computed once."""

    def run(pd_, d):
        means = d.groupby("k").v.mean().rename("mean_v").reset_index()
        share = means.mean_v.sum()
        out = d.merge(means, on="k")
        return out.assign(share=out.mean_v / share)

    d = dframe.from_pandas(PDF, npartitions=npartitions)
    assert_same(run(pd, PDF), run(dframe, d))


def test_a_held_join_is_not_stored_whole(sync):
    d = dframe.from_pandas(PDF, npartitions=3)
    joined = d.merge(dframe.from_pandas(OTHER, npartitions=2), on="k")
    total = joined.v.sum()
    assert joined._plan not in lower.CACHE  # its consumer read one column of it
    assert total == PDF.merge(OTHER, on="k").v.sum()


def test_not_when_the_rest_repeats_its_work(sync):
    """q17's shape: the aggregate of a join, merged back into that join. Computed apart, the
    join would run twice; in one plan it runs once."""
    d = dframe.from_pandas(PDF, npartitions=3)
    j = d.merge(dframe.from_pandas(OTHER, npartitions=2), on="k")
    avg = j.groupby("k", as_index=False).agg(avg_v=("v", "mean"))
    out = j.merge(avg, on="k")
    result = out[out.v < out.avg_v].v.sum()
    assert avg._plan not in lower.CACHE
    pj = PDF.merge(OTHER, on="k")
    pout = pj.merge(pj.groupby("k", as_index=False).agg(avg_v=("v", "mean")), on="k")
    assert result == pytest.approx(pout[pout.v < pout.avg_v].v.sum(), rel=1e-9)


def test_held_only_while_an_object_stands_for_it(sync):
    d = dframe.from_pandas(PDF, npartitions=3)
    sums = d.groupby("k").v.sum()
    plan = sums._plan
    assert held.is_held(plan)
    sums.iloc[0] = 0.0  # an in-place change: ``sums`` stands for another plan now
    assert not held.is_held(plan) and held.is_held(sums._plan)
    other = sums
    del sums
    gc.collect()
    assert held.is_held(other._plan)  # the second name still holds it
