"""Which NumPy functions ``dframe.numpy`` implements natively, by name.

The modules that implement them (creation, elementwise, reductions, shape) register here, and
``ndarray``'s methods and NumPy protocols (``__array_function__``, ``__array_ufunc__``) look
them up here, so the array class needs no import of those modules (imports run one way: they
build arrays, the class only dispatches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NATIVE: dict[str, Callable[..., Any]] = {}


def implements(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the function is dframe's native form of NumPy's ``names``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            NATIVE[name] = fn
        return fn

    return register


def native(name: str) -> Callable[..., Any] | None:
    return NATIVE.get(name)
