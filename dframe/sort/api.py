"""``sort_values`` and ``rank`` of DataFrame and Series (attached by this family): which of the
two sort plans in ``nodes`` gives pandas' order for the arguments, and when pandas must do it."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.fallback.inplace import NO_DEFAULT
from dframe.plan import nodes as N
from dframe.plan.wrap import attach
from dframe.sort.nodes import KEY, SortSpec, SortValues
from dframe.sort.rank import _rank


class _Local:
    """pandas' ``sort_values`` on a single partition (exact for every kind)."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs

    def __call__(self, part: Any) -> Any:
        return part.sort_values(**self.kwargs)

    def __repr__(self) -> str:
        return "sort_values"


def _stable_order(kind: str, by: list[Hashable], dtype: Any) -> bool:
    """Whether pandas' order is the stable order of (keys, position) for these arguments."""
    if kind in ("stable", "mergesort") or len(by) > 1:
        return True
    return isinstance(dtype, pd.StringDtype)


def _sorted(obj: Any, by: list[Hashable], ascending: Any, kind: str, na_position: str,
            ignore_index: bool) -> Any:
    asc = [bool(a) for a in ascending] if isinstance(ascending, list | tuple) else (
        [bool(ascending)] * max(1, len(by))
    )
    series = obj.ndim == 1
    kwargs: dict[str, Any] = {"ascending": ascending, "kind": kind, "na_position": na_position}
    if not series:
        kwargs["by"] = by if len(by) != 1 else by[0]
    if obj.npartitions == 1:
        out = obj._map(_Local(kwargs), meta=obj._meta, preserves_rows=False, label="sort_values")
        plan: N.Node = out._plan
    else:
        dtype = obj._meta.dtype if series else obj._meta[by[0]].dtype
        spec = SortSpec(
            tuple(by) if not series else (KEY,), tuple(asc), na_position, kind, series
        )
        method = "range" if _stable_order(kind, by, dtype) else "ranks"
        plan = SortValues(obj._plan, spec, method)
    if ignore_index:
        plan = N.Renumbered(plan)
    return obj._new(plan)


@attach("DataFrame")
class FrameSortMethods:
    """``sort_values`` and ``rank`` of DataFrame."""

    def sort_values(
        self: Any,
        by: Any,
        *,
        axis: Any = 0,
        ascending: Any = True,
        inplace: Any = NO_DEFAULT,
        kind: str = "quicksort",
        na_position: str = "last",
        ignore_index: bool = False,
        key: Any = None,
    ) -> Any:
        """Rows ordered by the values of ``by`` (see module docstring: range partitioning, or
        global ranks for pandas' unstable default kind on one key)."""
        kwargs = dict(
            by=by, axis=axis, ascending=ascending, kind=kind, na_position=na_position,
            ignore_index=ignore_index, key=key,
        )
        if key is None:
            self._meta.sort_values(**kwargs)  # pandas' argument errors, at the user's line
        labels = by if isinstance(by, list) else [by]
        columns = self._meta.columns
        native = (
            key is None
            and axis in (0, "index")
            and not columns.has_duplicates
            and all(not isinstance(b, list) and b in columns for b in labels)
        )
        if not native:
            return fallback.call_method(self, "sort_values", (), {**kwargs, "inplace": inplace})
        out = _sorted(self, labels, ascending, kind, na_position, ignore_index)
        return self._inplace(out, inplace, "sort_values")

    def rank(
        self: Any,
        axis: Any = 0,
        method: str = "average",
        numeric_only: bool = False,
        na_option: str = "keep",
        ascending: bool = True,
        pct: bool = False,
    ) -> Any:
        """Ranks of each column's values, computed from merged per-partition value counts."""
        return _rank(self, axis, method, numeric_only, na_option, ascending, pct)


@attach("Series")
class SeriesSortMethods:
    """``sort_values`` and ``rank`` of Series."""

    def sort_values(
        self: Any,
        *,
        axis: Any = 0,
        ascending: Any = True,
        inplace: Any = NO_DEFAULT,
        kind: str = "quicksort",
        na_position: str = "last",
        ignore_index: bool = False,
        key: Any = None,
    ) -> Any:
        """Values in order (see ``DataFrame.sort_values``)."""
        kwargs = dict(
            axis=axis, ascending=ascending, kind=kind, na_position=na_position,
            ignore_index=ignore_index, key=key,
        )
        if key is not None or axis not in (0, "index"):
            return fallback.call_method(self, "sort_values", (), {**kwargs, "inplace": inplace})
        self._meta.sort_values(**kwargs)
        asc = ascending[0] if isinstance(ascending, list | tuple) else ascending
        out = _sorted(self, [], [asc], kind, na_position, ignore_index)
        return self._inplace(out, inplace, "sort_values")

    def rank(
        self: Any,
        axis: Any = 0,
        method: str = "average",
        numeric_only: bool = False,
        na_option: str = "keep",
        ascending: bool = True,
        pct: bool = False,
    ) -> Any:
        """Ranks of the values, computed from merged per-partition value counts."""
        return _rank(self, axis, method, numeric_only, na_option, ascending, pct)
