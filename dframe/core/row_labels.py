"""The row labels: ``set_index``, ``reset_index``, ``sort_index`` and assigning ``obj.index``.

``reset_index`` and a new ``index`` need each partition's place among the others (its first row
number, its slice of the new labels): a ``ByPosition`` node gets the rows per partition when the
plan is lowered, so both stay lazy and move no data. ``set_index`` runs partition by partition.
``sort_index`` checks the order of the labels first (one pass over them): an index already in
order moves nothing; otherwise the rows are sorted in one partition.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.execution import lower
from dframe.fallback.inplace import NO_DEFAULT, flag
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import DframeObject

_no_default = object()


# -- partition functions and layouts ----------------------------------------------------------


class _Renumbered:
    """``part.reset_index(**options)`` labelled ``start, start+1, ...``."""

    def __init__(self, start: int, options: dict[str, Any]) -> None:
        self.start, self.options = start, options

    def __call__(self, part: Any) -> Any:
        out = part.reset_index(**self.options)
        out.index = pd.RangeIndex(self.start, self.start + len(out))
        return out


class _ResetLayout:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, lengths: list[int]) -> list[Callable[[Any], Any]]:
        return [_Renumbered(s, self.options) for s in M.offsets(lengths)]


class _Relabelled:
    """The partition with ``labels`` as its index (its slice of the new global index)."""

    def __init__(self, labels: pd.Index) -> None:
        self.labels = labels

    def __call__(self, part: Any) -> Any:
        out = part.copy(deep=False)
        out.index = self.labels
        return out


class _LabelLayout:
    def __init__(self, labels: pd.Index) -> None:
        self.labels = labels

    def __call__(self, lengths: list[int]) -> list[Callable[[Any], Any]]:
        bounds = [*M.offsets(lengths), sum(lengths)]
        return [_Relabelled(self.labels[a:b]) for a, b in itertools.pairwise(bounds)]


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


def set_labels(obj: Any, labels: Any) -> None:
    """``obj.index = labels``: each partition takes its slice of the new labels (pandas'
    ``ValueError`` when their number is not the number of rows)."""
    if isinstance(labels, DframeObject):
        labels = labels.to_pandas()
    labels = labels if isinstance(labels, pd.Index) else pd.Index(labels)
    lengths = tuple(lower.partition_lengths(obj._plan))
    total = sum(lengths)
    if len(labels) != total:
        msg = (
            f"Length mismatch: Expected axis has {total} elements, new values have "
            f"{len(labels)} elements"
        )
        raise ValueError(msg)
    node = ByPosition(
        obj._plan,
        _LabelLayout(labels),
        obj._meta.set_axis(labels[:0], axis=0),
        label="set index labels",
        out_lengths=lengths,
        out_range_index=M.is_default_range(labels),
    )
    obj._replace_plan(node)


def _already_sorted(obj: Any, ascending: bool) -> bool:
    plan = obj._plan
    if plan.range_index and ascending:
        return True
    summary = obj._map(_IndexSummary(), meta=None, label="index order", preserves_rows=False)
    stats = [s for s in lower.collect_partitions(summary._plan) if s[0]]
    column = 1 if ascending else 2
    if not all(s[column] for s in stats):
        return False
    dtype = obj._meta.index.dtype
    for prev, nxt in itertools.pairwise(stats):
        # The seam compared as the index compares (categories by code; a missing label or
        # labels that do not compare, str and float, are no order)
        try:
            seam = pd.Index([prev[4], nxt[3]], dtype=dtype)
        except (TypeError, ValueError):
            return False
        if not (seam.is_monotonic_increasing if ascending else seam.is_monotonic_decreasing):
            return False
    return True


# -- façade ----------------------------------------------------------------------------------


class RowLabelMethods:
    """Mixed into ``Collection``."""

    def reset_index(
        self: Any,
        level: Any = None,
        *,
        drop: bool = False,
        name: Any = _no_default,
        inplace: Any = NO_DEFAULT,
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
                msg = "DataFrame.reset_index() got an unexpected keyword argument 'name'"
                raise TypeError(msg)
            options["name"] = name
        extra = {"col_level": col_level, "col_fill": col_fill, "names": names} if is_frame else {}
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
        if flag(inplace) and not is_frame and not drop:
            fallback.warn_inplace_deprecated(self, "reset_index", inplace)  # pandas warns first
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
        return self._inplace(self._new(node), inplace, "reset_index")

    def sort_index(
        self: Any,
        *,
        axis: Any = 0,
        level: Any = None,
        ascending: Any = True,
        inplace: Any = NO_DEFAULT,
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
                fn, meta=M.infer_meta(fn, self._meta), label="sort_index", preserves_rows=False
            )
            out = ordered._new(N.Repartition(ordered._plan, self.npartitions))
        return self._inplace(out, inplace, "sort_index")


class FrameRowLabelMethods:
    """Mixed into ``DataFrame``."""

    def set_index(
        self: Any,
        keys: Any,
        *,
        drop: bool = True,
        append: bool = False,
        inplace: Any = NO_DEFAULT,
        verify_integrity: Any = NO_DEFAULT,
    ) -> Any:
        """Columns become the row labels, partition by partition."""
        labels = keys if isinstance(keys, list) else [keys]
        columns = self._meta.columns
        native = (
            not append
            and verify_integrity is NO_DEFAULT  # passed at all: pandas' deprecation warning
            and all(isinstance(k, Hashable) and not isinstance(k, tuple) for k in labels)
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
        out = self._map(fn, meta=M.infer_meta(fn, self._meta), label=repr(fn), preserves_rows=False)
        return self._inplace(out, inplace, "set_index")
