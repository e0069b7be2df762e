"""Full sorts in parallel when the result is determined (issue 11, gate 4): with pandas'
default unstable ``kind="quicksort"`` on one key, unique keys are sorted by sampled range
partitioning (no task sees the whole key column); ties keep the exact global-rank path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.sort import nodes
from tests.dframe.conftest import NPARTITIONS, assert_same
from tests.dframe.sort.test_topk import frame, rank_calls  # noqa: F401  (fixture)

pytestmark = pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")

CASES = {
    "ascending": lambda d: d.sort_values("a"),
    "descending": lambda d: d.sort_values("a", ascending=False),
    "nan_first": lambda d: d.sort_values("a", na_position="first"),
    "ignore_index": lambda d: d.sort_values("b", ignore_index=True),
    "series": lambda d: d.b.sort_values(ascending=False),
}


@pytest.mark.parametrize("nparts", NPARTITIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_unique_keys_sort_by_ranges(sync, rank_calls, case, nparts):  # noqa: F811
    pdf = frame()
    assert_same(CASES[case](pdf), CASES[case](dframe.from_pandas(pdf, nparts)))
    assert rank_calls == []


@pytest.mark.parametrize("nparts", [2, 5])
@pytest.mark.parametrize("case", sorted(CASES))
def test_ties_keep_pandas_order(executor, case, nparts):
    pdf = frame(ties=True)
    assert_same(CASES[case](pdf), CASES[case](dframe.from_pandas(pdf, nparts)))


def _one_tie() -> pd.DataFrame:
    # 4,000 distinct keys and one duplicated pair
    rng = np.random.default_rng(7)
    a = rng.permutation(4000).astype(float)
    a[3999] = a[10]
    return pd.DataFrame({"a": a, "b": np.arange(4000)})


def test_a_tie_the_samples_miss_is_still_found(sync, rank_calls, monkeypatch):  # noqa: F811
    # Samples of 32 per output miss the pair, the range pass finds it, the exact path runs.
    monkeypatch.setattr(nodes, "TIE_CHECK_SAMPLE", 0)
    pdf = _one_tie()
    assert_same(pdf.sort_values("a"), dframe.from_pandas(pdf, 4).sort_values("a"))
    assert rank_calls


def test_ties_the_samples_see_skip_the_range_pass(sync, rank_calls, monkeypatch):  # noqa: F811
    """The tie check's sample is big enough to see common ties, so no range sort is run and
    thrown away (h2o q8: 10M floats with ~5e5 tied pairs)."""
    range_sorts = []
    original = nodes.SortPiecesTieFree.__call__
    monkeypatch.setattr(
        nodes.SortPiecesTieFree,
        "__call__",
        lambda self, *pieces: range_sorts.append(1) or original(self, *pieces),
    )
    pdf = _one_tie()
    assert_same(pdf.sort_values("a"), dframe.from_pandas(pdf, 4).sort_values("a"))
    assert rank_calls
    assert range_sorts == []
