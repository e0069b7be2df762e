"""Partition functions of ``groupby(...).ngroup()``: each row's group number.

A group's number depends on every partition (its rank among all groups, or its order of first
appearance), so the rows are not shuffled: each partition lists its distinct keys
(``DistinctKeys``), one task numbers the distinct keys of all partitions with pandas' own
``ngroup`` (``NumberKeys``: the keys in partition order keep each one's first appearance, and
pandas applies ``sort``, ``dropna``, ``observed`` and ``ascending`` itself), and each partition
looks its rows' numbers up in that table (``LookUpNumbers``). Plan node: ``nodes.GroupNumbers``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.groupby.grouped import GroupSpec, concat_parts


def _key_frame(spec: GroupSpec, part: pd.DataFrame) -> pd.DataFrame:
    keys = spec.key_frame(part).reset_index(drop=True)
    # Not 0..k-1: pandas (3.1) numbers groups of categorical keys with observed=False wrongly
    # when the key names equal their positions.
    keys.columns = [f"key{j}" for j in range(keys.shape[1])]
    return keys


def _group_ids(keys: pd.DataFrame) -> np.ndarray:
    """Per row of ``keys``, the number of its distinct key in order of first appearance;
    missing values are keys like any other (pandas' groupby decides what equal keys are)."""
    columns = list(keys.columns)
    gb = keys.groupby(columns, sort=False, dropna=False, observed=True)
    return gb.ngroup().to_numpy()


class DistinctKeys:
    """Per partition: its distinct keys (missing ones too), in order of first appearance."""

    def __init__(self, spec: GroupSpec) -> None:
        self.spec = spec

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        return _key_frame(self.spec, part).drop_duplicates(ignore_index=True)


class NumberKeys:
    """All partitions' distinct keys, and pandas' group number of each (NaN for a key whose
    group pandas drops): ``ngroup`` over the distinct keys numbers them as over all rows."""

    def __init__(self, spec: GroupSpec, ascending: bool) -> None:
        self.spec, self.ascending = spec, ascending

    def __call__(self, *distinct: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        keys = concat_parts(distinct).drop_duplicates(ignore_index=True)
        options = {name: self.spec.opt(name) for name in ("sort", "dropna", "observed")}
        gb = keys.groupby(list(keys.columns), **options)
        return keys, gb.ngroup(ascending=self.ascending).to_numpy()


class LookUpNumbers:
    """Per partition: each row's group number, from ``NumberKeys``' table."""

    def __init__(self, spec: GroupSpec) -> None:
        self.spec = spec

    def __call__(self, part: pd.DataFrame, table: tuple[pd.DataFrame, np.ndarray]) -> Any:
        keys, numbers = table
        mine = _key_frame(self.spec, part)
        # The table's keys first: each row of the partition gets the id of its table row.
        ids = _group_ids(concat_parts([keys, mine]).reset_index(drop=True))
        by_id = np.empty(len(keys), dtype=numbers.dtype)
        by_id[ids[: len(keys)]] = numbers
        return pd.Series(by_id[ids[len(keys) :]], index=part.index)
