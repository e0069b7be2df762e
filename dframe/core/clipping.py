"""``clip`` of a DataFrame or Series at bounds that vary by row: a Series (``axis=0``, or a
Series clipped) or a frame (``axis=None``), of this frame or of another source, of the same
dtype or floats bounding ints; also a dframe Series of one bound per column (``axis=1``).

pandas clips at a varying bound in two steps (``NDFrame._clip_with_one_bound``): the values
compared with the bound, missing bounds counting as none (``fillna(±inf)``), then ``where`` puts
the bound in the values out of it. Two of its rules look at the whole bound, which no partition
sees: a bound of missing values only is no bound at all, and ``where`` makes an int column float
when it replaces any value by a float bound that holds a value an int cannot (``2.5`` or a
missing value, replaced or not). And the comparison aligns the bound by an outer join, so a
label the bound lacks gets a missing value.

Here the bounds are first re-cut to the frame's partitions (``alignment.reindexed_to``, with a
marker of the labels the bound has), and each partition runs pandas' two steps on its rows
(``ClipAtBounds``); what depends on the whole bound is found first, in one pass over the
bounds (whether any value is present, whether the ints can hold every value), and handed to
the partitions: a partition replacing an int by such a bound makes the column float itself.
Whether any value is replaced at all is the data's: the dtypes are settled when computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import find_common_type, np_can_hold_element
from pandas.errors import LossySetitemError

from dframe.core import alignment as align
from dframe.core.values import _is_collection, _is_scalar
from dframe.execution import lower
from dframe.plan.wrap import from_pandas

# a dframe Series of one bound per column (``axis=1``) is collected up to this many values
_MOST_BOUNDS_PER_COLUMN = 100_000


def _what_is_missing(part: Any) -> tuple[bool, bool]:
    """Whether a piece of a bound holds a value, and a missing value."""
    missing = part.isna().to_numpy()
    return bool((~missing).any()), bool(missing.any())


class _Holdable:
    """Per pair ``(column, int dtype, bound column)``: whether the ints can hold every value of
    this piece of the bound."""

    def __init__(self, pairs: list[tuple[Any, Any, Any]]) -> None:
        self.pairs = pairs

    def __call__(self, bound: Any) -> list[bool]:
        out = []
        for _, dtype, column in self.pairs:
            values = (bound if column is None else bound[column]).to_numpy()
            try:
                np_can_hold_element(dtype, values)
            except (LossySetitemError, ValueError, TypeError):
                out.append(False)
            else:
                out.append(True)
        return out


class ClipAtBounds:
    """pandas' ``clip`` of a partition at bounds lined up with its rows.

    ``steps``: ``(method, kind, value, present, upcast)`` per bound, lower ("ge") first:
    ``kind`` "scalar" (``value`` itself) or "input" (``value``: which extra partition);
    ``present``: which extra partition marks the labels the bound holds (None: all);
    ``upcast``: column (None for a Series) -> the dtype a replacement makes it (the whole
    bound holds a value its ints cannot)."""

    row_local = True

    def __init__(self, steps: list[tuple[Any, ...]], axis: Any) -> None:
        self.steps, self.axis = steps, axis

    def __call__(self, part: Any, *others: Any) -> Any:
        result = part
        for method, kind, value, present, upcast in self.steps:
            held = None
            if kind == "scalar":
                if pd.api.types.is_number(value):
                    # (pandas' path for numbers: the values so far compared with the bound)
                    bound = {"lower": value} if method == "ge" else {"upper": value}
                    result = result.clip(**bound)
                    continue
                threshold = fill = value
            else:
                threshold = fill = others[value]
                if present is not None:
                    held = others[present].to_numpy(dtype=object) == True  # noqa: E712
                missing = threshold.isna().to_numpy()
                if (missing if held is None else missing & _by_rows(held, missing)).any():
                    # (a missing bound is none; a label the bound lacks is compared as missing)
                    fill = threshold.fillna(np.inf if method == "le" else -np.inf)
            # (pandas compares the values clipped at no bound yet, and keeps missing values)
            keep = getattr(part, method)(fill, axis=self.axis)
            if held is not None:
                keep = keep & _by_rows(held, keep)
            keep = keep | result.isna()
            result = _upcast(result, keep, upcast)
            result = result.where(keep, threshold, axis=self.axis)
        return result

    def __repr__(self) -> str:
        return "clip"


def _by_rows(held: np.ndarray, like: Any) -> np.ndarray:
    """``held`` (one per row) for every column of ``like``."""
    return held if like.ndim == 1 else np.broadcast_to(held[:, None], like.shape)


def _upcast(result: Any, keep: Any, upcast: dict[Any, Any]) -> Any:
    """``result`` with the columns in ``upcast`` that get a replacement in their new dtype."""
    if not upcast:
        return result
    if result.ndim == 1:
        target = upcast[None]
        return result.astype(target) if not keep.all() else result
    changed = {
        c: t for c, t in upcast.items() if not keep[c].all() and result[c].dtype != t
    }
    return result.astype(changed) if changed else result


def _fits(dtype: Any, bound: Any) -> str | None:
    """How a column of ``dtype`` takes values of a bound of dtype ``bound``: "same" (never
    changes it), "ints" (ints bounded by floats: float where the bound holds a fraction or a
    missing value), None (only pandas)."""
    if dtype == bound:
        return "same"
    numpy = isinstance(dtype, np.dtype) and isinstance(bound, np.dtype)
    if numpy and dtype.kind == "f" and bound.kind in "biuf":
        return "same"
    if numpy and dtype.kind in "iu" and bound.kind == "f":
        return "ints"
    return None


def _numbers(meta: Any) -> bool:
    dtypes = [meta.dtype] if meta.ndim == 1 else list(meta.dtypes)
    return all(isinstance(t, np.dtype) and t.kind in "biuf" for t in dtypes)


def _pairs(meta: Any, bound: Any) -> list[tuple[Any, Any, Any]] | None:
    """``(column, dtype, bound column)`` of the int columns a float bound may make float, or
    None when a column cannot take the bound's values natively."""
    if meta.ndim == 1:
        columns = [(None, meta.dtype, None, bound.dtype)]
    elif bound.ndim == 1:
        columns = [(c, t, None, bound.dtype) for c, t in meta.dtypes.items()]
    else:
        if not bound.columns.is_unique or any(c not in bound.columns for c in meta.columns):
            return None  # (a column the bound lacks is all missing: pandas' own path)
        columns = [(c, t, c, bound.dtypes[c]) for c, t in meta.dtypes.items()]
    pairs = []
    for column, dtype, theirs, bound_dtype in columns:
        fit = _fits(dtype, bound_dtype)
        if fit is None:
            return None
        if fit == "ints":
            pairs.append((column, dtype, theirs))
    return pairs


def clip(obj: Any, lower: Any, upper: Any, axis: Any) -> Any:
    """``obj.clip(lower, upper, axis=axis)`` where a bound is a dframe object (or a pandas
    Series/frame bounding rows), natively; None when only pandas can do it."""
    meta = obj._known_meta()
    if meta.ndim == 2 and not meta.columns.is_unique:
        return None
    rows = axis in (0, "index") or (axis is None and meta.ndim == 1)
    if meta.ndim == 2 and axis in (1, "columns"):
        return _per_column(obj, lower, upper, axis)
    if axis is not None and not rows:
        return None
    steps, inputs, scalars = [], [], []
    has_collection = False
    for bound, method in ((lower, "ge"), (upper, "le")):
        if isinstance(bound, pd.Series | pd.DataFrame):
            bound = from_pandas(bound, npartitions=1)
        if _is_collection(bound):
            has_collection = True
        if _is_scalar(bound):
            if bound is not None and not pd.isna(bound):
                steps.append((method, "scalar", bound, None, {}))
            scalars.append(bound)
            continue
        if not _is_collection(bound):
            return None
        step = _bound_step(obj, bound, method, axis, inputs)
        if step is None:
            return None
        if step:
            steps.append(step)
        scalars.append(None)  # (a bound of missing values only: none)
    if not inputs:
        # (scalars only: the partition-wise path; with the bounds of missing values left out)
        return obj.clip(*scalars, axis=axis) if has_collection else None
    fn = ClipAtBounds(steps, None if meta.ndim == 1 else (0 if rows else None))
    return obj._map(fn, *inputs, meta=meta, label=repr(fn), by_values=True)


def _bound_step(obj: Any, bound: Any, method: str, axis: Any, inputs: list[Any]) -> Any:
    """The step of ``bound`` (its pieces appended to ``inputs``); () for a bound of missing
    values only (none, as pandas takes it); None when only pandas can do it."""
    meta = obj._meta
    rows = axis in (0, "index") or (axis is None and meta.ndim == 1)
    if not ((bound.ndim == meta.ndim and axis is None) or (bound.ndim == 1 and rows)):
        return None
    lined = obj._lined_up(bound)
    if lined is None:
        return None
    pairs = _pairs(meta, lined._known_meta())
    if pairs is None:
        return None
    present = None
    if lined is not bound:
        # another source: a label it lacks gets a missing value, unless no value is there at all
        found = bound._map(_what_is_missing, meta=pd.Series([], dtype=object),
                           preserves_rows=False)  # fmt: skip
        values, missing = zip(*lower.collect_partitions(found._plan), strict=True)
        if not any(values):
            return ()
        if any(missing) and not _numbers(bound._meta):
            # (pandas fills them with infinity, casting dates to objects (deprecated): also
            # those at labels the frame lacks, which the re-cut bound does not hold)
            return None
        marker = align.labels_held(obj, bound, repeated_labels=False)
        if marker is None:
            return None
        inputs.append(marker)
        present = len(inputs) - 1
    upcast = {}
    if pairs:
        holdable = lined._map(_Holdable(pairs), meta=pd.Series([], dtype=object),
                              preserves_rows=False)  # fmt: skip
        flags = lower.collect_partitions(holdable._plan)
        bound_dtypes = lined._meta.dtypes if lined.ndim == 2 else None
        for k, (column, dtype, theirs) in enumerate(pairs):
            if not all(f[k] for f in flags):
                theirs_dtype = lined._meta.dtype if theirs is None else bound_dtypes[theirs]
                upcast[column] = find_common_type([dtype, theirs_dtype])
    inputs.append(lined)
    return (method, "input", len(inputs) - 1, present, upcast)


def _per_column(obj: Any, lower: Any, upper: Any, axis: Any) -> Any:
    """``axis=1``: a dframe Series of one bound per column is small; pandas' own ``clip`` with
    it runs on every partition."""
    if not any(_is_collection(b) for b in (lower, upper)):
        return None
    bounds = []
    for bound in (lower, upper):
        if _is_collection(bound):
            if bound.ndim != 1 or align._lengths(bound) > _MOST_BOUNDS_PER_COLUMN:
                return None
            bound = bound.to_pandas()
        bounds.append(bound)
    return obj.clip(*bounds, axis=axis)
