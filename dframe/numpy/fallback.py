"""NumPy functions dframe does not implement natively: they run on NumPy over collected arrays.

Every dframe array among the arguments (inside lists, tuples and dicts too) is computed into
one NumPy array in the driver, NumPy does the work, and an array result comes back as a dframe
array. A ``NumpyFallbackWarning`` names the function the first time it falls back in the
process, so "it works" never hides "it ran on one core"; the same driver-memory guard as the
pandas fallback (``dframe.fallback.memory``) refuses to collect what would not fit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy

from dframe.fallback import memory, nested, warn_once
from dframe.numpy.array import ndarray, wrap_numpy

_warned: set[str] = set()


class NumpyFallbackWarning(UserWarning):
    """Raised (as a warning) when a NumPy function ran over collected data because dframe has
    no native implementation of it. Emitted once per function per process."""


def reset_warnings() -> None:
    """Forget which fallbacks were reported, so each warns again (for tests)."""
    _warned.clear()


def warn(name: str) -> None:
    msg = (
        f"{name} is not implemented natively by dframe.numpy; it ran on NumPy over the "
        "collected array (shown once per function)"
    )
    warn_once(_warned, name, msg, NumpyFallbackWarning)


def _is_array(value: Any) -> bool:
    return isinstance(value, ndarray)


def check_fits(what: str, *values: Any) -> None:
    """``MemoryError`` naming ``what`` if the dframe arrays among ``values`` would not fit in
    the driver once collected (their size is known from the plan: nothing is computed)."""
    need = sum(a.nbytes for a in nested.find(values, _is_array))
    if need:
        memory.check_budget(need, f"{what} is", "dframe.numpy", "NumPy", "arrays")


def collect(value: Any) -> tuple[Any, bool]:
    """``value`` with every dframe array inside computed into a NumPy array; and whether there
    was one."""
    return nested.replace(value, _is_array, lambda a: a.compute())


def wrap_result(value: Any) -> Any:
    """A NumPy result as dframe gives it: arrays (also inside a tuple) as dframe arrays."""
    if isinstance(value, numpy.ndarray) and type(value) is numpy.ndarray:
        return wrap_numpy(value)
    if isinstance(value, tuple) and any(type(v) is numpy.ndarray for v in value):
        return tuple(wrap_result(v) for v in value)
    return value


def call(name: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``fn(*args, **kwargs)`` on NumPy over collected arguments, with the warning."""
    check_fits(name, args, kwargs)
    pargs, found_a = collect(args)
    pkwargs, found_k = collect(kwargs)
    result = fn(*pargs, **pkwargs)
    wrapped = wrap_result(result)
    if found_a or found_k or wrapped is not result:
        warn(name)
    return wrapped


def function(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """NumPy's function ``name`` as ``dframe.numpy`` exposes it when not native."""

    @functools.wraps(fn)
    def fallback(*args: Any, **kwargs: Any) -> Any:
        return call(f"numpy.{name}", fn, args, kwargs)

    return fallback
