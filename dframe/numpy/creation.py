"""NumPy's array creation: ``array``/``asarray``, ``zeros``/``ones``/``full``/``empty`` and their
``_like`` forms, ``arange``, ``linspace``, ``eye``, ``identity``, ``fromfunction``; and
``rechunk``.

Arrays handed over by the user are copied once and cut into blocks (``FromArray``). Generated
arrays are computed inside the tasks that use them: each block is made from its position
(``BlockIndex``) by a ``MapPartitions`` step, which the optimizer fuses with whatever consumes
the block, so ``(dnp.arange(n) * 2).sum()`` never stores the range.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy

from dframe.numpy.array import ndarray, wrap, wrap_numpy
from dframe.numpy.chunks import ArrayMeta, normalize_chunks
from dframe.numpy.elementwise import as_array, astype
from dframe.numpy.nodes import BlockIndex, Rechunk
from dframe.numpy.registry import implements
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int | numpy.integer):
        shape = (shape,)
    out = tuple(operator.index(s) for s in shape)
    if any(s < 0 for s in out):
        msg = "negative dimensions are not allowed"
        raise ValueError(msg)
    return out


def generated(fill: Any, shape: tuple[int, ...], dtype: Any, chunks: Any, label: str) -> ndarray:
    """An array whose blocks are ``fill(info)`` for each block's ``BlockInfo``."""
    dtype = numpy.dtype(dtype)
    meta = ArrayMeta(shape, normalize_chunks(chunks, shape, dtype), dtype)
    return wrap(N.MapPartitions(fill, (BlockIndex(meta),), meta, label=label))


class _Full:
    def __init__(self, value: Any, dtype: numpy.dtype) -> None:
        self.value, self.dtype = value, dtype

    def __call__(self, info: Any) -> Any:
        return numpy.full(info.shape, self.value, self.dtype)

    def __repr__(self) -> str:
        return f"full({self.value!r})"


@implements("full")
def full(
    shape: Any,
    fill_value: Any,
    dtype: Any = None,
    order: str = "C",
    *,
    chunks: Any = "auto",
    **kwargs: Any,
) -> ndarray:
    shape = _shape(shape)
    if isinstance(fill_value, ndarray):
        fill_value = fill_value.compute()
    dtype = numpy.full((), fill_value, dtype).dtype
    return generated(_Full(fill_value, dtype), shape, dtype, chunks, f"full({fill_value!r})")


@implements("zeros")
def zeros(
    shape: Any, dtype: Any = float, order: str = "C", *, chunks: Any = "auto", **kwargs: Any
) -> ndarray:
    return full(shape, 0, numpy.dtype(dtype), chunks=chunks)


@implements("ones")
def ones(
    shape: Any, dtype: Any = float, order: str = "C", *, chunks: Any = "auto", **kwargs: Any
) -> ndarray:
    return full(shape, 1, numpy.dtype(dtype), chunks=chunks)


@implements("empty")
def empty(
    shape: Any, dtype: Any = float, order: str = "C", *, chunks: Any = "auto", **kwargs: Any
) -> ndarray:
    # NumPy leaves the values undefined; zeros are one valid choice and cost no more.
    return full(shape, 0, numpy.dtype(dtype), chunks=chunks)


def _like_layout(a: Any, dtype: Any, shape: Any, chunks: Any) -> tuple[Any, Any, Any]:
    """Shape, dtype and chunks of an array made ``_like(a)``: ``a``'s unless given."""
    a_shape = a.shape if isinstance(a, ndarray) else numpy.shape(a)
    a_dtype = a.dtype if isinstance(a, ndarray) else numpy.asarray(a).dtype
    out_shape = a_shape if shape is None else _shape(shape)
    if chunks is None:
        chunks = a.chunks if isinstance(a, ndarray) and out_shape == a.shape else "auto"
    return out_shape, a_dtype if dtype is None else dtype, chunks


@implements("full_like")
def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *, chunks: Any = None, **kwargs: Any) -> ndarray:  # fmt: skip
    shape, dtype, chunks = _like_layout(a, dtype, shape, chunks)
    return full(shape, fill_value, dtype, chunks=chunks)


@implements("zeros_like")
def zeros_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *, chunks: Any = None, **kwargs: Any) -> ndarray:  # fmt: skip
    return full_like(a, 0, dtype, shape=shape, chunks=chunks)


@implements("ones_like")
def ones_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *, chunks: Any = None, **kwargs: Any) -> ndarray:  # fmt: skip
    return full_like(a, 1, dtype, shape=shape, chunks=chunks)


@implements("empty_like")
def empty_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *, chunks: Any = None, **kwargs: Any) -> ndarray:  # fmt: skip
    return full_like(a, 0, dtype, shape=shape, chunks=chunks)


class _Range:
    """Block of ``start + i * delta`` for the block's flat positions i (NumPy's ``arange`` fill)."""

    def __init__(self, start: Any, delta: Any, dtype: numpy.dtype, work: numpy.dtype) -> None:
        self.start, self.delta, self.dtype, self.work = start, delta, dtype, work

    def __call__(self, info: Any) -> Any:
        i = numpy.arange(info.start[0], info.start[0] + info.shape[0], dtype=self.work)
        return (i * self.delta + self.start).astype(self.dtype, copy=False)

    def __repr__(self) -> str:
        return "arange"


@implements("arange")
def arange(
    start: Any,
    stop: Any = None,
    step: Any = None,
    dtype: Any = None,
    *,
    chunks: Any = "auto",
    **kwargs: Any,
) -> ndarray:
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if step == 0:
        msg = "division by zero"
        raise ZeroDivisionError(msg)
    if dtype is not None:
        dt = numpy.dtype(dtype)
    else:  # NumPy's arange takes the default type of the widest kind among its arguments
        kinds = {numpy.asarray(v).dtype.kind for v in (start, stop, step)}
        dt = numpy.dtype("complex128" if "c" in kinds else "float64" if "f" in kinds else "int64")
    if all(isinstance(v, int | numpy.integer) for v in (start, stop, step)):
        n = len(range(int(start), int(stop), int(step)))
    else:
        n = max(0, math.ceil((stop - start) / step))
    if numpy.issubdtype(dt, numpy.integer):
        work = numpy.dtype("int64")
        # NumPy fills with the difference of the first two values as they were stored:
        # truncated, and the first one must fit the dtype.
        first, delta = int(start), int(start + step) - int(start)
        numpy.asarray(first, dt)
    elif dt == bool:
        work = numpy.dtype("int64")
        delta = step
        first = start
    else:
        work = numpy.result_type(dt, numpy.float64) if dt.kind == "f" and dt.itemsize < 8 else dt
        # NumPy fills with the difference of the first two values as they were stored.
        first = numpy.asarray(start, dt)[()]
        delta = numpy.asarray(start + step, dt)[()] - first
    return generated(_Range(first, delta, dt, work), (n,), dt, chunks, "arange")


class _Linspace:
    def __init__(self, start: float, delta: float, div: int, step: float, stop: float, num: int, endpoint: bool, dtype: numpy.dtype, work: numpy.dtype) -> None:  # fmt: skip
        self.start, self.delta, self.div, self.step, self.stop = start, delta, div, step, stop
        self.num, self.endpoint, self.dtype, self.work = num, endpoint, dtype, work

    def __call__(self, info: Any) -> Any:
        lo = info.start[0]
        y = numpy.arange(lo, lo + info.shape[0], dtype=self.work)
        if self.div > 0:
            y = (y / self.div) * self.delta if self.step == 0 else y * self.step
        else:
            y = y * self.delta
        y += self.start
        if self.endpoint and self.num > 1 and info.shape[0] and lo + info.shape[0] == self.num:
            y[-1] = self.stop
        if numpy.issubdtype(self.dtype, numpy.integer):
            numpy.floor(y, out=y)
        return y.astype(self.dtype, copy=False)

    def __repr__(self) -> str:
        return "linspace"


@implements("linspace")
def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
    *,
    chunks: Any = "auto",
    **kwargs: Any,
) -> Any:
    num = operator.index(num)
    if num < 0:
        msg = f"Number of samples, {num}, must be non-negative."
        raise ValueError(msg)
    if numpy.ndim(start) or numpy.ndim(stop):
        return NotImplemented  # array-valued ends: the fallback
    div = (num - 1) if endpoint else num
    work = numpy.result_type(start, stop, float(num))
    dt = work if dtype is None else numpy.dtype(dtype)
    delta = numpy.asarray(stop, work) - numpy.asarray(start, work)
    step = delta / div if div > 0 else numpy.nan
    fill = _Linspace(
        numpy.asarray(start, work)[()],
        delta[()],
        div,
        step if div > 0 else 0,
        stop,
        num,
        endpoint,
        dt,
        work,
    )
    out = generated(fill, (num,), dt, chunks, "linspace")
    return (out, step) if retstep else out


class _Eye:
    def __init__(self, k: int, dtype: numpy.dtype) -> None:
        self.k, self.dtype = k, dtype

    def __call__(self, info: Any) -> Any:
        rows = numpy.arange(info.start[0], info.start[0] + info.shape[0])[:, None]
        cols = numpy.arange(info.start[1], info.start[1] + info.shape[1])[None, :]
        return (cols - rows == self.k).astype(self.dtype)

    def __repr__(self) -> str:
        return f"eye(k={self.k})"


@implements("eye")
def eye(
    N: int,
    M: int | None = None,
    k: int = 0,
    dtype: Any = float,
    order: str = "C",
    *,
    chunks: Any = "auto",
    **kwargs: Any,
) -> ndarray:
    shape = _shape((N, N if M is None else M))
    dt = numpy.dtype(dtype)
    return generated(_Eye(operator.index(k), dt), shape, dt, chunks, "eye")


@implements("identity")
def identity(n: int, dtype: Any = None, *, chunks: Any = "auto", **kwargs: Any) -> ndarray:
    return eye(n, dtype=float if dtype is None else dtype, chunks=chunks)


@implements("asarray", "asanyarray")
def asarray(
    a: Any, dtype: Any = None, order: Any = None, *, chunks: Any = None, **kwargs: Any
) -> ndarray:
    """A dframe array of ``a``: itself if it is one (rechunked or cast when asked), a dframe
    DataFrame/Series without collecting it, else a copy of the array-like cut into blocks."""
    if isinstance(a, ndarray | DframeObject):
        out = as_array(a)
    else:
        out = wrap_numpy(numpy.asarray(a, dtype=dtype), "auto" if chunks is None else chunks)
        return out
    if dtype is not None:
        out = astype(out, dtype)
    return out if chunks is None else rechunk(out, chunks)


@implements("array")
def array(
    obj: Any,
    dtype: Any = None,
    *,
    copy: bool = True,
    order: str = "K",
    subok: bool = False,
    ndmin: int = 0,
    chunks: Any = None,
    **kwargs: Any,
) -> ndarray:
    if isinstance(obj, ndarray | DframeObject) and not ndmin:
        return asarray(obj, dtype=dtype, chunks=chunks)
    if isinstance(obj, ndarray):
        obj = obj.compute()
    data = numpy.array(obj, dtype=dtype, ndmin=ndmin)
    return wrap_numpy(data, "auto" if chunks is None else chunks)


@implements("rechunk")
def rechunk(x: Any, chunks: Any = "auto") -> ndarray:
    """``x`` cut into other blocks (dask's ``rechunk``): same values, new block sizes."""
    x = as_array(x)
    new = normalize_chunks(chunks, x.shape, x.dtype)
    if new == x.chunks:
        return x
    return wrap(Rechunk(x._plan, ArrayMeta(x.shape, new, x.dtype)))


class _FromFunction:
    """``function(*coordinates, **kwargs)`` with the block's coordinate arrays."""

    def __init__(self, function: Any, coord_dtype: numpy.dtype, out: numpy.dtype, kwargs: dict[str, Any]) -> None:  # fmt: skip
        self.function, self.coord_dtype, self.out, self.kwargs = function, coord_dtype, out, kwargs

    def __call__(self, info: Any) -> Any:
        coords = numpy.indices(info.shape, dtype=self.coord_dtype)
        for axis, start in enumerate(info.start):
            coords[axis] += start
        result = self.function(*coords, **self.kwargs)
        return numpy.broadcast_to(numpy.asarray(result, self.out), info.shape)

    def __repr__(self) -> str:
        return f"fromfunction({getattr(self.function, '__name__', '?')})"


@implements("fromfunction")
def fromfunction(function: Any, shape: Any, *, dtype: Any = float, chunks: Any = "auto", **kwargs: Any) -> Any:  # fmt: skip
    """``numpy.fromfunction``: ``function`` is called once per block with that block's
    coordinates (it must work element-wise on arrays, as NumPy's documentation asks)."""
    shape = _shape(shape)
    coord_dtype = numpy.dtype(dtype)
    sample = function(*numpy.zeros((len(shape),) + (1,) * len(shape), coord_dtype), **kwargs)
    if numpy.shape(sample) != (1,) * len(shape) or not isinstance(sample, numpy.ndarray):
        return NotImplemented  # not element-wise: NumPy's single call
    out = sample.dtype
    return generated(
        _FromFunction(function, coord_dtype, out, kwargs), shape, out, chunks, "fromfunction"
    )
