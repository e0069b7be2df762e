"""Partition functions of per-group windows (``groupby(...).rolling()``, ``.expanding()``,
``.ewm()``): pandas' window per shuffled partition, rows given back their labels, then all
partitions' rows in pandas' order (groups in group order, rows in their order)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.groupby.grouped import POS, GroupSpec, concat_parts, positional_frame


class WindowPart:
    """Per shuffled partition: a per-group window result (``rolling``, ``expanding`` ...) whose
    rows are rows of the partition, run over positional labels and given back the original
    ones; with, per row, its global position, its group's first position and its keys."""

    def __init__(self, spec: GroupSpec, op: Any) -> None:
        self.spec, self.op = spec, op

    def __call__(self, part: pd.DataFrame) -> tuple[Any, Any, Any, Any]:
        gb = self.spec.grouped(part, positional=True, sort=False, observed=True)
        if gb.ngroups == 0:
            empty = np.zeros(0, np.int64)
            return part.iloc[:0], empty, empty, None
        result = self.op(gb)
        index = result.index
        last = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) else index
        at = np.asarray(last, dtype=np.int64)
        labels = part.index.take(at)
        if isinstance(index, pd.MultiIndex):
            keys = [index.get_level_values(i) for i in range(index.nlevels - 1)]
            inner = (
                [labels.get_level_values(i) for i in range(labels.nlevels)]
                if isinstance(labels, pd.MultiIndex)
                else [labels]
            )
            result.index = pd.MultiIndex.from_arrays(
                keys + inner, names=[*index.names[:-1], *labels.names]
            )
        else:
            result.index = labels
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


class WindowAssemble:
    """``WindowPart`` results in pandas' order: groups in group order, rows in their order."""

    def __init__(self, sort: bool, empty: Any) -> None:
        self.sort, self.empty = sort, empty

    def __call__(self, *pieces: tuple[Any, Any, Any, Any]) -> Any:
        full = [p for p in pieces if len(p[0])]
        if not full:
            return self.empty
        result = concat_parts([p[0] for p in full])
        pos = np.concatenate([p[1] for p in full])
        if self.sort:
            keys = pd.concat([p[3] for p in full], ignore_index=True)
            rank = keys.groupby(
                list(keys.columns), sort=True, dropna=False, observed=True
            ).ngroup()
            order = np.lexsort((pos, rank.to_numpy()))
        else:
            order = np.lexsort((pos, np.concatenate([p[2] for p in full])))
        return result.iloc[order]
