"""``DataFrame.corr(method="kendall")`` and ``Series.corr(other, method="kendall")``: Kendall's
tau-b, exact across partitions.

tau-b needs, over the rows where both values are present, four counts of pairs of rows: the
discordant pairs, the pairs tied in x, tied in y and tied in both (pandas' ``nancorr_kendall``
and scipy's ``kendalltau``, which ``Series.corr`` calls, give the same tau-b). A pair of rows lies
within one partition or spans two: task i counts the pairs of its own partition and, for each
later partition j, those of the two partitions together — less what each holds alone, that
leaves the pairs spanning i and j — so every pair of rows is counted exactly once, in parallel
(task i reads partitions i..n-1), and the driver only adds counts.

Counting within a set of rows: sorted by (x, y), discordant pairs are the inversions of y (a
bottom-up merge count, vectorized level by level); ties are runs of equal sorted values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import maybe_unbox_numpy_scalar

from dframe.plan import nodes as N

# Columns of a count vector: rows, discordant pairs, pairs tied in x, in y, in both.
ROWS, DISCORDANT, X_TIES, Y_TIES, BOTH_TIES = range(5)


def _tied_pairs(sorted_values: np.ndarray) -> int:
    """Pairs of equal values in a sorted array (runs of length c hold c(c-1)/2)."""
    if len(sorted_values) < 2:
        return 0
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1], True])
    runs = np.diff(starts).astype("int64")
    return int((runs * (runs - 1) // 2).sum())


def _inversions(ranks: np.ndarray) -> int:
    """Pairs j < k with ``ranks[j] > ranks[k]`` (integers >= 0). Each level merges sorted
    blocks of ``width`` rows pairwise; a right block's row counts the larger rows of its left
    block by binary search among keys ``block * m + rank`` (sorted within and across blocks)."""
    n = len(ranks)
    if n < 2:
        return 0
    m = int(ranks.max()) + 1
    a = ranks.astype("int64")
    position = np.arange(n)
    total, width = 0, 1
    while width < n:
        block = position // (2 * width)
        right = (position // width) % 2 == 1
        key = block * m + a
        left_keys = key[~right]
        block_end = np.searchsorted(left_keys, (block[right] + 1) * m, side="left")
        greater_from = np.searchsorted(left_keys, key[right], side="right")
        total += int((block_end - greater_from).sum())
        a = np.sort(key, kind="stable") - block * m  # blocks keep their positions
        width *= 2
    return total


def pair_counts(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The count vector (``ROWS`` ... ``BOTH_TIES``) of all pairs of the rows ``(x, y)``."""
    n = len(x)
    out = np.zeros(5, dtype="int64")
    out[ROWS] = n
    if n < 2:
        return out
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    out[X_TIES] = _tied_pairs(xs)
    out[Y_TIES] = _tied_pairs(np.sort(y))
    starts = np.flatnonzero(np.r_[True, (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1]), True])
    runs = np.diff(starts).astype("int64")
    out[BOTH_TIES] = int((runs * (runs - 1) // 2).sum())
    # Ties in x come sorted by y, so they add no inversion; ties in y are none either (strict).
    _, ranks = np.unique(ys, return_inverse=True)
    out[DISCORDANT] = _inversions(ranks.reshape(-1))
    return out


def tau_b(counts: np.ndarray) -> float:
    """scipy's tau-b from a count vector: NaN where either side has no untied pair."""
    n = int(counts[ROWS])
    total = n * (n - 1) // 2
    x_ties, y_ties = int(counts[X_TIES]), int(counts[Y_TIES])
    if x_ties == total or y_ties == total:
        return np.nan
    difference = total - x_ties - y_ties + int(counts[BOTH_TIES]) - 2 * int(counts[DISCORDANT])
    tau = difference / np.sqrt(total - x_ties) / np.sqrt(total - y_ties)
    return float(np.minimum(1.0, max(-1.0, tau)))


class PairCounter:
    """Task i: the counts of partition i's own pairs of rows and, per later partition, of the
    two partitions together, for each pair of columns ``pairs`` (positions in the float
    frames). ``finite``: rows count where both values are finite (a frame's corr), else where
    both are not missing (a Series', where infinity is a value)."""

    def __init__(self, pairs: list[tuple[int, int]], finite: bool) -> None:
        self.pairs, self.finite = pairs, finite

    def _present(self, x: np.ndarray) -> np.ndarray:
        return np.isfinite(x) if self.finite else ~np.isnan(x)

    def counts(self, x: np.ndarray) -> np.ndarray:
        present = self._present(x)
        out = np.zeros((len(self.pairs), 5), dtype="int64")
        for p, (a, b) in enumerate(self.pairs):
            rows = present[:, a] & present[:, b]
            out[p] = pair_counts(x[rows, a], x[rows, b])
        return out

    def __call__(self, own: pd.DataFrame, *later: pd.DataFrame) -> dict[str, Any]:
        x = own.to_numpy(dtype="float64")
        together = [self.counts(np.vstack([x, other.to_numpy(dtype="float64")]))
                    for other in later]  # fmt: skip
        return {
            "own": self.counts(x),
            "together": together,
            "present": self._present(x).sum(axis=0),
            "rows": len(x),
        }


def total_counts(summaries: tuple[dict[str, Any], ...]) -> np.ndarray:
    """Counts of all pairs of rows: each partition's own, plus each span of two partitions."""
    total = sum(s["own"] for s in summaries)
    for i, s in enumerate(summaries):
        for offset, both in enumerate(s["together"]):
            total = total + both - s["own"] - summaries[i + 1 + offset]["own"]
    return total


class FrameKendall:
    """pandas' ``nancorr_kendall`` matrix: NaN for fewer than ``min_periods`` rows, 1 on the
    diagonal where a column has at least ``min_periods`` finite values."""

    def __init__(self, labels: pd.Index, min_periods: int) -> None:
        self.labels, self.min_periods = labels, min_periods

    def __call__(self, *summaries: dict[str, Any]) -> pd.DataFrame:
        k = len(self.labels)
        counts = total_counts(summaries)
        present = sum(s["present"] for s in summaries)
        values = np.full((k, k), np.nan)
        for p, (a, b) in enumerate(_upper_pairs(k)):
            if counts[p][ROWS] >= self.min_periods:
                values[a, b] = values[b, a] = tau_b(counts[p])
        for a in range(k):
            values[a, a] = 1.0 if present[a] >= self.min_periods else np.nan
        return pd.DataFrame(values, index=self.labels.copy(), columns=self.labels)


class SeriesKendall:
    """``Series.corr(other, method="kendall")``: a float NaN for no rows or fewer than
    ``min_periods`` (pandas' own checks), else scipy's tau-b as pandas boxes it."""

    def __init__(self, min_periods: Any, sample: pd.Series) -> None:
        self.min_periods = 1 if min_periods is None else min_periods
        self.sample = sample

    def __call__(self, *summaries: dict[str, Any]) -> Any:
        counts = total_counts(summaries)[0]
        if sum(s["rows"] for s in summaries) == 0 or counts[ROWS] < self.min_periods:
            return np.nan
        return maybe_unbox_numpy_scalar(np.float64(tau_b(counts)), object_with_dtype=self.sample)


def _upper_pairs(k: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(k) for b in range(a + 1, k)]


@dataclass(frozen=True, eq=False)
class KendallCounts(N.Node):
    """One partition holding ``final(*summaries)``, summary i from ``counter(part_i,
    *parts_after_i)``."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    counter: PairCounter
    final: Any
    out_meta: Any

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        summaries = [ex.submit(self.counter, p, *parts[i + 1 :]) for i, p in enumerate(parts)]
        return [ex.submit(self.final, *summaries)]

    def describe(self) -> str:
        return f"KendallCounts({len(self.counter.pairs)} pairs of columns)"


def frame_kendall(floats: N.Node, labels: pd.Index, min_periods: int, meta: Any) -> N.Node:
    """The plan of a frame's kendall matrix over ``floats`` (its columns as floats, 0..k-1)."""
    counter = PairCounter(_upper_pairs(len(labels)), finite=True)
    return KendallCounts(floats, counter, FrameKendall(labels, min_periods), meta)


def series_kendall(pairs: N.Node, min_periods: Any, sample: pd.Series, meta: Any) -> N.Node:
    """The plan of ``Series.corr(other, method="kendall")`` over the two columns ``pairs``."""
    counter = PairCounter([(0, 1)], finite=False)
    return KendallCounts(pairs, counter, SeriesKendall(min_periods, sample), meta)
