"""Binary operations between operands whose partitions do not line up.

pandas aligns the operands of ``a + b`` by index label. Operands with the same partitioning key
line up partition by partition and need nothing (pandas' alignment inside each partition is the
global one). Operands from different sources — two files, two ``from_pandas`` calls with different
``npartitions``, a Series of another frame — do not.

When both have the default ``RangeIndex``, a row's label is its position, so aligning is
re-cutting: ``PositionalAlign`` hands output partition i the rows of the left operand's partition
i and the right operand's rows at the same positions (sliced out of whichever of its partitions
hold them); the last partition also takes the rows past the left operand's end (pandas' union of
labels is ``0..max(n, m)-1``). Inside each partition ``AlignedOp`` reproduces pandas' alignment:
an outer align of the two pieces, then a cast of each operand to the dtype pandas' global
alignment gives it (``int64`` becomes ``float64`` on the side that lacks rows, even in partitions
where it has all of them), so every partition computes with pandas' dtypes and the result is
pandas' own, row for row.

The decision needs the operands' lengths (equal lengths: no missing rows, no dtype change; pandas'
comparison operators raise for unequal ones), so they are computed at the call when the plan does
not know them — as pandas, which is eager, would have.

Operands with any other index are aligned by label: both are computed (and kept), their indexes
collected, and pandas' own ``Index.join(how="outer", return_indexers=True)`` runs on the driver
— so the output order, duplicates and NaN labels are pandas' by construction. ``GatherRows`` then
moves each operand's rows to the output partitions by global position (one task per output
partition, reading only the input partitions that hold its rows), and the operation runs
partition by partition. A MultiIndex, ``level=`` and duplicate column names are left to pandas
(the caller falls back).

>>> import pandas as pd
>>> import dframe
>>> a = dframe.from_pandas(pd.Series([1, 2, 3]), npartitions=2)
>>> b = dframe.from_pandas(pd.Series([10, 20]), npartitions=1)
>>> (a + b).to_pandas().tolist()
[11.0, 22.0, nan]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe.algebra.elementwise import COMPARISON, LOGICAL, BinaryOp
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
        out[self.name] = _cast(value, self.dtype)
        return out

    def __repr__(self) -> str:
        return f"set {self.name!r} (aligned)"


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


def _lengths(collection: Any) -> int:
    from dframe.execution import lower

    return sum(lower.partition_lengths(collection._plan))


def _infer_meta(
    fn: Callable[[Any, Any], Any], first: Any, second: Any, rows: int
) -> Any:
    """Meta of ``fn`` on stand-ins that share their labels, as the partitions ``fn`` receives do
    (stand-ins of unlike index types would otherwise look misaligned): non-empty ones, or for a
    result of no ``rows`` the empty metas themselves (pandas computes ``int & float`` on no
    values, and raises on some)."""
    a, b = (M.nonempty(first), M.nonempty(second)) if rows else (first, second)
    b = b.set_axis(a.index, axis=0)
    out = fn(a, b)
    return out.iloc[:0]


def _dtypes(meta: Any) -> Any:
    return meta.dtype if isinstance(meta, pd.Series) else list(meta.dtypes)


def _with_missing_rows(meta: Any) -> Any:
    """The dtypes of ``meta``'s data reindexed to labels it lacks (int → float, bool → object)."""
    return _dtypes(meta.reindex(pd.RangeIndex(1)))


def _unique_columns(meta: Any) -> bool:
    return isinstance(meta, pd.Series) or meta.columns.is_unique


def _positional(left: Any, right: Any) -> bool:
    return bool(left._plan.range_index and right._plan.range_index) and (
        _unique_columns(left._meta) and _unique_columns(right._meta)
    )


def _check_compared_columns(left: Any, right: Any, name: str, flex: Any) -> None:
    """pandas' comparison operators (not the methods) need frames with the same columns."""
    operator_ = flex is None and name in COMPARISON
    if (
        operator_
        and left.ndim == right.ndim == 2
        and not left._meta.columns.equals(right._meta.columns)
    ):
        raise ValueError(_COMPARE_MESSAGE[2])


_COMPARE_MESSAGE = {
    1: "Can only compare identically-labeled Series objects",
    2: "Can only compare identically-labeled (both index and columns) DataFrame objects",
}


def _call(
    name: str, reflected: bool, flex: dict[str, Any] | None
) -> Callable[[Any, Any], Any]:
    if flex is None:
        return BinaryOp(name, reflected=reflected)
    return FlexCall(f"{'r' if reflected else ''}{name.rstrip('_')}", **flex)


def binary(
    left: Any, right: Any, name: str, reflected: bool, flex: dict[str, Any] | None
) -> Any:
    """``left <op> right`` for two dframe operands that do not line up, or None when only
    pandas can do it (the caller falls back).

    ``flex``: None for an operator (``a + b``), else the keyword arguments of the method form
    (``a.add(b, fill_value=0)``), whose comparisons align instead of raising.
    """
    if not _positional(left, right):
        return by_labels(left, right, name, reflected, flex)
    _check_compared_columns(left, right, name, flex)
    n_left, n_right = _lengths(left), _lengths(right)
    if flex is None and name in COMPARISON and n_left != n_right:
        raise ValueError(_COMPARE_MESSAGE[left.ndim])
    lmeta, rmeta = left._meta, right._meta
    asobject = (
        flex is None
        and name in LOGICAL
        and left.ndim == right.ndim == 1
        and n_left != n_right
        and lmeta.dtype in (object, np.bool_)
        and rmeta.dtype in (object, np.bool_)
    )
    if asobject:
        lmeta, rmeta = lmeta.astype(object), rmeta.astype(object)
    left_dtypes = _with_missing_rows(lmeta) if n_left < n_right else _dtypes(lmeta)
    right_dtypes = _with_missing_rows(rmeta) if n_right < n_left else _dtypes(rmeta)
    fn = AlignedOp(_call(name, reflected, flex), left_dtypes, right_dtypes, asobject)
    meta = _infer_meta(fn, left._meta, right._meta, max(n_left, n_right))
    plan = PositionalAlign(
        left._plan, right._plan, fn, meta, extend=True, label=repr(fn.call)
    )
    return left._new(plan)


def assign(plan: N.Node, name: Hashable, value: Any) -> N.Node | None:
    """``frame[name] = value`` for a dframe Series ``value`` from another source, or None when
    only pandas can do it."""
    from dframe.core.collection import wrap_plan

    frame = wrap_plan(plan)
    if value.ndim != 1:
        return None
    if not _positional(frame, value):
        return assign_by_labels(frame, name, value)
    n_frame, n_value = _lengths(frame), _lengths(value)
    meta = value._meta
    if n_frame == 0 and n_value > 0:
        # pandas gives a frame without rows the Series' index (its columns all missing).
        fn_into = SetInto(name, _with_missing_rows(plan.meta))
        out_meta = _infer_meta(fn_into, meta, plan.meta, n_value)
        return PositionalAlign(
            value._plan, plan, fn_into, out_meta, extend=False, label=repr(fn_into)
        )
    dtype = _with_missing_rows(meta) if n_value < n_frame else meta.dtype
    fn = SetAligned(name, dtype)
    out_meta = _infer_meta(fn, plan.meta, meta, n_frame)
    return PositionalAlign(
        plan, value._plan, fn, out_meta, extend=False, label=repr(fn)
    )


# -- any other index: pandas' join on the driver, rows exchanged by position -------------------------


def _index_and_lengths(collection: Any) -> tuple[pd.Index, list[int]]:
    """The global index and the rows per partition (the operand is computed once and cached)."""
    from dframe.execution import lower
    from dframe.core.collection import _index_part

    lengths = lower.partition_lengths(collection._plan)
    indexes = lower.collect_partitions(
        collection._map(
            _index_part, meta=pd.Series([], dtype=object), preserves_rows=False
        )._plan
    )
    full = [ix for ix in indexes if len(ix)] or indexes[:1]
    return (full[0].append(full[1:]) if len(full) > 1 else full[0]), lengths


def _chunks(indexer: Any, labels: pd.Index, lengths: list[int]) -> tuple[tuple, tuple]:
    bounds = [0, *np.cumsum(lengths)]
    positions = tuple(
        np.asarray(indexer[a:b], dtype=np.int64) for a, b in itertools.pairwise(bounds)
    )
    return positions, tuple(labels[a:b] for a, b in itertools.pairwise(bounds))


def _side(
    collection: Any, indexer: Any, labels: pd.Index, lengths: list[int], key: Any
) -> N.Node:
    """``collection``'s rows reindexed by ``indexer`` (None: they already are) in partitions of
    ``lengths``."""
    if indexer is None:
        return collection._plan
    positions, chunk_labels = _chunks(indexer, labels, lengths)
    return GatherRows(collection._plan, positions, chunk_labels, key)


def by_labels(
    left: Any, right: Any, name: str, reflected: bool, flex: dict[str, Any] | None
) -> Any:
    """``left <op> right`` aligned by label as pandas aligns it (``Index.join(how="outer")``,
    run on the collected indexes), or None when only pandas can do it."""
    lmeta, rmeta = left._meta, right._meta
    if not (_unique_columns(lmeta) and _unique_columns(rmeta)):
        return None
    if isinstance(lmeta.index, pd.MultiIndex) or isinstance(rmeta.index, pd.MultiIndex):
        return None
    _check_compared_columns(left, right, name, flex)
    lindex, llengths = _index_and_lengths(left)
    rindex, _ = _index_and_lengths(right)
    same = lindex.equals(rindex)
    if flex is None and name in COMPARISON and not same:
        raise ValueError(_COMPARE_MESSAGE[left.ndim])
    if same:
        labels, lidx, ridx = lindex, None, np.arange(len(rindex))
    else:
        labels, lidx, ridx = lindex.join(rindex, how="outer", return_indexers=True)
        frame_by_series = left.ndim == 2 and right.ndim == 1
        if frame_by_series and lidx is not None and len(lidx) and not lindex.is_unique:
            # pandas reindexes the frame without allowing duplicates here (the Series with).
            msg = "cannot reindex on an axis with duplicate labels"
            raise ValueError(msg)
        if ridx is None:
            ridx = np.arange(len(rindex))
    lengths = (
        llengths if lidx is None else M.split_lengths(len(labels), left.npartitions)
    )
    asobject = (
        not same
        and flex is None
        and name in LOGICAL
        and left.ndim == right.ndim == 1
        and lmeta.dtype in (object, np.bool_)
        and rmeta.dtype in (object, np.bool_)
    )
    if asobject:
        lmeta, rmeta = lmeta.astype(object), rmeta.astype(object)
    missing_left = lidx is not None and bool((np.asarray(lidx) < 0).any())
    missing_right = bool((np.asarray(ridx) < 0).any())
    left_dtypes = _with_missing_rows(lmeta) if missing_left else _dtypes(lmeta)
    right_dtypes = _with_missing_rows(rmeta) if missing_right else _dtypes(rmeta)
    call = _call(name, reflected, flex)
    fn = AlignedOp(call, left_dtypes, right_dtypes, asobject)
    meta = _infer_meta(fn, left._meta, right._meta, len(labels))
    meta = meta.set_axis(labels[:0], axis=0)
    key = N._Token()
    inputs = (
        _side(left, lidx, labels, lengths, key),
        _side(right, ridx, labels, lengths, key),
    )
    return left._new(N.MapPartitions(fn, inputs, meta, label=repr(fn)))


def assign_by_labels(frame: Any, name: Hashable, value: Any) -> N.Node | None:
    """``frame[name] = value``: pandas reindexes ``value`` to the frame's index."""
    if not _unique_columns(frame._meta):
        return None
    findex, flengths = _index_and_lengths(frame)
    vindex, vlengths = _index_and_lengths(value)
    meta = value._meta
    if len(findex) == 0 and len(vindex) > 0:
        # pandas gives a frame without rows the Series' index (its columns all missing).
        into = SetInto(name, _with_missing_rows(frame._meta), findex.name)
        out_meta = _infer_meta(into, meta, frame._meta, len(vindex))
        missing = np.full(len(vindex), -1, dtype=np.int64)
        rows = _side(frame, missing, vindex, vlengths, None)
        return N.MapPartitions(into, (value._plan, rows), out_meta, label=repr(into))
    if vindex.equals(findex):
        indexer = np.arange(len(vindex))
    elif vindex.is_unique:
        indexer = vindex.get_indexer(findex)
    else:
        return None  # pandas raises its own error for this
    dtype = _with_missing_rows(meta) if (indexer < 0).any() else meta.dtype
    fn = SetAligned(name, dtype)
    out_meta = _infer_meta(fn, frame._meta, meta, len(findex))
    gathered = _side(value, indexer, findex, flengths, None)
    return N.MapPartitions(fn, (frame._plan, gathered), out_meta, label=repr(fn))
