"""Top-k (issue 11, gate 3): ``sort_values(...).head(n)`` / ``.tail(n)`` — also through a
projection or ``assign`` — run as a per-partition top-k plus one final top-k whenever the answer
is determined (a stable kind, several keys, or no tie among the chosen keys or at the cut);
otherwise the exact global-rank path, as pandas' unstable quicksort orders ties its own way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.optimize import topk
from dframe.sort import nodes as sort_nodes
from tests.dframe.conftest import NPARTITIONS, assert_same

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


@pytest.mark.parametrize("nparts", [3, 7])
@pytest.mark.parametrize("case", ["head", "tail", "descending", "stable", "two_keys"])
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
