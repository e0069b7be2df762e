"""Shuffle: an all-to-all exchange of rows between partitions.

Every input partition ``i`` is cut into ``nout`` pieces by one task (``split(part, i)`` returns
the pieces; the task has ``num_returns=nout``, so each piece is its own object in the store),
and output partition ``j`` is built by one task from piece ``j`` of every input, in input order
(``combine(j, *pieces)``). Nothing but ``ObjectRef``s passes through the driver.

Because pieces arrive in input order and a split keeps the rows' order, rows that meet in an
output partition keep their original relative order: that is what lets groupby restore pandas'
"order of first appearance" and row-wise results put rows back where they were.

Two ways in:

* ``exchange(ex, handles, nout, split, combine)`` on executor handles, for lowering rules that
  shuffle as one step of a bigger computation (groupby, merge, sort);
* the plan node ``Shuffle`` when the exchanged partitions are a result of their own.

``HashSplit`` cuts a frame by a hash of some key columns (equal keys, NaN included, always land
in the same output); ``ConcatPieces`` is the plain combine.

>>> import pandas as pd
>>> from dframe.execution.executors import SyncExecutor
>>> parts = [pd.DataFrame({"k": [1, 2, 1]}), pd.DataFrame({"k": [2, 3]})]
>>> out = exchange(SyncExecutor(), parts, 2, HashSplit(["k"], 2), ConcatPieces())
>>> sorted(len(p) for p in out)
[2, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe.algebra.rows import concat_rows
from dframe.plan import nodes as N


def hash_rows(keys: pd.DataFrame | pd.Series) -> np.ndarray:
    """A uint64 hash per row of ``keys`` that depends only on the values (not the index, not
    the partition): equal key tuples hash equally, missing values included."""
    return pd.util.hash_pandas_object(keys, index=False).to_numpy()


def assignment(keys: pd.DataFrame | pd.Series, nout: int) -> np.ndarray:
    """Output partition (0..nout-1) of each row."""
    if nout == 1 or len(keys) == 0:
        return np.zeros(len(keys), dtype=np.int64)
    return (hash_rows(keys) % np.uint64(nout)).astype(np.int64)


def split_by(part: Any, target: np.ndarray, nout: int) -> list[Any]:
    """``part``'s rows cut into ``nout`` pieces by ``target`` (each piece keeps row order)."""
    if nout == 1:
        return [part]
    order = np.argsort(target, kind="stable")
    bounds = np.searchsorted(target[order], np.arange(nout + 1))
    # One gather, then slices (cheap views), rather than one gather per piece.
    ordered = part.iloc[order]
    return [ordered.iloc[bounds[j] : bounds[j + 1]] for j in range(nout)]


class HashSplit:
    """``split`` cutting a frame by a hash of ``columns`` (labels)."""

    def __init__(self, columns: Sequence[Hashable], nout: int) -> None:
        self.columns, self.nout = list(columns), nout

    def __call__(self, part: Any, i: int) -> list[Any]:
        keys = part[self.columns] if isinstance(part, pd.DataFrame) else part
        return split_by(part, assignment(keys, self.nout), self.nout)


class ConcatPieces:
    """``combine`` concatenating the pieces in input order; empty pieces do not vote on dtypes."""

    def __call__(self, j: int, *pieces: Any) -> Any:
        full = [p for p in pieces if len(p)] or list(pieces[:1])
        return full[0] if len(full) == 1 else concat_rows(full)


class _Split:
    """Task body: ``split`` one partition, as a tuple (one object per piece)."""

    def __init__(
        self, split: Callable[[Any, int], list[Any]], i: int, nout: int
    ) -> None:
        self.split, self.i, self.nout = split, i, nout

    def __call__(self, part: Any, *extra: Any) -> Any:
        pieces = list(self.split(part, self.i, *extra))
        if len(pieces) != self.nout:
            msg = f"shuffle split returned {len(pieces)} pieces, expected {self.nout}"
            raise ValueError(msg)
        return pieces[0] if self.nout == 1 else tuple(pieces)


class _Combine:
    def __init__(self, combine: Callable[..., Any], j: int) -> None:
        self.combine, self.j = combine, j

    def __call__(self, *pieces: Any) -> Any:
        return self.combine(self.j, *pieces)


def exchange(
    ex: Any,
    handles: Sequence[Any],
    nout: int,
    split: Callable[[Any, int], list[Any]],
    combine: Callable[..., Any] | None = None,
) -> list[Any]:
    """Shuffle the partitions behind ``handles`` into ``nout`` new ones; returns their handles.

    ``split(part, i)`` returns ``nout`` pieces of input partition ``i``; output ``j`` is
    ``combine(j, piece_j_of_input_0, piece_j_of_input_1, ...)`` (default: concatenation).
    Runs ``len(handles) + nout`` tasks.
    """
    combine = combine or ConcatPieces()
    grid = split_grid(ex, handles, nout, split)
    return [
        ex.submit(_Combine(combine, j), *[row[j] for row in grid]) for j in range(nout)
    ]


def split_grid(
    ex: Any, handles: Sequence[Any], nout: int, split: Callable[..., list[Any]], *extra: Any
) -> list[list[Any]]:
    """The split half of ``exchange``: ``grid[i][j]`` is piece ``j`` of input ``i``. For a
    consumer that takes the pieces themselves, so no combined partition is written.
    ``extra`` arguments (handles: boundaries a task chose) go to every ``split(part, i, ...)``."""
    grid = []
    for i, h in enumerate(handles):
        out = ex.submit(_Split(split, i, nout), h, *extra, num_returns=nout)
        grid.append([out] if nout == 1 else list(out))
    return grid


@dataclass(frozen=True, eq=False)
class Shuffle(N.Node):
    """``child``'s rows exchanged into ``nout`` partitions (see ``exchange``).

    ``out_meta`` defaults to the child's meta. When the exchange puts every row back into the
    partition it came from (a shuffle "home" after per-group work), ``aligned`` carries the
    partitioning key, lengths and ``range_index`` of the frame it lines up with, so the result can be combined
    with that frame partition by partition.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    nout: int
    split: Callable[[Any, int], list[Any]]
    combine: Callable[..., Any] | None = None
    out_meta: Any = None
    label: str = "shuffle"
    aligned: tuple[Hashable, tuple[int, ...] | None, bool] | None = None

    def _derive(self) -> None:
        if self.nout < 1:
            msg = f"a shuffle needs at least one output partition, got {self.nout}"
            raise ValueError(msg)
        self._set(
            meta=self.child.meta if self.out_meta is None else self.out_meta,
            npartitions=self.nout,
            lengths=None if self.aligned is None else self.aligned[1],
            range_index=self.aligned is not None and self.aligned[2],
        )

    @property
    def partitioning(self) -> Hashable:
        return self.token if self.aligned is None else self.aligned[0]

    def lower_with(self, lowerer: Any) -> list[Any]:
        return exchange(
            lowerer.ex, lowerer.lower(self.child), self.nout, self.split, self.combine
        )

    def describe(self) -> str:
        return f"Shuffle({self.label}, {self.child.npartitions} -> {self.nout})"
