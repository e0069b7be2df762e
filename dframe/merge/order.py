"""Restoring pandas' row order after a merge: the merged partitions are range-partitioned on
the order columns (keys and/or position tags) by boundaries sampled from them, and each output
partition sorts its pieces. Partition functions, picklable and free of plan references."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.algebra.shuffle import ConcatPieces, split_by


def without_labels(parts: list[Any], labels: bool) -> list[Any]:
    """``parts`` as they are, or (``labels`` False: nothing reads the index, as in a merge on
    columns, whose result is numbered afresh) with a RangeIndex, which is stored as three
    numbers: rows cut out of a partition otherwise carry their labels as an int64 column."""
    if labels:
        return parts
    return [p.set_axis(pd.RangeIndex(len(p))) for p in parts]



class Sample:
    """Evenly spaced rows of the ``order`` columns of a partition, in order."""

    def __init__(self, order: tuple[str, ...], k: int) -> None:
        self.order, self.k = list(order), k

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        keys = part[self.order]
        keys = keys.iloc[_sorted_positions(keys, self.order)]
        if len(keys) <= self.k:
            return keys.reset_index(drop=True)
        at = np.unique(np.linspace(0, len(keys) - 1, self.k).astype(np.int64))
        return keys.iloc[at].reset_index(drop=True)


def _sorted_positions(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    frame = frame.reset_index(drop=True)
    times = [c for c in columns if getattr(frame[c].dtype, "kind", "") in "Mm"]
    if times:
        # pandas sorts datetime/timedelta keys by their int64 values, where NaT is the
        # smallest: missing times come first (other missing keys last).
        frame = frame.assign(**{c: frame[c].array.asi8 for c in times})
    ordered = frame.sort_values(columns, kind="stable", na_position="last")
    return ordered.index.to_numpy()


class Bounds:
    """Task: ``nout - 1`` boundaries evenly spaced in the pooled samples, in ``order``."""

    def __init__(self, order: tuple[str, ...], nout: int) -> None:
        self.order, self.nout = list(order), nout

    def __call__(self, *samples: pd.DataFrame) -> pd.DataFrame:
        pool = pd.concat(samples, ignore_index=True)
        pool = pool.iloc[_sorted_positions(pool, self.order)].reset_index(drop=True)
        if not len(pool) or self.nout < 2:
            return pool.iloc[:0]
        at = np.unique(np.linspace(0, len(pool), self.nout + 1).astype(np.int64)[1:-1])
        bounds = pool.iloc[[a for a in at if a < len(pool)]].drop_duplicates()
        return bounds.reset_index(drop=True)


class RangeSplit:
    """Shuffle ``split`` by ranges of ``order``: piece j gets the rows between boundary j-1
    and boundary j (a row equal to a boundary goes after it)."""

    def __init__(self, nout: int, labels: bool = True) -> None:
        self.nout, self.labels = nout, labels

    def __call__(self, part: pd.DataFrame, i: int, bounds: pd.DataFrame) -> list[Any]:
        return without_labels(self._split(part, bounds), self.labels)

    def _split(self, part: pd.DataFrame, bounds: pd.DataFrame) -> list[Any]:
        nb = len(bounds)
        if nb == 0 or len(part) == 0:
            return split_by(part, np.zeros(len(part), dtype=np.int64), self.nout)
        cols = list(bounds.columns)
        both = pd.concat([bounds, part[cols]], ignore_index=True)
        order = _sorted_positions(both, cols)
        is_bound = order < nb
        seen = np.cumsum(is_bound)
        target = np.empty(len(part), dtype=np.int64)
        target[order[~is_bound] - nb] = seen[~is_bound]
        return split_by(part, target, self.nout)


class SortPieces:
    """Output ``j``: the pieces concatenated and put in ``order``."""

    def __init__(self, order: tuple[str, ...], labels: bool = True) -> None:
        self.order, self.labels = list(order), labels

    def __call__(self, j: int, *pieces: Any) -> Any:
        part = ConcatPieces()(j, *pieces)
        if len(part) >= 2:
            part = part.iloc[_sorted_positions(part[self.order], self.order)]
        return without_labels([part], self.labels)[0]
