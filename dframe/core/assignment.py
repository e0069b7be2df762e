"""Setting columns: the plans behind ``df[key] = value``, ``df.assign``, ``insert`` and
``update``.

Each builds a new plan from the frame's plan (the old one, shared by every other object over it,
is untouched), so the caller only swaps its own plan. How a value reaches the partitions:

- a scalar, or a Series of the same frame (its partitions hold the same rows): set partition by
  partition (``Assign``);
- a Series of another source, a pandas Series: aligned by label as pandas aligns it
  (``alignment.assign``: a re-cut by position for two default indexes, else pandas' own
  ``get_indexer`` on the collected labels and an exchange of rows);
- an array, list, ``Categorical``, ``Index``: by position, as pandas sets them — the values are
  made one pandas Series on the driver (pandas' dtype inference over all of them) and each
  partition receives its slice (``ByPosition``);
- a frame to a list of columns: column by column, pairing the frame's columns with the keys in
  order (pandas' ``df[["a", "b"]] = other``); a 2-D array likewise.

Anything else returns None and the caller runs pandas (a fallback).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from dframe.core import alignment as align
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import DframeObject, from_pandas


def is_scalar(value: Any) -> bool:
    return pd.api.types.is_scalar(value) or value is None


def is_column_key(key: Any) -> bool:
    """A single column label (not a tuple, slice, list or mask)."""
    return isinstance(key, Hashable) and not isinstance(key, tuple | slice) and is_scalar(key)


# -- partition functions -----------------------------------------------------------------------


class _SetSlices:
    """Columns ``names`` of a partition set to its slices of the values (by position)."""

    def __init__(self, names: tuple[Hashable, ...], slices: tuple[pd.Series, ...]) -> None:
        self.names, self.slices = names, slices

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = part.copy(deep=False)
        for name, values in zip(self.names, self.slices, strict=True):
            M.set_column(out, name, values.set_axis(out.index))  # by position: the rows' labels
        return out


class _SliceLayout:
    """Each partition's slice of every column's values, from the rows per partition."""

    def __init__(self, names: tuple[Hashable, ...], columns: tuple[pd.Series, ...]) -> None:
        self.names, self.columns = names, columns

    def __call__(self, lengths: list[int]) -> list[Callable[[Any], Any]]:
        bounds = [*M.offsets(lengths), sum(lengths)]
        return [
            _SetSlices(self.names, tuple(c.iloc[a:b] for c in self.columns))
            for a, b in itertools.pairwise(bounds)
        ]


class Update:
    """``part.update(other_part, **options)`` on a copy (``DataFrame``/``Series.update``)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, part: Any, other: Any) -> Any:
        out = part.copy(deep=False)  # Copy-on-Write: the input partition stays as it is
        out.update(other, **self.options)
        return out

    def __repr__(self) -> str:
        return "update"


# -- plans ---------------------------------------------------------------------------------------


def column(plan: N.Node, name: Hashable, value: Any) -> N.Node | None:
    """``plan`` with column ``name`` set to ``value``, or None if only pandas can do it."""
    if not is_scalar(value) and _laid_out_by_columns(plan, name):
        return None
    if isinstance(value, DframeObject):
        if value.ndim != 1:
            return None
        if N.division_of(value._plan.partitioning) == N.division_of(plan.partitioning):
            return N.Assign(plan, (name,), (value._plan,), (("input", 0),))
        return align.assign(plan, name, value)  # another source: pandas aligns it by label
    if is_scalar(value):
        return N.Assign(plan, (name,), (), (("scalar", value),))
    if isinstance(value, pd.Series):
        return align.assign(plan, name, from_pandas(value))
    if isinstance(value, pd.DataFrame | dict | set) or getattr(value, "ndim", 1) != 1:
        return None
    try:
        values = pd.Series(value)  # pandas' inference over all the values, as setitem's
    except (TypeError, ValueError):
        return None
    return by_position(plan, (name,), (values,))


def _laid_out_by_columns(plan: N.Node, name: Hashable) -> bool:
    """Whether pandas lays values set to ``name`` out along the columns: it does when ``name``
    labels as many columns as the frame has rows (see ``M.set_column``); only pandas gives
    that answer."""
    labels = plan.meta.columns
    if labels.is_unique or isinstance(labels, pd.MultiIndex) or name not in labels:
        return False
    return sum(lower.partition_lengths(plan)) == len(labels.get_indexer_for([name]))


def columns(plan: N.Node, keys: list[Any], value: Any) -> N.Node | None:
    """``plan`` with columns ``keys`` set to ``value`` (``df[["a", "b"]] = value``), or None."""
    if not all(is_column_key(k) for k in keys) or len(set(keys)) != len(keys):
        return None
    if is_scalar(value):
        return N.Assign(plan, tuple(keys), (), tuple(("scalar", value) for _ in keys))
    if isinstance(value, np.ndarray) and value.ndim == 2:
        _check_width(value.shape[1], keys)
        values = tuple(pd.Series(value[:, j]) for j in range(value.shape[1]))
        return by_position(plan, tuple(keys), values)
    if isinstance(value, pd.DataFrame):
        value = from_pandas(value)
    if not (isinstance(value, DframeObject) and value.ndim == 2):
        return None
    _check_width(len(value._meta.columns), keys)
    if not value._meta.columns.is_unique:
        return None
    out: N.Node | None = plan
    for key, label in zip(keys, value._meta.columns, strict=True):
        out = column(out, key, value[label])
        if out is None:
            return None
    return out


def _check_width(width: int, keys: list[Any]) -> None:
    if width != len(keys):
        msg = "Columns must be same length as key"
        raise ValueError(msg)


def by_position(
    plan: N.Node, names: tuple[Hashable, ...], values: tuple[pd.Series, ...]
) -> N.Node | None:
    """Columns ``names`` set to ``values`` row by row (pandas' error when the lengths differ);
    None for a frame without rows, which pandas gives the values' length instead."""
    total = sum(lower.partition_lengths(plan))  # pandas checks the length at the call
    if total == 0:
        return None
    for v in values:
        if len(v) != total:
            msg = f"Length of values ({len(v)}) does not match length of index ({total})"
            raise ValueError(msg)
    meta = plan.meta.copy(deep=False)
    for name, v in zip(names, values, strict=True):
        meta[name] = v.iloc[:0].set_axis(meta.index)
    return ByPosition(
        plan,
        _SliceLayout(names, values),
        meta,
        label=f"set {list(names)} by position",
        same_rows=True,
    )


def update(obj: Any, other: Any, options: dict[str, Any]) -> N.Node | None:
    """The plan of ``obj.update(other, **options)`` for an ``other`` whose partitions hold the
    same rows as ``obj``'s (same source), or None if only pandas can do it."""
    if not isinstance(other, DframeObject):
        return None
    if N.division_of(other._plan.partitioning) != N.division_of(obj._plan.partitioning):
        return None
    if obj.ndim == 2 and other.ndim == 1 and other._meta.name is None:
        return None  # pandas' own error (a Series without a name makes no column)
    if obj.ndim == 1 and other.ndim != 1:
        return None
    fn = Update(options)
    try:
        # pandas never changes a dtype here; values it cannot hold raise (TypeError). Probe
        # with made-up values: if those could fail, pandas decides on the real ones.
        sample, other_sample = M.nonempty(obj._meta), M.nonempty(other._meta)
        fn(sample, other_sample.set_axis(sample.index[: len(other_sample)], axis=0))
    except (TypeError, ValueError):
        return None
    if not obj._plan.range_index and other.index.has_duplicates:
        # A label twice: every partition alone could miss it, pandas checks all rows.
        msg = "Update not allowed with duplicate indexes on other."
        raise ValueError(msg)
    return N.MapPartitions(fn, (obj._plan, other._plan), obj._meta, label="update")
