"""Cumulative NumPy functions: ``cumsum``, ``cumprod``, ``nancumsum``, ``nancumprod`` over an
axis (or the flattened array), and ``diff``.

A scan runs in two passes. Each block is scanned on its own (a ``MapPartitions`` step, fused
with the work producing the block); then, along the scanned axis, the carry into block k — the
running total of the blocks before it, a slice one element thick — is that of block k-1
combined with block k-1's last slice, and is added to (multiplied into) block k. Lines of
blocks across the other axes proceed in parallel. ``diff`` is ``x[1:] - x[:-1]`` along the axis
(``!=`` for booleans), which slicing and element-wise alignment already provide.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy

from dframe.numpy.array import wrap
from dframe.numpy.chunks import ArrayMeta
from dframe.numpy.elementwise import as_array
from dframe.numpy.nodes import ArrayNode
from dframe.numpy.reductions import normalize_axes
from dframe.numpy.registry import implements
from dframe.numpy.shapes import ravel
from dframe.plan import nodes as N

_COMBINE = {"cumsum": numpy.add, "nancumsum": numpy.add, "cumprod": numpy.multiply,
            "nancumprod": numpy.multiply}  # fmt: skip


class _LocalScan:
    def __init__(self, kind: str, axis: int, dtype: numpy.dtype) -> None:
        self.kind, self.axis, self.dtype = kind, axis, dtype

    def __call__(self, block: Any) -> Any:
        return getattr(numpy, self.kind)(block, axis=self.axis, dtype=self.dtype)

    def __repr__(self) -> str:
        return f"{self.kind}(block)"


class _NextCarry:
    """The carry into the next block: this carry combined with this block's last slice."""

    def __init__(self, op: Any, axis: int) -> None:
        self.op, self.axis = op, axis

    def __call__(self, carry: Any, block: Any) -> Any:
        n = block.shape[self.axis]
        if n == 0:
            return carry
        last = numpy.take(block, [n - 1], axis=self.axis)
        return last if carry is None else self.op(carry, last)


class _ApplyCarry:
    def __init__(self, op: Any) -> None:
        self.op = op

    def __call__(self, block: Any, carry: Any) -> Any:
        return block if carry is None else self.op(block, carry).astype(block.dtype, copy=False)


@dataclass(frozen=True, eq=False)
class ScanCarry(ArrayNode):
    """Blocks of ``child`` (each scanned on its own) with the carries of the blocks before
    them along ``axis`` combined in."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    axis: int
    kind: str

    def _derive(self) -> None:
        self._set_meta(self.child.meta)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = lowerer.lower(self.child)
        meta = self.child.meta
        op = _COMBINE[self.kind]
        out = list(handles)
        carries: dict[int, Any] = {}
        for flat, p in enumerate(meta.blocks()):
            if p[self.axis] == 0:
                continue
            before = meta.flat(tuple(b - 1 if a == self.axis else b for a, b in enumerate(p)))
            carries[flat] = lowerer.ex.submit(
                _NextCarry(op, self.axis), carries.get(before), handles[before]
            )
            out[flat] = lowerer.ex.submit(_ApplyCarry(op), handles[flat], carries[flat])
        return out

    def describe(self) -> str:
        return f"ScanCarry({self.kind}, axis={self.axis})"


def scan(kind: str, a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    if out is not None:
        return NotImplemented
    x = as_array(a)
    if axis is None or x.ndim == 0:  # NumPy scans a 0-d array as one element, whatever the axis
        x, axis = ravel(x), 0 if axis is None else axis
    axis = normalize_axes(operator.index(axis), x.ndim)[0]
    stand_in = numpy.ones(tuple(0 if s == 0 else 1 for s in x.shape), x.dtype)
    out_dtype = getattr(numpy, kind)(stand_in, axis=axis, dtype=dtype).dtype
    meta = ArrayMeta(x.shape, x.chunks, out_dtype)
    local = N.MapPartitions(_LocalScan(kind, axis, out_dtype), (x._plan,), meta, label=kind)
    if len(x.chunks[axis]) == 1:
        return wrap(local)
    return wrap(ScanCarry(local, axis, kind))


for _kind in _COMBINE:
    implements(_kind)(
        lambda a, axis=None, dtype=None, out=None, _kind=_kind: scan(_kind, a, axis, dtype, out)
    )


@implements("diff")
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = numpy._NoValue, append: Any = numpy._NoValue) -> Any:  # fmt: skip
    if prepend is not numpy._NoValue or append is not numpy._NoValue:
        return NotImplemented
    x = as_array(a)
    n = operator.index(n)
    if n < 0:
        msg = f"order must be non-negative but got {n!r}"
        raise ValueError(msg)
    if n == 0:
        return x  # NumPy's answer before it looks at the dimensions
    if x.ndim == 0:
        msg = "diff requires input that is at least one dimensional"
        raise ValueError(msg)
    axis = normalize_axes(operator.index(axis), x.ndim)[0]
    head = tuple(slice(1, None) if i == axis else slice(None) for i in range(x.ndim))
    tail = tuple(slice(None, -1) if i == axis else slice(None) for i in range(x.ndim))
    op = numpy.not_equal if x.dtype == bool else numpy.subtract
    for _ in range(n):
        x = op(x[head], x[tail])
    return x
