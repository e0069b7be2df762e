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
from typing import Any

import numpy as np
import pandas as pd

# -- partition functions -----------------------------------------------------------------------
from dframe.algebra.align import (
    AlignedOp,
    FlexCall,
    GatherRows,
    PositionalAlign,
    ReindexedTo,
    SetAligned,
    SetInto,
)
from dframe.algebra.elementwise import COMPARISON, LOGICAL, BinaryOp
from dframe.algebra.rows import index_of
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import wrap_plan


def _lengths(collection: Any) -> int:
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
    left: Any,
    right: Any,
    name: str,
    reflected: bool,
    flex: dict[str, Any] | None,
    call: Callable[[Any, Any], Any] | None = None,
) -> Any:
    """``left <op> right`` for two dframe operands that do not line up, or None when only
    pandas can do it (the caller falls back).

    ``flex``: None for an operator (``a + b``), else the keyword arguments of the method form
    (``a.add(b, fill_value=0)``), whose comparisons align instead of raising. ``call``: what
    runs on the aligned pieces instead of the operator (``combine_first``).
    """
    if not _positional(left, right):
        return by_labels(left, right, name, reflected, flex, call)
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
    fn = AlignedOp(call or _call(name, reflected, flex), left_dtypes, right_dtypes, asobject)
    meta = _infer_meta(fn, left._meta, right._meta, max(n_left, n_right))
    plan = PositionalAlign(
        left._plan, right._plan, fn, meta, extend=True, label=repr(fn.call)
    )
    return left._new(plan)


def assign(plan: N.Node, name: Hashable, value: Any) -> N.Node | None:
    """``frame[name] = value`` for a dframe Series ``value`` from another source, or None when
    only pandas can do it."""
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
    lengths = lower.partition_lengths(collection._plan)
    indexes = lower.collect_partitions(
        collection._map(
            index_of, meta=pd.Series([], dtype=object), preserves_rows=False
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
    left: Any,
    right: Any,
    name: str,
    reflected: bool,
    flex: dict[str, Any] | None,
    call: Callable[[Any, Any], Any] | None = None,
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
    call = call or _call(name, reflected, flex)
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


def reindexed_to(frame: Any, value: Any, repeated_labels: bool = True) -> Any:
    """``value`` reindexed to ``frame``'s row labels, in ``frame``'s partitions (pandas'
    ``frame.align(value, join="left")``, which ``where``/``mask``/``fillna`` do with a dframe
    argument from another source), or None when only pandas can do it.

    Every piece gets the dtypes of the whole reindexed ``value`` (int → float when a label is
    missing anywhere), so each partition's pandas call sees what the global one would.
    ``repeated_labels=False``: None when ``frame`` repeats labels (``where`` aligns by a join,
    whose rules for repeated labels are not a reindex)."""
    if value.ndim > frame.ndim or not _unique_columns(value._meta):
        return None
    if _positional(frame, value):
        missing = _lengths(value) < _lengths(frame)
        dtypes = _with_missing_rows(value._meta) if missing else _dtypes(value._meta)
        fn = ReindexedTo(dtypes)
        meta = value._meta if not missing else value._meta.reindex(pd.RangeIndex(1)).iloc[:0]
        plan = PositionalAlign(frame._plan, value._plan, fn, meta, extend=False, label=repr(fn))
        return value._new(plan)
    if isinstance(frame._meta.index, pd.MultiIndex) or isinstance(value._meta.index, pd.MultiIndex):
        return None
    findex, flengths = _index_and_lengths(frame)
    vindex, _ = _index_and_lengths(value)
    if vindex.equals(findex):
        indexer = np.arange(len(vindex))
    elif vindex.is_unique and (repeated_labels or findex.is_unique):
        indexer = vindex.get_indexer(findex)
    else:
        return None  # pandas' own error (a reindex from repeated labels), or its join
    missing = bool((indexer < 0).any())
    gathered = value._new(_side(value, indexer, findex, flengths, frame._plan.partitioning))
    if not missing:
        return gathered
    fn = ReindexedTo(_with_missing_rows(value._meta))
    return gathered._map(fn, meta=gathered._meta, label=repr(fn), probe=False)


class _Present:
    """A Series of True over a partition's labels."""

    def __call__(self, part: Any) -> pd.Series:
        return pd.Series(True, index=part.index, dtype=bool)


def labels_held(frame: Any, value: Any, repeated_labels: bool = True) -> Any:
    """A Series over ``frame``'s rows, cut like ``reindexed_to(frame, value)``: True where
    ``value`` holds the row's label, missing where it does not (which rows a reindexed
    ``value`` really holds); None when only pandas can do it."""
    present = value._map(_Present(), meta=pd.Series([], dtype=bool), probe=False)
    return reindexed_to(frame, present, repeated_labels)
