"""Partition functions and plan nodes for operands whose partitions do not line up (the
decisions are ``core/alignment.py``'s).

``PositionalAlign`` re-cuts default-indexed operands by position: output partition i gets the
rows of the left operand's partition i and the right operand's rows at the same positions (the
last partition also takes the rows past the left operand's end). ``GatherRows`` moves rows to
output partitions by global position. Inside each partition ``AlignedOp`` reproduces pandas'
alignment: an outer align of the two pieces, then a cast of each operand to the dtype pandas'
global alignment gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe.algebra.rows import concat_rows
from dframe.plan import meta as M
from dframe.plan import nodes as N

# -- partition functions -----------------------------------------------------------------------


def _cast(obj: Any, dtypes: Any) -> Any:
    """``obj`` with the given dtype (Series) or per-column dtypes (DataFrame, a list by position)."""
    if dtypes is None:
        return obj
    if isinstance(obj, pd.Series):
        return obj if obj.dtype == dtypes else obj.astype(dtypes)
    changed = {
        c: d
        for c, old, d in zip(obj.columns, obj.dtypes, dtypes, strict=True)
        if old != d
    }
    return obj.astype(changed) if changed else obj


class AlignedOp:
    """``call(left, right)`` on two pieces covering overlapping row ranges, aligned as pandas
    aligns the whole operands.

    ``left_dtypes``/``right_dtypes``: the dtypes pandas' global alignment gives each operand
    (None: unchanged). ``asobject``: cast both to object first (pandas' Series logical operators
    do when the indexes differ).
    """

    def __init__(
        self,
        call: Callable[[Any, Any], Any],
        left_dtypes: Any,
        right_dtypes: Any,
        asobject: bool,
    ) -> None:
        self.call, self.left_dtypes, self.right_dtypes = call, left_dtypes, right_dtypes
        self.asobject = asobject

    def __call__(self, left: Any, right: Any) -> Any:
        if self.asobject:
            left, right = left.astype(object), right.astype(object)
        if not left.index.equals(right.index):
            left, right = left.align(right, join="outer", axis=0)
        return self.call(_cast(left, self.left_dtypes), _cast(right, self.right_dtypes))

    def __repr__(self) -> str:
        return f"aligned {self.call!r}"


class FlexCall:
    """``left.<name>(right, **kwargs)``: pandas' method form of an operator (``add``,
    ``rsub``, ``eq`` ...) with ``axis``/``fill_value``."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.name, self.kwargs = name, kwargs

    def __call__(self, left: Any, right: Any) -> Any:
        return getattr(left, self.name)(right, **self.kwargs)

    def __repr__(self) -> str:
        inner = ", ".join(["other", *(f"{k}={v!r}" for k, v in self.kwargs.items())])
        return f"{self.name}({inner})"


class SetAligned:
    """``part[name] = value`` with ``value`` reindexed to the partition's rows, as pandas'
    ``__setitem__`` reindexes a Series to the frame's index; ``dtype`` is the dtype the whole
    Series gets from that reindex."""

    def __init__(self, name: Hashable, dtype: Any) -> None:
        self.name, self.dtype = name, dtype

    def __call__(self, part: pd.DataFrame, value: pd.Series) -> pd.DataFrame:
        if not value.index.equals(part.index):
            value = value.reindex(part.index)
        out = part.copy(deep=False)
        M.set_column(out, self.name, _cast(value, self.dtype))
        return out

    def __repr__(self) -> str:
        return f"set {self.name!r} (aligned)"


class ReindexedTo:
    """The right operand's rows reindexed to the left partition's labels, cast to ``dtypes``
    (those of the whole reindexed operand). Called as ``(left_part, right_rows)``."""

    def __init__(self, dtypes: Any) -> None:
        self.dtypes = dtypes

    def __call__(self, left: Any, right: Any = None) -> Any:
        if right is None:  # (already in place: only the cast)
            return _cast(left, self.dtypes)
        if not right.index.equals(left.index):
            right = right.reindex(left.index)
        return _cast(right, self.dtypes)

    def __repr__(self) -> str:
        return "reindexed"


class SetInto:
    """``frame[name] = value`` for a frame without rows: pandas first gives the frame the
    Series' index, so the frame's columns are missing on every row (``dtypes``: theirs after
    that reindex). Called as ``(value_part, frame_rows)``."""

    def __init__(
        self, name: Hashable, dtypes: Any, index_name: Hashable = None
    ) -> None:
        self.name, self.dtypes, self.index_name = name, dtypes, index_name

    def __call__(self, value: pd.Series, frame: pd.DataFrame) -> pd.DataFrame:
        out = _cast(frame.reindex(value.index), self.dtypes)
        if self.index_name is not None:
            out.index = out.index.rename(self.index_name)
        out[self.name] = value
        return out

    def __repr__(self) -> str:
        return f"set {self.name!r} into a frame without rows"


class _WithRightRows:
    """Task body: ``func(left_part, right rows sliced from the right partitions per spec)``."""

    def __init__(
        self,
        func: Callable[[Any, Any], Any],
        spec: list[tuple[int, int, int]],
        empty: Any,
    ) -> None:
        self.func, self.spec, self.empty = func, spec, empty

    def __call__(self, left: Any, *parts: Any) -> Any:
        pieces = [parts[k].iloc[a:b] for k, a, b in self.spec]
        if not pieces:
            right = self.empty
        else:
            right = pieces[0] if len(pieces) == 1 else concat_rows(pieces)
        return self.func(left, right)


# -- plan node ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PositionalAlign(N.Node):
    """``func(left_i, right rows at the positions of left_i)`` for each partition i of ``left``;
    both operands have the default RangeIndex, so position is label.

    ``extend``: the last partition also takes the right operand's rows past the left's end (an
    operator's union of labels); without it they are dropped (``df["c"] = s`` keeps the frame's
    rows).
    """

    input_fields: ClassVar[tuple[str, ...]] = ("left", "right")

    left: N.Node
    right: N.Node
    func: Callable[[Any, Any], Any]
    out_meta: Any
    extend: bool = True
    label: str = "aligned"

    def _derive(self) -> None:
        if not (self.left.range_index and self.right.range_index):
            msg = "positional alignment needs two operands with the default RangeIndex"
            raise ValueError(msg)
        lengths = self.left.lengths
        if self.extend and lengths is not None:
            right = self.right.lengths
            surplus = None if right is None else sum(right) - sum(lengths)
            if surplus is None:
                lengths = None
            elif surplus > 0:
                lengths = (*lengths[:-1], lengths[-1] + surplus)
        self._set(
            meta=self.out_meta,
            npartitions=self.left.npartitions,
            lengths=lengths,
            range_index=True,
        )

    @property
    def partitioning(self) -> Hashable:
        # Output partition i holds exactly left partition i's rows unless right rows were added.
        same_rows = not self.extend or (
            self.lengths is not None and self.lengths == self.left.lengths
        )
        return self.left.partitioning if same_rows else self.token

    def lower_with(self, lowerer: Any) -> list[Any]:
        left = lowerer.lower(self.left)
        right = lowerer.lower(self.right)
        left_lengths = lowerer.lengths(self.left, left)
        right_lengths = lowerer.lengths(self.right, right)
        total = sum(right_lengths)
        right_starts = M.offsets(right_lengths)
        empty = self.right.meta
        out = []
        for i, (lo, n) in enumerate(
            zip(M.offsets(left_lengths), left_lengths, strict=True)
        ):
            hi = lo + n
            if self.extend and i == len(left) - 1:
                hi = max(hi, total)
            spec, used = [], []
            for k, (start, m) in enumerate(
                zip(right_starts, right_lengths, strict=True)
            ):
                a, b = max(lo, start), min(hi, start + m)
                if a < b:
                    spec.append((len(used), a - start, b - start))
                    used.append(right[k])
            out.append(
                lowerer.ex.submit(
                    _WithRightRows(self.func, spec, empty), left[i], *used
                )
            )
        return out

    def describe(self) -> str:
        return f"PositionalAlign({self.label})"


class _Gather:
    """Task body: rows taken from several partitions, put in output order; the output rows no
    input row fills are missing (pandas' reindex upcast); labelled ``labels``.

    ``spec`` lists ``(k, local positions in parts[k], output positions)``.
    """

    def __init__(
        self, spec: list[tuple[int, Any, Any]], labels: pd.Index, empty: Any
    ) -> None:
        self.spec, self.labels, self.empty = spec, labels, empty

    def __call__(self, *parts: Any) -> Any:
        n = len(self.labels)
        if self.spec:
            pieces = [parts[k].iloc[local] for k, local, _ in self.spec]
            taken = pieces[0] if len(pieces) == 1 else concat_rows(pieces)
            where = np.concatenate([out for _, _, out in self.spec])
        else:
            taken, where = self.empty, np.zeros(0, dtype=np.int64)
        taken = taken.set_axis(pd.Index(where), axis=0)
        if len(where) != n or not (where == np.arange(n)).all():
            taken = taken.reindex(pd.RangeIndex(n))
        return taken.set_axis(self.labels, axis=0)


@dataclass(frozen=True, eq=False)
class GatherRows(N.Node):
    """Rows of ``child`` by global position: output partition j holds the rows at positions
    ``positions[j]`` (-1: a missing row, as pandas' reindex makes it), labelled ``labels[j]``.

    The positions come from pandas' own ``Index.join``/``get_indexer`` on the driver, so any
    alignment pandas does (duplicates, unsorted labels) is exchanged exactly.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    positions: tuple[Any, ...]
    labels: tuple[pd.Index, ...]
    key: Hashable = None

    def _derive(self) -> None:
        meta = self.child.meta
        if any((p < 0).any() for p in self.positions):
            meta = meta.reindex(pd.RangeIndex(1)).iloc[:0]
        self._set(
            meta=meta.set_axis(self.labels[0][:0], axis=0),
            npartitions=len(self.positions),
            lengths=tuple(len(p) for p in self.positions),
            range_index=False,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.token if self.key is None else self.key

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = lowerer.lower(self.child)
        lengths = lowerer.lengths(self.child, handles)
        ends = np.cumsum(lengths)
        starts = ends - np.asarray(lengths, dtype=np.int64)
        empty = self.child.meta.reset_index(drop=True)
        out = []
        for positions, labels in zip(self.positions, self.labels, strict=True):
            present = np.flatnonzero(positions >= 0)
            owner = np.searchsorted(ends, positions[present], side="right")
            spec, used = [], []
            for k in np.unique(owner):
                mine = present[owner == k]
                spec.append((len(used), positions[mine] - starts[k], mine))
                used.append(handles[k])
            out.append(lowerer.ex.submit(_Gather(spec, labels, empty), *used))
        return out

    def describe(self) -> str:
        return f"GatherRows({self.child.describe()} -> {self.npartitions} partitions)"


# -- deciding -------------------------------------------------------------------------------------
