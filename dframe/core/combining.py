"""Values of one frame filled in from another source: ``DataFrame.update`` / ``Series.update``
with an ``other`` whose partitions do not line up with the frame's (another file, another
``from_pandas``), and ``combine_first``.

``update``: pandas takes ``other``'s rows at the frame's labels. ``other`` is first re-cut to the
frame's partitions (``alignment.reindexed_to``: by position for two default indexes, else
pandas' ``get_indexer`` on the collected labels and an exchange of rows), then pandas' own
``update`` runs partition by partition. ``DataFrame.update`` looks only at the labels both hold
(pandas' index intersection: no missing rows, so no upcast of ``other``), so a marker Series
re-cut alongside tells each partition which of its rows ``other`` holds, and those rows get
``other``'s own dtypes back before pandas' ``update`` sees them. ``Series.update`` reindexes
``other`` like the Series (upcast included), which is exactly the re-cut.

``combine_first``: the two frames are aligned as operators align them (``alignment.binary``:
outer join of the labels, rows exchanged to the output partitions, each piece cast to the dtypes
of the global alignment) and pandas' ``combine_first`` runs on each pair of pieces, followed by
pandas' last step with the frames' own dtypes; what depends on whole columns is settled first
(which columns only ``other`` has hold a value: one pass) or after (dtypes from the computed
partitions). A side without rows takes pandas' own path for it, row by row. Object columns
(pandas infers ``str`` from a whole column's values), duplicate column names and a MultiIndex
run on pandas.

``Series.combine_first`` takes each value from one row of either Series, whole: pandas keeps
the Series' own values where they are present (``mask`` for the same dtype and labels), else
concatenates the rows it keeps of each and reindexes them to the union of the labels. Series of
one partitioning and dtype: ``mask`` partition by partition. Otherwise pandas' own steps run on
the driver over the labels (and which values are missing), with the rows' positions standing in
for their values; the positions say which row of ``concat([self, other])`` (dtype: pandas'
concat of the two) each output row is, and the rows are gathered there (``GatherRows``) —
values copied, never passed through another dtype. Silently cast datetimes (a deprecated path)
run on pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import find_common_type

from dframe import fallback
from dframe.algebra.align import GatherRows, _cast
from dframe.core import alignment as align
from dframe.core.assignment import Update
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject, from_pandas


class UpdateFrom:
    """``part.update(other's rows at part's labels, **options)``: ``lined`` is ``other``
    reindexed to the partition's rows, ``present`` says which rows ``other`` really holds;
    those keep ``other``'s own ``dtypes`` (the reindex upcast them for the rows it lacks)."""

    def __init__(self, options: dict[str, Any], dtypes: list[Any]) -> None:
        self.options, self.dtypes = options, dtypes

    def __call__(self, part: Any, lined: Any, present: Any) -> Any:
        held = present.to_numpy(dtype=object) == True  # noqa: E712  # (missing: not held)
        positions = np.flatnonzero(held)
        out = part.copy(deep=False)  # Copy-on-Write: the input partition stays as it is
        if not len(positions):
            return out  # (pandas: no label in common, nothing to do)
        # The rows pair by position (a label twice in the frame: each row has its copy).
        rows = _cast(lined.iloc[positions], self.dtypes)
        rows = rows.set_axis(pd.RangeIndex(len(positions)), axis=0)
        target = out.iloc[positions].set_axis(rows.index, axis=0)
        target.update(rows, **self.options)
        for j, column in enumerate(out.columns):
            if column in rows.columns:
                values = out.iloc[:, j].copy()
                values.iloc[positions] = target.iloc[:, j].to_numpy()
                out.isetitem(j, values)
        return out

    def __repr__(self) -> str:
        return "update(other of another source)"


def update(obj: Any, other: Any, options: dict[str, Any]) -> N.Node | None:
    """The plan of ``obj.update(other, **options)`` for an ``other`` from another source (a
    dframe object that does not line up, a pandas one), or None if only pandas can do it."""
    if isinstance(other, pd.DataFrame | pd.Series):
        other = from_pandas(other, npartitions=1)
    if not isinstance(other, DframeObject):
        return None
    if N.division_of(other._plan.partitioning) == N.division_of(obj._plan.partitioning):
        return None  # (lined up: ``assignment.update``'s, or pandas')
    if obj.ndim == 2 and other.ndim == 1:
        if other._meta.name is None:
            return None  # pandas' own error (a Series without a name makes no column)
        other = other.to_frame()
    if obj.ndim != other.ndim or not probe_update(obj, other, options):
        return None
    return _update_from(obj, other, options)


def _update_from(obj: Any, other: Any, options: dict[str, Any]) -> N.Node | None:
    if obj.ndim == 1:
        lined = align.reindexed_to(obj, other) if other.ndim == 1 else None
        if lined is None:
            return None
        return N.MapPartitions(Update(options), (obj._plan, lined._plan), obj._meta, label="update")
    if not obj._meta.columns.is_unique:
        return None
    if not other._plan.range_index and other.index.has_duplicates:
        msg = "Update not allowed with duplicate indexes on other."
        raise ValueError(msg)
    lined = align.reindexed_to(obj, other)
    marker = align.labels_held(obj, other)
    if lined is None or marker is None:
        return None
    fn = UpdateFrom(options, list(other._meta.dtypes))
    return N.MapPartitions(fn, (obj._plan, lined._plan, marker._plan), obj._meta, label=repr(fn))


def probe_update(obj: Any, other: Any, options: dict[str, Any]) -> bool:
    """Whether pandas' ``update`` of made-up values of these dtypes works: it never changes a
    dtype, and values a column cannot hold raise (TypeError), which then only pandas on the
    real values can decide."""
    Update(options)(obj._meta, other._meta)  # pandas' errors for the options, at the call
    sample, other_sample = M.nonempty(obj._meta), M.nonempty(other._meta)
    # (whether values overlap, for errors="raise", is the data's to say)
    probe = Update({**options, "errors": "ignore"} if options else options)
    try:
        probe(sample, other_sample.set_axis(sample.index[: len(other_sample)], axis=0))
    except (TypeError, ValueError):
        return False
    return True


# -- combine_first ---------------------------------------------------------------------------------


class CombineFirst:
    """``left.combine_first(right)`` on pieces aligned as pandas aligns the whole frames (the
    pieces already carry the dtypes of that alignment: int columns a side lacks rows for are
    float), then pandas' last step with the frames' own dtypes: a column in both whose dtype
    changed becomes the common type of the two original ones. ``taken``: the columns only
    ``right`` has, with a value somewhere."""

    def __init__(
        self, dtypes: pd.Series, other_dtypes: pd.Series, meta: Any, taken: list[Any]
    ) -> None:
        self.dtypes, self.other_dtypes, self.meta = dtypes, other_dtypes, meta
        self.taken = taken

    def __call__(self, left: Any, right: Any) -> Any:
        if not len(left):
            # (pandas takes another path for no rows, with another column order: an empty
            # partition holds no values, its dtypes do not vote)
            return self.meta.set_axis(left.index[:0], axis=0)
        out = left.combine_first(right)
        for c in self.taken:
            # a column only ``other`` has is ``other``'s, unless all of it is missing (then
            # pandas keeps the frame's own missing column): a partition's part of it may be all
            # missing where the whole is not
            out[c] = right[c]
        changed = {
            c: find_common_type([self.dtypes[c], self.other_dtypes[c]])
            for c in self.dtypes.index.intersection(self.other_dtypes.index)
            if out.dtypes[c] != self.dtypes[c]
        }
        return out.astype(changed) if changed else out

    def __repr__(self) -> str:
        return "combine_first"


class _ColumnsHeld:
    """Whether each column at ``positions`` holds a value in a partition."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions

    def __call__(self, part: Any) -> np.ndarray:
        return part.iloc[:, self.positions].notna().to_numpy().any(axis=0)


class CombineWithEmpty:
    """``part.combine_first(empty)`` or ``empty.combine_first(part)`` when one side has no rows:
    pandas' path for that case works row by row."""

    def __init__(self, empty: Any, first: bool) -> None:
        self.empty, self.first = empty, first

    def __call__(self, part: Any) -> Any:
        if self.first:
            return part.combine_first(self.empty)
        return self.empty.combine_first(part)

    def __repr__(self) -> str:
        return "combine_first (one side without rows)"


def combine_first(obj: Any, other: Any) -> Any:
    """``obj.combine_first(other)`` natively (both frames or both Series), or None when only
    pandas can do it. The result's dtypes depend on which values are missing where, so they are
    settled from the computed partitions."""
    if isinstance(other, pd.DataFrame | pd.Series):
        other = from_pandas(other, npartitions=1)
    if not isinstance(other, DframeObject) or other.ndim != obj.ndim or obj.ndim != 2:
        return None
    metas = (obj._meta, other._meta)
    if any(not len(m.columns) or not m.columns.is_unique for m in metas):
        return None
    if any(isinstance(m.index, pd.MultiIndex) for m in metas):
        return None
    obj._known_meta(), other._known_meta()
    if any((m.dtypes == object).any() for m in (obj._meta, other._meta)):
        # pandas builds the result anew, inferring ``str`` for object columns holding only
        # strings: by the values of the whole column, which a partition does not see
        return None
    n_obj, n_other = align._lengths(obj), align._lengths(other)
    if n_other == 0:
        fn = CombineWithEmpty(other._meta, True)
        return obj._map(fn, meta=fn(obj._meta), label=repr(fn), by_values=True)
    if n_obj == 0:
        # ``other``'s rows, in the order of pandas' join of the labels (sorted where they sort):
        # each partition's rows are then in that order already
        rindex, _ = align._index_and_lengths(other)
        labels, _, ridx = obj._meta.index.join(rindex, how="outer", return_indexers=True)
        ridx = np.arange(len(rindex)) if ridx is None else ridx
        lengths = M.split_lengths(len(labels), other.npartitions)
        rows = other._new(align._side(other, ridx, labels, lengths, None))
        fn = CombineWithEmpty(obj._meta, False)
        return rows._map(fn, meta=fn(rows._meta), label=repr(fn), by_values=True)
    meta = obj._meta.combine_first(other._meta)
    only = [c for c in other._meta.columns if c not in obj._meta.columns]
    taken = []
    if only:
        # (one pass; pandas looks at them all. By position: labels such as True and False
        # would select rows)
        positions = [other._meta.columns.get_loc(c) for c in only]
        found = other._map(_ColumnsHeld(positions), meta=pd.Series([], dtype=object),
                           preserves_rows=False)  # fmt: skip
        held = np.logical_or.reduce(lower.collect_partitions(found._plan))
        taken = [c for c, h in zip(only, held, strict=True) if h]
    fn = CombineFirst(obj._meta.dtypes, other._meta.dtypes, meta, taken)
    out = align.binary(obj, other, "combine_first", False, {}, call=fn)
    if out is None:
        return None
    return obj._new(out._plan, True)


# -- Series.combine_first --------------------------------------------------------------------------


class MaskMissing:
    """``left.mask(left.isna(), right)`` (pandas' ``combine_first`` of Series of one dtype and
    the same labels)."""

    def __call__(self, left: Any, right: Any) -> Any:
        return left.mask(left.isna(), right)

    def __repr__(self) -> str:
        return "combine_first"


def _held(part: Any) -> np.ndarray:
    return part.notna().to_numpy()


def _sources(obj: Any, other: Any) -> tuple[np.ndarray, pd.Index] | None:
    """For each row of ``obj.combine_first(other)``: its position in ``concat([obj, other])``,
    and the result's labels (pandas' steps on the labels; None where pandas would leave a row
    missing, upcasting)."""
    index, _ = align._index_and_lengths(obj)
    other_index, _ = align._index_and_lengths(other)
    parts = lower.collect_partitions(
        obj._map(_held, meta=pd.Series([], dtype=object), preserves_rows=False)._plan
    )
    held = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    n = len(index)
    if obj._meta.dtype == other._meta.dtype and index.equals(other_index):
        return np.where(held, np.arange(n), np.arange(n) + n), index
    # pandas' ``Series.combine_first``, on positions (``other``'s after ``obj``'s)
    new_index = index.union(other_index)
    keep_other = other_index.difference(index[held])
    keep_this = index.difference(keep_other)
    this = pd.Series(np.arange(n), index=index).reindex(keep_this)
    that = pd.Series(np.arange(len(other_index)) + n, index=other_index).reindex(keep_other)
    combined = pd.concat([this, that]).reindex(new_index)
    if combined.isna().any():
        return None
    return combined.to_numpy(dtype=np.int64), combined.index


def combine_first_series(obj: Any, other: Any) -> Any:
    """``obj.combine_first(other)`` of two Series natively, or None when only pandas can do
    it."""
    if isinstance(other, pd.Series):
        other = from_pandas(other, npartitions=1)
    if not isinstance(other, DframeObject) or other.ndim != 1:
        return None
    dtype, other_dtype = obj._known_meta().dtype, other._known_meta().dtype
    if dtype == other_dtype and obj._plan.partitioning == other._plan.partitioning:
        plan = N.MapPartitions(MaskMissing(), (obj._plan, other._plan), obj._meta,
                               label="combine_first")  # fmt: skip
        return obj._new(plan)
    if dtype.kind == "M" and other_dtype.kind != "M":
        return None  # (pandas casts ``other`` with a deprecation warning)
    found = _sources(obj, other)
    if found is None:
        return None
    positions, labels = found
    lengths = M.split_lengths(len(labels), obj.npartitions)
    chunks, chunk_labels = align._chunks(positions, labels, lengths)
    out = obj._new(GatherRows(N.Concat((obj._plan, other._plan)), chunks, chunk_labels))
    name = obj._meta.name
    if out._meta.name is not name:
        # (a concat names the rows only where both names agree; pandas' result keeps the
        # Series' own name, by ``__finalize__``)
        out = out.rename(name)
    return out


class CombineMethods:
    """Mixin of DataFrame and Series."""

    def combine_first(self: Any, other: Any) -> Any:
        """Missing values filled from ``other``, over the union of both frames' labels and
        columns (``other`` aligned by label as pandas aligns it)."""
        fn = combine_first if self.ndim == 2 else combine_first_series
        out = fn(self, other)
        if out is None:
            return fallback.call_method(self, "combine_first", (other,), {})
        return out
