"""Chunk layout of ``dframe.numpy`` arrays: dask's ``chunks=`` argument and the block grid.

An array is cut into blocks along every axis; ``chunks`` holds, per axis, the sizes of its
blocks (``((2, 2, 1), (3,))``). Blocks are stored and computed independently, so the grid is
what runs in parallel: one task per block, blocks numbered in C order over the grid.
``ArrayMeta`` (shape, chunks, dtype) is the metadata every array plan node carries, as a
DataFrame node carries an empty frame.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy

from dframe import config


@dataclass(frozen=True)
class ArrayMeta:
    """Shape, block sizes per axis and dtype of an array plan's output."""

    shape: tuple[int, ...]
    chunks: tuple[tuple[int, ...], ...]
    dtype: numpy.dtype

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", numpy.dtype(self.dtype))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def grid(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.chunks)

    @property
    def nblocks(self) -> int:
        return math.prod(self.grid)

    def blocks(self) -> Iterator[tuple[int, ...]]:
        """Block positions in the grid, in C order (the order of a plan's partitions)."""
        return itertools.product(*(range(n) for n in self.grid))

    def flat(self, position: tuple[int, ...]) -> int:
        return int(numpy.ravel_multi_index(position, self.grid)) if self.ndim else 0

    def offsets(self) -> tuple[tuple[int, ...], ...]:
        """Per axis, the first index of each block."""
        return tuple(tuple(itertools.accumulate(c[:-1], initial=0)) for c in self.chunks)

    def block_slices(self, position: tuple[int, ...]) -> tuple[slice, ...]:
        offs = self.offsets()
        return tuple(
            slice(offs[a][i], offs[a][i] + self.chunks[a][i]) for a, i in enumerate(position)
        )

    def block_shape(self, position: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(self.chunks[a][i] for a, i in enumerate(position))

    def with_dtype(self, dtype: Any) -> ArrayMeta:
        return ArrayMeta(self.shape, self.chunks, numpy.dtype(dtype))


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as NumPy's error messages write it: no spaces, ``(3,)``, ``(3,4)``."""
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _regular(size: int, block: int) -> tuple[int, ...]:
    if size == 0:
        return (0,)
    block = max(1, int(block))
    full, rest = divmod(size, block)
    return (block,) * full + ((rest,) if rest else ())


def auto_chunks(
    shape: tuple[int, ...], dtype: Any, fixed: dict[int, int] | None = None
) -> list[int]:
    """Block sizes of about ``partition_bytes``: whole trailing axes while they fit, so that a
    block is contiguous in memory, and the first axis that does not fit is cut."""
    fixed = fixed or {}
    target = max(1, config.get("partition_bytes") // max(1, numpy.dtype(dtype).itemsize))
    for a, n in fixed.items():
        target = max(1, target // max(1, n))
    out = [0] * len(shape)
    room = target
    for a in reversed(range(len(shape))):
        if a in fixed:
            out[a] = fixed[a]
            continue
        n = max(1, shape[a])
        out[a] = min(n, max(1, room))
        room = max(1, room // n) if n <= room else 1
    return out


def normalize_chunks(
    chunks: Any, shape: tuple[int, ...], dtype: Any
) -> tuple[tuple[int, ...], ...]:
    """``chunks=`` as dask users write it (an int, ``"auto"``, a tuple per axis whose items are
    block sizes, ``-1``/``None`` for the whole axis, or explicit tuples of sizes) as explicit
    sizes per axis.

    >>> normalize_chunks(2, (5,), "f8")
    ((2, 2, 1),)
    >>> normalize_chunks(((1, 4), -1), (5, 3), "f8")
    ((1, 4), (3,))
    """
    shape = tuple(int(s) for s in shape)
    if chunks is None or isinstance(chunks, str) or numpy.isscalar(chunks):
        chunks = (chunks,) * len(shape)
    chunks = tuple(chunks)
    if (
        len(shape) == 1
        and len(chunks) > 1
        and all(isinstance(c, int | numpy.integer) for c in chunks)
    ):
        chunks = (chunks,)  # a 1-D array's block sizes written without the per-axis tuple
    if len(chunks) != len(shape):
        msg = f"chunks {chunks!r} have {len(chunks)} axes, the shape {shape} has {len(shape)}"
        raise ValueError(msg)
    fixed: dict[int, int] = {}
    for a, (c, n) in enumerate(zip(chunks, shape, strict=True)):
        if c is None or (isinstance(c, int | numpy.integer) and c == -1):
            fixed[a] = max(1, n)
        elif isinstance(c, int | numpy.integer):
            if c <= 0:
                msg = f"chunk sizes must be positive, got {c}"
                raise ValueError(msg)
            fixed[a] = int(c)
    auto = auto_chunks(shape, dtype, fixed)
    out = []
    for a, (c, n) in enumerate(zip(chunks, shape, strict=True)):
        if isinstance(c, tuple | list):
            sizes = tuple(int(x) for x in c)
            if sum(sizes) != n or any(x < 0 for x in sizes) or not sizes:
                msg = f"chunks {sizes} along axis {a} do not add up to its length {n}"
                raise ValueError(msg)
            out.append(sizes)
        elif a in fixed:
            out.append(_regular(n, fixed[a]))
        elif c == "auto":
            out.append(_regular(n, auto[a]))
        else:
            msg = f"chunks must be ints, tuples of ints, -1, None or 'auto', got {c!r}"
            raise ValueError(msg)
    return tuple(out)
