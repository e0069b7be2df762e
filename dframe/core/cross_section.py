"""``xs`` (``df.xs("a")``, ``df.xs(3, level="y")``, ``df.xs("a", axis=1)``) and the row labels
``loc`` reads as a cross-section on a MultiIndex (``df.loc["a"]``, ``df.loc[("a", 5)]``).

Rows: each partition keeps the rows pandas' own lookup of the key finds in that partition's index
(a partition without the key keeps none: only when no partition has it does pandas raise), and
cuts the levels pandas drops. Whether there was a row at all, and whether a key on every level
found exactly one (pandas then returns that row as a Series, or a Series' value), are the only
decisions the data makes: the selected partitions are computed at once and their lengths counted
(the result is that computed selection, not a second pass). Columns (``axis=1``) are metadata:
pandas' ``xs`` runs on each partition and on the empty frame for the result's shape.

Left to pandas (``UNDECIDED``): text a datetime level reads as a date (a partial date selects a
range and keeps levels), keys holding slices or lists, tuples that may be labels of an object
level (or of a flat index), ``level=`` with a tuple key on a single level.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
from pandas.errors import PerformanceWarning

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.execution import lower

UNDECIDED = object()  # "pandas must decide": the caller falls back


# -- partition functions -----------------------------------------------------------------------


def _as_rows(loc: Any) -> Any:
    """pandas' location (a position, a slice or a boolean mask) as an ``iloc`` key that keeps
    the frame's shape."""
    if isinstance(loc, int | np.integer):
        return slice(int(loc), int(loc) + 1)
    return loc


def _located(index: pd.Index, key: Any, levels: Any) -> Any:
    """Where pandas' cross-section lookup finds ``key`` in ``index`` (None where it raises
    ``KeyError``). ``levels``: positions as pandas' ``_get_loc_level`` takes them (positions,
    not names: a level may be named by another level's number)."""
    try:
        if not isinstance(index, pd.MultiIndex):
            return index.get_loc(key)
        loc, _ = index._get_loc_level(key, level=levels)
        return loc
    except KeyError:
        return None


class _Rows:
    """The rows of a partition at ``key`` (none where the partition lacks it), without the index
    levels ``drop`` (positions, highest first: pandas pops them one by one)."""

    def __init__(self, key: Any, levels: Any, drop: tuple[int, ...]) -> None:
        self.key, self.levels, self.drop = key, levels, drop

    def __call__(self, part: Any) -> Any:
        loc = _located(part.index, self.key, self.levels)
        out = part.iloc[:0] if loc is None else part.iloc[_as_rows(loc)]
        if self.drop:
            out = out.set_axis(out.index._drop_level_numbers(list(self.drop)), axis=0)
        return out

    def __repr__(self) -> str:
        return f"xs({self.key!r})"


class _Found:
    """Which of the ``(key, level)`` lookups find a row in this partition."""

    def __init__(self, lookups: list[tuple[Any, int]]) -> None:
        self.lookups = lookups

    def __call__(self, part: Any) -> list[bool]:
        return [_located(part.index, k, lev) is not None for k, lev in self.lookups]


class _PrefixOrder:
    """For pandas' PerformanceWarning on a partial tuple ``key``: the partition's lexsort depth
    (how many leading levels are in order), its first and last labels cut to the key's length
    (the seams), and whether its rows hold each leading part ``key[:j]`` (pandas looks those
    up in order before it warns)."""

    def __init__(self, key: tuple) -> None:
        self.key = key

    def __call__(self, part: Any) -> tuple[int, Any, Any, list[bool]] | None:
        index, k = part.index, len(self.key)
        if not len(index):
            return None
        leads = [_located(index, self.key[:j], list(range(j))) is not None for j in range(1, k)]
        return index._lexsort_depth, index[0][:k], index[-1][:k], leads


# -- plan-time reading of the key ---------------------------------------------------------------


def _levels(index: pd.Index) -> list[pd.Index]:
    return list(index.levels) if isinstance(index, pd.MultiIndex) else [index]


def _reads_as_date(level: pd.Index, label: Any) -> bool:
    """A string on a datetime-like level that pandas may read as a partial date (a range of
    labels, and levels kept); text that is no date is a plain missing label."""
    if not isinstance(label, str) or not getattr(level, "_supports_partial_string_indexing", 0):
        return False
    if not isinstance(level, pd.DatetimeIndex):
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (pandas' own deprecations: it warns when it reads)
            pd.Timestamp(label)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _never_found(level: pd.Index, label: Any) -> bool:
    """A label pandas' lookup on ``level`` cannot find whatever the data (its KeyError, known
    without a pass over the rows): text on a level of numbers or dates, a number on text."""
    dtype = level.dtype
    if isinstance(label, str):
        if isinstance(level, pd.DatetimeIndex):
            return not _reads_as_date(level, label)
        return pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    number = isinstance(label, int | float | np.number) and not pd.isna(label)
    return number and isinstance(dtype, pd.StringDtype)


def _plain_label(value: Any) -> bool:
    return not isinstance(value, tuple | list | slice | np.ndarray | pd.Index | pd.Series)


class _Reading:
    """How pandas reads ``xs(key, level=...)`` on ``index``: the lookup (``levels`` as
    ``_get_loc_level`` takes them), the ``(label, level)`` pairs it checks, the levels it drops,
    whether a key on every level was given (``whole``), and the depth of a partial tuple (the
    lexsort depth pandas wants, or warns)."""

    def __init__(self, index: pd.Index, key: Any, level: Any, drop_level: bool) -> None:
        self.ok = True
        self.whole = False
        self.partial = 0
        self.levels: Any = 0
        drop: list[int] = []
        multi = isinstance(index, pd.MultiIndex)
        nlevels = index.nlevels
        if not multi:
            self.ok = _plain_label(key)
            self.whole, self.pairs = True, [(key, 0)]
        elif level is None and isinstance(key, tuple):
            # a tuple may itself be one label of an object level (pandas tries that first)
            self.ok = 0 < len(key) <= nlevels and index.levels[0].dtype != object
            self.ok = self.ok and all(_plain_label(k) for k in key)
            self.pairs = list(zip(key, range(nlevels), strict=False))
            if len(key) == nlevels:
                self.whole = True
            else:
                # pandas' get_loc: the rows matching each label (no PerformanceWarning here)
                self.partial, self.levels = len(key), list(range(len(key)))
                drop = list(range(len(key)))
        elif isinstance(level, list | tuple | range):
            numbers = [index._get_level_number(lev) for lev in level]
            self.ok = isinstance(key, tuple) and all(_plain_label(k) for k in key)
            self.pairs = list(zip(key, numbers, strict=False)) if self.ok else []
            self.levels, drop = numbers, numbers
        else:
            self.levels = 0 if level is None else index._get_level_number(level)
            self.ok = _plain_label(key)
            self.pairs, drop = [(key, self.levels)], [self.levels]
        levels = _levels(index)
        self.ok = self.ok and not any(_reads_as_date(levels[lev], k) for k, lev in self.pairs)
        # a whole key or one label: pandas' KeyError(key) when some label cannot be there
        one_lookup = self.whole or not isinstance(level, list | tuple | range) and not self.partial
        self.hopeless = one_lookup and any(_never_found(levels[lev], k) for k, lev in self.pairs)
        kept = set(range(nlevels)) - set(drop)
        self.drop = tuple(sorted(set(drop), reverse=True)) if drop_level and kept else ()


# -- rows ----------------------------------------------------------------------------------------


def select_rows(obj: Any, key: Any, level: Any = None, drop_level: bool = True) -> Any:
    """``obj.xs(key, level=level, drop_level=drop_level)`` along the rows, or ``UNDECIDED``."""
    meta = obj._meta
    try:
        # pandas' argument errors (a list key, levels of a flat index, an unknown level, key and
        # levels of different lengths ...): on no rows any key is missing, so they come first
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PerformanceWarning)
            meta.xs(key, level=level, drop_level=drop_level)
    except KeyError as err:
        too_long = isinstance(meta.index, pd.MultiIndex) and level is None
        if too_long and isinstance(key, tuple) and len(key) > meta.index.nlevels:
            raise err from None  # pandas' "Key length (3) exceeds index depth (2)"
    reading = _Reading(meta.index, key, level, drop_level)
    if not reading.ok:
        return UNDECIDED
    if reading.hopeless:
        raise KeyError(key)  # (``df.loc["a", "x"]`` tries ("a", "x") as a row first: no pass)
    fn = _Rows(key, reading.levels, reading.drop)
    picked = obj._map(fn, meta=fn(meta), label=repr(fn), preserves_rows=False, probe=False)
    found = sum(lower.partition_lengths(picked._plan))  # computes the selection, once
    if reading.partial and _past_lexsort_depth(obj, key):
        msg = "indexing past lexsort depth may impact performance."
        warnings.warn(msg, PerformanceWarning, stacklevel=fallback._user_stacklevel())
    if not found:
        if isinstance(level, list | tuple | range):
            _raise_missing_level_label(obj, reading.pairs)
            return picked  # every label is there, never together: no rows
        raise KeyError(key)
    if not (reading.whole and found == 1):
        return picked
    if isinstance(meta, pd.DataFrame) and not drop_level and reading.levels == 0 and (
        isinstance(meta.index, pd.MultiIndex)
    ):
        return picked  # pandas keeps the one row as a frame, labels and all
    row = picked.to_pandas().iloc[0]
    return fallback.wrap(row, 1) if isinstance(meta, pd.DataFrame) else row


def _raise_missing_level_label(obj: Any, pairs: list[tuple[Any, int]]) -> None:
    """pandas' ``KeyError`` for the first label of a ``level=[...]`` key found on no row."""
    probe = obj._map(_Found(pairs), meta=None, label="xs labels found", preserves_rows=False)
    found = [any(col) for col in zip(*lower.collect_partitions(probe._plan), strict=True)]
    for (label, _), hit in zip(pairs, found or [False] * len(pairs), strict=True):
        if not hit:
            raise KeyError(label)


def _past_lexsort_depth(obj: Any, key: tuple) -> bool:
    """Whether pandas warns looking up the partial tuple ``key``: the whole index is in order
    (as pandas' lexsort depth counts: missing labels first) on fewer leading levels than the
    key has, and the part of the key on those levels is there (else pandas raises first)."""
    summary = obj._map(_PrefixOrder(key), meta=None, label="index order", preserves_rows=False)
    parts = [p for p in lower.collect_partitions(summary._plan) if p is not None]
    if not parts:
        return False
    depth = min(p[0] for p in parts)
    for (_, _, last, _), (_, first, _, _) in itertools.pairwise(parts):
        try:
            seam = pd.MultiIndex.from_tuples([last, first])._lexsort_depth
        except TypeError:  # labels that do not compare: no order
            seam = 0
        depth = min(depth, seam)
    if depth >= len(key):
        return False
    return depth == 0 or any(p[3][depth - 1] for p in parts)


# -- columns -------------------------------------------------------------------------------------


def select_columns(obj: Any, key: Any, level: Any, drop_level: bool) -> Any:
    """``obj.xs(key, axis=1, ...)``: the columns are the same in every partition, so pandas'
    ``xs`` on each one (and on the empty frame, for the result's shape and pandas' errors)."""
    fn = MethodCall("xs", key, axis=1, level=level, drop_level=drop_level)
    return obj._map(fn, meta=fn(obj._meta), label=f"xs({key!r}, axis=1)", probe=False)


# -- façade --------------------------------------------------------------------------------------


class CrossSectionMethods:
    """Mixed into ``Collection``."""

    def xs(self: Any, key: Any, axis: Any = 0, level: Any = None, drop_level: bool = True) -> Any:
        """The cross-section at ``key``: the rows (or columns) whose label is ``key`` on the
        given levels, those levels dropped (see pandas). Rows are selected in each partition;
        a key on every level of a unique index gives the row (a Series' value)."""
        number = self._meta._get_axis_number(axis)  # pandas' error for a bad axis
        if number == 1:
            return select_columns(self, key, level, drop_level)
        out = select_rows(self, key, level, drop_level)
        if out is UNDECIDED:
            kwargs = {"axis": axis, "level": level, "drop_level": drop_level}
            return fallback.call_method(self, "xs", (key,), kwargs)
        return out

