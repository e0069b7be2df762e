"""Element-wise NumPy: every ufunc (``numpy.exp(x)``, ``x + y`` ...), ``where``, ``clip``,
``isclose``/``allclose``, ``astype``, with NumPy's broadcasting and type promotion.

Operands are brought onto one block grid — the broadcast shape cut like the first operand that
spans each axis; an operand cut differently is rechunked, one broadcast along an axis has its
block re-used (``SelectPartitions``) — and the function runs block by block as a
``MapPartitions`` node, so the optimizer fuses a chain of them into one task per block. The
result's dtype (and any error NumPy raises for the types) comes from running the function on
empty stand-ins of the operands' dtypes, with Python scalars left as they are, which gives NEP
50's promotion exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy

from dframe.numpy.array import ndarray, wrap, wrap_numpy
from dframe.numpy.chunks import ArrayMeta, shape_text
from dframe.numpy.nodes import Rechunk
from dframe.numpy.registry import implements
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject


def as_array(value: Any) -> ndarray:
    """A dframe array for any array-like (dframe Series/DataFrames without collecting)."""
    if isinstance(value, ndarray):
        return value
    if isinstance(value, DframeObject):
        from dframe.numpy.interop import from_frame

        return from_frame(value)
    return wrap_numpy(value)


def _operand(value: Any) -> Any:
    """A dframe array, or a constant the block function receives as it is (scalars and 0-d
    arrays, whose kind of scalar decides promotion under NEP 50)."""
    if isinstance(value, ndarray):
        return value
    if value is None or isinstance(value, bool | int | float | complex | str | numpy.generic):
        return value
    if isinstance(value, numpy.ndarray) and value.ndim == 0:
        return value
    return as_array(value)


def _stand_in(value: Any) -> Any:
    return numpy.empty((0,), value.dtype) if isinstance(value, ndarray) else value


def broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    try:
        return numpy.broadcast_shapes(*shapes)
    except ValueError:
        # NumPy's wording: shapes written without spaces, "(3,4) (3,)".
        listed = " ".join(shape_text(s) for s in shapes)
        msg = f"operands could not be broadcast together with shapes {listed} "
        raise ValueError(msg) from None


def align(
    arrays: list[ndarray], shape: tuple[int, ...]
) -> tuple[tuple[tuple[int, ...], ...], list[N.Node]]:
    """The output's chunks for broadcasting ``arrays`` to ``shape``, and each array's plan with
    one partition per output block (the block that output block needs)."""
    n = len(shape)
    chunks: list[tuple[int, ...] | None] = [None] * n
    for a in arrays:
        for ja, size in enumerate(a.shape):
            j = ja + n - a.ndim
            if chunks[j] is None and size == shape[j]:
                chunks[j] = a.chunks[ja]
    out_chunks = tuple(c if c is not None else (shape[j],) for j, c in enumerate(chunks))
    out = ArrayMeta(shape, out_chunks, numpy.dtype(bool))
    plans = []
    for a in arrays:
        lead = n - a.ndim
        spans = [a.shape[ja] == shape[ja + lead] for ja in range(a.ndim)]
        # A broadcast axis (length 1) in one block: its cut may hold empty blocks besides it.
        target = tuple(
            out_chunks[ja + lead] if span else (a.shape[ja],) for ja, span in enumerate(spans)
        )
        plan = a._plan
        if target != a.chunks:
            plan = Rechunk(plan, ArrayMeta(a.shape, target, a.dtype))
        meta = plan.meta
        indices = tuple(
            meta.flat(tuple(p[ja + lead] if span else 0 for ja, span in enumerate(spans)))
            for p in out.blocks()
        )
        if indices != tuple(range(meta.nblocks)):
            plan = N.SelectPartitions(plan, indices)
        plans.append(plan)
    return out_chunks, plans


class BlockFunction:
    """``func(*operands, **kwargs)`` on one block of each array operand; constants fixed.

    ``slots[k]`` is ``("block", i)`` (the i-th input partition) or ``("const", value)``.
    """

    def __init__(
        self, func: Callable[..., Any], slots: tuple[tuple[str, Any], ...], kwargs: dict[str, Any],
        dtypes: tuple[numpy.dtype, ...],
    ) -> None:  # fmt: skip
        self.func, self.slots, self.kwargs, self.dtypes = func, slots, kwargs, dtypes

    def __call__(self, *blocks: Any) -> Any:
        args = [blocks[v] if kind == "block" else v for kind, v in self.slots]
        out = self.func(*args, **self.kwargs)
        if len(self.dtypes) > 1:
            return tuple(numpy.asarray(o, d) for o, d in zip(out, self.dtypes, strict=True))
        # A ufunc of 0-d blocks gives a NumPy scalar: blocks stay arrays.
        return numpy.asarray(out, self.dtypes[0])

    def __repr__(self) -> str:
        return getattr(self.func, "__name__", repr(self.func))


class _Item:
    def __init__(self, k: int) -> None:
        self.k = k

    def __call__(self, values: tuple[Any, ...]) -> Any:
        return values[self.k]


def elementwise(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any] | None = None,
    name: str | None = None,
) -> Any:
    """``func(*args, **kwargs)`` block by block, broadcasting the array arguments; a tuple of
    arrays when ``func`` returns a tuple (``divmod``, ``modf``)."""
    kwargs = dict(kwargs or {})
    operands = [_operand(a) for a in args]
    arrays = [o for o in operands if isinstance(o, ndarray)]
    shape = broadcast_shape(
        [a.shape for a in arrays]
        + [numpy.shape(o) for o in operands if not isinstance(o, ndarray) and o is not None]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = func(*[_stand_in(o) for o in operands], **kwargs)
    samples = sample if isinstance(sample, tuple) else (sample,)
    dtypes = tuple(numpy.asarray(s).dtype for s in samples)
    if not arrays:  # nothing to distribute (constants only): NumPy's answer
        return func(*operands, **kwargs)
    chunks, plans = align(arrays, shape)
    slots, k = [], 0
    for o in operands:
        if isinstance(o, ndarray):
            slots.append(("block", k))
            k += 1
        else:
            slots.append(("const", o))
    fn = BlockFunction(func, tuple(slots), kwargs, dtypes)
    label = name or getattr(func, "__name__", "elementwise")
    metas = [ArrayMeta(shape, chunks, d) for d in dtypes]
    node = N.MapPartitions(fn, tuple(plans), metas[0], label=label)
    if len(dtypes) == 1:
        return wrap(node)
    return tuple(
        wrap(N.MapPartitions(_Item(i), (node,), m, label=f"{label}[{i}]"))
        for i, m in enumerate(metas)
    )


def scalar_if_0d(result: Any) -> Any:
    """NumPy's ufuncs (and ``clip``, ``isclose``) give scalars for 0-d results."""
    first = result[0] if isinstance(result, tuple) else result
    if not isinstance(first, ndarray) or first.shape:
        return result  # an array, or NumPy's own answer (no dframe array among the operands)
    if isinstance(result, tuple):
        return tuple(r.compute()[()] for r in result)
    return result.compute()[()]


def ufunc_call(ufunc: numpy.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``ufunc(*inputs, **kwargs)`` on dframe arrays; ``out=`` (dframe arrays) and ``where=``
    (with ``out=``) swap the output arrays' plans, as in-place operations do in dframe."""
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    where = kwargs.pop("where", True)
    if isinstance(out, tuple) and all(o is None for o in out):
        out = None
    if out is None and where is not True:
        return NotImplemented  # NumPy leaves unselected elements undefined: fall back
    result = elementwise(ufunc, inputs, kwargs, name=ufunc.__name__)
    if out is None:
        return scalar_if_0d(result)
    outs = out if isinstance(out, tuple) else (out,)
    results = result if isinstance(result, tuple) else (result,)
    if not all(isinstance(o, ndarray) for o in outs):
        return NotImplemented
    for o, r in zip(outs, results, strict=True):
        if broadcast_shape([o.shape, r.shape]) != o.shape:
            msg = f"non-broadcastable output operand with shape {o.shape} doesn't match the broadcast shape {r.shape}"
            raise ValueError(msg)
    # NumPy's own error (type and message) for an output that cannot hold the result.
    numpy_inputs = [_stand_in(_operand(i)) for i in inputs]
    ufunc(*numpy_inputs, out=tuple(numpy.empty((0,), o.dtype) for o in outs), **kwargs)
    new = []
    for o, r in zip(outs, results, strict=True):
        value = astype(r, o.dtype)
        if where is not True:
            value = elementwise(numpy.where, (where, value, o), name="where")
        if value.shape != o.shape:
            value = elementwise(_broadcast_first, (value, o), name="broadcast")
        new.append(value)
    for o, v in zip(outs, new, strict=True):
        o._plan = v._plan
    return outs[0] if len(outs) == 1 else outs


def _broadcast_first(a: Any, b: Any) -> Any:
    return numpy.broadcast_to(a, numpy.broadcast_shapes(numpy.shape(a), numpy.shape(b)))


@implements("where")
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None and y is None:
        return NotImplemented  # one argument: ``nonzero``, not element-wise
    return elementwise(numpy.where, (condition, x, y), name="where")


def _clip(a: Any, lo: Any, hi: Any, **kwargs: Any) -> Any:
    return numpy.clip(a, lo, hi, **kwargs)


@implements("clip")
def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kwargs: Any) -> Any:
    lo = kwargs.pop("min", a_min)
    hi = kwargs.pop("max", a_max)
    if out is not None:
        return NotImplemented
    return scalar_if_0d(elementwise(_clip, (a, lo, hi), kwargs, name="clip"))


@implements("isclose")
def isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    kw = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan}
    return scalar_if_0d(elementwise(numpy.isclose, (a, b), kw, name="isclose"))


@implements("allclose")
def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    close = isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return bool(close.all() if isinstance(close, ndarray) else numpy.all(close))


class _AsType:
    def __init__(self, dtype: Any, casting: str) -> None:
        self.dtype, self.casting = dtype, casting

    def __call__(self, block: Any) -> Any:
        return block.astype(self.dtype, casting=self.casting)

    def __repr__(self) -> str:
        return f"astype({self.dtype})"


@implements("astype")
def astype(x: Any, dtype: Any, casting: str = "unsafe", **kwargs: Any) -> Any:
    x = as_array(x)
    dtype = numpy.dtype(dtype)
    if dtype == x.dtype:
        return x
    return elementwise(_AsType(dtype, casting), (x,), name=f"astype({dtype})")


def _real(x: Any) -> Any:
    return numpy.real(x)


def _imag(x: Any) -> Any:
    return numpy.imag(x)


implements("real")(lambda x: elementwise(_real, (x,), name="real"))
implements("imag")(lambda x: elementwise(_imag, (x,), name="imag"))
