"""The plan's vocabulary: every node kind in one namespace (``from dframe.plan import nodes as
N``). The base class lives in ``node``, the sources in ``sources``; here are the operations
shared by every family: partition-wise maps, projection, filters, assignment, reductions, maps
with context from other partitions, concatenation, repartitioning, partition selection and
renumbering."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dframe.plan import meta as M
from dframe.plan.node import Node, _same_partitions, _Token, division_of, format_plan  # noqa: F401
from dframe.plan.sources import (
    FromPandas,
    Materialized,
    PartitionReader,
    ReadCSV,
    ReadParquet,
)

__all__ = [
    "Assign", "Concat", "Filter", "FromPandas", "MapPartitions", "MapWithContext",
    "Materialized", "Node", "PartitionReader", "Project", "ReadCSV", "ReadParquet", "Reduce",
    "Renumbered", "Repartition", "SelectPartitions", "division_of", "format_plan",
]  # fmt: skip


@dataclass(frozen=True, eq=False)
class MapPartitions(Node):
    """``func`` applied to the i-th partition of each input.

    ``preserves_rows``: output partition i has exactly the rows (and labels) of input i.
    ``columnwise``: output column c depends only on input column c (so unused columns can be
    pruned below it).
    """

    partitionwise: ClassVar[bool] = True
    input_fields: ClassVar[tuple[str, ...]] = ("inputs_",)

    func: Callable[..., Any]
    inputs_: tuple[Node, ...]
    out_meta: Any
    label: str = "map"
    preserves_rows: bool = True
    columnwise: bool = False

    def _derive(self) -> None:
        _same_partitions(self.inputs_)
        first = self.inputs_[0]
        keep = self.preserves_rows
        self._set(
            meta=self.out_meta,
            npartitions=first.npartitions,
            lengths=first.lengths if keep else None,
            range_index=first.range_index and keep,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.inputs_[0].partitioning if self.preserves_rows else self.token

    def input_order(self) -> str:
        # Row by row: a function of each column alone, or an operator on aligned columns.
        row_local = self.columnwise or getattr(self.func, "row_local", False)
        return "passes" if row_local and self.preserves_rows else "uses"

    def partition_function(self) -> Callable[..., Any]:
        return self.func

    def describe(self) -> str:
        return f"MapPartitions({self.label})"


class _SelectColumns:
    free = True  # a view: readers select the columns themselves (``executors.Deferred``)

    def __init__(self, columns: tuple[Hashable, ...], series: bool) -> None:
        self.columns, self.series = columns, series

    def __call__(self, part: pd.DataFrame) -> Any:
        return part[self.columns[0]] if self.series else part[list(self.columns)]


@dataclass(frozen=True, eq=False)
class Project(Node):
    """Column selection; ``series=True`` selects one column as a Series (``df["a"]``)."""

    partitionwise: ClassVar[bool] = True
    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    columns: tuple[Hashable, ...]
    series: bool = False

    def _derive(self) -> None:
        if self.child.is_series:
            msg = "cannot select columns of a Series"
            raise TypeError(msg)
        M.check_columns(self.child.meta, self.columns)
        meta = self.child.meta
        self._set(
            meta=meta[self.columns[0]] if self.series else meta[list(self.columns)],
            npartitions=self.child.npartitions,
            lengths=self.child.lengths,
            range_index=self.child.range_index,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.child.partitioning

    def input_order(self) -> str:
        return "passes"

    def partition_function(self) -> Callable[..., Any]:
        return _SelectColumns(self.columns, self.series)

    def describe(self) -> str:
        return f"Project({self.columns[0]!r})" if self.series else f"Project({list(self.columns)})"


def _filter_rows(part: Any, mask: pd.Series) -> Any:
    return part[mask]


@dataclass(frozen=True, eq=False)
class Filter(Node):
    """Rows of ``child`` where the boolean Series ``mask`` (same partitioning) is True."""

    partitionwise: ClassVar[bool] = True
    input_fields: ClassVar[tuple[str, ...]] = ("child", "mask")

    child: Node
    mask: Node

    def _derive(self) -> None:
        if not self.mask.is_series or not pd.api.types.is_bool_dtype(self.mask.meta.dtype):
            msg = f"a row filter needs a boolean Series, got {self.mask.meta.dtype}"
            raise TypeError(msg)
        if division_of(self.child.partitioning) != division_of(self.mask.partitioning):
            msg = "the boolean mask must come from the same frame as the rows it filters"
            raise ValueError(msg)
        self._set(
            meta=self.child.meta,
            npartitions=self.child.npartitions,
            lengths=None,
            range_index=False,
        )

    @property
    def partitioning(self) -> Hashable:
        return ("filter", self.child.partitioning, self.mask.token)

    def input_order(self) -> str:
        return "passes"

    def partition_function(self) -> Callable[..., Any]:
        return _filter_rows


class _AssignColumns:
    """Set columns of a partition; ``sources[k]`` is ``("input", j)`` or ``("scalar", value)``."""

    def __init__(self, names: tuple[Hashable, ...], sources: tuple[tuple[str, Any], ...]) -> None:
        self.names, self.sources = names, sources

    def __call__(self, part: pd.DataFrame, *values: Any) -> pd.DataFrame:
        out = part.copy(deep=False)
        for name, (kind, ref) in zip(self.names, self.sources, strict=True):
            value = values[ref] if kind == "input" else ref
            if isinstance(value, pd.Series) and not value.index.equals(part.index):
                # What pandas' setitem does, except on a partition a filter emptied: there
                # pandas would adopt the Series' index and bring filtered-out rows back.
                value = value.reindex(part.index)
            M.set_column(out, name, value)
        return out


@dataclass(frozen=True, eq=False)
class Assign(Node):
    """New or replaced columns: ``items`` pairs a name with a Series node or a scalar."""

    partitionwise: ClassVar[bool] = True
    input_fields: ClassVar[tuple[str, ...]] = ("child", "values")

    child: Node
    names: tuple[Hashable, ...]
    values: tuple[Node, ...]
    # For each name: ("input", index into values) or ("scalar", value).
    sources: tuple[tuple[str, Any], ...]

    def _derive(self) -> None:
        for v in self.values:
            if division_of(v.partitioning) != division_of(self.child.partitioning):
                msg = "an assigned Series must come from the same frame as the rows it joins"
                raise ValueError(msg)
        fn = self.partition_function()
        metas = [v.meta for v in self.values]
        self._set(
            meta=M.infer_meta(fn, self.child.meta, *metas),
            npartitions=self.child.npartitions,
            lengths=self.child.lengths,
            range_index=self.child.range_index,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.child.partitioning

    def input_order(self) -> str:
        return "passes"

    def partition_function(self) -> Callable[..., Any]:
        return _AssignColumns(self.names, self.sources)

    def describe(self) -> str:
        return f"Assign({list(self.names)})"


# -- global ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Reduce(Node):
    """Tree reduction: ``chunk`` per partition, ``combine`` on groups of partial results until
    one is left, then ``finalize``. The output is one partition holding the result.

    ``chunk=None`` means the child's partitions already are partials (the optimizer moves the
    chunk step into the fused task that computes the child).
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)
    aggregates: ClassVar[bool] = True

    child: Node
    chunk: Callable[[Any], Any] | None
    combine: Callable[..., Any]
    finalize: Callable[[Any], Any]
    out_meta: Any
    label: str = "reduce"
    split_every: int | None = None

    def _derive(self) -> None:
        self._set(
            meta=self.out_meta,
            npartitions=1,
            lengths=None,
            range_index=False,
        )

    def describe(self) -> str:
        return f"Reduce({self.label})"


@dataclass(frozen=True, eq=False)
class MapWithContext(Node):
    """Partition-wise work that needs to know about the other partitions.

    Each partition is summarized (``summarize(part) -> small value``, in parallel), one task
    turns all summaries into one context per partition (``gather(*summaries) -> list``), and
    output partition i is ``apply(part_i, context_i)``. ``ffill`` carries the last valid row of
    earlier partitions this way; ``duplicated`` learns which keys occur in other partitions.

    ``preserves_rows``: output partition i has exactly the rows (and labels) of input i, so the
    output lines up with the input.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    summarize: Callable[[Any], Any]
    gather: Callable[..., list[Any]]
    apply: Callable[[Any, Any], Any]
    out_meta: Any
    label: str = "map_with_context"
    preserves_rows: bool = True

    def _derive(self) -> None:
        keep = self.preserves_rows
        self._set(
            meta=self.out_meta,
            npartitions=self.child.npartitions,
            lengths=self.child.lengths if keep else None,
            range_index=self.child.range_index and keep,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.child.partitioning if self.preserves_rows else self.token

    def describe(self) -> str:
        return f"MapWithContext({self.label})"


@dataclass(frozen=True, eq=False)
class Concat(Node):
    """Rows of several frames one after another (``pd.concat(axis=0)``)."""

    input_fields: ClassVar[tuple[str, ...]] = ("children",)

    children: tuple[Node, ...]
    ignore_index: bool = False

    def _derive(self) -> None:
        samples = [M.nonempty(c.meta) for c in self.children]
        meta = pd.concat(samples, ignore_index=self.ignore_index).iloc[:0]
        lengths = [c.lengths for c in self.children]
        self._set(
            meta=meta,
            npartitions=sum(c.npartitions for c in self.children),
            lengths=None if None in lengths else tuple(x for ls in lengths for x in ls),
            range_index=self.ignore_index,
        )

    def describe(self) -> str:
        return f"Concat({len(self.children)} inputs, ignore_index={self.ignore_index})"


@dataclass(frozen=True, eq=False)
class Repartition(Node):
    """The same rows, in the same order, cut into ``count`` near-equal partitions."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    count: int

    def _derive(self) -> None:
        if self.count < 1:
            msg = f"npartitions must be at least 1, got {self.count}"
            raise ValueError(msg)
        known = self.child.lengths
        self._set(
            meta=self.child.meta,
            npartitions=self.count,
            lengths=None if known is None else tuple(M.split_lengths(sum(known), self.count)),
            range_index=self.child.range_index,
        )

    def describe(self) -> str:
        return f"Repartition({self.count})"


@dataclass(frozen=True, eq=False)
class SelectPartitions(Node):
    """Some of ``child``'s partitions, in the given order (``head`` needs the first few only).

    The optimizer pushes it through partition-wise nodes down to the sources, so the partitions
    not selected are never read or computed.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    indices: tuple[int, ...]

    def _derive(self) -> None:
        n = self.child.npartitions
        if not self.indices or any(not 0 <= i < n for i in self.indices):
            msg = f"partition indices {list(self.indices)} out of range for {n} partitions"
            raise IndexError(msg)
        known = self.child.lengths
        prefix = self.indices == tuple(range(len(self.indices)))
        self._set(
            meta=self.child.meta,
            npartitions=len(self.indices),
            lengths=None if known is None else tuple(known[i] for i in self.indices),
            range_index=self.child.range_index and prefix,
        )

    @property
    def partitioning(self) -> Hashable:
        # Structural: selecting the same partitions of the same rows twice lines up.
        return ("select", self.child.partitioning, self.indices)

    def describe(self) -> str:
        return f"SelectPartitions({list(self.indices)})"


@dataclass(frozen=True, eq=False)
class Renumbered(Node):
    """``child`` with the labels 0..n-1 (``ignore_index=True``); dtypes untouched.

    ``unless_empty``: a result computed from an input without rows keeps its labels, as pandas'
    ``DataFrame.drop_duplicates`` returns a frame without rows as it is (whether there are rows
    is known only once computed; the input is the child's first input).
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    unless_empty: bool = False

    def _derive(self) -> None:
        meta = self.child.meta.reset_index(drop=True)
        c = self.child
        self._set(meta=meta, npartitions=c.npartitions, lengths=c.lengths, range_index=True)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = lowerer.lower(self.child)
        lengths = lowerer.lengths(self.child, handles)
        if self.unless_empty and not sum(lengths):
            # (a frame whose rows were all dropped as duplicates is renumbered)
            source = self.child.inputs[0] if self.child.inputs else self.child
            if not sum(lowerer.lengths(source, lowerer.lower(source))):
                return handles
        return lowerer._renumber(handles, lengths)

    def ends(self, n: int, which: str) -> Node | None:
        # Renumbered tails end at n - 1, not at the child's last label: leave them to the
        # full computation.
        inner = self.child.ends(n, which) if which == "head" else None
        return None if inner is None else Renumbered(inner, self.unless_empty)

    def describe(self) -> str:
        return "Renumbered"
