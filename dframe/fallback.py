"""Coverage: whatever dframe does not implement natively runs on pandas.

The collection is computed into one pandas object, pandas does the work, and a pandas
DataFrame/Series result is split back into a dframe object. A ``PandasFallbackWarning`` names the
method or function the first time it falls back in the process, so "it works" never hides "it
ran on one core". Only what pandas lacks raises ``AttributeError``.
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from dframe import memory

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_warned: set[str] = set()

# pandas attributes that index into the data and can be assigned through.
_INDEXERS = ("loc", "iloc", "at", "iat")


class PandasFallbackWarning(UserWarning):
    """Raised (as a warning) when an operation ran on pandas over the collected data because
    dframe has no native implementation of it. Emitted once per operation per process."""


def reset_warnings() -> None:
    """Forget which fallbacks were reported, so each warns again (for tests)."""
    _warned.clear()


def _user_stacklevel() -> int:
    """stacklevel pointing at the first frame outside dframe: the user's line."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None  # warn()'s frame is stacklevel 1
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def warn(name: str) -> None:
    if name in _warned:
        return
    _warned.add(name)
    msg = (
        f"{name} is not implemented natively by dframe; it ran on pandas over the collected "
        "data (shown once per operation)"
    )
    warnings.warn(msg, PandasFallbackWarning, stacklevel=_user_stacklevel())


def _is_dframe(value: Any) -> bool:
    from dframe.collection import Collection

    return isinstance(value, Collection)


def to_pandas(value: Any) -> tuple[Any, bool]:
    """``value`` with every dframe object inside (lists, tuples, dicts) collected; and whether
    there was one."""
    if _is_dframe(value):
        return value.to_pandas(), True
    if isinstance(value, list | tuple):
        items = [to_pandas(v) for v in value]
        found = any(f for _, f in items)
        return (type(value)(v for v, _ in items) if found else value), found
    if isinstance(value, dict):
        pairs = {k: to_pandas(v) for k, v in value.items()}
        found = any(f for _, f in pairs.values())
        return ({k: v for k, (v, _) in pairs.items()} if found else value), found
    return value, False


def _collect_call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple, dict, bool]:
    pargs, found_a = to_pandas(args)
    pkwargs, found_k = to_pandas(kwargs)
    return pargs, pkwargs, found_a or found_k


def wrap(value: Any, npartitions: int | None = None) -> Any:
    """A pandas DataFrame/Series result as a dframe object; anything else unchanged."""
    if isinstance(value, pd.DataFrame | pd.Series):
        from dframe.collection import from_pandas

        return from_pandas(value, npartitions=npartitions)
    return value


def _type_name(owner: Any) -> str:
    return "DataFrame" if isinstance(owner._meta, pd.DataFrame) else "Series"


def call_method(owner: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``owner.<name>(*args, **kwargs)`` run by pandas."""
    what = f"{_type_name(owner)}.{name}"
    memory.check_fits(what, owner, args, kwargs)
    warn(what)
    data = owner.to_pandas()
    pargs, pkwargs, _ = _collect_call(args, kwargs)
    result = getattr(data, name)(*pargs, **pkwargs)
    if kwargs.get("inplace"):
        # pandas changed its copy; the dframe object takes that copy as its new content.
        owner._replace_data(data)
        return None
    return wrap(result, owner.npartitions)


class _IndexerFallback:
    """``df.loc`` / ``df.iloc`` ...: reads wrap their result, writes replace the owner's data."""

    def __init__(self, owner: Any, name: str) -> None:
        self._owner, self._name = owner, name

    def __getitem__(self, key: Any) -> Any:
        what = f"{_type_name(self._owner)}.{self._name}"
        memory.check_fits(what, self._owner, key)
        warn(what)
        key, _ = to_pandas(key)
        return wrap(getattr(self._owner.to_pandas(), self._name)[key], self._owner.npartitions)

    def __setitem__(self, key: Any, value: Any) -> None:
        what = f"{_type_name(self._owner)}.{self._name}"
        memory.check_fits(what, self._owner, key, value)
        warn(what)
        data = self._owner.to_pandas().copy()
        key, _ = to_pandas(key)
        value, _ = to_pandas(value)
        getattr(data, self._name)[key] = value
        self._owner._replace_data(data)


class _ObjectFallback:
    """A pandas helper object (``s.str``, ``df.plot`` ...) whose results come back wrapped."""

    def __init__(self, target: Any, npartitions: int) -> None:
        self._target, self._npartitions = target, npartitions

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value):
            return _wrapping(value, self._npartitions)
        return wrap(value, self._npartitions)

    def __getitem__(self, key: Any) -> Any:
        return wrap(self._target[to_pandas(key)[0]], self._npartitions)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _wrapping(self._target, self._npartitions)(*args, **kwargs)

    def __repr__(self) -> str:
        return repr(self._target)


def _wrapping(fn: Callable[..., Any], npartitions: int | None) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        pargs, pkwargs, _ = _collect_call(args, kwargs)
        return wrap(fn(*pargs, **pkwargs), npartitions)

    return call


def attribute(owner: Any, name: str) -> Any:
    """``owner.<name>`` for a pandas attribute dframe does not implement."""
    pandas_type = pd.DataFrame if isinstance(owner._meta, pd.DataFrame) else pd.Series
    try:
        static = inspect.getattr_static(pandas_type, name)
    except AttributeError:
        msg = f"{pandas_type.__name__!r} object has no attribute {name!r}"
        raise AttributeError(msg) from None
    if inspect.isfunction(static) or isinstance(static, functools.partialmethod):
        method = functools.partial(call_method, owner, name)

        @functools.wraps(getattr(pandas_type, name))
        def bound(*args: Any, **kwargs: Any) -> Any:
            return method(args, kwargs)

        return bound
    if name in _INDEXERS:
        return _IndexerFallback(owner, name)
    memory.check_fits(f"{pandas_type.__name__}.{name}", owner)
    warn(f"{pandas_type.__name__}.{name}")
    value = getattr(owner.to_pandas(), name)
    if isinstance(value, pd.DataFrame | pd.Series):
        return wrap(value, owner.npartitions)
    if type(value).__module__.startswith("pandas") and not isinstance(value, pd.Index):
        return _ObjectFallback(value, owner.npartitions)  # accessors: .str, .dt, .plot ...
    return value


def function(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A top-level pandas function that takes and returns dframe objects."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        memory.check_fits(f"pandas.{name}", args, kwargs)
        pargs, pkwargs, found = _collect_call(args, kwargs)
        result = fn(*pargs, **pkwargs)
        if found or isinstance(result, pd.DataFrame | pd.Series):
            warn(f"pandas.{name}")
        return wrap(result)

    return call
