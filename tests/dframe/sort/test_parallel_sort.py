"""Full sorts in parallel when the result is determined (issue 11, gate 4): with pandas'
default unstable ``kind="quicksort"`` on one key, unique keys are sorted by sampled range
partitioning (no task sees the whole key column); ties keep the exact global-rank path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
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


def test_a_tie_the_samples_miss_is_still_found(sync, rank_calls):  # noqa: F811
    # 4,000 distinct keys and one duplicated pair: the samples (32 per output) miss it, the
    # range pass finds it, and the exact path runs.
    rng = np.random.default_rng(7)
    a = rng.permutation(4000).astype(float)
    a[3999] = a[10]
    pdf = pd.DataFrame({"a": a, "b": np.arange(4000)})
    assert_same(pdf.sort_values("a"), dframe.from_pandas(pdf, 4).sort_values("a"))
    assert rank_calls
