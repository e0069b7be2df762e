"""The last step of a merge: the partitions agree on what pandas' one merge would have given the
whole result — dtypes (an unmatched row turns int into float in its partition only), labels
0..n-1 when no index was merged on, the index names when a side of an outer join was empty —
and lose the helper columns.

Each merged partition reports a small ``info``; one task (``Agree``) turns them into what every
partition needs, and each ``Finish`` task reads that object. No round trip through the driver:
the tasks that use the merge's result are submitted straight away.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe.algebra.rows import concat_dtype, same_dtype
from dframe.plan import meta as M
from dframe.plan.value_dtypes import cast


def info(
    part: pd.DataFrame, hidden: tuple[str, ...], tags: tuple[str, str]
) -> tuple[int, pd.DataFrame, bool, bool]:
    """Rows, empty frame of the visible columns, and whether rows came from each side (by
    their position ``tags``)."""
    visible = part.drop(columns=[c for c in hidden if c in part.columns])
    sides = [bool(part[t].notna().any()) if t in part.columns else True for t in tags]
    return len(part), visible.iloc[:0], *sides


class WithInfo:
    """Task: ``fn(*args)`` and its ``info``, as two results (the partition and its summary)."""

    def __init__(self, fn: Any, hidden: tuple[str, ...], tags: tuple[str, str]) -> None:
        self.fn, self.hidden, self.tags = fn, hidden, tags

    def __call__(self, *args: Any) -> tuple[pd.DataFrame, tuple]:
        part = self.fn(*args)
        return part, info(part, self.hidden, self.tags)


def common_dtypes(infos: list[tuple[int, pd.DataFrame, bool, bool]]) -> list | None:
    """What pandas' one merge would give, column by column (by position): every non-empty
    partition votes (int + float → float, as an unmatched row makes it). None: all agree."""
    metas = [m for n, m, *_ in infos if n] or [infos[0][1]]
    out = []
    for j in range(len(metas[0].columns)):
        out.append(concat_dtype([m.dtypes.iloc[j] for m in metas]))
    if all(all(same_dtype(a, b) for a, b in zip(m.dtypes, out, strict=True)) for _, m, *_ in infos):
        return None
    return out


class Agree:
    """Task: from every partition's ``info``, ``(dtypes, first labels, index names)``.
    ``names`` maps which input sides are empty ``(left, right)`` to the index names. A side's
    emptiness is read from the merged rows (which side they came from) unless ``empty`` gives
    it (known when planning), or ``counted`` says how many of its partitions' lengths follow
    the infos (an inner join with no match says nothing of whether its left side had rows)."""

    def __init__(
        self,
        fresh_index: bool,
        names: dict[tuple[bool, bool], Any],
        empty: tuple[bool | None, bool | None] = (None, None),
        counted: tuple[int, int] = (0, 0),
    ) -> None:
        self.fresh_index, self.names = fresh_index, names
        self.empty, self.counted = empty, counted

    def __call__(self, *args: Any) -> tuple[Any, ...]:
        infos = args[: len(args) - sum(self.counted)]
        lengths = iter(args[len(infos) :])
        starts: list[int | None] = [None] * len(infos)
        if self.fresh_index:
            starts = list(M.offsets([n for n, *_ in infos]))
        empty = []
        for side, (known, counted) in enumerate(zip(self.empty, self.counted, strict=True)):
            if known is not None:
                empty.append(known)
            elif counted:
                empty.append(not any([next(lengths) for _ in range(counted)]))
            else:
                empty.append(not any(info[2 + side] for info in infos))
        return common_dtypes(list(infos)), starts, self.names[(empty[0], empty[1])]


class Finish:
    """Partition ``j``: drop the helper columns, give it the common dtypes, its labels
    start..start+n-1 (when numbered afresh) and the index names (given ``Agree``'s answer)."""

    def __init__(self, hidden: tuple[str, ...], j: int, then: Any = None) -> None:
        self.hidden, self.j, self.then = hidden, j, then  # then: what reads it, in this task

    def __call__(self, part: pd.DataFrame, common: tuple[Any, ...]) -> Any:
        out = self._finish(part, common)
        return out if self.then is None else self.then(out)

    def _finish(self, part: pd.DataFrame, common: tuple[Any, ...]) -> pd.DataFrame:
        dtypes, starts, names = common
        start = starts[self.j]
        out = part.drop(columns=[c for c in self.hidden if c in part.columns])
        if dtypes is not None:
            # by position: column labels may repeat (get_dummies with one prefix for two columns)
            out = cast(out, list(dtypes))
        if start is not None:
            out.index = pd.RangeIndex(start, start + len(out))
        if names is not None and list(out.index.names) != list(names):
            out = out.set_axis(out.index.set_names(list(names)))
        return out
