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
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.algebra.align import _cast
from dframe.core import alignment as align
from dframe.core.assignment import Update
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject, from_pandas


class _Present:
    """A Series of True over a partition's labels (which labels ``other`` holds)."""

    def __call__(self, part: Any) -> pd.Series:
        return pd.Series(True, index=part.index, dtype=bool)


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
    present = other._map(_Present(), meta=pd.Series([], dtype=bool), probe=False)
    marker = align.reindexed_to(obj, present)
    if lined is None or marker is None:
        return None
    fn = UpdateFrom(options, list(other._meta.dtypes))
    return N.MapPartitions(fn, (obj._plan, lined._plan, marker._plan), obj._meta, label=repr(fn))


def probe_update(obj: Any, other: Any, options: dict[str, Any]) -> bool:
    """Whether pandas' ``update`` of made-up values of these dtypes works: it never changes a
    dtype, and values a column cannot hold raise (TypeError), which then only pandas on the
    real values can decide."""
    sample, other_sample = M.nonempty(obj._meta), M.nonempty(other._meta)
    try:
        Update(options)(sample, other_sample.set_axis(sample.index[: len(other_sample)], axis=0))
    except (TypeError, ValueError):
        return False
    return True
