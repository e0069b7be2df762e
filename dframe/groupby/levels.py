"""The index levels of groupby results, as pandas makes them.

Behind a MultiIndex's values are its levels: each level's distinct values in some order. Equal
indexes with different levels are equal, yet ``unstack`` (and whatever reads the levels) orders
them differently, so a result assembled from per-partition pieces must carry pandas' levels,
not those the pieces happened to bring.

pandas makes a key's level from the key over all rows: its distinct values, sorted (missing
last) with ``sort=True`` or in order of first appearance, a missing value a level value only
with ``dropna=False``. "All rows" includes rows whose group pandas drops because another key
(or, in ``value_counts``, a counted value) is missing: their values are level values no result
row uses, and count for the order of first appearance. ``KeyValues`` collects them in the same
pass over the partitions that computes the result (only the dropped rows', which takes no
hashing when there are none); ``pandas_levels`` builds the levels from the result's rows, their
groups' first positions and those values.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

_LAST = np.iinfo(np.int64).max


def can_be_missing(dtype: Any) -> bool:
    """Whether a column of ``dtype`` can hold a missing value (numpy ints and bools cannot)."""
    return not (isinstance(dtype, np.dtype) and dtype.kind in "biu")


class KeyValues:
    """Per partition (whose first row has global position ``base``): the rows pandas drops
    for a missing value of a column with ``dropna``, and per column their distinct values
    with the position of each one's first row; None when no row is dropped. ``full``: every
    row's values (for a result whose rows carry no positions)."""

    def __init__(self, columns: list[Hashable], dropna: list[bool], full: bool, base: int) -> None:
        self.columns, self.dropna, self.full, self.base = columns, dropna, full, base

    def __call__(self, part: pd.DataFrame) -> list[tuple[pd.Index, np.ndarray]] | None:
        rows = np.ones(len(part), dtype=bool)
        if not self.full:
            rows[:] = False
            for c, drop in zip(self.columns, self.dropna, strict=True):
                if drop:
                    rows |= part[c].isna().to_numpy()
            if not rows.any():
                return None
        at = np.flatnonzero(rows)
        out = []
        for c in self.columns:
            values = pd.Index(part[c].array.take(at))
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            first = np.full(len(uniques), _LAST, dtype=np.int64)
            np.minimum.at(first, codes, at.astype(np.int64) + self.base)
            out.append((uniques, first))
        return out


class MergeKeyValues:
    """``KeyValues`` of all partitions: per column, the distinct values and the global
    position of each one's first row (None when no partition has any)."""

    def __call__(self, *per_part: Any) -> list[tuple[pd.Index, np.ndarray]] | None:
        parts = [p for p in per_part if p is not None]
        if not parts:
            return None
        return [_first_seen(list(pieces)) for pieces in zip(*parts, strict=True)]


def _first_seen(pieces: list[tuple[pd.Index, np.ndarray]]) -> tuple[pd.Index, np.ndarray]:
    values = pieces[0][0].append([p[0] for p in pieces[1:]]) if len(pieces) > 1 else pieces[0][0]
    positions = np.concatenate([p[1] for p in pieces])
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    first = np.full(len(uniques), _LAST, dtype=np.int64)
    np.minimum.at(first, codes, positions)
    return uniques, first


def pandas_levels(
    index: pd.Index,
    sorts: list[bool],
    dropna: list[bool],
    firsts: Any = None,
    seen: list[tuple[pd.Index, np.ndarray]] | None = None,
) -> pd.Index:
    """``index`` (a result's rows) with its first ``len(sorts)`` levels as pandas makes them.

    ``firsts``: per row, the global position of its group's first row (without them, the rows
    are in order of first appearance, or ``seen`` holds every row's values); ``seen``: the
    values of dropped rows (``MergeKeyValues``); ``dropna``: per level, whether a missing
    value of those is no level value.
    """
    if not isinstance(index, pd.MultiIndex) or len(index) == 0:
        return index
    all_levels, all_codes = list(index.levels), list(index.codes)
    for j, sort in enumerate(sorts):
        codes, level = _factorize_level(index, j)  # in row order
        if firsts is not None:
            first = np.full(len(level), _LAST, dtype=np.int64)
            np.minimum.at(first, codes, np.asarray(firsts, dtype=np.int64))
        elif seen is not None:
            first = np.full(len(level), _LAST, dtype=np.int64)  # ``seen`` has every row
        else:
            first = np.arange(len(level), dtype=np.int64)
        if seen is not None and len(seen[j][0]):
            extra, extra_first = seen[j]
            if dropna[j]:
                keep = ~np.asarray(extra.isna())
                extra, extra_first = extra[keep], extra_first[keep]
            both = level.append(extra)
            if both.dtype == level.dtype:
                codes_both, level = pd.factorize(both, use_na_sentinel=False)
                first_both = np.full(len(level), _LAST, dtype=np.int64)
                np.minimum.at(first_both, codes_both, np.concatenate([first, extra_first]))
                first = first_both
        # (the level's values are unique: reordering it renumbers the rows' codes, no lookup)
        if sort:
            renumber, level = pd.factorize(level, sort=True, use_na_sentinel=False)
        else:
            order = np.argsort(first, kind="stable")
            level = level.take(order)
            renumber = np.empty(len(order), dtype=np.intp)
            renumber[order] = np.arange(len(order))
        all_levels[j], all_codes[j] = level, renumber[codes]
    return pd.MultiIndex(
        levels=all_levels, codes=all_codes, names=index.names, verify_integrity=False
    )


def _factorize_level(index: pd.MultiIndex, j: int) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of level ``j``'s value per row (missing values kept as a value): from
    the level's integer codes, without making the values, unless a row misses its value."""
    codes, used = pd.factorize(index.codes[j])
    if len(used) and used.min() < 0:
        return pd.factorize(index.get_level_values(j), use_na_sentinel=False)
    return codes, index.levels[j].take(used).rename(None)


def needs_key_values(dtypes: list[Any], dropna: list[bool]) -> bool:
    """Whether rows can be dropped for a missing value while other levels keep values
    (several levels, one of them dropping missing values it can hold)."""
    return len(dtypes) > 1 and any(
        drop and can_be_missing(d) for d, drop in zip(dtypes, dropna, strict=True)
    )
