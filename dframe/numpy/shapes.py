"""NumPy's shape functions on dframe arrays: ``transpose``/``.T``, ``swapaxes``, ``moveaxis``,
``expand_dims``, ``squeeze``, ``reshape``/``ravel``/``flatten``, ``concatenate``, ``stack``,
``hstack``, ``vstack``, ``split``/``array_split`` (slices), ``repeat`` (per block), ``tile``
(concatenated copies of the blocks).

Most move blocks rather than data: a transpose re-orders the block grid (``SelectPartitions``)
and transposes each block, adding or removing a length-1 axis reshapes each block, and
``concatenate`` lays the blocks of its inputs side by side (``Gather``) after cutting them
alike. All of these are block-wise steps that fuse with the element-wise work around them.
``reshape`` goes through the flat order: the array is cut into blocks of whole trailing axes
(contiguous runs of the flat order), each block flattened, the runs re-cut on multiples of the
new trailing size and each block reshaped — one rechunk on each side.
"""

from __future__ import annotations

import itertools
import math
import operator
from typing import Any

import numpy

from dframe.numpy.array import ndarray, wrap
from dframe.numpy.chunks import ArrayMeta, normalize_chunks
from dframe.numpy.creation import rechunk, zeros
from dframe.numpy.elementwise import as_array, astype
from dframe.numpy.nodes import Gather, Rechunk
from dframe.numpy.reductions import normalize_axes
from dframe.numpy.registry import implements
from dframe.plan import nodes as N


class _Blockwise:
    """``numpy.<name>(block, *args)`` on each block."""

    def __init__(self, name: str, *args: Any) -> None:
        self.name, self.args = name, args

    def __call__(self, block: Any) -> Any:
        return getattr(numpy, self.name)(block, *self.args)

    def __repr__(self) -> str:
        return self.name


def _map(x: ndarray, plan: N.Node, meta: ArrayMeta, fn: Any) -> ndarray:
    return wrap(N.MapPartitions(fn, (plan,), meta, label=repr(fn)))


def _axis(axis: Any, ndim: int) -> int:
    return normalize_axes(operator.index(axis), ndim)[0]


def _named_axes(axes: Any, ndim: int, name: str) -> tuple[int, ...]:
    """``axes`` (one or several) as non-negative axes, with NumPy's errors naming the argument."""
    out = []
    for a in axes if isinstance(axes, tuple | list) else (axes,):
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise numpy.exceptions.AxisError(a, ndim, name)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        msg = f"repeated axis in `{name}` argument"
        raise ValueError(msg)
    return tuple(out)


@implements("transpose")
def transpose(a: Any, axes: Any = None) -> ndarray:
    x = as_array(a)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    axes = tuple(_axis(ax, x.ndim) for ax in axes)
    if sorted(axes) != list(range(x.ndim)):
        msg = "axes don't match array"
        raise ValueError(msg)
    meta = x._meta
    out = ArrayMeta(
        tuple(meta.shape[ax] for ax in axes), tuple(meta.chunks[ax] for ax in axes), meta.dtype
    )
    inverse = numpy.argsort(axes)
    indices = tuple(meta.flat(tuple(q[i] for i in inverse)) for q in out.blocks())
    plan: N.Node = x._plan
    if indices != tuple(range(meta.nblocks)):
        plan = N.SelectPartitions(plan, indices)
    if axes == tuple(range(x.ndim)):
        return x
    return _map(x, plan, out, _Blockwise("transpose", axes))


@implements("swapaxes")
def swapaxes(a: Any, axis1: int, axis2: int) -> ndarray:
    x = as_array(a)
    order = list(range(x.ndim))
    i, j = _axis(axis1, x.ndim), _axis(axis2, x.ndim)
    order[i], order[j] = order[j], order[i]
    return transpose(x, tuple(order))


@implements("moveaxis")
def moveaxis(a: Any, source: Any, destination: Any) -> ndarray:
    x = as_array(a)
    src = _named_axes(source, x.ndim, "source")
    dst = _named_axes(destination, x.ndim, "destination")
    if len(src) != len(dst):
        msg = "`source` and `destination` arguments must have the same number of elements"
        raise ValueError(msg)
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose(x, tuple(order))


@implements("expand_dims")
def expand_dims(a: Any, axis: Any) -> ndarray:
    x = as_array(a)
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    ndim = x.ndim + len(axes)
    new = normalize_axes(tuple(axes), ndim)
    shape, chunks, rest = [], [], iter(range(x.ndim))
    for i in range(ndim):
        if i in new:
            shape.append(1)
            chunks.append((1,))
        else:
            k = next(rest)
            shape.append(x.shape[k])
            chunks.append(x.chunks[k])
    out = ArrayMeta(tuple(shape), tuple(chunks), x.dtype)
    return _map(x, x._plan, out, _Blockwise("expand_dims", new))


@implements("squeeze")
def squeeze(a: Any, axis: Any = None) -> ndarray:
    x = as_array(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axes(axis, x.ndim)
        if any(x.shape[i] != 1 for i in axes):
            msg = "cannot select an axis to squeeze out which has size not equal to one"
            raise ValueError(msg)
    if not axes:
        return x
    if any(len(x.chunks[i]) != 1 for i in axes):  # (1, 0) blocks: make the axis one block
        x = rechunk(x, tuple(-1 if i in axes else c for i, c in enumerate(x.chunks)))
    keep = [i for i in range(x.ndim) if i not in axes]
    out = ArrayMeta(tuple(x.shape[i] for i in keep), tuple(x.chunks[i] for i in keep), x.dtype)
    return _map(x, x._plan, out, _Blockwise("squeeze", axes))


def _new_shape(shape: Any, size: int) -> tuple[int, ...]:
    if isinstance(shape, int | numpy.integer):
        shape = (shape,)
    shape = [operator.index(s) for s in shape]
    if shape.count(-1) > 1:
        msg = "can only specify one unknown dimension"
        raise ValueError(msg)
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape and known and size % known == 0:
        shape[shape.index(-1)] = size // known
    if math.prod(shape) != size or any(s < 0 for s in shape):
        # NumPy's wording: no spaces, the unknown dimension as "newaxis".
        wanted = ",".join("newaxis" if s == -1 else str(s) for s in shape)
        wanted += "," if len(shape) == 1 else ""
        msg = f"cannot reshape array of size {size} into shape ({wanted})"
        raise ValueError(msg)
    return tuple(shape)


class _Reshape:
    def __init__(self, trailing: tuple[int, ...]) -> None:
        self.trailing = trailing

    def __call__(self, block: Any) -> Any:
        return block.reshape((-1, *self.trailing))

    def __repr__(self) -> str:
        return f"reshape(-1, {self.trailing})"


@implements("reshape")
def reshape(a: Any, *shape: Any, order: str = "C", **kwargs: Any) -> Any:
    if "newshape" in kwargs or "shape" in kwargs:
        shape = (kwargs.pop("shape", None) or kwargs.pop("newshape"),)
    if order != "C":
        return NotImplemented
    x = as_array(a)
    new = _new_shape(shape[0] if len(shape) == 1 else shape, x.size)
    if new == x.shape:
        return x
    # 1. blocks of whole trailing axes, flattened: contiguous runs of the flat order.
    if x.ndim == 0:
        flat = _map(x, x._plan, ArrayMeta((1,), ((1,),), x.dtype), _Reshape(()))
    else:
        whole = rechunk(x, (x.chunks[0], *(-1,) * (x.ndim - 1))) if x.ndim > 1 else x
        row = math.prod(x.shape[1:])
        runs = tuple(c * row for c in whole.chunks[0])
        flat = _map(whole, whole._plan, ArrayMeta((x.size,), (runs,), x.dtype), _Reshape(()))
    if len(new) == 1:
        return flat
    if not new:
        return flat[0, ...]  # one element into a 0-d array
    # 2. runs re-cut on multiples of the new trailing size, each reshaped.
    trailing = new[1:]
    size = math.prod(trailing)
    if size == 0 or new[0] == 0:
        return zeros(new, dtype=x.dtype)
    target = max(1, max(flat.chunks[0]) // size)
    rows = normalize_chunks((target,), (new[0],), x.dtype)[0]
    runs = tuple(r * size for r in rows)
    cut = (
        flat
        if flat.chunks[0] == runs
        else wrap(Rechunk(flat._plan, ArrayMeta((x.size,), (runs,), x.dtype)))
    )
    out = ArrayMeta(new, (rows, *((n,) for n in trailing)), x.dtype)
    return _map(cut, cut._plan, out, _Reshape(trailing))


@implements("ravel")
def ravel(a: Any, order: str = "C") -> Any:
    return reshape(a, -1, order=order)


implements("flatten")(lambda a, order="C": reshape(a, -1, order=order))


@implements("concatenate")
def concatenate(
    arrays: Any, axis: Any = 0, out: Any = None, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    if out is not None:
        return NotImplemented
    xs = [as_array(a) for a in arrays]
    if not xs:
        msg = "need at least one array to concatenate"
        raise ValueError(msg)
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    ndim = xs[0].ndim
    if ndim == 0:
        msg = "zero-dimensional arrays cannot be concatenated"
        raise ValueError(msg)
    axis = _axis(axis, ndim)
    # NumPy's errors (dimensions or sizes that differ) and result dtype, from stand-ins empty
    # along the axis (they allocate nothing).
    stand_ins = [
        numpy.empty(tuple(0 if i == axis else n for i, n in enumerate(x.shape)), x.dtype)
        for x in xs
    ]
    result_dtype = numpy.concatenate(stand_ins, axis=axis, dtype=dtype, casting=casting).dtype
    xs = [astype(x, result_dtype) for x in xs]
    first = xs[0]
    parts = []
    for x in xs:
        target = tuple(c if i == axis else first.chunks[i] for i, c in enumerate(x.chunks))
        parts.append(rechunk(x, target))
    along = tuple(c for p in parts for c in p.chunks[axis])
    chunks = tuple(along if i == axis else first.chunks[i] for i in range(ndim))
    shape = tuple(sum(c) for c in chunks)
    meta = ArrayMeta(shape, chunks, result_dtype)
    owner = [(k, j) for k, p in enumerate(parts) for j in range(len(p.chunks[axis]))]
    picks = []
    for q in meta.blocks():
        k, j = owner[q[axis]]
        picks.append(
            (k, parts[k]._meta.flat(tuple(j if i == axis else b for i, b in enumerate(q))))
        )
    return wrap(Gather(tuple(p._plan for p in parts), tuple(picks), meta))


@implements("stack")
def stack(
    arrays: Any, axis: int = 0, out: Any = None, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    if out is not None:
        return NotImplemented
    xs = [as_array(a) for a in arrays]
    if not xs:
        msg = "need at least one array to stack"
        raise ValueError(msg)
    if len({x.shape for x in xs}) != 1:
        msg = "all input arrays must have the same shape"
        raise ValueError(msg)
    axis = normalize_axes(operator.index(axis), xs[0].ndim + 1)[0]
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis, dtype=dtype, casting=casting)


@implements("vstack")
def vstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    xs = [as_array(a) for a in tup]
    xs = [reshape(x, (1, -1)) if x.ndim < 2 else x for x in xs]
    return concatenate(xs, axis=0, dtype=dtype, casting=casting)


@implements("hstack")
def hstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    xs = [as_array(a) for a in tup]
    xs = [reshape(x, (1,)) if x.ndim == 0 else x for x in xs]
    return concatenate(xs, axis=0 if xs and xs[0].ndim == 1 else 1, dtype=dtype, casting=casting)


@implements("array_split")
def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[ndarray]:
    x = as_array(ary)
    axis = _axis(axis, x.ndim)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int | numpy.integer):
        sections = int(indices_or_sections)
        if sections <= 0:
            msg = "number sections must be larger than 0."
            raise ValueError(msg)
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = numpy.cumsum([0, *sizes]).tolist()
    else:
        bounds = [0, *[int(i) for i in indices_or_sections], n]
    lead = (slice(None),) * axis
    return [x[(*lead, slice(lo, hi))] for lo, hi in itertools.pairwise(bounds)]


@implements("split")
def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[ndarray]:
    x = as_array(ary)
    sections = indices_or_sections
    if isinstance(sections, int | numpy.integer) and x.shape[_axis(axis, x.ndim)] % int(sections):
        msg = "array split does not result in an equal division"
        raise ValueError(msg)
    return array_split(x, indices_or_sections, axis)


class _Repeat:
    def __init__(self, repeats: int, axis: int) -> None:
        self.repeats, self.axis = repeats, axis

    def __call__(self, block: Any) -> Any:
        return numpy.repeat(block, self.repeats, axis=self.axis)

    def __repr__(self) -> str:
        return f"repeat({self.repeats})"


@implements("repeat")
def repeat(a: Any, repeats: Any, axis: Any = None) -> Any:
    if numpy.ndim(repeats) or isinstance(repeats, ndarray):
        return NotImplemented  # per-element counts: the fallback
    repeats = operator.index(repeats)
    if repeats < 0:
        msg = "negative dimensions are not allowed"
        raise ValueError(msg)
    x = as_array(a)
    if axis is None or x.ndim == 0:  # NumPy repeats a 0-d array as one element
        x, axis = ravel(x), 0 if axis is None else axis
    axis = _axis(axis, x.ndim)
    chunks = tuple(
        tuple(c * repeats for c in cs) if i == axis else cs for i, cs in enumerate(x.chunks)
    )
    out = ArrayMeta(tuple(sum(c) for c in chunks), chunks, x.dtype)
    return _map(x, x._plan, out, _Repeat(repeats, axis))


@implements("tile")
def tile(A: Any, reps: Any) -> Any:
    x = as_array(A)
    reps = (reps,) if isinstance(reps, int | numpy.integer) else tuple(reps)
    ndim = max(x.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + tuple(operator.index(r) for r in reps)
    if x.ndim < ndim:
        x = reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    for axis, r in enumerate(reps):
        if r != 1:
            x = concatenate([x] * r, axis=axis) if r else x[(slice(None),) * axis + (slice(0, 0),)]
    return x


# ``numpy.shape(x)``, ``numpy.ndim(x)``, ``numpy.size(x)`` read the plan's metadata: nothing is
# computed (through the fallback they would collect the whole array).
@implements("shape")
def shape_of(a: Any) -> tuple[int, ...]:
    return a.shape if isinstance(a, ndarray) else numpy.shape(a)


@implements("ndim")
def ndim_of(a: Any) -> int:
    return a.ndim if isinstance(a, ndarray) else numpy.ndim(a)


@implements("size")
def size_of(a: Any, axis: Any = None) -> int:
    if not isinstance(a, ndarray):
        return numpy.size(a, axis)
    return a.size if axis is None else a.shape[_axis(axis, a.ndim)]
