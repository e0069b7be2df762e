"""Plan nodes that produce data: pandas objects handed over, files read lazily (Parquet row
groups, CSV byte ranges) and partitions already computed."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dframe.plan import meta as M
from dframe.plan.node import Node


class PartitionReader:
    """A partition still in a file: a small picklable recipe, run inside the task that needs it.

    Passing a reader instead of a data partition lets a read be fused into the task that
    consumes it, so reading and transforming a partition is one task, not two.
    """

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func, self.args = func, args

    def read(self) -> Any:
        return self.func(*self.args)


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
