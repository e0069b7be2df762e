"""``concat(axis=1)``: frames and Series side by side, partition by partition.

pandas aligns the inputs on their index. Without a shuffle, dframe can line rows up in two cases:
the inputs share a partitioning (they derive row-for-row from one frame), or each has the default
global ``RangeIndex`` over the same number of rows — then cutting every input into the same
near-equal partitions puts the same labels side by side. Other inputs need a join and fall back
to pandas.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import wrap_plan


class ConcatColumns:
    """``pandas.concat(parts, axis=1)`` of one partition of each input."""

    def __init__(self, ignore_index: bool) -> None:
        self.ignore_index = ignore_index

    def __call__(self, *parts: Any) -> pd.DataFrame:
        return pd.concat(parts, axis=1, ignore_index=self.ignore_index)

    def __repr__(self) -> str:
        return "concat(axis=1)"


def _lined_up(items: list[Any]) -> list[N.Node] | None:
    """Plans of ``items`` cut so that partition i of each holds the same row labels, or None."""
    plans = [o._plan for o in items]
    first = plans[0]
    if all(p.partitioning == first.partitioning for p in plans):
        return plans
    if not all(p.range_index for p in plans):
        return None
    totals = [len(o) for o in items]
    if len(set(totals)) != 1:
        return None
    count = max(p.npartitions for p in plans)
    even = tuple(M.split_lengths(totals[0], count))
    out = []
    for o, p in zip(items, plans, strict=True):
        lengths = p.lengths
        if lengths is None:
            lengths = tuple(lower.partition_lengths(p))
        out.append(p if tuple(lengths) == even else N.Repartition(p, count))
    return out


def concat_columns(items: list[Any], ignore_index: bool) -> Any:
    """The native ``concat(items, axis=1)``, or None when pandas must align the rows."""
    plans = _lined_up(items)
    if plans is None:
        return None
    fn = ConcatColumns(ignore_index)
    # pandas names unnamed Series by position and checks duplicate labels: let it on the metas.
    meta = fn(*(M.nonempty(p.meta) for p in plans)).iloc[:0]
    node = N.MapPartitions(fn, tuple(plans), meta, label=repr(fn))
    return wrap_plan(node)
