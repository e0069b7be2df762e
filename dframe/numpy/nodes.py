"""Plan nodes of ``dframe.numpy`` arrays: sources, rechunking and grouped tree reductions.

An array plan is an ordinary dframe plan whose partitions are the array's blocks in C order
over the block grid and whose ``meta`` is an ``ArrayMeta``. Element-wise work uses the shared
``MapPartitions`` node (so the optimizer fuses chains into one task per block) and block
re-use for broadcasting or transposing uses ``SelectPartitions``; the nodes here add what
DataFrames do not have:

``FromArray``    a NumPy array the user handed over, cut into blocks (put in the store once);
``BlockIndex``   per block, where it lies in the array — the input of generated blocks
                 (``zeros``, ``arange``, random numbers), which therefore fuse with what
                 consumes them, and of reductions that need global positions (``argmin``);
``Rechunk``      the same array with other block sizes: each new block assembled in a task
                 from the pieces of the old blocks it overlaps;
``GroupReduce``  for each output block, a tree reduction over a group of input partials.

``nbytes_in`` tells the executor choice (``execution.lower``) how much data a source brings,
so arrays below the small-data threshold run in the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy

from dframe import config
from dframe.algebra import tree_reduce
from dframe.execution.executors import RuntimeExecutor
from dframe.numpy.chunks import ArrayMeta
from dframe.optimize.rules import CACHE
from dframe.plan import nodes as N


@dataclass(frozen=True, eq=False)
class ArrayNode(N.Node):
    """Base of the array-only nodes: partitions are blocks, ``meta`` an ``ArrayMeta``."""

    def _set_meta(self, meta: ArrayMeta) -> None:
        self._set(meta=meta, npartitions=meta.nblocks, lengths=None, range_index=False)


@dataclass(frozen=True, eq=False)
class FromArray(ArrayNode):
    """Blocks of a NumPy array held by the plan (a read-only copy made at the user's call)."""

    data: numpy.ndarray
    layout: ArrayMeta

    def _derive(self) -> None:
        self._set_meta(self.layout)

    @property
    def nbytes_in(self) -> int:
        return int(self.data.nbytes)

    def lower_with(self, lowerer: Any) -> list[Any]:
        meta = self.layout
        handles = [lowerer.ex.put(self.data[meta.block_slices(p)]) for p in meta.blocks()]
        if isinstance(lowerer.ex, RuntimeExecutor):
            # Put once: later plans over this array find the blocks through the cache.
            CACHE[self] = N.Materialized(
                tuple(handles), lowerer.ex, meta, None, False, self.partitioning
            )
        return handles

    def describe(self) -> str:
        return f"FromArray({self.layout.shape}, {self.layout.dtype})"


@dataclass(frozen=True)
class BlockInfo:
    """Where one block lies: its grid position, first index per axis and shape."""

    position: tuple[int, ...]
    start: tuple[int, ...]
    shape: tuple[int, ...]
    array_shape: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class BlockIndex(ArrayNode):
    """One ``BlockInfo`` per block of ``layout``: small values passed straight to the tasks
    (they are the partitions' "handles"; nothing is stored)."""

    layout: ArrayMeta

    def _derive(self) -> None:
        self._set_meta(self.layout)

    @property
    def nbytes_in(self) -> int:
        # A generated array is as big as what it generates.
        return self.layout.nbytes

    def lower_with(self, lowerer: Any) -> list[Any]:
        meta = self.layout
        return [
            BlockInfo(
                p, tuple(s.start for s in meta.block_slices(p)), meta.block_shape(p), meta.shape
            )
            for p in meta.blocks()
        ]

    def describe(self) -> str:
        return f"BlockIndex({self.layout.shape})"


def _assemble(
    shape: tuple[int, ...], dtype: Any, spec: list[tuple[int, Any, Any]], *blocks: Any
) -> Any:
    """A block of ``shape`` made of ``blocks[k][src]`` placed at ``dst`` for each spec item."""
    if len(spec) == 1:
        k, dst, src = spec[0]
        piece = blocks[k][src]
        if piece.shape == tuple(shape):
            return piece
    out = numpy.empty(shape, dtype)
    for k, dst, src in spec:
        out[dst] = blocks[k][src]
    return out


def overlaps(old: tuple[int, ...], new: tuple[int, ...]) -> list[list[tuple[int, slice, slice]]]:
    """For each new block along one axis: (old block, slice in the new block, slice in the old
    block) for every old block it overlaps."""
    old_starts = numpy.cumsum((0, *old))
    out = []
    pos = 0
    for size in new:
        lo, hi = pos, pos + size
        pieces = []
        for k, n in enumerate(old):
            a, b = max(lo, int(old_starts[k])), min(hi, int(old_starts[k]) + n)
            if a < b:
                pieces.append(
                    (
                        k,
                        slice(a - lo, b - lo),
                        slice(a - int(old_starts[k]), b - int(old_starts[k])),
                    )
                )
        if not pieces:  # an empty new block: take nothing from the first old block
            pieces.append((0, slice(0, 0), slice(0, 0)))
        out.append(pieces)
        pos = hi
    return out


@dataclass(frozen=True, eq=False)
class Rechunk(ArrayNode):
    """``child`` cut into the blocks of ``layout`` (same shape and dtype)."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    layout: ArrayMeta

    def _derive(self) -> None:
        if self.layout.shape != self.child.meta.shape:
            msg = f"cannot rechunk shape {self.child.meta.shape} to {self.layout.shape}"
            raise ValueError(msg)
        self._set_meta(self.layout)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = lowerer.lower(self.child)
        old, new = self.child.meta, self.layout
        per_axis = [overlaps(o, n) for o, n in zip(old.chunks, new.chunks, strict=True)]
        out = []
        for p in new.blocks():
            spec, used, where = [], [], {}
            choices = [per_axis[a][i] for a, i in enumerate(p)]
            for combo in _product(choices):
                src_pos = tuple(k for k, _, _ in combo)
                flat = old.flat(src_pos)
                if flat not in where:
                    where[flat] = len(used)
                    used.append(handles[flat])
                spec.append(
                    (where[flat], tuple(d for _, d, _ in combo), tuple(s for _, _, s in combo))
                )
            out.append(lowerer.ex.submit(_assemble, new.block_shape(p), new.dtype, spec, *used))
        return out

    def describe(self) -> str:
        return f"Rechunk({self.layout.chunks})"


def _product(choices: list[list[Any]]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [()]
    for options in choices:
        out = [(*o, c) for o in out for c in options]
    return out


class _CombineFinalize:
    def __init__(self, combine: Callable[..., Any], finalize: Callable[[Any], Any]) -> None:
        self.combine, self.finalize = combine, finalize

    def __call__(self, *partials: Any) -> Any:
        return self.finalize(self.combine(*partials))


@dataclass(frozen=True, eq=False)
class GroupReduce(ArrayNode):
    """Output block g is ``finalize(combine(...combine(partials of groups[g])...))``: one tree
    reduction per output block, over the partials (one per input block) that ``child`` holds.
    The per-block step is an ordinary ``MapPartitions`` below, fused with what it reduces."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    layout: ArrayMeta
    groups: tuple[tuple[int, ...], ...]
    combine: Callable[..., Any]
    finalize: Callable[[Any], Any]
    label: str = "reduce"

    def _derive(self) -> None:
        if len(self.groups) != self.layout.nblocks:
            msg = f"{len(self.groups)} groups for {self.layout.nblocks} output blocks"
            raise AssertionError(msg)
        self._set_meta(self.layout)

    def lower_with(self, lowerer: Any) -> list[Any]:
        parts = lowerer.lower(self.child)
        fan_in = max(2, config.get("split_every"))
        out = []
        for group in self.groups:
            partials = tree_reduce.combine_partials(
                lowerer.ex, [parts[i] for i in group], self.combine, most=fan_in, fan_in=fan_in
            )
            # The last combine and finalize share a task: one round trip fewer per reduction.
            out.append(lowerer.ex.submit(_CombineFinalize(self.combine, self.finalize), *partials))
        return out

    def describe(self) -> str:
        return f"GroupReduce({self.label}, {len(self.groups)} outputs)"


@dataclass(frozen=True, eq=False)
class BlockValues(ArrayNode):
    """Small per-block values (``values[i]`` for output block i) handed straight to tasks, as
    ``BlockIndex`` does: the per-block keys of an indexing step."""

    values: tuple[Any, ...]
    layout: ArrayMeta

    def _derive(self) -> None:
        self._set(meta=self.layout, npartitions=len(self.values), lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        return list(self.values)

    def describe(self) -> str:
        return f"BlockValues({len(self.values)})"


@dataclass(frozen=True, eq=False)
class Gather(ArrayNode):
    """Output block i is block ``picks[i][1]`` of input ``picks[i][0]``: blocks of several
    arrays in a new order (``concatenate``); nothing is computed or copied."""

    input_fields: ClassVar[tuple[str, ...]] = ("children",)

    children: tuple[N.Node, ...]
    picks: tuple[tuple[int, int], ...]
    layout: ArrayMeta

    def _derive(self) -> None:
        if len(self.picks) != self.layout.nblocks:
            msg = f"{len(self.picks)} blocks picked for {self.layout.nblocks}"
            raise AssertionError(msg)
        self._set_meta(self.layout)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = [lowerer.lower(c) for c in self.children]
        return [handles[c][i] for c, i in self.picks]

    def describe(self) -> str:
        return f"Gather({len(self.children)} arrays)"
