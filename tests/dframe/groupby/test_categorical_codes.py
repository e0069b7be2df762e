"""Groupby on categorical keys runs on their codes (issue 12, gate 4): pandas would recode the
categories in every partition. Missing keys (code -1) are dropped or, with ``dropna=False``,
sorted last; categories come back with the key's own dtype (order, unobserved ones kept in the
dtype), for one and several keys, by tree and spread over partitions."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import assert_same, pairwise

pytestmark = pytest.mark.timeout(120)

rng = np.random.default_rng(0)
N = 600
PDF = pd.DataFrame(
    {
        # Categories in reverse order: sorting by code is not sorting by value.
        "c": pd.Categorical.from_codes(
            rng.integers(-1, 60, N), dtype=pd.CategoricalDtype([f"c{i:02d}" for i in range(60)][::-1])
        ),
        "c2": pd.Categorical.from_codes(rng.integers(-1, 3, N), categories=["x", "y", "z"]),
        "i": rng.integers(0, 5, N),
        "v": rng.normal(size=N),
    }
)


def _ask(frame, keys, sort, dropna, as_index):
    g = frame.groupby(keys, sort=sort, dropna=dropna, observed=True, as_index=as_index)
    if as_index:
        return g.v.agg(["sum", "mean"])
    return g.agg(total=("v", "sum"), n=("v", "count"))


def _id(value):
    if isinstance(value, list):
        return "+".join(value)
    return "sort=%s,dropna=%s" % value if isinstance(value, tuple) else None


# Every pair of a key set, an order/missing-key option and a strategy (half the product).
@pytest.mark.parametrize(
    ("keys", "sort_dropna", "strategy"),
    pairwise(
        [["c"], ["i", "c2"], ["c", "c2"]],
        list(itertools.product([True, False], repeat=2)),
        ["tree", "shuffle"],
    ),
    ids=_id,
)
def test_codes_give_pandas_answer(sync, strategy, sort_dropna, keys):
    sort, dropna = sort_dropna
    cases = [(PDF, 1, True), (PDF, 3, False), (PDF, 7, True), (PDF.iloc[:30], 40, False)]
    for pdf, nparts, as_index in cases:
        with dframe.config.override(groupby_strategy=strategy):
            got = _ask(dframe.from_pandas(pdf, nparts), keys, sort, dropna, as_index)
            assert_same(_ask(pdf, keys, sort, dropna, as_index), got)
