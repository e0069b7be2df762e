"""``df.sort_values(key).groupby(k).head(n)``: the first ``n`` rows of each group in sorted
order (h2o's "largest two v3 by id6"), without moving every row into sorted order first.

pandas sorts all rows, then keeps each group's first ``n`` in that order, and the result keeps
the sorted order. Each partition can pick its own candidates: ordered as pandas orders all rows
— by global rank under pandas' unstable quicksort (the key column goes to one task, as for a
full sort), else by a stable sort — the first ``n`` rows of each of its groups. A group's first
``n`` rows overall are among its partitions' candidates, so one task ordering the candidates
the same way and taking each group's first ``n`` gives pandas' rows, in pandas' order. Only
``n`` rows per group and partition leave their partitions, not all of them twice (to sorted
order, then to their group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from dframe.plan import nodes as N
from dframe.sort.nodes import ByRank, SortSpec, SortValues, _concat, _ranks

if TYPE_CHECKING:  # (groupby imports this module: a type only, not an import at run time)
    from dframe.groupby.grouped import GroupSpec


class _FirstOfGroups:
    """A partition's first ``n`` rows of each group, in the order pandas' sort gives them."""

    def __init__(self, group: GroupSpec, n: int, sort: SortSpec | None) -> None:
        self.group, self.n, self.sort = group, n, sort

    def picked(self, rows: Any) -> np.ndarray:
        return self.group.grouped(rows, positional=True).head(self.n).index.to_numpy()

    def __call__(self, part: Any, context: Any = None) -> Any:
        if self.sort is not None:  # stable order: a local stable sort agrees with pandas'
            rows = self.sort.sort(part)
            return rows.iloc[self.picked(rows)]
        ranks = context[0]
        codes = self.group.grouped(part, positional=True).ngroup().to_numpy()
        if codes.dtype.kind == "f":  # rows of missing keys pandas drops
            codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
        keep = _lowest_per_group(codes, ranks, self.n)
        return part.iloc[keep], ranks[keep]


def _lowest_per_group(codes: np.ndarray, ranks: np.ndarray, n: int) -> np.ndarray:
    """Positions of the rows with the ``n`` lowest (distinct) ranks of each group (code >= 0),
    in rank order. A few passes of per-group minimums beat sorting every row."""
    valid = np.flatnonzero(codes >= 0)
    if n == 0 or not len(valid):
        return valid[:0]
    codes, ranks = codes[valid], ranks[valid]
    if n <= 8:
        left, done = ranks.copy(), np.iinfo(np.int64).max
        keep = np.zeros(len(valid), dtype=bool)
        lowest = np.empty(int(codes.max()) + 1, dtype=np.int64)
        for _ in range(n):
            lowest.fill(done)
            np.minimum.at(lowest, codes, left)
            first = left == lowest[codes]
            keep |= first
            left[first] = done
        picked = np.flatnonzero(keep)
    else:
        order = np.argsort(codes * (int(ranks.max()) + 1) + ranks)
        grouped = codes[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        within = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        picked = order[within < n]
    return valid[picked[np.argsort(ranks[picked])]]


class _Heads:
    """The candidates in pandas' order (ranks, or a stable sort of the pieces in partition
    order: ties keep their original order), then each group's first ``n``."""

    def __init__(self, group: GroupSpec, n: int, sort: SortSpec | None) -> None:
        self.group, self.n, self.sort = group, n, sort

    def __call__(self, *pieces: Any) -> Any:
        if self.sort is None:
            ordered = ByRank()(*pieces)
        else:
            ordered = self.sort.sort(_concat(list(pieces)))
        return self.group.grouped(ordered).head(self.n)


@dataclass(frozen=True, eq=False)
class SortedGroupHeads(N.Node):
    """``sorted.groupby(...).head(n)`` where ``sorted`` is a ``SortValues`` of ``child``."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: SortSpec
    method: str
    group: GroupSpec
    n: int
    out_meta: Any

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        sort = None if self.method == "ranks" else self.spec
        pick = _FirstOfGroups(self.group, self.n, sort)
        if sort is None:
            contexts = _ranks(ex, parts, self.spec)
            picked = [ex.submit(pick, p, c) for p, c in zip(parts, contexts, strict=True)]
        else:
            picked = [ex.submit(pick, p) for p in parts]
        return [ex.submit(_Heads(self.group, self.n, sort), *picked)]

    def describe(self) -> str:
        return f"SortedGroupHeads({list(self.spec.by)}, {self.method}, head {self.n})"


def sorted_group_heads(work: N.Node, group: GroupSpec, n: Any) -> N.Node | None:
    """The plan for ``groupby(...).head(n)`` of ``work`` when it is a sort, else None."""
    if not isinstance(work, SortValues) or not isinstance(n, int | np.integer):
        return None
    if isinstance(n, bool) or n < 0 or group.presort is not None:
        return None  # (a negative n drops each group's last rows: not a head of the order)
    meta = group.grouped(work.meta).head(n)
    return SortedGroupHeads(work.child, work.spec, work.method, group, int(n), meta)
