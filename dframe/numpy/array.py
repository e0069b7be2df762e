"""``dframe.numpy.ndarray``: NumPy's array API over a lazy plan of blocks.

An ``ndarray`` holds an immutable plan (``_plan``) whose partitions are the array's blocks;
building on it adds plan nodes and computes nothing. A result is computed when the user needs
it — ``compute()``, ``numpy.asarray(x)``, ``repr``, ``len`` (no: the shape is known), ``float``,
``bool``, iteration — by dframe's optimizer and executors, blocks in parallel; the computed
blocks are cached with the plan, so an array used twice is computed once.

The class only dispatches: NumPy's operators and protocols (``__array_ufunc__``,
``__array_function__``) and its methods go to the native functions registered in
``dframe.numpy.registry`` by the modules that build plans, or to the NumPy fallback.
"""

from __future__ import annotations

from typing import Any

import numpy

from dframe.execution import lower
from dframe.numpy import registry
from dframe.numpy.chunks import ArrayMeta, normalize_chunks
from dframe.numpy.nodes import FromArray
from dframe.optimize import optimize
from dframe.plan import nodes as N


def _assemble(meta: ArrayMeta, blocks: list[Any]) -> numpy.ndarray:
    if meta.nblocks == 1:
        # A copy even of a lone block: the block is also the cached result (the in-process
        # executor holds it as it is), and the caller may write to what it gets.
        return numpy.array(blocks[0], dtype=meta.dtype, copy=True)
    out = numpy.empty(meta.shape, meta.dtype)
    for position, block in zip(meta.blocks(), blocks, strict=True):
        out[meta.block_slices(position)] = block
    return out


def collect(plan: N.Node) -> numpy.ndarray:
    """The array ``plan`` stands for, computed and assembled in the driver (a new array the
    caller owns)."""
    mat = lower.compute(plan)
    return _assemble(plan.meta, mat.executor.get(list(mat.handles)))


def _native(name: str) -> Any:
    fn = registry.native(name)
    if fn is None:  # pragma: no cover - every name used here is registered by the package
        msg = f"dframe.numpy has no native {name}"
        raise NotImplementedError(msg)
    return fn


class ndarray:
    """A chunked, lazily computed n-dimensional array with NumPy's API.

    >>> import dframe.numpy as dnp
    >>> x = dnp.arange(6, chunks=4)
    >>> x.chunks
    ((4, 2),)
    >>> int((x * 2).sum())
    30
    """

    _plan: N.Node
    __array_priority__ = 100  # NumPy arrays defer to this class in mixed operators

    # -- metadata ---------------------------------------------------------------------------------
    @property
    def _meta(self) -> ArrayMeta:
        return self._plan.meta

    @property
    def shape(self) -> tuple[int, ...]:
        return self._meta.shape

    @property
    def dtype(self) -> numpy.dtype:
        return self._meta.dtype

    @property
    def ndim(self) -> int:
        return self._meta.ndim

    @property
    def size(self) -> int:
        return self._meta.size

    @property
    def itemsize(self) -> int:
        return self._meta.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._meta.nbytes

    @property
    def chunks(self) -> tuple[tuple[int, ...], ...]:
        return self._meta.chunks

    @property
    def numblocks(self) -> tuple[int, ...]:
        return self._meta.grid

    @property
    def npartitions(self) -> int:
        return self._meta.nblocks

    # -- computing ---------------------------------------------------------------------------------
    def compute(self) -> numpy.ndarray:
        """The array's values as a NumPy array (computed now, blocks in parallel)."""
        return collect(self._plan)

    def persist(self) -> ndarray:
        """This array with its blocks computed and kept in the executor's store. The array
        returned stands for the stored blocks alone, so whatever built them (a NumPy array
        handed to ``asarray``, say) can be freed."""
        return wrap(lower.compute(self._plan))

    def __array__(self, dtype: Any = None, copy: Any = None) -> numpy.ndarray:
        out = self.compute()
        return out if dtype is None else out.astype(dtype, copy=False)

    def explain(self) -> str:
        """The optimized plan that computes this array."""
        return N.format_plan(optimize(self._plan))

    def __repr__(self) -> str:
        return repr(self.compute())

    def __str__(self) -> str:
        return str(self.compute())

    def __len__(self) -> int:
        if not self.shape:
            msg = "len() of unsized object"
            raise TypeError(msg)
        return self.shape[0]

    def __iter__(self) -> Any:
        if not self.shape:
            msg = "iteration over a 0-d array"
            raise TypeError(msg)
        return iter(self.compute())

    def __bool__(self) -> bool:
        return bool(self.compute())

    def __float__(self) -> float:
        return float(self.compute())

    def __int__(self) -> int:
        return int(self.compute())

    def __complex__(self) -> complex:
        return complex(self.compute())

    def __index__(self) -> int:
        return self.compute().__index__()

    def tolist(self) -> Any:
        return self.compute().tolist()

    def item(self, *args: Any) -> Any:
        return self.compute().item(*args)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled (e.g. as an argument of a runtime task), a dframe array arrives as the NumPy
        # array it stands for: ``runtime`` needs no knowledge of dframe.
        return (numpy.asarray, (self.compute(),))

    # -- NumPy's protocols ------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _native("__array_ufunc__")(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _native("__array_function__")(func, types, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _native("__method_fallback__")(self, name)

    # -- methods ------------------------------------------------------------------------------------
    def rechunk(self, chunks: Any = "auto") -> ndarray:
        """This array cut into other blocks (``chunks`` as in ``asarray``)."""
        return _method(self, "rechunk", (chunks,), {})

    def astype(
        self, dtype: Any, order: str = "K", casting: str = "unsafe", copy: bool = True
    ) -> ndarray:
        return _method(self, "astype", (dtype,), {"casting": casting})

    @property
    def T(self) -> ndarray:
        return _method(self, "transpose", (), {})

    def transpose(self, *axes: Any) -> ndarray:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], tuple | list)):
            axes = axes[0]
        return _method(self, "transpose", (tuple(axes) if axes else None,), {})

    def __getitem__(self, key: Any) -> Any:
        return _method(self, "__getitem__", (key,), {})

    def __setitem__(self, key: Any, value: Any) -> None:
        # Plans are immutable: the assignment makes a new plan and this object now stands for
        # it (other arrays built from the old one keep their values).
        self._plan = _native("__setitem__")(self, key, value)._plan

    def copy(self) -> ndarray:
        return wrap(self._plan)


def _method(x: ndarray, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return _native("__call_method__")(x, name, args, kwargs)


def _reduction(name: str) -> Any:
    def method(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        return _method(self, name, args, kwargs)

    method.__name__ = name
    method.__doc__ = f"``numpy.{name}`` of this array."
    return method


for _name in (
    "sum", "prod", "mean", "std", "var", "min", "max", "argmin", "argmax", "any", "all",
    "cumsum", "cumprod", "reshape", "ravel", "flatten", "squeeze", "swapaxes", "clip", "round",
    "dot", "nonzero", "repeat",
):  # fmt: skip
    setattr(ndarray, _name, _reduction(_name))


def _binary(ufunc: Any, reflected: bool = False) -> Any:
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


_OPERATORS = {
    "add": numpy.add, "sub": numpy.subtract, "mul": numpy.multiply, "truediv": numpy.true_divide,
    "floordiv": numpy.floor_divide, "mod": numpy.remainder, "pow": numpy.power,
    "and": numpy.bitwise_and, "or": numpy.bitwise_or, "xor": numpy.bitwise_xor,
    "lshift": numpy.left_shift, "rshift": numpy.right_shift, "matmul": numpy.matmul,
    "divmod": numpy.divmod,
}  # fmt: skip
for _name, _ufunc in _OPERATORS.items():
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
    setattr(ndarray, f"__r{_name}__", _binary(_ufunc, reflected=True))
for _name, _ufunc in {
    "eq": numpy.equal, "ne": numpy.not_equal, "lt": numpy.less, "le": numpy.less_equal,
    "gt": numpy.greater, "ge": numpy.greater_equal,
}.items():  # fmt: skip
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
ndarray.__hash__ = None  # type: ignore[assignment]  # like NumPy's: == is element-wise
ndarray.__neg__ = lambda self: numpy.negative(self)  # type: ignore[method-assign]
ndarray.__pos__ = lambda self: numpy.positive(self)  # type: ignore[method-assign]
ndarray.__abs__ = lambda self: numpy.absolute(self)  # type: ignore[method-assign]
ndarray.__invert__ = lambda self: numpy.invert(self)  # type: ignore[method-assign]


def wrap(plan: N.Node) -> ndarray:
    """The ``ndarray`` standing for ``plan``."""
    out = object.__new__(ndarray)
    out._plan = plan
    return out


def wrap_numpy(data: Any, chunks: Any = "auto") -> ndarray:
    """A dframe array holding a read-only copy of ``data`` (array-like) cut into ``chunks``."""
    arr = numpy.array(data, copy=True)
    arr.flags.writeable = False
    meta = ArrayMeta(arr.shape, normalize_chunks(chunks, arr.shape, arr.dtype), arr.dtype)
    return wrap(FromArray(arr, meta))
