"""``Series.interpolate`` / ``DataFrame.interpolate`` (``linear``, ``index``/``values``,
``time``; ``limit``, ``limit_direction``, ``limit_area``), native across partitions.

A run of missing values may span partitions, so each partition needs, per column, the last
valid (position, label, value) before it and the first valid one after it: a two-way carry
(a ``MapWithContext`` node, like ``ffill`` and ``bfill`` in one). Each partition is summarized
by its length and its first and last valid values; one small task passes them forward and
backward; each partition then decides which of its missing values pandas fills (the run
counts ``limit`` needs come from global positions) and fills them with ``np.interp`` between
the same two valid points pandas interpolates between.

The ``index``/``values``/``time`` methods interpolate by the row labels: pandas uses all the
valid points sorted by label, which are the neighbours in row order only when the labels are
monotonic — checked first (one small pass); other label orders, ``axis=1``, other methods
(scipy's) and columns that are not numbers run on pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.core.row_labels import _already_sorted
from dframe.fallback.inplace import NO_DEFAULT
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import same_meta

BY_POSITION = ("linear",)
BY_LABEL = ("index", "values", "time")


class InterpolateMethods:
    """Mixin of DataFrame and Series."""

    def interpolate(
        self: Any,
        method: str = "linear",
        *,
        axis: Any = 0,
        limit: int | None = None,
        inplace: Any = NO_DEFAULT,
        limit_direction: str | None = None,
        limit_area: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Fill missing values by linear interpolation between the valid values around them,
        across partition boundaries."""
        options = {
            "method": method,
            "axis": axis,
            "limit": limit,
            "limit_direction": limit_direction,
            "limit_area": limit_area,
            **kwargs,
        }
        native = (
            not kwargs
            and axis in (0, "index")
            and method in BY_POSITION + BY_LABEL
            # (pandas' own rules and errors for other methods on a MultiIndex)
            and (method == "linear" or not isinstance(self._meta.index, pd.MultiIndex))
        )
        meta = empty = None
        # (the dtypes decide what runs: ints stay as they are; a guess of the data's, such as
        # int64 for a column a mask filled with NaN, would be wrong)
        self._known_meta()
        if method in ("pad", "ffill", "bfill", "backfill"):
            M.nonempty(self._meta).interpolate(**options)  # pandas' error, at the call
        if native:
            # pandas' errors (bad limit, direction, dtype, a time method without dates) here.
            meta = M.nonempty(self._meta).interpolate(**options).iloc[:0]
            # Without rows pandas keeps nullable ints (with rows: floats).
            empty = self._meta.interpolate(**options)
            native = _numbers(self._meta) and _numbers(meta)
        order = _label_order(self) if native and method in BY_LABEL else "ascending"
        native = native and order is not None
        if not native:
            return fallback.call_method(
                self, "interpolate", (), {**options, "inplace": inplace}
            )
        scan = Interpolation(
            method,
            limit,
            (limit_direction or "forward").lower(),
            limit_area,
            meta,
            descending=order == "descending",
            empty=empty,
        )
        by_values = False
        if self._plan.known_empty:
            scan.meta = meta = empty
        else:
            by_values = not same_meta(empty, meta)
        node = N.MapWithContext(
            self._plan, scan.summarize, scan.gather, scan.apply, meta, label="interpolate"
        )
        return self._inplace(self._new(node, by_values), inplace, "interpolate")


def _numbers(obj: Any) -> bool:
    dtypes = [obj.dtype] if isinstance(obj, pd.Series) else list(obj.dtypes)
    # numpy numbers and bools; nullable ints and floats (pandas writes their floats).
    return all(
        (isinstance(dt, np.dtype) and dt.kind in "iufb")
        or (isinstance(dt, pd.core.dtypes.dtypes.BaseMaskedDtype) and dt.kind in "iuf")
        for dt in dtypes
    )


def _label_order(obj: Any) -> str | None:
    """"ascending"/"descending" when the row labels are monotonic and numbers or dates."""
    index = obj._meta.index
    if not (isinstance(index.dtype, np.dtype) and index.dtype.kind in "iufM") and not (
        isinstance(index, pd.DatetimeIndex)
    ):
        return None
    if _already_sorted(obj, True):
        return "ascending"
    return "descending" if _already_sorted(obj, False) else None


def _frame(part: Any) -> pd.DataFrame:
    return part.to_frame() if isinstance(part, pd.Series) else part


def _floats(frame: pd.DataFrame) -> np.ndarray:
    return frame.to_numpy(dtype="float64", na_value=np.nan).reshape(frame.shape)


def _labels(index: pd.Index) -> np.ndarray:
    """The labels as pandas interpolates by them: dates by their integers, as floats."""
    if isinstance(index, pd.DatetimeIndex) or index.dtype.kind == "M":
        return np.asarray(index.asi8).astype("float64")
    return np.asarray(index, dtype="float64")


class Edges:
    """A partition's rows and, per column, its first and last valid (position, label, value);
    position -1 for none."""

    def __init__(self, n: int, first: tuple[Any, ...], last: tuple[Any, ...]) -> None:
        self.n, self.first, self.last = n, first, last


class Context:
    """What partition i needs: its first row's global position and, per column, the last valid
    (global position, label, value) before it and the first valid after it (position NaN for
    none)."""

    def __init__(
        self, offset: int, before: tuple[Any, ...], after: tuple[Any, ...], total: int
    ) -> None:
        self.offset, self.before, self.after, self.total = offset, before, after, total


class Interpolation:
    """The three steps of ``<part>.interpolate(method, limit, ...)`` over all partitions."""

    def __init__(
        self,
        method: str,
        limit: int | None,
        direction: str,
        area: str | None,
        meta: Any,
        descending: bool = False,
        empty: Any = None,
    ) -> None:
        self.method, self.limit, self.direction, self.area = method, limit, direction, area
        self.meta, self.descending = meta, descending
        self.empty = meta if empty is None else empty  # the result of no rows at all

    def _x(self, part: Any, offset: int) -> np.ndarray:
        if self.method in BY_POSITION:
            return offset + np.arange(len(part), dtype="float64")
        return _labels(part.index)

    def summarize(self, part: Any) -> Edges:
        y = _floats(_frame(part))
        n, cols = y.shape
        valid = ~np.isnan(y)
        if n == 0:
            nothing = (np.full(cols, -1), np.full(cols, np.nan), np.full(cols, np.nan))
            return Edges(0, nothing, nothing)
        has = valid.any(axis=0)
        first = np.where(has, np.argmax(valid, axis=0), -1)
        last = np.where(has, n - 1 - np.argmax(valid[::-1], axis=0), -1)
        x = self._x(part, 0)

        def edge(at: np.ndarray) -> tuple[Any, ...]:
            safe = np.maximum(at, 0)
            return at, x[safe], y[safe, np.arange(cols)]

        return Edges(n, edge(first), edge(last))

    def gather(self, *edges: Edges) -> list[Context]:
        ends = np.cumsum([0] + [e.n for e in edges])
        offsets, total = ends[:-1], int(ends[-1])
        cols = len(edges[0].first[0]) if edges else 0
        none = (np.full(cols, np.nan), np.full(cols, np.nan), np.full(cols, np.nan))
        before, running = [], none
        for offset, e in zip(offsets, edges, strict=True):
            before.append(running)
            running = self._move(running, e.last, offset)
        after, running = [], none
        for offset, e in zip(offsets[::-1], edges[::-1], strict=True):
            after.append(running)
            running = self._move(running, e.first, offset)
        return [
            Context(int(o), b, a, total)
            for o, b, a in zip(offsets, before, after[::-1], strict=True)
        ]

    def _move(self, running: tuple[Any, ...], edge: tuple[Any, ...], offset: int) -> tuple:
        at, labels, values = edge
        found = at >= 0
        position = np.where(found, offset + at, running[0])
        # by position, a label is the global position
        labels = offset + at if self.method in BY_POSITION else labels
        return (
            position.astype("float64"),
            np.where(found, labels, running[1]),
            np.where(found, values, running[2]),
        )

    def apply(self, part: Any, context: Context) -> Any:
        frame = _frame(part)
        y = _floats(frame)
        n, cols = y.shape
        if n == 0 or not np.isnan(y).any():
            return self._like_meta(part, None, self.meta if context.total else self.empty)
        x = self._x(part, context.offset)
        g = context.offset + np.arange(n, dtype="float64")
        out = {}
        for j in range(cols):
            fill, values = self._column(
                y[:, j], x, g, [a[j] for a in context.before], [a[j] for a in context.after]
            )
            if fill.any():
                out[j] = (fill, values)
        return self._like_meta(part, out, self.meta)

    def _column(
        self, y: np.ndarray, x: np.ndarray, g: np.ndarray, before: list, after: list
    ) -> tuple[np.ndarray, np.ndarray]:
        valid = ~np.isnan(y)
        missing = ~valid
        if not missing.any():
            return missing, y[:0]
        big = np.inf
        prev = np.maximum.accumulate(np.where(valid, g, -big))
        prev = np.where(prev == -big, before[0] if not np.isnan(before[0]) else -big, prev)
        nxt = np.minimum.accumulate(np.where(valid, g, big)[::-1])[::-1]
        nxt = np.where(nxt == big, after[0] if not np.isnan(after[0]) else big, nxt)
        lead, trail = prev == -big, nxt == big
        if (lead & trail).all():
            return np.zeros_like(missing), y[:0]  # nothing valid anywhere: left as it is
        limit = self.limit
        over_f = (g - prev > limit) if limit is not None else np.zeros_like(lead)
        over_b = (nxt - g > limit) if limit is not None else np.zeros_like(lead)
        if self.direction == "forward":
            keep = lead | over_f
        elif self.direction == "backward":
            keep = trail | over_b
        else:
            keep = (lead | over_f) & (trail | over_b) if limit is not None else ~missing
        if self.area == "inside":
            keep = keep | lead | trail
        elif self.area == "outside":
            keep = keep | (~lead & ~trail)
        fill = missing & ~keep
        if not fill.any():
            return fill, y[:0]
        xp, fp = [x[valid]], [y[valid]]
        if not np.isnan(before[0]):
            xp.insert(0, np.array([before[1]]))
            fp.insert(0, np.array([before[2]]))
        if not np.isnan(after[0]):
            xp.append(np.array([after[1]]))
            fp.append(np.array([after[2]]))
        xs, fs = np.concatenate(xp), np.concatenate(fp)
        if self.descending:
            xs, fs = xs[::-1], fs[::-1]
        return fill, np.interp(x[fill], xs, fs)

    def _like_meta(self, part: Any, filled: dict[int, Any] | None, meta: Any) -> Any:
        if isinstance(meta, pd.Series):
            columns = [self._filled(part, meta.dtype, (filled or {}).get(0))]
            out = columns[0]
            out.name = meta.name
            return out
        columns = [
            self._filled(part.iloc[:, j], dt, (filled or {}).get(j))
            for j, dt in enumerate(meta.dtypes)
        ]
        out = pd.concat(columns, axis=1) if columns else part.copy()
        out.columns = meta.columns
        return out

    @staticmethod
    def _filled(column: pd.Series, dtype: Any, fill: Any) -> pd.Series:
        out = column.astype(dtype)
        if fill is not None:
            mask, values = fill
            array = out.array.copy()  # (a partition from the store is read-only)
            array[mask] = values
            out = pd.Series(array, index=column.index, name=column.name, dtype=dtype)
        return out
