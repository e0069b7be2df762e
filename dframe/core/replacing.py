"""``where``/``mask`` and ``clip`` of DataFrame and Series, with scalars or dframe arguments.

Each is pandas' own method run on every partition (``MapPartitions``), with dframe arguments
as extra partitions: those of the same frame line up partition by partition, those of another
source are first reindexed to the frame's rows (``alignment.reindexed_to``), as pandas
reindexes them. pandas upcasts an int (bool, str) column when a value is replaced by one it
cannot hold, and decides it from every value of the replacing column, replaced or not: no
partition sees them all, so replacements of another dtype (that could upcast) run on pandas
with a ``PandasFallbackWarning``; a scalar's upcast is settled from the computed data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.core import alignment as align
from dframe.core import clipping
from dframe.core.values import _has_collection, _is_collection, _is_scalar, _no_default
from dframe.fallback.inplace import NO_DEFAULT
from dframe.plan.value_dtypes import same_meta


class ReplacingMethods:
    """Mixin of DataFrame and Series (with ``ValueMethods``' ``_slot_map``)."""

    def _lined_up(self: Any, value: Any, replaces: bool = False) -> Any:
        """A dframe ``value`` reindexed to ``self``'s rows in ``self``'s partitions (as
        pandas' ``where``/``fillna`` reindex their arguments) if it does not line up yet;
        anything else as it is. None if it cannot be used partition by partition.

        ``replaces``: ``value``'s values replace ``self``'s. pandas upcasts a column then if
        the whole replacing column (replaced values or not) cannot be held in its dtype, which
        no partition can tell alone: only replacements that never upcast are used."""
        if not _is_collection(value):
            return value
        if value._plan.partitioning != self._plan.partitioning:
            value = align.reindexed_to(self, value, repeated_labels=False)
        if value is None or (replaces and not _never_upcasts(self._meta, value._meta)):
            return None
        return value

    def where(
        self: Any,
        cond: Any,
        other: Any = _no_default,
        *,
        inplace: Any = NO_DEFAULT,
        axis: Any = None,
        level: Any = None,
    ) -> Any:
        """Keep values where ``cond`` is True, replace the others (partition by partition)."""
        return self._where("where", cond, other, inplace, axis, level)

    def mask(
        self: Any,
        cond: Any,
        other: Any = _no_default,
        *,
        inplace: Any = NO_DEFAULT,
        axis: Any = None,
        level: Any = None,
    ) -> Any:
        """Replace values where ``cond`` is True (partition by partition)."""
        return self._where("mask", cond, other, inplace, axis, level)

    def _where(
        self: Any, name: str, cond: Any, other: Any, inplace: Any, axis: Any, level: Any
    ) -> Any:
        if callable(cond):
            cond = cond(self)
        if callable(other):
            other = other(self)
        kwargs: dict[str, Any] = {} if other is _no_default else {"other": other}
        same_kind = _is_collection(cond) and cond.ndim == self.ndim
        # a frame's values replaced from a Series along the rows (``axis=0``): each column
        # takes the Series' value of its row, as pandas aligns it
        by_rows = self.ndim == 2 and axis in (0, "index") and _is_collection(other)
        other_ok = (
            other is _no_default
            or _is_scalar(other)
            or (_is_collection(other) and other.ndim == self.ndim and axis is None)
            or (by_rows and other.ndim == 1)
        )
        out = None
        if same_kind and other_ok and (axis is None or by_rows) and level is None:
            out = self._where_lined_up(name, cond, kwargs, {"axis": 0} if by_rows else {})
        if out is None:
            full = {**kwargs, "inplace": inplace, "axis": axis, "level": level}
            return fallback.call_method(self, name, (cond,), full)
        return self._inplace(out, inplace, name)

    def _where_lined_up(
        self: Any, name: str, cond: Any, kwargs: dict[str, Any], options: dict[str, Any]
    ) -> Any:
        """``where``/``mask`` partition by partition, ``cond`` and ``other`` from another
        source first reindexed to ``self``'s rows as pandas reindexes them; None if they
        cannot be."""
        lined_up = self._lined_up(cond)
        if name == "mask" and lined_up is not cond:
            # pandas inverts cond before reindexing it (rows it lacks are False for ``where``)
            name, lined_up = "where", self._lined_up(~cond)
        cond = lined_up
        kwargs = {k: self._lined_up(v, replaces=True) for k, v in kwargs.items()}
        if cond is None or any(v is None for v in kwargs.values()):
            return None
        kwargs.update(options)
        out = self._slot_map(name, (cond,), kwargs)
        if out is not None and not same_meta(out._meta, self._meta):
            # a replacement changes the dtype (NaN into ints): whether one happens at all
            # depends on the values, so the dtype is known once computed
            out = self._slot_map(name, (cond,), kwargs, by_values=True)
        return out

    def clip(
        self: Any,
        lower: Any = None,
        upper: Any = None,
        *,
        axis: Any = None,
        inplace: Any = NO_DEFAULT,
        **kwargs: Any,
    ) -> Any:
        """Trim values at ``lower`` and ``upper``: scalars, one per column, or a Series or frame
        by row (aligned as pandas aligns it: ``clipping``)."""
        rows = axis in (0, "index") or (axis is None and self.ndim == 1)

        def usable(bound: Any) -> bool:
            if _is_scalar(bound):
                return axis is None or self.ndim == 2
            if not _is_collection(bound):
                # one value per column
                return self.ndim == 2 and axis in (1, "columns") and _has_no_collection(bound)
            # a bound of another dtype upcasts ints by every one of its values (replacing or
            # not), which no partition sees alone
            same_shape = bound.ndim == self.ndim and axis is None
            return (same_shape or (bound.ndim == 1 and rows)) and _never_upcasts(
                self._meta, bound._meta
            )

        out = None
        if all(usable(b) for b in (lower, upper)) and not kwargs:
            # pandas upcasts an int column only if a value is actually replaced by a bound it
            # cannot hold (``clip(-1.5, 3)``): then the dtype is known once computed
            by_values = any(_may_upcast(self._meta, b) for b in (lower, upper))
            options = {} if axis is None else {"axis": axis}
            out = self._slot_map("clip", (lower, upper), options, by_values=by_values)
        bounded = any(_is_collection(b) or isinstance(b, pd.Series | pd.DataFrame)
                      for b in (lower, upper))  # fmt: skip
        if out is None and bounded and not kwargs:
            out = clipping.clip(self, lower, upper, axis)  # (bounds of another source or dtype)
        if out is None:
            full = {"axis": axis, "inplace": inplace, **kwargs}
            return fallback.call_method(self, "clip", (lower, upper), full)
        return self._inplace(out, inplace, "clip")


def _may_upcast(meta: Any, bound: Any) -> bool:
    """Whether clipping ``meta``'s ints or booleans at ``bound`` can change their dtype."""
    if bound is None or (_is_scalar(bound) and pd.isna(bound)):
        return False
    dtypes = meta.dtypes if isinstance(meta, pd.DataFrame) else [meta.dtype]
    for dtype in dtypes:
        if not (isinstance(dtype, np.dtype) and dtype.kind in "iub"):
            continue
        if _is_collection(bound) or dtype.kind == "b":
            return True
        real = isinstance(bound, int | float | np.integer | np.floating)
        if not real or not float(bound).is_integer():  # (inf and NaN are not integers)
            return True
        info = np.iinfo(dtype)
        if not info.min <= int(bound) <= info.max:
            return True
    return False


def _never_upcasts(meta: Any, replacing: Any) -> bool:
    """Whether values of ``replacing`` (a Series, or a frame with every column of ``meta``)
    put into ``meta``'s columns keep their dtypes, whatever the values: the same dtype, or
    numbers into a float column."""
    if meta.ndim == 2 and not meta.columns.is_unique:
        return False
    columns = [meta] if meta.ndim == 1 else [meta[c] for c in meta.columns]
    for column in columns:
        if replacing.ndim == 1:
            theirs = replacing.dtype
        elif column.name in replacing.columns and replacing.columns.is_unique:
            theirs = replacing[column.name].dtype
        else:
            return False  # (a column pandas fills with NaN)
        ours = column.dtype
        numbers_into_float = (
            isinstance(ours, np.dtype)
            and ours.kind == "f"
            and isinstance(theirs, np.dtype)
            and theirs.kind in "biuf"
        )
        if theirs != ours and not numbers_into_float:
            return False
    return True


def _has_no_collection(value: Any) -> bool:
    return pd.api.types.is_list_like(value) and not _has_collection(value)
