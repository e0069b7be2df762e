"""``DataFrame.corr(method="kendall")`` and ``Series.corr(other, method="kendall")``: Kendall's
tau-b, exact across partitions.

tau-b needs, over the rows where both values are present, four counts of pairs of rows: the
discordant pairs, the pairs tied in x, tied in y and tied in both (pandas' ``nancorr_kendall``
and scipy's ``kendalltau``, which ``Series.corr`` calls, give the same tau-b). A pair of rows lies
within one partition or spans two: task i counts the pairs of its own partition and, for each
later partition j, those of the two partitions together — less what each holds alone, that
leaves the pairs spanning i and j — so every pair of rows is counted exactly once, in parallel
(a task reads a partition and at most ``SPAN`` later ones), and one small task adds counts.

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
    blocks of ``width`` rows pairwise (a stable sort of ``block * m + rank``: on ties the left
    block's rows come first); a right row merged to place q of its block, the r-th of its own
    block, has q - r left rows at or below it, so ``width - (q - r)`` above."""
    n = len(ranks)
    if n < 2:
        return 0
    m = int(ranks.max()) + 1
    a = ranks.astype("int64")
    position = np.arange(n)
    total, width = 0, 1
    while width < n:
        start = (position // (2 * width)) * (2 * width)
        right = position - start >= width
        order = np.argsort(start * m + a, kind="stable")
        merged = np.empty(n, dtype="int64")
        merged[order] = position
        q, r = merged[right] - start[right], position[right] - start[right] - width
        total += int((width - (q - r)).sum())
        a = a[order]
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
    """Counts of a partition's own pairs of rows, or of a partition with each of some later
    ones together, for each pair of columns ``pairs`` (positions in the float frames). ``finite``: rows count where both values are finite (a frame's corr), else where
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

    def own(self, part: pd.DataFrame) -> dict[str, Any]:
        """The partition's own pairs of rows, its present values per column and its rows."""
        x = part.to_numpy(dtype="float64")
        return {"own": self.counts(x), "present": self._present(x).sum(axis=0), "rows": len(x)}

    def spans(self, part: pd.DataFrame, *later: pd.DataFrame) -> list[np.ndarray]:
        """The pairs of rows of ``part`` and each later partition together."""
        x = part.to_numpy(dtype="float64")
        return [self.counts(np.vstack([x, other.to_numpy(dtype="float64")])) for other in later]


class Totals:
    """All pairs of rows from the tasks' counts: each partition's own, plus each span of two
    partitions (the two together less each one's own); ``final`` makes the result of them."""

    def __init__(self, final: Any, layout: list[tuple[int, list[int]]]) -> None:
        self.final, self.layout = final, layout

    def __call__(self, *results: Any) -> Any:
        cut = len(results) - len(self.layout)
        owns, spans = results[:cut], results[cut:]
        total = sum(o["own"] for o in owns)
        for (i, later), together in zip(self.layout, spans, strict=True):
            for j, both in zip(later, together, strict=True):
                total = total + both - owns[i]["own"] - owns[j]["own"]
        return self.final(total, owns)


class FrameKendall:
    """pandas' ``nancorr_kendall`` matrix: NaN for fewer than ``min_periods`` rows, 1 on the
    diagonal where a column has at least ``min_periods`` finite values."""

    def __init__(self, labels: pd.Index, min_periods: int) -> None:
        self.labels, self.min_periods = labels, min_periods

    def __call__(self, counts: np.ndarray, owns: tuple[dict[str, Any], ...]) -> pd.DataFrame:
        k = len(self.labels)
        present = sum(s["present"] for s in owns)
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

    def __call__(self, counts: np.ndarray, owns: tuple[dict[str, Any], ...]) -> Any:
        counts = counts[0]
        if sum(s["rows"] for s in owns) == 0 or counts[ROWS] < self.min_periods:
            return np.nan
        return maybe_unbox_numpy_scalar(np.float64(tau_b(counts)), object_with_dtype=self.sample)


def _upper_pairs(k: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(k) for b in range(a + 1, k)]


# Later partitions one task pairs with a partition: a task holds at most SPAN + 1 partitions.
SPAN = 4


@dataclass(frozen=True, eq=False)
class KendallCounts(N.Node):
    """One partition holding ``final(total counts, own counts)``: a task per partition counts
    its own pairs of rows, a task per partition and up to ``SPAN`` later ones those spanning
    the two."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    counter: PairCounter
    final: Any
    out_meta: Any

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        owns = [ex.submit(self.counter.own, p) for p in parts]
        layout, spans = [], []
        for i, p in enumerate(parts):
            for start in range(i + 1, len(parts), SPAN):
                later = list(range(start, min(start + SPAN, len(parts))))
                layout.append((i, later))
                spans.append(ex.submit(self.counter.spans, p, *(parts[j] for j in later)))
        return [ex.submit(Totals(self.final, layout), *owns, *spans)]

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
