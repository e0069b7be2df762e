"""Immutable nodes of dframe's logical plan.

Every DataFrame/Series operation adds one node; nothing is computed until a result is needed.
Nodes are frozen dataclasses compared by identity (they may hold pandas data, which has no useful
hash), and each derives its output metadata when built:

``meta``         empty pandas object with the output's columns, dtypes and index type;
``npartitions``  number of row partitions;
``lengths``      rows per partition when known without computing, else ``None``;
``range_index``  the global index is the default ``RangeIndex(0, n)`` (partitions hold slices);
``partitioning`` a key; two nodes with equal keys have row-for-row identical partitions, so an
                 operation combining them can run partition by partition.

Building a node validates it: a missing column raises ``KeyError`` at the user's call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dframe.plan import meta as M


class PartitionReader:
    """A partition still in a file: a small picklable recipe, run inside the task that needs it.

    Passing a reader instead of a data partition lets a read be fused into the task that
    consumes it, so reading and transforming a partition is one task, not two.
    """

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func, self.args = func, args

    def read(self) -> Any:
        return self.func(*self.args)


def division_of(partitioning: Hashable) -> Hashable:
    """The source row ranges behind a partitioning: a filter keeps its input's division.

    Frames with the same division hold, in partition i, rows from the same source partition, so
    index labels line up partition by partition; pandas' alignment inside each partition then
    gives pandas' global answer (``df[df.x > 0].assign(y=df.x * 2)``).
    """
    while isinstance(partitioning, tuple) and partitioning and partitioning[0] == "filter":
        partitioning = partitioning[1]
    return partitioning


class _Token:
    """A unique, hashable marker (``object()`` with a readable repr)."""

    __slots__ = ("__weakref__",)

    def __repr__(self) -> str:
        return f"<partitioning {id(self):#x}>"


@dataclass(frozen=True, eq=False)
class Node:
    """Base class. Subclasses set the derived attributes in ``_derive``."""

    # Partition-wise nodes compute output partition i from input partitions i alone.
    partitionwise: ClassVar[bool] = False
    input_fields: ClassVar[tuple[str, ...]] = ()

    meta: Any = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "meta", None)
        # Identity of this node's row partitioning. A plain object rather than the node itself:
        # cached results store partitioning keys, and a key referring to its node would keep
        # the node (a weak cache key) alive forever.
        object.__setattr__(self, "token", _Token())
        self._derive()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _derive(self) -> None:
        raise NotImplementedError

    # -- graph ---------------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple[Node, ...]:
        out: list[Node] = []
        for name in self.input_fields:
            value = getattr(self, name)
            out.extend(value if isinstance(value, tuple) else (value,))
        return tuple(out)

    def with_inputs(self, inputs: tuple[Node, ...]) -> Node:
        """A copy of this node reading from ``inputs`` (same order as ``self.inputs``)."""
        if all(a is b for a, b in zip(inputs, self.inputs, strict=True)):
            return self
        changes: dict[str, Any] = {}
        rest = list(inputs)
        for name in self.input_fields:
            value = getattr(self, name)
            if isinstance(value, tuple):
                changes[name], rest = tuple(rest[: len(value)]), rest[len(value) :]
            else:
                changes[name], rest = rest[0], rest[1:]
        return dataclasses.replace(self, **changes)

    @property
    def partitioning(self) -> Hashable:
        return self.token

    def partition_function(self) -> Callable[..., Any]:
        """For partition-wise nodes: ``f(*input_partitions) -> output partition``; picklable and
        free of plan references, because it travels to workers."""
        msg = f"{type(self).__name__} is not partition-wise"
        raise TypeError(msg)

    def describe(self) -> str:
        return type(self).__name__

    @property
    def is_series(self) -> bool:
        return isinstance(self.meta, pd.Series)


def _same_partitions(nodes: tuple[Node, ...]) -> None:
    counts = {n.npartitions for n in nodes}
    if len(counts) > 1:
        msg = f"inputs have different partition counts {sorted(counts)}; repartition them first"
        raise ValueError(msg)


# -- sources ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FromPandas(Node):
    """Partitions of a pandas object the user handed over."""

    partitions: tuple[Any, ...]
    range_index: bool = False

    def _derive(self) -> None:
        self._set(
            meta=M.make_meta(self.partitions[0]),
            npartitions=len(self.partitions),
            lengths=tuple(len(p) for p in self.partitions),
        )

    def describe(self) -> str:
        return f"FromPandas({self.npartitions} partitions, {sum(self.lengths)} rows)"


@dataclass(frozen=True, eq=False)
class ReadParquet(Node):
    """Row groups of Parquet files.

    ``pieces`` are ``dframe.io.parquet.Piece`` objects (file, row groups, row counts).
    ``predicate`` is a pyarrow expression applied while reading; ``reset_index`` says it came
    from the user's ``filters=`` (pandas then numbers the surviving rows 0..n-1) rather than from
    a pushed-down ``df[mask]`` (which keeps the original row labels).
    """

    pieces: tuple[Any, ...]
    full_meta: pd.DataFrame
    columns: tuple[Hashable, ...] | None = None
    predicate: Any = None  # dframe.io.parquet.Predicate
    reset_index: bool = False
    stored_index: bool = False

    def _derive(self) -> None:
        if self.columns is not None:
            M.check_columns(self.full_meta, self.columns)
        meta = self.full_meta if self.columns is None else self.full_meta[list(self.columns)]
        known = self.predicate is None
        self._set(
            meta=meta,
            npartitions=len(self.pieces),
            lengths=tuple(p.num_rows for p in self.pieces) if known else None,
            range_index=not self.stored_index and (known or self.reset_index),
        )

    def reader(self, i: int) -> PartitionReader:
        from dframe.io import parquet

        return PartitionReader(
            parquet.read_piece,
            self.pieces[i],
            self.columns,
            self.predicate,
            self.stored_index,
            self.reset_index,
        )

    def describe(self) -> str:
        files = sorted({p.path for p in self.pieces})
        cols = "all" if self.columns is None else list(self.columns)
        pred = f", filters=[{self.predicate.text}]" if self.predicate is not None else ""
        return f"ReadParquet({files[0]!r}{'...' if len(files) > 1 else ''}, columns={cols}{pred})"


@dataclass(frozen=True, eq=False)
class ReadCSV(Node):
    """Byte ranges of CSV files. Row counts are unknown until read, so lowering numbers rows
    after reading (one round trip of small integers)."""

    blocks: tuple[Any, ...]
    full_meta: pd.DataFrame
    options: tuple[tuple[str, Any], ...] = ()
    usecols: tuple[Hashable, ...] | None = None

    def _derive(self) -> None:
        if self.usecols is not None:
            M.check_columns(self.full_meta, self.usecols)
            # pandas keeps file order for usecols, whatever order they were asked in.
            keep = [c for c in self.full_meta.columns if c in set(self.usecols)]
            meta = self.full_meta[keep]
        else:
            meta = self.full_meta
        self._set(meta=meta, npartitions=len(self.blocks), lengths=None, range_index=True)

    def reader(self, i: int) -> PartitionReader:
        from dframe.io import csv

        return PartitionReader(csv.read_block, self.blocks[i], self.options, self.usecols)

    def describe(self) -> str:
        cols = "all" if self.usecols is None else list(self.usecols)
        return f"ReadCSV({self.blocks[0].path!r}, {self.npartitions} blocks, usecols={cols})"


@dataclass(frozen=True, eq=False)
class Materialized(Node):
    """Partitions already computed and held by an executor (the cache of a computed frame).

    It stands in for the node it was computed from, including that node's partitioning key, so
    frames derived before and after the computation still line up.
    """

    handles: tuple[Any, ...]
    executor: Any
    source_meta: Any
    known_lengths: tuple[int, ...] | None
    source_range_index: bool
    key: Hashable

    def _derive(self) -> None:
        self._set(
            meta=self.source_meta,
            npartitions=len(self.handles),
            lengths=self.known_lengths,
            range_index=self.source_range_index,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.key

    def describe(self) -> str:
        return f"Materialized({self.npartitions} partitions on {self.executor!r})"


# -- partition-wise --------------------------------------------------------------------------


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

    def partition_function(self) -> Callable[..., Any]:
        return self.func

    def describe(self) -> str:
        return f"MapPartitions({self.label})"


class _SelectColumns:
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
            out[name] = value
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


# -- display ---------------------------------------------------------------------------------


def format_plan(root: Node) -> str:
    """The plan as an indented tree, inputs below their consumer; a node used twice is shown
    once and referred to as ``(see #k)`` afterwards."""
    lines: list[str] = []
    seen: dict[Node, int] = {}

    def walk(node: Node, depth: int) -> None:
        pad = "  " * depth
        if node in seen:
            lines.append(f"{pad}(see #{seen[node]}) {node.describe()}")
            return
        seen[node] = len(seen) + 1
        parts = f"{node.npartitions} partition{'s' if node.npartitions != 1 else ''}"
        lines.append(f"{pad}#{seen[node]} {node.describe()}  [{parts}]")
        for child in node.inputs:
            walk(child, depth + 1)

    walk(root, 0)
    return "\n".join(lines)
