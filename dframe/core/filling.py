"""Missing values filled: ``fillna``, ``ffill`` and ``bfill`` of DataFrame and Series.

``fillna`` with a scalar or a dict per column is pandas' own method on every partition. With a
dframe Series/DataFrame ``value``, pandas reindexes it to the rows being filled: one that does
not line up partition by partition is first reindexed to them (``alignment.reindexed_to``),
then filled partition by partition. ``ffill``/``bfill`` need the last (first) valid value of the
partitions before (after) each one: a ``MapWithContext`` summarizes partitions, carries values
across and fills each partition.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.algebra.scan import FillCarries, FillEdge, FillWithCarry
from dframe.core.accessors import infer_meta
from dframe.core.values import _is_collection, _is_scalar
from dframe.fallback.inplace import NO_DEFAULT
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import same_meta


class FillMethods:
    """Mixin of DataFrame and Series (with ``ValueMethods``' ``_slot_map``/``_lined_up``)."""

    def fillna(
        self: Any,
        value: Any = None,
        *,
        axis: Any = None,
        inplace: Any = NO_DEFAULT,
        limit: int | None = None,
    ) -> Any:
        """Fill missing values with ``value``: a scalar, a dict per column, or a dframe object
        of the same kind, aligned to the rows as pandas aligns it."""
        plain = limit is None and axis in (None, 0, "index")
        out = None
        if plain and self.ndim == 2 and _is_collection(value) and value.ndim == 1:
            # pandas fills each column from the Series' value at the column's label (a value per
            # column, like a dict; a reduction's result, small): pandas' own call per partition
            value = value.to_pandas()
        if plain and (
            (_is_scalar(value) and value is not None)
            or (isinstance(value, dict) and all(_is_scalar(v) for v in value.values()))
            or (self.ndim == 2 and isinstance(value, pd.Series)
                and all(_is_scalar(v) for v in value))
        ):
            out = self._map(MethodCall("fillna", value), columnwise=True)
        elif plain and _is_collection(value) and value.ndim == self.ndim:
            lined_up = self._lined_up(value, replaces=True)
            kwargs = {"value": lined_up}
            out = None if lined_up is None else self._slot_map("fillna", (), kwargs)
            if out is not None and not same_meta(out._meta, self._meta):
                # (which values are filled, with what, decides the dtype)
                out = self._slot_map("fillna", (), kwargs, by_values=True)
        if out is None:
            kwargs = {"value": value, "axis": axis, "inplace": inplace, "limit": limit}
            return fallback.call_method(self, "fillna", (), kwargs)
        return self._inplace(out, inplace, "fillna")

    def ffill(
        self: Any,
        *,
        axis: Any = None,
        inplace: Any = NO_DEFAULT,
        limit: Any = None,
        limit_area: Any = None,
    ) -> Any:
        """Fill missing values with the last valid value before them, across partitions."""
        return self._fill("ffill", axis, inplace, limit, limit_area)

    def bfill(
        self: Any,
        *,
        axis: Any = None,
        inplace: Any = NO_DEFAULT,
        limit: Any = None,
        limit_area: Any = None,
    ) -> Any:
        """Fill missing values with the next valid value after them, across partitions."""
        return self._fill("bfill", axis, inplace, limit, limit_area)

    def _fill(self: Any, how: str, axis: Any, inplace: Any, limit: Any, limit_area: Any) -> Any:
        unique_columns = self.ndim == 1 or self._meta.columns.is_unique
        if limit is not None or limit_area is not None or not unique_columns:
            kwargs = {
                "axis": axis,
                "inplace": inplace,
                "limit": limit,
                "limit_area": limit_area,
            }
            return fallback.call_method(self, how, (), kwargs)
        if self.ndim == 2 and axis in (1, "columns"):
            fn = MethodCall(how, axis=1)
            out = self._map(fn, meta=infer_meta(fn, self._meta), label=how)
            return self._inplace(out, inplace, how)
        getattr(self._meta, how)(axis=axis)  # pandas' error for a bad axis
        plan = N.MapWithContext(
            self._plan,
            FillEdge(how),
            FillCarries(how),
            FillWithCarry(how),
            self._meta,
            label=how,
        )
        return self._inplace(self._new(plan), inplace, how)
