"""NumPy's protocols for dframe arrays: how ``numpy.exp(x)``, ``numpy.sum(x)``, ``x.ptp()``
reach dframe's native implementations, and what happens when there is none.

``__array_ufunc__`` runs a ufunc call natively (element-wise, fused block by block; ``reduce``
of the ufuncs behind ``sum``/``prod``/``min``/``max``/``any``/``all`` as those reductions);
``__array_function__`` finds a native function of the same name (``registry``); anything else,
and a native function declining its arguments (``NotImplemented``: ``out=`` a NumPy array,
``where=``...), runs on NumPy over the collected arrays with a ``NumpyFallbackWarning``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy

from dframe.numpy import fallback
from dframe.numpy.array import ndarray, wrap_numpy
from dframe.numpy.elementwise import ufunc_call
from dframe.numpy.registry import NATIVE, implements

_REDUCE = {
    "add": "sum", "multiply": "prod", "minimum": "min", "maximum": "max",
    "logical_and": "all", "logical_or": "any",
}  # fmt: skip
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}


@implements("__array_ufunc__")
def array_ufunc(
    ufunc: numpy.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    result: Any = NotImplemented
    if method == "__call__" and ufunc.signature is not None:
        # Generalized ufuncs work on whole sub-arrays, not element by element.
        native = NATIVE.get(ufunc.__name__)
        result = NotImplemented if native is None else native(*inputs, **kwargs)
    elif method == "__call__":
        result = ufunc_call(ufunc, inputs, kwargs)
    elif method == "accumulate" and ufunc.__name__ in _ACCUMULATE and len(inputs) == 1:
        kw = dict(kwargs)
        kw.setdefault("axis", 0)
        _check_accumulate(inputs[0], kw["axis"])  # cumsum takes these: accumulate does not
        result = NATIVE[_ACCUMULATE[ufunc.__name__]](inputs[0], **kw)
    elif method == "outer" and ufunc is numpy.multiply and not kwargs:
        result = NATIVE["outer"](*inputs)
    elif method == "reduce" and ufunc.__name__ in _REDUCE and len(inputs) == 1:
        kw = dict(kwargs)
        kw.setdefault("axis", 0 if getattr(inputs[0], "ndim", 1) else None)  # a 0-d array: its value
        result = NATIVE[_REDUCE[ufunc.__name__]](inputs[0], **kw)
    if result is NotImplemented:
        name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        result = fallback.call(name, getattr(ufunc, method), inputs, kwargs)
    return result


def _check_accumulate(a: Any, axis: Any) -> None:
    """NumPy's errors of ``ufunc.accumulate`` for a 0-d array or several axes."""
    if getattr(a, "ndim", 1) == 0:
        msg = "cannot accumulate on a scalar"
        raise TypeError(msg)
    if axis is None or isinstance(axis, tuple | list):
        msg = "accumulate does not allow multiple axes"
        raise ValueError(msg)


def call_native(
    name: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``name`` natively, or on NumPy (with the warning) when the native form declines."""
    native = NATIVE.get(name)
    result = NotImplemented if native is None else native(*args, **kwargs)
    if result is NotImplemented:
        result = fallback.call(f"numpy.{name}", fn, args, kwargs)
    return result


@implements("__array_function__")
def array_function(func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    name = getattr(func, "__name__", "")
    if name in NATIVE and getattr(numpy, name, None) is func:
        return call_native(name, func, args, kwargs)
    module = getattr(func, "__module__", "numpy") or "numpy"
    qual = name if module == "numpy" else f"{module.removeprefix('numpy.')}.{name}"
    return fallback.call(f"numpy.{qual}", func, args, kwargs)


def namespace_function(name: str) -> Callable[..., Any]:
    """``dframe.numpy.<name>`` for a natively implemented NumPy function."""
    fn = getattr(numpy, name)

    @functools.wraps(NATIVE[name])
    def call(*args: Any, **kwargs: Any) -> Any:
        return call_native(name, fn, args, kwargs)

    call.__wrapped__ = NATIVE[name]
    return call


_ELEMENTWISE_ATTRS = ("real", "imag")


@implements("__method_fallback__")
def method_fallback(x: ndarray, name: str) -> Any:
    """``x.<name>`` for an ``ndarray`` method or attribute dframe has no native form of."""
    if name in _ELEMENTWISE_ATTRS:
        return NATIVE[name](x)
    try:
        static = getattr(numpy.ndarray, name)
    except AttributeError:
        msg = f"'ndarray' object has no attribute {name!r}"
        raise AttributeError(msg) from None
    if not callable(static):
        return fallback.call(f"ndarray.{name}", lambda a: getattr(a, name), (x,), {})

    def method(*args: Any, **kwargs: Any) -> Any:
        return fallback.call(
            f"ndarray.{name}", lambda a, *r, **k: getattr(a, name)(*r, **k), (x, *args), kwargs
        )

    method.__name__ = name
    return method


@implements("__call_method__")
def call_method(x: ndarray, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``x.<name>(*args, **kwargs)``: native when dframe has it and accepts the arguments."""
    native = NATIVE.get(name)
    result = NotImplemented if native is None else native(x, *args, **kwargs)
    if result is NotImplemented:
        result = method_fallback(x, name)(*args, **kwargs)
    return result


@implements("__setitem__")
def setitem(x: ndarray, key: Any, value: Any) -> ndarray:
    """``x[key] = value`` on NumPy over the collected array; the result, cut as ``x`` was,
    becomes ``x``'s new plan."""
    fallback.check_fits("ndarray.__setitem__", x, value)
    fallback.warn("ndarray.__setitem__")
    data = x.compute()
    data[fallback.collect(key)[0]] = fallback.collect(value)[0]
    return wrap_numpy(data, x.chunks)
