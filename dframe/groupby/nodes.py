"""Plan nodes of a groupby: the aggregation (tree reduction or hash shuffle, chosen when the plan
runs), the shuffle that runs pandas on whole groups, and the gather of all partitions into one
task (``apply``'s combine step)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dframe import config
from dframe.algebra import shuffle
from dframe.algebra.tree_reduce import combine_partials
from dframe.groupby import cardinality
from dframe.groupby import grouped as G
from dframe.groupby import tree_reduce as T
from dframe.plan import nodes as N

# Auto strategy: shuffle when the first partition has at least this many rows and this share
# of them are distinct keys (partial aggregates would be nearly as big as the data).
SHUFFLE_MIN_ROWS = 1000
SHUFFLE_RATIO = 0.2



class _Cardinality:
    def __init__(self, spec: G.GroupSpec) -> None:
        self.spec = spec

    def __call__(self, part: pd.DataFrame) -> tuple[int, int]:
        """Rows of the partition and its estimated number of groups."""
        keys = self.spec.key_frame(cardinality.sample_rows(part))
        return len(part), cardinality.estimate_groups(keys, len(part))


def choose_strategy(
    ex: Any, parts: list[Any], spec: G.GroupSpec, split_out: int | None
) -> str:
    if split_out is not None:
        return "tree" if split_out <= 1 else "shuffle"
    forced = config.get("groupby_strategy")
    if forced != "auto":
        return forced
    if len(parts) == 1:
        return "tree"
    rows, groups = ex.get(ex.submit(_Cardinality(spec), parts[0]))
    return (
        "shuffle"
        if rows >= SHUFFLE_MIN_ROWS and groups > SHUFFLE_RATIO * rows
        else "tree"
    )


@dataclass(frozen=True, eq=False)
class GroupAgg(N.Node):
    """An aggregation of ``child`` (a work frame) per group; one output partition."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: G.GroupSpec
    op: Any
    tree: T.TreeAgg | None
    finish: G.Finish
    split_out: int | None = None

    def _derive(self) -> None:
        self._set(
            meta=self.finish.out_meta, npartitions=1, lengths=None, range_index=False
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        strategy = "shuffle" if self.tree is None else "tree"
        if self.tree is not None:
            strategy = choose_strategy(ex, parts, self.spec, self.split_out)
        if strategy == "tree":
            assert self.tree is not None
            partials = [ex.submit(T.ChunkThen(self.tree, "chunk"), p) for p in parts]
            partials = combine_partials(ex, partials, T.ChunkThen(self.tree, "combine"))
            return [ex.submit(T.ChunkThen(self.tree, "finalize"), partials[0])]
        nout = self.split_out if self.split_out and self.split_out > 1 else len(parts)
        moved = shuffle.exchange(ex, parts, nout, G.GroupSplit(self.spec, nout))
        results = [ex.submit(G.ShuffledAgg(self.spec, self.op), h) for h in moved]
        return [ex.submit(G.Assemble(self.finish), *results)]

    def input_columns(self, need: Any) -> list[frozenset | None]:
        """The keys and the aggregated columns (None: every column, when not known)."""
        if self.tree is None:
            return [None]
        values = {col for col, _ in self.tree.pairs if col is not None}
        return [frozenset(self.spec.key_columns) | values]

    def describe(self) -> str:
        return f"GroupAgg({self.op!r}, by={self.spec.key_columns})"


@dataclass(frozen=True, eq=False)
class GroupShuffle(N.Node):
    """Rows hash-shuffled by group key, ``per_part`` on each shuffled partition (every group is
    whole there), ``assemble`` of all their results into one partition in pandas' order."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: G.GroupSpec
    per_part: Any
    assemble: Any
    out_meta: Any
    split_out: int | None = None

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        nout = self.split_out if self.split_out and self.split_out > 1 else len(parts)
        moved = shuffle.exchange(ex, parts, nout, G.GroupSplit(self.spec, nout))
        results = [ex.submit(self.per_part, h) for h in moved]
        return [ex.submit(self.assemble, *results)]

    def describe(self) -> str:
        return (
            f"GroupShuffle({type(self.per_part).__name__}, by={self.spec.key_columns})"
        )


@dataclass(frozen=True, eq=False)
class Gather(N.Node):
    """One task over every partition of ``children``: ``func(counts, *partitions)``."""

    input_fields: ClassVar[tuple[str, ...]] = ("children",)

    children: tuple[N.Node, ...]
    func: Any
    out_meta: Any = None

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = [lowerer.lower(c) for c in self.children]
        flat = [h for hs in handles for h in hs]
        return [lowerer.ex.submit(self.func, len(handles[0]), *flat)]


