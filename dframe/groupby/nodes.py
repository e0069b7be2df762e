"""Plan nodes of a groupby: the aggregation (tree reduction or hash shuffle, chosen when the plan
runs), the shuffle that runs pandas on whole groups, the gather of all partitions into one
task (``apply``'s combine step) and the numbering of groups (``ngroup``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dframe import config
from dframe.algebra import shuffle
from dframe.algebra.tree_reduce import combine_partials
from dframe.groupby import cardinality
from dframe.groupby import group_numbers as GN
from dframe.groupby import grouped as G
from dframe.groupby import levels as L
from dframe.groupby import split_agg
from dframe.groupby import tree_reduce as T
from dframe.plan import nodes as N

# Auto strategy: shuffle when the first partition has at least this many rows and an estimated
# share of groups this high (partial aggregates would be nearly as big as the data). Below it,
# merging all partials in one task costs less than a probe's round trip.
SHUFFLE_MIN_ROWS = 10_000
SHUFFLE_RATIO = 0.2


class _Cardinality:
    def __init__(self, spec: G.GroupSpec) -> None:
        self.spec = spec

    def __call__(self, part: pd.DataFrame) -> tuple[int, int]:
        """Rows of the partition and its estimated number of groups."""
        keys = self.spec.key_frame(cardinality.sample_rows(part))
        return len(part), cardinality.estimate_groups(keys, len(part))


def _tree_only(child: N.Node) -> bool:
    """The tree without asking the data: forced, or partitions known to be small (merging
    their partials in one task is cheap whatever the groups; no probe round trip)."""
    forced = config.get("groupby_strategy")
    if forced != "auto":
        return forced == "tree"
    return child.lengths is not None and max(child.lengths, default=0) < SHUFFLE_MIN_ROWS


def choose_strategy(
    ex: Any, parts: list[Any], spec: G.GroupSpec, split_out: int | None, child: N.Node
) -> str:
    if split_out is not None:
        return "tree" if split_out <= 1 else "shuffle"
    forced = config.get("groupby_strategy")
    if forced != "auto":
        return forced
    if len(parts) == 1 or _tree_only(child):
        return "tree"
    rows, groups = ex.get(ex.submit(_Cardinality(spec), parts[0]))
    return (
        "shuffle"
        if rows >= SHUFFLE_MIN_ROWS and groups > SHUFFLE_RATIO * rows
        else "tree"
    )


def key_values(
    ex: Any, parts: list[Any], columns: list[Any], dropna: list[bool], full: bool = False
) -> Any:
    """The handle of ``columns``' values in the rows pandas drops (``levels.KeyValues``, of
    every row with ``full``), or None without columns."""
    if not columns:
        return None
    per_part = [
        ex.submit(L.KeyValues(columns, dropna, full, G.position_base(i)), p)
        for i, p in enumerate(parts)
    ]
    return ex.submit(L.MergeKeyValues(), *per_part)


ORDERED = frozenset(("first", "last"))  # aggregations whose result follows the rows' order


@dataclass(frozen=True, eq=False)
class GroupAgg(N.Node):
    """An aggregation of ``child`` (a work frame) per group; one output partition."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)
    aggregates: ClassVar[bool] = True

    child: N.Node
    spec: G.GroupSpec
    op: Any
    tree: T.TreeAgg | None
    finish: G.Finish
    split_out: int | None = None
    # The value columns the aggregation reads (None: not known, every column).
    used: frozenset | None = None

    def _derive(self) -> None:
        frame = isinstance(self.finish.out_meta, pd.DataFrame)
        renumbered = frame and self.spec.options.get("as_index", True) is False
        self._set(
            meta=self.finish.out_meta,
            npartitions=self._split_into(),
            lengths=None,
            range_index=renumbered and not self.spec.series,
        )

    def _split_into(self) -> int:
        """Output partitions: the groups stay spread over as many partitions as the input
        (``split_agg``) when the shuffle may be chosen and each partition can be finished
        alone; else one."""
        finish, nin = self.finish, self.child.npartitions
        if self.split_out is not None and self.split_out <= 1 or nin <= 1:
            return 1
        if self.split_out is None and _tree_only(self.child):
            return 1
        if finish.complete or finish.by_level or self.spec.presort is not None:
            return 1
        columns = finish.level_columns
        if L.needs_key_values([self.child.meta[c].dtype for c in columns], [True] * len(columns)):
            return 1  # levels need the keys of every row, which one task collects
        if not split_agg.sortable([self.child.meta[c].dtype for c in self.spec.key_columns]):
            return 1
        return self.split_out if self.split_out is not None else nin

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        strategy = "shuffle" if self.tree is None else "tree"
        if self.tree is not None:
            strategy = choose_strategy(ex, parts, self.spec, self.split_out, self.child)
        if strategy == "tree":
            assert self.tree is not None
            partials = [ex.submit(T.ChunkThen(self.tree, "chunk"), p) for p in parts]
            partials = combine_partials(ex, partials, T.ChunkThen(self.tree, "combine"))
            # Partials carry no row positions: unsorted levels need every row's values.
            seen = self._key_values(ex, parts, full=not self.spec.opt("sort"))
            finalize = T.ChunkThen(self.tree, "finalize")
            args = (partials[0],) if seen is None else (partials[0], seen)
            out = [lowerer.last_step(self, finalize, *args)]
            if self.npartitions > 1:  # few groups after all: the rest stay empty
                out += [ex.put(self.finish.empty)] * (self.npartitions - 1)
            return out
        if self.npartitions > 1:
            nout = self.npartitions
            if self.tree is not None:
                out = split_agg.tree_lower(ex, parts, self.tree, nout)
            else:
                out = split_agg.rows_lower(ex, parts, self.spec, self.op, self.finish, nout)
            if self.range_index:
                out = lowerer._renumber(out, ex.get([ex.submit(len, h) for h in out]))
            return out
        nout = self.split_out if self.split_out and self.split_out > 1 else len(parts)
        moved = shuffle.exchange(ex, parts, nout, G.GroupSplit(self.spec, nout))
        results = [ex.submit(G.ShuffledAgg(self.spec, self.op), h) for h in moved]
        seen = self._key_values(ex, parts, full=False)
        return [ex.submit(G.Assemble(self.finish), seen, *results)]

    def _key_values(self, ex: Any, parts: list[Any], full: bool) -> Any:
        columns = self.finish.level_columns
        dropna = [True] * len(columns)
        dtypes = [self.child.meta[c].dtype for c in columns]
        if not L.needs_key_values(dtypes, dropna):
            return None
        return key_values(ex, parts, columns, dropna, full)

    def input_order(self) -> str:
        """Sorted groups of statistics blind to the rows' order (not first/last) come out the
        same whatever order the rows arrive in, and the rows' labels are not looked at."""
        tree, finish = self.tree, self.finish
        if tree is None or not self.spec.opt("sort") or finish.by_level:
            return "uses"
        if self.spec.presort is not None or any(name in ORDERED for _, name in tree.pairs):
            return "uses"
        return "ignores"

    def input_columns(self, need: Any) -> list[frozenset | None]:
        """The keys and the aggregated columns (None: every column, when not known)."""
        if self.used is None:
            return [None]
        hidden = [] if self.spec.presort is None else [self.spec.presort]
        return [frozenset(self.spec.key_columns) | self.used | frozenset(hidden)]

    def describe(self) -> str:
        return f"GroupAgg({self.op!r}, by={self.spec.key_columns})"


@dataclass(frozen=True, eq=False)
class GroupShuffle(N.Node):
    """Rows hash-shuffled by group key, ``per_part`` on each shuffled partition (every group is
    whole there), ``assemble`` of all their results into one partition in pandas' order; its
    first argument is ``key_values`` of ``level_columns``, or None."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: G.GroupSpec
    per_part: Any
    assemble: Any
    out_meta: Any
    split_out: int | None = None
    # Columns (and whether each drops missing values) of the result's index levels whose
    # values in dropped rows are level values too (``key_values``).
    level_columns: tuple[Any, ...] = ()
    level_dropna: tuple[bool, ...] = ()

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        nout = self.split_out if self.split_out and self.split_out > 1 else len(parts)
        moved = shuffle.exchange(ex, parts, nout, G.GroupSplit(self.spec, nout))
        results = [ex.submit(self.per_part, h) for h in moved]
        seen = key_values(ex, parts, list(self.level_columns), list(self.level_dropna))
        return [ex.submit(self.assemble, seen, *results)]

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


@dataclass(frozen=True, eq=False)
class GroupNumbers(N.Node):
    """Each row of ``child`` (a work frame) numbered by its group (``ngroup``): the partitions'
    distinct keys are numbered in one task, whose table every partition then reads; the rows
    stay where they are, so the result lines up with the frame."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: G.GroupSpec
    ascending: bool
    out_meta: Any

    def _derive(self) -> None:
        child = self.child
        self._set(
            meta=self.out_meta,
            npartitions=child.npartitions,
            lengths=child.lengths,
            range_index=child.range_index,
        )

    @property
    def partitioning(self) -> Any:
        return self.child.partitioning

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        distinct = [ex.submit(GN.DistinctKeys(self.spec), p) for p in parts]
        table = ex.submit(GN.NumberKeys(self.spec, self.ascending), *distinct)
        look_up = GN.LookUpNumbers(self.spec)
        return [ex.submit(look_up, p, table) for p in parts]

    def describe(self) -> str:
        return f"GroupNumbers(by={self.spec.key_columns})"
