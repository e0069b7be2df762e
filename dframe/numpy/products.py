"""Matrix products of dframe arrays: ``matmul`` (``@``), ``dot``, ``outer`` for 1-D and 2-D
operands.

A product is computed by blocks: the right operand is cut along its rows as the left one is
along its columns, block (i, j) of the result is the sum over l of ``a[i, l] @ b[l, j]``: one
task per product (``MapPartitions`` over the blocks each needs, picked by
``SelectPartitions``), summed by a tree per output block (``GroupReduce``). 1-D operands are
a row or a column for the product and their axis is dropped from the result, as NumPy does.
Stacked (3-D and more) products run on NumPy through the fallback in this version.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy

from dframe.numpy.array import collect, ndarray, wrap
from dframe.numpy.chunks import ArrayMeta, shape_text
from dframe.numpy.creation import rechunk
from dframe.numpy.elementwise import as_array, elementwise, scalar_if_0d
from dframe.numpy.nodes import GroupReduce
from dframe.numpy.registry import implements
from dframe.numpy.shapes import expand_dims, ravel, squeeze
from dframe.plan import nodes as N


class _Product:
    def __init__(self, dtype: numpy.dtype) -> None:
        self.dtype = dtype

    def __call__(self, a: Any, b: Any) -> Any:
        return numpy.matmul(a, b).astype(self.dtype, copy=False)

    def __repr__(self) -> str:
        return "matmul(block)"


class _Sum:
    def __call__(self, *parts: Any) -> Any:
        return functools.reduce(numpy.add, parts)


class _Same:
    def __init__(self, dtype: numpy.dtype) -> None:
        self.dtype = dtype

    def __call__(self, part: Any) -> Any:
        return numpy.asarray(part).astype(self.dtype, copy=False)


def _matmul_2d(x: ndarray, y: ndarray, dtype: numpy.dtype) -> ndarray:
    y = rechunk(y, (x.chunks[1], y.chunks[1]))
    mx, my = x._meta, y._meta
    left, right, groups = [], [], []
    for i in range(mx.grid[0]):
        for j in range(my.grid[1]):
            group = []
            for k in range(mx.grid[1]):
                group.append(len(left))
                left.append(mx.flat((i, k)))
                right.append(my.flat((k, j)))
            groups.append(tuple(group))
    meta = ArrayMeta((x.shape[0], y.shape[1]), (x.chunks[0], y.chunks[1]), dtype)
    pieces = ArrayMeta((len(left),), ((1,) * len(left),), dtype)
    products = N.MapPartitions(
        _Product(dtype),
        (N.SelectPartitions(x._plan, tuple(left)), N.SelectPartitions(y._plan, tuple(right))),
        pieces,
        label="matmul",
    )
    return wrap(GroupReduce(products, meta, tuple(groups), _Sum(), _Same(dtype), label="matmul"))


@implements("matmul")
def matmul(x1: Any, x2: Any, /, out: Any = None, **kwargs: Any) -> Any:
    if out is not None or kwargs:
        return NotImplemented
    x, y = as_array(x1), as_array(x2)
    if x.ndim > 2 or y.ndim > 2:
        return NotImplemented  # stacked products: the fallback
    # NumPy's dtype and errors (0-d operands, core dimensions that differ) from stand-ins with
    # no rows/columns (they allocate nothing).
    sx = numpy.empty((0, x.shape[1]) if x.ndim == 2 else x.shape, x.dtype)
    sy = numpy.empty((y.shape[0], 0) if y.ndim == 2 else y.shape, y.dtype)
    dtype = numpy.matmul(sx, sy).dtype
    a = expand_dims(x, 0) if x.ndim == 1 else x
    b = expand_dims(y, 1) if y.ndim == 1 else y
    result = _matmul_2d(a, b, dtype)
    if x.ndim == 1 and y.ndim == 1:
        return collect(result._plan)[0, 0]  # a scalar, as NumPy gives
    if x.ndim == 1:
        return squeeze(result, 0)
    if y.ndim == 1:
        return squeeze(result, 1)
    return result


@implements("dot")
def dot(a: Any, b: Any, out: Any = None) -> Any:
    if out is not None:
        return NotImplemented
    x, y = as_array(a), as_array(b)
    if x.ndim == 0 or y.ndim == 0:
        return scalar_if_0d(elementwise(numpy.multiply, (x, y), name="dot"))
    if x.ndim > 2 or y.ndim > 2:
        return NotImplemented
    inner = 0 if y.ndim == 1 else y.ndim - 2
    if x.shape[-1] != y.shape[inner]:  # dot's own wording, not matmul's
        msg = (
            f"shapes {shape_text(x.shape)} and {shape_text(y.shape)} not aligned: "
            f"{x.shape[-1]} (dim {x.ndim - 1}) != {y.shape[inner]} (dim {inner})"
        )
        raise ValueError(msg)
    return matmul(x, y)


@implements("outer")
def outer(a: Any, b: Any, out: Any = None) -> Any:
    if out is not None:
        return NotImplemented
    x, y = ravel(as_array(a)), ravel(as_array(b))
    return elementwise(numpy.multiply, (expand_dims(x, 1), expand_dims(y, 0)), name="outer")
