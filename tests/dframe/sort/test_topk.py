"""Top-k (issue 11, gate 3): ``sort_values(...).head(n)`` / ``.tail(n)`` / ``.iloc[:n]`` — also
through a projection, ``assign`` or a filter — run as a per-partition top-k plus one final top-k
whenever the answer is determined (a stable kind, several keys, or no tie among the chosen keys
or at the cut); otherwise the exact global-rank path, as pandas' unstable quicksort orders ties
its own way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.optimize import topk
from dframe.sort import nodes as sort_nodes
from tests.dframe.conftest import NPARTITIONS, assert_same, product_on_executors

pytestmark = pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")


def frame(n: int = 60, ties: bool = False, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 8, n).astype(float) if ties else rng.permutation(n).astype(float) / 3
    a[[5, 17]] = np.nan
    return pd.DataFrame({"a": a, "b": rng.normal(size=n), "s": [f"s{i % 5}" for i in range(n)]})


@pytest.fixture
def rank_calls(monkeypatch):
    """How often the global-rank path (the key column of every partition in one task) ran."""
    calls = []
    original = sort_nodes.GlobalRanks.__call__

    def spy(self, *keys):
        calls.append(len(keys))
        return original(self, *keys)

    monkeypatch.setattr(sort_nodes.GlobalRanks, "__call__", spy)
    return calls


CASES = {
    "head": lambda d: d.sort_values("a").head(7),
    "tail": lambda d: d.sort_values("a").tail(7),
    "descending": lambda d: d.sort_values("a", ascending=False).head(4),
    "nan_first": lambda d: d.sort_values("a", na_position="first").head(5),
    "into_nans": lambda d: d.sort_values("a").tail(4),
    "stable": lambda d: d.sort_values("a", kind="stable").head(9),
    "two_keys": lambda d: d.sort_values(["s", "a"]).head(6),
    "series": lambda d: d.b.sort_values().head(5),
    "projected": lambda d: d.sort_values("a")[["a", "b"]].head(5),
    "assigned": lambda d: d.sort_values("b").assign(c=lambda x: x.b * 2).head(6),
    "column_math": lambda d: (d.sort_values("a").b + 1).head(3),
    "iloc": lambda d: d.sort_values("b").head(50).head(3),
    "more_than_rows": lambda d: d.sort_values("a").head(1000),
}


@pytest.mark.parametrize("nparts", NPARTITIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_topk_equals_pandas_without_ties(sync, rank_calls, case, nparts):
    pdf = frame()
    assert_same(CASES[case](pdf), CASES[case](dframe.from_pandas(pdf, nparts)))
    assert rank_calls == [], "the answer was determined: no global-rank pass"


@product_on_executors(
    [3, 7], [3, 7], count="nparts", case=["head", "tail", "descending", "stable", "two_keys"]
)
def test_topk_with_ties_still_equals_pandas(executor, case, nparts):
    pdf = frame(ties=True)
    assert_same(CASES[case](pdf), CASES[case](dframe.from_pandas(pdf, nparts)))


def test_ties_at_the_cut_take_the_exact_path(sync, rank_calls):
    pdf = pd.DataFrame({"a": [3.0, 1.0, 2.0, 1.0, 2.0, 5.0], "b": range(6)})
    got = dframe.from_pandas(pdf, 3).sort_values("a").head(3)
    assert_same(pdf.sort_values("a").head(3), got)
    assert rank_calls, "two 2.0 keys straddle the cut: pandas' quicksort decides their order"


def test_ties_below_the_cut_are_left_to_the_exact_path(sync, rank_calls):
    pdf = pd.DataFrame({"a": [1.0, 1.0, 9.0, 2.0, 7.0, 8.0], "b": range(6)})
    assert_same(pdf.sort_values("a").head(3), dframe.from_pandas(pdf, 2).sort_values("a").head(3))
    assert rank_calls


def test_row_preserving_steps_keep_the_topk_plan():
    d = dframe.from_pandas(frame(), 4)
    sorted_ = d.sort_values("a")
    assert topk.ends(sorted_[["a", "b"]]._plan, 5, "head") is not None
    assert topk.ends(sorted_.assign(c=sorted_.b * 2)._plan, 5, "head") is not None
    assert topk.ends(d[["a"]]._plan, 5, "head") is None  # nothing sorted below
    other = dframe.from_pandas(frame(seed=2), 4)
    assert topk.ends((sorted_.b + other.b)._plan, 5, "head") is None  # two sources


# ---- a filter between the sort and the head; iloc[:n] -----------------------------------------


@pytest.fixture
def full_sorts(monkeypatch):
    """How often a whole sort was lowered (top-k never lowers one)."""
    calls = []
    original = sort_nodes.SortValues.lower_with

    def spy(self, lowerer):
        calls.append(self.spec.by)
        return original(self, lowerer)

    monkeypatch.setattr(sort_nodes.SortValues, "lower_with", spy)
    return calls


def _kept(d):
    return d[d.b > 0]


def _not_s1(d):
    return d[d.s != "s1"]


def _mask_over_all_rows(sorted_frame):
    # the second mask is computed from the sorted rows, not from those the first filter kept
    return _kept(sorted_frame)[sorted_frame.a > 2]


def _positive(s):
    return s[s > 0]


FILTERED = {
    "filter_head": lambda d: _kept(d.sort_values("a")).head(5),
    "filter_tail": lambda d: _kept(d.sort_values("a")).tail(4),
    "filter_iloc": lambda d: _kept(d.sort_values("a", ascending=False)).iloc[:6],
    "filter_then_assign": lambda d: _kept(d.sort_values("a")).assign(c=lambda x: x.b * 2).head(5),
    "project_then_filter": lambda d: _kept(d.sort_values("a")[["b", "a"]])[["a"]].head(5),
    "filter_by_another_column": lambda d: _not_s1(d.sort_values("b")).head(7),
    "filter_stable": lambda d: _kept(d.sort_values("a", kind="stable")).head(8),
    "filter_two_keys": lambda d: _kept(d.sort_values(["s", "a"])).tail(6),
    "filter_series": lambda d: _positive(d.b.sort_values()).head(5),
    "filter_everything_out": lambda d: d.sort_values("a")[lambda x: x.b > 99].head(3),
    "iloc_head": lambda d: d.sort_values("b").iloc[:4],
    "iloc_tail": lambda d: d.sort_values("b")[["b"]].iloc[-3:],
    "filter_more_than_rows": lambda d: _kept(d.sort_values("a")).head(1000),
    "two_filters": lambda d: _not_s1(_kept(d.sort_values("a"))).head(5),
    "two_filters_tail": lambda d: _kept(_kept(d.sort_values("a")).assign(b=lambda x: x.b - 1)).tail(4),
    "second_mask_over_all_rows": lambda d: _mask_over_all_rows(d.sort_values("a")).head(6),
    "three_filters": lambda d: _positive(_not_s1(_kept(d.sort_values(["s", "a"]))).b).head(3),
}


@pytest.mark.parametrize("nparts", [1, 3, 7, 80])
@pytest.mark.parametrize("case", sorted(FILTERED))
def test_filtered_topk_equals_pandas_without_a_full_sort(
    sync, full_sorts, rank_calls, case, nparts
):
    """No whole sort is lowered (80 partitions: more than the 60 rows, most empty), and without
    ties no global-rank pass either."""
    pdf = frame()
    assert_same(FILTERED[case](pdf), FILTERED[case](dframe.from_pandas(pdf, nparts)))
    assert full_sorts == []
    assert rank_calls == []


@product_on_executors(
    [1, 3, 7, 80],
    [1, 3, 7, 80],
    count="nparts",
    case=[
        "filter_head", "filter_tail", "filter_iloc", "filter_stable", "filter_two_keys",
        "two_filters",
    ],
)
def test_filtered_topk_with_ties_equals_pandas(executor, full_sorts, case, nparts):
    """Keys 0..7 over 60 rows: ties at the cut. pandas sorts all rows, then filters, so the
    exact path ranks all rows, not only those kept."""
    pdf = frame(ties=True)
    assert_same(FILTERED[case](pdf), FILTERED[case](dframe.from_pandas(pdf, nparts)))
    assert full_sorts == []


def test_filter_with_ties_at_the_cut_ranks_all_rows(sync, rank_calls):
    """Two 2.0 keys straddle the cut among the kept rows: pandas' quicksort on the whole key
    column (kept and dropped rows) orders them, so the exact path runs."""
    pdf = pd.DataFrame({"a": [3.0, 1.0, 2.0, 1.0, 2.0, 5.0, 2.0], "b": [1, 1, 1, -1, 1, 1, 1]})
    got = _kept(dframe.from_pandas(pdf, 3).sort_values("a")).head(2)
    assert_same(_kept(pdf.sort_values("a")).head(2), got)
    assert rank_calls, "ties at the cut: the global-rank path decides"


def test_filter_between_sort_and_head_keeps_the_topk_plan():
    d = dframe.from_pandas(frame(), 4)
    s = d.sort_values("a")
    plan = topk.ends(_kept(s)[["a"]]._plan, 5, "head")
    assert plan is not None
    assert not any(isinstance(n, sort_nodes.SortValues) for n in _nodes(plan))
    # a second filter's mask is over the rows the first one kept: folded into one mask
    twice = _kept(_kept(s).assign(b=lambda x: x.b - 1))
    plan = topk.ends(twice._plan, 5, "head")
    assert plan is not None
    assert not any(isinstance(n, sort_nodes.SortValues) for n in _nodes(plan))


def _nodes(plan):
    out, stack = [], [plan]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.inputs)
    return out
