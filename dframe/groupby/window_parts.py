"""Partition functions of per-group windows (``groupby(...).rolling()``, ``.expanding()``,
``.ewm()``): pandas' window per shuffled partition, then all partitions' rows in pandas' order
(groups in group order, rows in their order) and pandas' index levels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.groupby.grouped import POS, GroupSpec, concat_parts, positional_frame
from dframe.groupby.levels import pandas_levels


class WindowPart:
    """Per shuffled partition: pandas' per-group window result (``rolling``, ``expanding`` ...)
    over the partition's rows, labels and all (a time-based window reads the index); with,
    per result row, its global position, its group's first position and its keys."""

    def __init__(self, spec: GroupSpec, op: Any) -> None:
        self.spec, self.op = spec, op

    def __call__(self, part: pd.DataFrame) -> tuple[Any, Any, Any, Any]:
        gb = self.spec.grouped(part, sort=False, observed=True)
        if gb.ngroups == 0 or self._only_missing_category(part):
            # (pandas' windows leave out the missing group of one categorical key even with
            # dropna=False, and raise when a partition has no other group)
            empty = np.zeros(0, np.int64)
            return part.iloc[:0], empty, empty, None
        result = self.op(gb)
        # pandas' windows give each group's rows, groups in the order of ``indices``.
        groups = list(gb.indices.values())
        at = np.concatenate(groups) if groups else np.zeros(0, np.int64)
        if len(at) != len(result):
            msg = f"per-group window gave {len(result)} rows for {len(at)}"
            raise AssertionError(msg)
        pos = part[POS].to_numpy()
        firsts = (
            part[POS]
            .groupby(
                self.spec.key_series(part), sort=False, dropna=False, observed=True
            )
            .transform("min")
            .to_numpy()
        )
        keys_frame = positional_frame(self.spec.key_frame(part)).take(at)
        return result, pos[at], firsts[at], keys_frame

    def _only_missing_category(self, part: pd.DataFrame) -> bool:
        keys = self.spec.key_series(part)
        return (
            len(keys) == 1
            and isinstance(keys[0].dtype, pd.CategoricalDtype)
            and bool(keys[0].isna().all())
        )


class WindowAssemble:
    """``WindowPart`` results in pandas' order (groups in group order, rows in their order),
    with pandas' index levels: the ``nkeys`` group keys' and the rows' own labels."""

    def __init__(self, sort: bool, nkeys: int, empty: Any) -> None:
        self.sort, self.nkeys, self.empty = sort, nkeys, empty

    def __call__(self, seen: Any, *pieces: tuple[Any, Any, Any, Any]) -> Any:
        """``seen``: the keys' values in rows pandas drops (see ``levels``), or None."""
        full = [p for p in pieces if len(p[0])]
        if not full:
            return self.empty
        result = concat_parts([p[0] for p in full])
        pos = np.concatenate([p[1] for p in full])
        firsts = np.concatenate([p[2] for p in full])
        if self.sort:
            keys = pd.concat([p[3] for p in full], ignore_index=True)
            rank = keys.groupby(
                list(keys.columns), sort=True, dropna=False, observed=True
            ).ngroup()
            order = np.lexsort((pos, rank.to_numpy()))
        else:
            order = np.lexsort((pos, firsts))
        result = result.iloc[order]
        return result.set_axis(self._levels(result.index, firsts[order], seen))

    def _levels(self, index: pd.Index, firsts: np.ndarray, seen: Any) -> pd.Index:
        sorts = [self.sort] * self.nkeys
        index = pandas_levels(index, sorts, [True] * self.nkeys, firsts, seen)
        if not isinstance(index, pd.MultiIndex) or index.nlevels != self.nkeys + 1:
            return index
        # pandas appends a flat index of the rows as ``MultiIndex.from_arrays`` makes it
        # (values sorted, missing ones not a level value).
        own = pd.MultiIndex.from_arrays([index.get_level_values(-1)])
        return pd.MultiIndex(
            levels=[*index.levels[:-1], own.levels[0]],
            codes=[*index.codes[:-1], own.codes[0]],
            names=index.names,
            verify_integrity=False,
        )
