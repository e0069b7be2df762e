"""Basic indexing of dframe arrays: ``x[2]``, ``x[1:8:3, ::-1]``, ``x[..., None]`` — NumPy's
rules for integers, slices (any step), ``Ellipsis`` and ``newaxis``.

Each output block is a piece of one input block: per axis, a slice selects from every input
block the elements it holds (blocks left with nothing are dropped, a negative step takes the
blocks in reverse) and an integer keeps the one block that holds it. The blocks are picked with
``SelectPartitions`` and cut by a ``MapPartitions`` step that receives each block's own local
key (``BlockValues``), so indexing fuses with the element-wise work around it and reads only
the blocks it needs. An index of every axis by integers gives a NumPy scalar, computed at once.
A boolean mask of the array's shape selects per block (the blocks' counts are computed at the
call: the result's length depends on the data); integer arrays and other masks run on NumPy
(the fallback) in this version.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy

from dframe.execution import lower
from dframe.numpy.array import collect, ndarray, wrap, wrap_numpy
from dframe.numpy.chunks import ArrayMeta
from dframe.numpy.creation import rechunk
from dframe.numpy.nodes import BlockValues
from dframe.numpy.registry import implements
from dframe.plan import nodes as N


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def slice_pieces(s: slice, chunks: tuple[int, ...]) -> list[tuple[int, slice, int]]:
    """(input block, slice within it, count) for the elements ``s`` selects, in output order."""
    n = sum(chunks)
    start, stop, step = s.indices(n)
    r = range(start, stop, step)
    pieces = []
    lo = 0
    for block, size in enumerate(chunks):
        hi = lo + size
        if step > 0:
            k0 = max(0, _ceil_div(lo - start, step))
            k1 = min(len(r), max(0, _ceil_div(hi - start, step)))
        else:
            k0 = max(0, _ceil_div(start - hi + 1, -step))
            k1 = min(len(r), max(0, (start - lo) // -step + 1))
        if k0 < k1:
            first, last = r[k0] - lo, r[k1 - 1] - lo
            end = last + 1 if step > 0 else (last - 1 if last > 0 else None)
            pieces.append((k0, block, slice(first, end, step), k1 - k0))
        lo = hi
    pieces.sort()
    out = [(b, sl, c) for _, b, sl, c in pieces]
    return out or [(0, slice(0, 0), 0)]


def _expand(key: Any, ndim: int) -> list[Any] | None:
    """The key as one entry per axis plus ``None`` entries, or None if it is not basic."""
    items = list(key) if isinstance(key, tuple) else [key]
    for item in items:
        if not (
            item is None
            or item is Ellipsis
            or isinstance(item, slice)
            or (isinstance(item, int | numpy.integer) and not isinstance(item, bool | numpy.bool_))
        ):
            return None
    if sum(item is Ellipsis for item in items) > 1:
        msg = "an index can only have a single ellipsis ('...')"
        raise IndexError(msg)
    used = sum(item is not None and item is not Ellipsis for item in items)
    if used > ndim:
        msg = f"too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
        raise IndexError(msg)
    if Ellipsis in items:
        at = next(i for i, item in enumerate(items) if item is Ellipsis)
        items[at : at + 1] = [slice(None)] * (ndim - used)
    else:
        items += [slice(None)] * (ndim - used)
    return items


class _Index:
    def __call__(self, block: Any, key: Any) -> Any:
        return block[key]

    def __repr__(self) -> str:
        return "getitem"


class _Count:
    def __call__(self, mask: Any) -> int:
        return int(numpy.count_nonzero(mask))


class _Mask:
    def __call__(self, block: Any, mask: Any) -> Any:
        return block[mask]

    def __repr__(self) -> str:
        return "mask"


def masked(x: ndarray, mask: ndarray) -> ndarray:
    """``x[mask]`` for a boolean dframe array of ``x``'s shape: the selected elements in C
    order, one block per input block. Their number is data-dependent, so the mask's blocks are
    counted now (small integers come back; the mask itself stays where it is computed)."""
    if x.ndim > 1:
        # Blocks of whole trailing axes hold runs of the C order, so their selections joined
        # in block order are NumPy's order.
        chunks = (x.chunks[0],) + tuple((n,) for n in x.shape[1:])
        x, mask = rechunk(x, chunks), rechunk(mask, chunks)
    else:
        mask = rechunk(mask, x.chunks)
    counts_plan = N.MapPartitions(_Count(), (mask._plan,), mask._meta, label="count")
    mat = lower.compute(counts_plan)
    counts = tuple(int(n) for n in mat.executor.get(list(mat.handles)))
    out = ArrayMeta((sum(counts),), (counts,), x.dtype)
    return wrap(N.MapPartitions(_Mask(), (x._plan, mask._plan), out, label="mask"))


@implements("__getitem__")
def getitem(x: ndarray, key: Any) -> Any:
    if isinstance(key, ndarray) and key.dtype == bool and key.shape == x.shape:
        return masked(x, key)
    if isinstance(key, numpy.ndarray) and key.dtype == bool and key.shape == x.shape:
        return masked(x, wrap_numpy(key, x.chunks))
    if isinstance(key, bool | numpy.bool_):  # a scalar mask (``x[x > 0]`` of a 0-d array)
        one = getitem(x, None)
        return one if key else getitem(one, slice(0, 0))
    items = _expand(key, x.ndim)
    if items is None:
        return NotImplemented  # integer arrays, other masks: NumPy's fallback
    meta = x._meta
    per_axis: list[list[tuple[int | None, Any, int | None]]] = []
    axis = 0
    for item in items:
        if item is None:
            per_axis.append([(None, None, 1)])
            continue
        n, chunks = meta.shape[axis], meta.chunks[axis]
        if isinstance(item, slice):
            per_axis.append([(b, sl, c) for b, sl, c in slice_pieces(item, chunks)])
        else:
            i = operator.index(item)
            if not -n <= i < n:
                msg = f"index {i} is out of bounds for axis {axis} with size {n}"
                raise IndexError(msg)
            i %= n
            start = 0
            for b, size in enumerate(chunks):
                if start <= i < start + size:
                    per_axis.append([(b, i - start, None)])
                    break
                start += size
        axis += 1
    out_chunks = tuple(
        tuple(c for _, _, c in pieces) for pieces in per_axis if pieces[0][2] is not None
    )
    out_shape = tuple(sum(c) for c in out_chunks)
    out = ArrayMeta(out_shape, out_chunks, meta.dtype)
    indices, keys = [], []
    for combo in itertools.product(*per_axis):
        position = tuple(b for b, _, _ in combo if b is not None)
        indices.append(meta.flat(position))
        keys.append(tuple(k for _, k, _ in combo))
    plan: N.Node = x._plan
    if tuple(indices) != tuple(range(meta.nblocks)):
        plan = N.SelectPartitions(plan, tuple(indices))
    node = N.MapPartitions(_Index(), (plan, BlockValues(tuple(keys), out)), out, label="getitem")
    if (
        not out_shape
        and all(isinstance(i, int | numpy.integer) for i in items if i is not None)
        and None not in items
        and not any(k is Ellipsis for k in (key if isinstance(key, tuple) else (key,)))
    ):
        return collect(node)[()]  # NumPy gives a scalar for one element (an array for x[...])
    return wrap(node)
