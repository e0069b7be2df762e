"""``sort_values(...).groupby(k).head(n)`` (h2o q8) picks each group's first rows in place: each
partition sends only its groups' first ``n`` rows in pandas' order (global ranks under the
unstable quicksort, a stable sort otherwise), and one task orders those candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.sort import group_heads
from tests.dframe.conftest import NPARTITIONS, assert_same, product_on_executors

pytestmark = pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")


def frame(n: int = 90, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({
        "k": rng.integers(0, 12, n).astype(float),
        "v": rng.integers(0, 25, n).astype(float),  # many ties
        "w": rng.normal(size=n),
        "s": pd.array([f"s{i % 4}" for i in range(n)], dtype="str"),
    }, index=rng.permutation(n) * 3)  # labels kept, not positions
    out.loc[out.index[::11], "v"] = np.nan
    out.loc[out.index[::13], "k"] = np.nan
    return out


@pytest.fixture
def candidates(monkeypatch):
    """Rows each partition sent to the final task."""
    sent = []
    original = group_heads._FirstOfGroups.__call__

    def spy(self, part, context=None):
        out = original(self, part, context)
        sent.append(len(out[0] if isinstance(out, tuple) else out))
        return out

    monkeypatch.setattr(group_heads._FirstOfGroups, "__call__", spy)
    return sent


@product_on_executors(
    NPARTITIONS, NPARTITIONS, count="nparts", kind=["quicksort", "stable"], ascending=[True, False]
)
def test_first_rows_of_each_group_in_sorted_order(executor, candidates, nparts, kind, ascending):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=nparts)
    for n in (0, 1, 2, 5, 12):
        want = pdf.sort_values("v", ascending=ascending, kind=kind).groupby("k").head(n)
        got = df.sort_values("v", ascending=ascending, kind=kind).groupby("k").head(n)
        assert_same(want, got)
    # each partition sends at most n rows per group (12 groups; NaN keys dropped); one
    # partition is sorted in place, the general way; runtime workers are not spied on
    if nparts > 1 and executor.name == "sync":
        assert 0 < max(candidates) <= 12 * 12


@pytest.mark.parametrize("nparts", [1, 4, 100])
def test_group_options_selections_and_several_keys(executor, nparts):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=nparts)

    def cases(lib_frame):
        by_v = lib_frame.sort_values("v", ascending=False)
        by_two = lib_frame.sort_values(["s", "v"], ascending=[True, False])
        return [
            by_v.groupby("k", dropna=False).head(2),
            by_v.groupby(["s", "k"], sort=False).head(1),
            by_v.groupby("s", as_index=False)[["v", "w"]].head(3),
            by_v.groupby("k")["w"].head(2),
            by_two.groupby("k").head(2),
            by_v.groupby("k").head(2).reset_index(drop=True),
        ]

    for want, got in zip(cases(pdf), cases(df), strict=True):
        assert_same(want, got)


def test_the_plan_picks_groups_in_place(sync):  # (a one-partition sort is local: not here)
    df = dframe.from_pandas(frame(), npartitions=3)
    heads = df.sort_values("v").groupby("k").head(2)
    assert isinstance(heads._plan, group_heads.SortedGroupHeads)
    # not a head of the sorted order: a negative n, and tail, go the general way
    assert not isinstance(df.sort_values("v").groupby("k").head(-1)._plan,
                          group_heads.SortedGroupHeads)
    assert_same(frame().sort_values("v", kind="stable").groupby("k").tail(2),
                df.sort_values("v", kind="stable").groupby("k").tail(2))

