"""Row selection and the row index: ``iloc``/``loc`` (reading and assigning), ``set_index``,
``reset_index`` and ``sort_index``.

Positions are global row numbers; the rows per partition (kept by the plan, or counted once and
cached with the computed partitions) turn them into a few local positions per partition, so
``iloc`` reads only what it needs. ``loc`` turns labels into positions with pandas' own rules by
asking pandas to ``.loc`` a Series of row numbers over the frame's index: whatever pandas accepts
(labels, label slices, lists, boolean arrays) and raises (``KeyError``) is what dframe accepts and
raises, while the data stays in the partitions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import DframeObject

_no_default = object()


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


class _Renumbered:
    """``part.reset_index(**options)`` labelled ``start, start+1, ...``."""

    def __init__(self, start: int, options: dict[str, Any]) -> None:
        self.start, self.options = start, options

    def __call__(self, part: Any) -> Any:
        out = part.reset_index(**self.options)
        out.index = pd.RangeIndex(self.start, self.start + len(out))
        return out


class _IndexSummary:
    def __call__(self, part: Any) -> tuple[int, bool, bool, Any, Any]:
        index = part.index
        if len(index) == 0:
            return 0, True, True, None, None
        return (
            len(index),
            index.is_monotonic_increasing,
            index.is_monotonic_decreasing,
            index[0],
            index[-1],
        )


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


class _ResetLayout:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, lengths: list[int]) -> list[Callable[[Any], Any]]:
        return [_Renumbered(s, self.options) for s in M.offsets(lengths)]


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


def _split_key(obj: Any, key: Any) -> tuple[Any, Any]:
    if isinstance(key, tuple):
        if len(key) == 2 and isinstance(obj._meta, pd.DataFrame):
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
    return obj._new(N.Project(obj._plan, tuple(picked.columns)))


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
        where = (
            _positions(rows, _total(obj))
            if self._by == "iloc"
            else _label_positions(obj, rows)
        )
        if isinstance(where, int):
            return _one_row(narrowed, where)
        return _take(narrowed, where)

    def __setitem__(self, key: Any, value: Any) -> None:
        obj = self._owner
        rows, cols = _split_key(obj, key)
        columns = None if rows is None else _column_positions(obj, cols, self._by)
        if isinstance(obj._meta, pd.Series):
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
            meta = _set_meta(obj._meta, columns, value)
            fn = _SetMasked(columns, value, meta)
            obj._replace_plan(
                obj._map(fn, rows, meta=meta, label="set where mask")._plan
            )
            return
        if _is_all(rows):
            where: Any = np.arange(_total(obj))
        elif self._by == "iloc":
            where = _positions(rows, _total(obj))
        else:
            where = _label_positions(obj, rows)
        where = np.unique(np.atleast_1d(where))
        meta = _set_meta(obj._meta, columns, value)
        node = ByPosition(
            obj._plan,
            _SetLayout(where, columns, value, meta),
            meta,
            label=f"set {len(where)} rows",
            same_rows=True,
        )
        obj._replace_plan(node)


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
        sample.iloc[[0], columns] = value
    else:
        sample.iloc[[0]] = value
    return sample.iloc[:0]


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

    def reset_index(
        self: Any,
        level: Any = None,
        *,
        drop: bool = False,
        name: Any = _no_default,
        inplace: bool = False,
        col_level: Any = 0,
        col_fill: Any = "",
        allow_duplicates: bool = False,
        names: Any = None,
    ) -> Any:
        """New labels 0..n-1 across all partitions; the old index becomes a column unless
        ``drop``."""
        is_frame = isinstance(self._meta, pd.DataFrame)
        options: dict[str, Any] = {"drop": drop}
        if name is not _no_default:
            if is_frame:
                msg = (
                    "DataFrame.reset_index() got an unexpected keyword argument 'name'"
                )
                raise TypeError(msg)
            options["name"] = name
        extra = (
            {"col_level": col_level, "col_fill": col_fill, "names": names}
            if is_frame
            else {}
        )
        if (
            level is not None
            or allow_duplicates
            or extra not in ({}, {"col_level": 0, "col_fill": "", "names": None})
        ):
            kwargs = {
                "level": level,
                **options,
                "inplace": inplace,
                "allow_duplicates": allow_duplicates,
                **extra,
            }
            return fallback.call_method(self, "reset_index", (), kwargs)
        if inplace and not is_frame and not drop:
            msg = "Cannot reset_index inplace on a Series to create a DataFrame"
            raise TypeError(msg)
        meta = M.infer_meta(_Renumbered(0, options), self._meta)
        plan = self._plan
        node = ByPosition(
            plan,
            _ResetLayout(options),
            meta,
            label="reset_index",
            out_lengths=plan.lengths,
            out_range_index=True,
        )
        return self._inplace(self._new(node), inplace)

    def sort_index(
        self: Any,
        *,
        axis: Any = 0,
        level: Any = None,
        ascending: Any = True,
        inplace: bool = False,
        kind: str = "quicksort",
        na_position: str = "last",
        sort_remaining: bool = True,
        ignore_index: bool = False,
        key: Any = None,
    ) -> Any:
        """Rows ordered by label. An index already in order costs one pass over the labels and
        no data movement; otherwise the rows are sorted in one partition."""
        options = {
            "ascending": ascending,
            "kind": kind,
            "na_position": na_position,
            "ignore_index": ignore_index,
        }
        if (
            axis not in (0, "index")
            or level is not None
            or key is not None
            or not isinstance(ascending, bool)
        ):
            kwargs = {
                "axis": axis,
                "level": level,
                "inplace": inplace,
                "key": key,
                "sort_remaining": sort_remaining,
                **options,
            }
            return fallback.call_method(self, "sort_index", (), kwargs)
        if _already_sorted(self, ascending):
            out = self.reset_index(drop=True) if ignore_index else self._new(self._plan)
        else:
            one = self._new(N.Repartition(self._plan, 1))
            fn = MethodCall("sort_index", **options)
            ordered = one._map(
                fn,
                meta=M.infer_meta(fn, self._meta),
                label="sort_index",
                preserves_rows=False,
            )
            out = ordered._new(N.Repartition(ordered._plan, self.npartitions))
        return self._inplace(out, inplace)


def _already_sorted(obj: Any, ascending: bool) -> bool:
    plan = obj._plan
    if plan.range_index and ascending:
        return True
    summary = obj._map(
        _IndexSummary(), meta=None, label="index order", preserves_rows=False
    )
    stats = [s for s in lower.collect_partitions(summary._plan) if s[0]]
    column = 1 if ascending else 2
    if not all(s[column] for s in stats):
        return False
    for prev, nxt in itertools.pairwise(stats):
        if (ascending and not prev[4] <= nxt[3]) or (
            not ascending and not prev[4] >= nxt[3]
        ):
            return False
    return True


class FrameIndexingMethods:
    """Mixed into ``DataFrame``."""

    def set_index(
        self: Any,
        keys: Any,
        *,
        drop: bool = True,
        append: bool = False,
        inplace: bool = False,
        verify_integrity: bool = False,
    ) -> Any:
        """Columns become the row labels, partition by partition."""
        labels = keys if isinstance(keys, list) else [keys]
        columns = self._meta.columns
        native = (
            not append
            and not verify_integrity
            and all(
                isinstance(k, Hashable) and not isinstance(k, tuple) for k in labels
            )
            and all(k in columns for k in labels)
        )
        if not native:
            kwargs = {
                "drop": drop,
                "append": append,
                "inplace": inplace,
                "verify_integrity": verify_integrity,
            }
            return fallback.call_method(self, "set_index", (keys,), kwargs)
        fn = MethodCall("set_index", keys, drop=drop)
        out = self._map(
            fn, meta=M.infer_meta(fn, self._meta), label=repr(fn), preserves_rows=False
        )
        return self._inplace(out, inplace)
