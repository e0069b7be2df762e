"""Row selection: ``iloc``/``loc`` (reading and assigning).

Positions are global row numbers; the rows per partition (kept by the plan, or counted once and
cached with the computed partitions) turn them into a few local positions per partition, so
``iloc`` reads only what it needs. ``loc`` turns labels into positions with pandas' own rules by
asking pandas to ``.loc`` a Series of row numbers over the frame's index: whatever pandas accepts
(labels, label slices, lists, boolean arrays) and raises (``KeyError``) is what dframe accepts and
raises, while the data stays in the partitions. Assigning a scalar to rows (by position, label or
an aligned boolean mask) changes only the partitions' copies and swaps the owner's plan; other
assignments (new rows, array values) run on pandas.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.core import cow, cross_section, row_labels
from dframe.execution import lower
from dframe.optimize import topk
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import DframeObject

# -- partition functions ---------------------------------------------------------------------


class _Take:
    """Rows at local ``positions`` (a slice when they are a run)."""

    def __init__(self, positions: Any) -> None:
        self.positions = positions

    def __call__(self, part: Any) -> Any:
        return part.iloc[self.positions]


class _SetPositions:
    """``part.iloc[rows, columns] = value`` on a copy, cast to the output's dtypes."""

    def __init__(self, rows: Any, columns: Any, value: Any, meta: Any) -> None:
        self.rows, self.columns, self.value, self.meta = rows, columns, value, meta

    def __call__(self, part: Any) -> Any:
        out = part.copy()
        if isinstance(out, pd.DataFrame):
            out.iloc[self.rows, self.columns] = self.value
        else:
            out.iloc[self.rows] = self.value
        return _cast(out, self.meta)


class _SetMasked:
    """``part.loc[mask, columns] = value`` on a copy (``mask`` is a partition of a boolean
    Series lined up with ``part``)."""

    def __init__(self, columns: Any, value: Any, meta: Any) -> None:
        self.columns, self.value, self.meta = columns, value, meta

    def __call__(self, part: Any, mask: pd.Series) -> Any:
        out = part.copy()
        if isinstance(out, pd.DataFrame):
            out.iloc[mask.to_numpy(dtype=bool, na_value=False), self.columns] = (
                self.value
            )
        else:
            out.iloc[mask.to_numpy(dtype=bool, na_value=False)] = self.value
        return _cast(out, self.meta)


def _cast(out: Any, meta: Any) -> Any:
    if isinstance(out, pd.DataFrame):
        return (
            out if out.dtypes.equals(meta.dtypes) else out.astype(meta.dtypes.to_dict())
        )
    return out if out.dtype == meta.dtype else out.astype(meta.dtype)


# -- layouts (run on the driver when the plan is lowered) --------------------------------------


def _split(positions: np.ndarray, lengths: list[int]) -> list[Any]:
    """Sorted global positions → local positions per partition (slices for runs)."""
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    cuts = np.searchsorted(positions, bounds)
    out: list[Any] = []
    for i in range(len(lengths)):
        local = positions[cuts[i] : cuts[i + 1]] - bounds[i]
        if (
            len(local)
            and local[-1] - local[0] == len(local) - 1
            and np.all(np.diff(local) == 1)
        ):
            out.append(slice(int(local[0]), int(local[-1]) + 1))
        else:
            out.append(local)
    return out


class _TakeLayout:
    """Local positions per partition, worked out on the driver from the known lengths."""

    def __init__(self, local: list[Any], lengths: list[int]) -> None:
        self.local, self.lengths = local, lengths

    def __call__(self, lengths: list[int]) -> list[Callable[[Any], Any]]:
        assert list(lengths) == list(self.lengths), (lengths, self.lengths)
        return [_Take(p) for p in self.local]


class _SetLayout:
    def __init__(
        self, positions: np.ndarray, columns: Any, value: Any, meta: Any
    ) -> None:
        self.positions, self.columns, self.value, self.meta = (
            positions,
            columns,
            value,
            meta,
        )

    def __call__(self, lengths: list[int]) -> list[Callable[[Any], Any]]:
        return [
            _SetPositions(p, self.columns, self.value, self.meta)
            for p in _split(self.positions, lengths)
        ]


# -- selecting rows --------------------------------------------------------------------------


def _total(obj: Any) -> int:
    return sum(lower.partition_lengths(obj._plan))


def _take(obj: Any, positions: np.ndarray) -> Any:
    """Rows at global ``positions`` (any order, repeats allowed), as pandas orders them."""
    order = None
    if len(positions) > 1 and np.any(np.diff(positions) < 0):
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
    lengths = lower.partition_lengths(obj._plan)
    local = _split(positions, lengths)
    counts = [
        len(range(*s.indices(n))) if isinstance(s, slice) else len(s)
        for s, n in zip(local, lengths, strict=True)
    ]
    # Only the partitions holding wanted rows are read or computed (at least one, for the meta).
    keep = tuple(i for i, c in enumerate(counts) if c) or (0,)
    plan = obj._plan
    if len(keep) < len(counts):
        plan = N.SelectPartitions(plan, keep)
    prefix = obj._plan.range_index and np.array_equal(
        positions, np.arange(len(positions))
    )
    node = ByPosition(
        plan,
        _TakeLayout([local[i] for i in keep], [lengths[i] for i in keep]),
        obj._meta,
        label=f"take {len(positions)} rows",
        out_lengths=tuple(counts[i] for i in keep),
        out_range_index=bool(prefix),
    )
    out = obj._new(node)
    if order is None:
        return out
    # Put the rows back in the order asked for: gathered into one partition, then permuted.
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    one = out._new(N.Repartition(node, 1))
    return one._map(
        _Take(inverse), meta=obj._meta, label="reorder", preserves_rows=False
    )


def _one_row(obj: Any, position: int) -> Any:
    """``iloc[position]``: a DataFrame's row as a Series, a Series' value."""
    part = _take(obj, np.array([position])).to_pandas()
    row = part.iloc[0]
    return fallback.wrap(row, 1) if isinstance(obj._meta, pd.DataFrame) else row


def _positions(key: Any, total: int) -> np.ndarray | int:
    """Global positions for an ``iloc`` row key (an int for a single row)."""
    if isinstance(key, int | np.integer) and not isinstance(key, bool | np.bool_):
        pos = int(key) + total if key < 0 else int(key)
        if not 0 <= pos < total:
            msg = "single positional indexer is out-of-bounds"
            raise IndexError(msg)
        return pos
    if isinstance(key, slice):
        return np.arange(total)[key]
    arr = np.asarray(key.to_numpy() if isinstance(key, pd.Index | pd.Series) else key)
    if arr.dtype == bool:
        if len(arr) != total:
            msg = f"Boolean index has wrong length: {len(arr)} instead of {total}"
            raise IndexError(msg)
        return np.flatnonzero(arr)
    if arr.size == 0:
        return np.array([], dtype="int64")
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        msg = f"Cannot index by location index with a non-integer key {key!r}"
        raise TypeError(msg)
    arr = arr.astype("int64")
    if np.any(arr >= total) or np.any(arr < -total):
        msg = "positional indexers are out-of-bounds"
        raise IndexError(msg)
    return np.where(arr < 0, arr + total, arr)


def _label_positions(obj: Any, key: Any) -> np.ndarray | int:
    """Global positions of ``loc`` row key: pandas resolves it over the index (KeyError and
    all)."""
    lengths = lower.partition_lengths(
        obj._plan
    )  # computes (and caches) an unknown plan once
    total = sum(lengths)
    index = pd.RangeIndex(total) if obj._plan.range_index else obj.index
    found = pd.Series(np.arange(total), index=index).loc[key]
    if isinstance(found, pd.Series):
        return found.to_numpy()
    return int(found)


def _slice_ends(key: Any) -> tuple[int, str] | None:
    """``iloc[:n]`` as ``(n, "head")``, ``iloc[-n:]`` as ``(n, "tail")``, else None."""
    if not isinstance(key, slice) or key.step not in (None, 1):
        return None
    start, stop = key.start, key.stop
    ints = int | np.integer
    if isinstance(start, bool) or isinstance(stop, bool):
        return None
    if start in (None, 0) and isinstance(stop, ints) and stop >= 0:
        return int(stop), "head"
    if stop is None and isinstance(start, ints) and start < 0:
        return -int(start), "tail"
    return None


def _split_key(obj: Any, key: Any) -> tuple[Any, Any]:
    if isinstance(key, tuple):
        # With a MultiIndex of rows pandas first reads the tuple as one row label
        # (``df.loc[(1, "y")]``): its rules decide, on pandas.
        rows_first = isinstance(obj._meta.index, pd.MultiIndex)
        if len(key) == 2 and isinstance(obj._meta, pd.DataFrame) and not rows_first:
            return key
        return None, None
    return key, slice(None)


def _is_all(key: Any) -> bool:
    return isinstance(key, slice) and key == slice(None)


def _columns(obj: Any, cols: Any, by: str) -> Any:
    """``obj`` narrowed to ``cols`` (by label or position), or None to fall back."""
    if _is_all(cols):
        return obj
    picked = getattr(obj._meta, by)[:, cols]  # pandas' KeyError/IndexError, raised here
    if obj._meta.columns.has_duplicates:
        return None
    if isinstance(picked, pd.Series):
        return obj._new(N.Project(obj._plan, (picked.name,), series=True))
    labels = tuple(picked.columns)
    if not set(labels) <= set(obj._meta.columns):
        # levels of MultiIndex columns dropped: a label's is pandas' ``xs`` along the columns
        return cross_section.select_columns(obj, cols, None, True) if _is_label(cols) else None
    return obj._new(N.Project(obj._plan, labels))


def _column_positions(obj: Any, cols: Any, by: str) -> Any:
    """Positions of ``cols`` in ``obj``'s columns for an assignment, or None (new columns)."""
    if not isinstance(obj._meta, pd.DataFrame):
        return None
    if _is_all(cols):
        return list(range(len(obj._meta.columns)))
    if by == "iloc":
        return (
            np.arange(len(obj._meta.columns))[cols].tolist()
            if not np.isscalar(cols)
            else [cols]
        )
    labels = [cols] if pd.api.types.is_scalar(cols) else list(cols)
    columns = obj._meta.columns
    if columns.has_duplicates or any(c not in columns for c in labels):
        return None
    return [columns.get_loc(c) for c in labels]


class _Indexer:
    _by = ""

    def __init__(self, owner: Any) -> None:
        self._owner = owner

    def _fallback(self) -> Any:
        return fallback._IndexerFallback(self._owner, self._by)

    def __getitem__(self, key: Any) -> Any:
        obj = self._owner
        if self._by == "loc" and isinstance(obj._meta.index, pd.MultiIndex):
            out = _loc_on_levels(obj, key)
            return self._fallback()[key] if out is cross_section.UNDECIDED else out
        rows, cols = _split_key(obj, key)
        if rows is None:
            return self._fallback()[key]
        if callable(rows) and self._by == "loc":
            rows = rows(obj)
        if callable(cols):
            cols = cols(obj)
        narrowed = _columns(obj, cols, self._by)
        if narrowed is None:
            return self._fallback()[key]
        if isinstance(rows, DframeObject):
            if self._by == "loc" and _aligned_mask(obj, rows):
                return narrowed._filter(rows)
            return self._fallback()[key]
        if _is_all(rows):
            return narrowed
        if (
            self._by == "loc"
            and isinstance(obj._meta.index, pd.MultiIndex)
            and not pd.api.types.is_list_like(rows)
        ):
            # a key of the first level: pandas drops the levels it matched (on pandas)
            return self._fallback()[key]
        ends = _slice_ends(rows) if self._by == "iloc" else None
        if ends is not None and topk.ends(narrowed._plan, *ends) is not None:
            return narrowed._ends(*ends)  # iloc[:n] of a sort: its top-k
        where = (
            _positions(rows, _total(obj))
            if self._by == "iloc"
            else _label_positions(obj, rows)
        )
        if isinstance(where, int):
            return _one_row(narrowed, where)
        return _take(narrowed, where)

    def __setitem__(self, key: Any, value: Any) -> None:
        refs = sys.getrefcount(self._owner)  # first: passing the owner on adds one
        if cow.chained(self._owner, refs, cow.INDEXER_REFS):
            return
        obj = self._owner
        rows, cols = _split_key(obj, key)
        columns = None if rows is None else _column_positions(obj, cols, self._by)
        if isinstance(obj._meta, pd.Series) and rows is not None:
            columns = []
        if columns is None or not pd.api.types.is_scalar(value):
            self._fallback()[key] = value
            return
        if callable(rows) and self._by == "loc":
            rows = rows(obj)
        if isinstance(rows, DframeObject):
            if self._by != "loc" or not _aligned_mask(obj, rows):
                self._fallback()[key] = value
                return
            meta = _checked_meta(obj, columns, value, lambda: not rows.any())
            if meta is None:
                self._fallback()[key] = value
                return
            fn = _SetMasked(columns, value, meta)
            obj._replace_plan(obj._map(fn, rows, meta=meta, label="set where mask")._plan)
            return
        if _is_all(rows):
            where: Any = np.arange(_total(obj))
        elif self._by == "iloc":
            where = _positions(rows, _total(obj))
        else:
            try:
                where = _label_positions(obj, rows)
            except KeyError:
                self._fallback()[key] = value  # a new label: pandas adds the row
                return
        where = np.unique(np.atleast_1d(where))
        meta = _checked_meta(obj, columns, value, lambda: len(where) == 0)
        if meta is None:
            self._fallback()[key] = value
            return
        node = ByPosition(
            obj._plan,
            _SetLayout(where, columns, value, meta),
            meta,
            label=f"set {len(where)} rows",
            same_rows=True,
        )
        obj._replace_plan(node)


# -- labels of a MultiIndex ------------------------------------------------------------------


def _loc_on_levels(obj: Any, key: Any) -> Any:
    """``loc[key]`` with a MultiIndex of rows, read in pandas' order: a tuple of labels is first
    one row label (pandas' ``xs``: each partition keeps its rows at it), and only when no row has
    it ``(rows, columns)``; a tuple holding lists or slices is ``(rows, columns)`` at once (a
    Series reads all of it over its index). ``UNDECIDED`` where pandas must decide."""
    frame = isinstance(obj._meta, pd.DataFrame)
    if type(key) is not tuple:
        return _rows_on_levels(obj, key(obj) if callable(key) else key, slice(None), frame)
    key = tuple(k(obj) if callable(k) else k for k in key)
    if any(k is Ellipsis for k in key):
        return cross_section.UNDECIDED
    if any(pd.api.types.is_list_like(k) or isinstance(k, slice) for k in key):
        if not frame:
            return _rows_on_levels(obj, key, slice(None), frame)
        if len(key) > 2:
            return cross_section.UNDECIDED
        return _rows_on_levels(obj, key[0], key[1] if len(key) == 2 else slice(None), frame)
    try:
        return cross_section.select_rows(obj, key)
    except KeyError:
        # pandas' KeyError stands when the tuple can only have been a row label
        if obj._meta.ndim < len(key) <= obj._meta.index.nlevels:
            raise
    if len(key) == 1:
        return _rows_on_levels(obj, key[0], slice(None), frame)
    if len(key) == 2 and frame:
        return _rows_on_levels(obj, key[0], key[1], frame)
    msg = "Too many indexers"  # (the tuple was longer than the index is deep)
    raise pd.errors.IndexingError(msg)


def _is_label(key: Any) -> bool:
    """One row label (or a tuple of labels, one per level): pandas looks it up with ``xs``."""
    if isinstance(key, tuple):
        return all(_is_label(k) and not isinstance(k, tuple) for k in key)
    return pd.api.types.is_hashable(key) and not isinstance(key, slice)


def _rows_on_levels(obj: Any, rows: Any, cols: Any, frame: bool) -> Any:
    """``loc[rows, cols]`` on a MultiIndex: the columns first (as pandas), then a label by
    ``xs``, anything else (lists, slices, tuples of them, masks) by pandas over the index."""
    narrowed = _columns(obj, cols(obj) if callable(cols) else cols, "loc")
    if narrowed is None:
        return cross_section.UNDECIDED
    if isinstance(rows, DframeObject):
        return narrowed._filter(rows) if _aligned_mask(obj, rows) else cross_section.UNDECIDED
    if _is_all(rows):
        return narrowed
    if _is_label(rows):
        return cross_section.select_rows(narrowed, rows)
    # A frame's row key goes through pandas' nested-tuple path (one key per axis); a Series'
    # key is the Series' own (pandas reads the whole tuple over the index)
    index = obj.index
    found = pd.Series(np.arange(len(index)), index=index).loc[(rows,) if frame else rows]
    if not isinstance(found, pd.Series):
        return _one_row(narrowed, int(found))
    positions = found.to_numpy()
    out = _take(narrowed, positions)
    if not _identical(found.index, index.take(positions)):
        row_labels.set_labels(out, found.index)  # the levels pandas dropped, its new labels
    return out


def _identical(labels: pd.Index, taken: pd.Index) -> bool:
    """Whether ``labels`` (pandas' index of the selected rows) are the rows' own labels."""
    same = type(labels) is type(taken) and labels.names == taken.names
    if same and isinstance(labels, pd.MultiIndex):
        same = labels.dtypes.equals(taken.dtypes)
    return same and labels.dtype == taken.dtype and labels.equals(taken)


def _aligned_mask(obj: Any, mask: Any) -> bool:
    return (
        isinstance(mask._meta, pd.Series)
        and pd.api.types.is_bool_dtype(mask._meta.dtype)
        and mask._plan.partitioning == obj._plan.partitioning
    )


def _set_meta(meta: Any, columns: list[int], value: Any) -> Any:
    """The output dtypes of the assignment (pandas' upcasting rules, or its TypeError, here)."""
    sample = M.nonempty(meta).copy()
    if isinstance(sample, pd.DataFrame):
        for j, dtype in enumerate(meta.dtypes):
            if sample.dtypes.iloc[j] != dtype:  # made-up values of object columns are str
                sample.isetitem(j, sample.iloc[:, j].astype(dtype))
        sample.iloc[[0], columns] = value
    else:
        sample = sample if sample.dtype == meta.dtype else sample.astype(meta.dtype)
        sample.iloc[[0]] = value
    return sample.iloc[:0]


def _checked_meta(obj: Any, columns: list[int], value: Any, no_rows: Callable[[], Any]) -> Any:
    """``_set_meta``, or None when pandas must decide: a value that changes a dtype (or that
    pandas refuses) set on no rows at all, where pandas' answer depends on how it stores the
    frame (nothing changes, a dtype changes, or its TypeError)."""
    try:
        # (the dtypes the values are set into: computed first where they depend on the values)
        meta, error = _set_meta(obj._known_meta(), columns, value), None
    except (TypeError, ValueError) as err:
        meta, error = None, err
    changes = error is not None or not _same_dtypes(meta, obj._meta)
    if changes and no_rows():
        return None
    if error is not None:
        raise error
    return meta


def _same_dtypes(a: Any, b: Any) -> bool:
    return a.dtypes.equals(b.dtypes) if isinstance(a, pd.DataFrame) else a.dtype == b.dtype


class _ILoc(_Indexer):
    _by = "iloc"


class _Loc(_Indexer):
    _by = "loc"


# -- façade ----------------------------------------------------------------------------------


class IndexingMethods:
    """Mixed into ``Collection``."""

    @property
    def iloc(self) -> _ILoc:
        """Rows (and columns) by position: ints, slices, lists, boolean arrays."""
        return _ILoc(self)

    @property
    def loc(self) -> _Loc:
        """Rows (and columns) by label: labels, label slices, lists, boolean masks."""
        return _Loc(self)

    iat = iloc
    at = loc

