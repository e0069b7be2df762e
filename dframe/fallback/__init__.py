"""Coverage: whatever dframe does not implement natively runs on pandas.

The collection is computed into one pandas object, pandas does the work, and a pandas
DataFrame/Series result is split back into a dframe object. A deferred pandas object (a GroupBy,
Resampler, window or chunked reader such a call returns) comes back as a ``FallbackObject``,
whose own results are dframe objects in turn. A ``PandasFallbackWarning`` names the method or
function the first time it falls back in the process, so "it works" never hides "it ran on one
core". Only what pandas lacks raises ``AttributeError``.

In-place forms (``inplace=True``, ``update``, ``insert``, ``pop``, item assignment) compute the
new data with pandas on the collected copy, which belongs to the call, and swap the dframe
object's plan (``fallback.inplace``): no other object sharing the data changes.
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections.abc import Callable
from typing import Any, Self

import pandas as pd
from pandas.api import typing as pd_typing
from pandas.errors import Pandas4Warning
from pandas.io.parsers import TextFileReader

from dframe.fallback import inplace as _inplace
from dframe.fallback import memory, nested
from dframe.plan.wrap import DframeObject, from_pandas

# Warnings point at the user's line: the first frame outside the whole dframe package.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


def warn_once(seen: set[str], name: str, message: str, category: type[Warning]) -> None:
    """``message`` as a ``category`` warning at the user's line, the first time ``name`` is
    reported (``seen`` remembers it)."""
    if name not in seen:
        seen.add(name)
        warnings.warn(message, category, stacklevel=_user_stacklevel())


def warn(name: str) -> None:
    msg = (
        f"{name} is not implemented natively by dframe; it ran on pandas over the collected "
        "data (shown once per operation)"
    )
    warn_once(_warned, name, msg, PandasFallbackWarning)


def warn_inplace_deprecated(owner: Any, method: str, inplace: Any) -> bool:
    """pandas' Pandas4Warning where pandas 3.1 deprecates ``inplace`` for ``method`` and the
    user passed it (any value); returns whether it asks for an in-place change."""
    change = _inplace.flag(inplace)
    if inplace is not _inplace.NO_DEFAULT:
        pandas_type = _inplace.pandas_type(owner._meta)
        if _inplace.deprecates_inplace(pandas_type, method):
            msg = _inplace.deprecation_message(pandas_type.__name__, method)
            warnings.warn(msg, Pandas4Warning, stacklevel=_user_stacklevel())
    return change


def inplace_result(owner: Any, method: str) -> Any:
    """What an in-place ``method`` returns: ``owner`` where pandas returns the object, else
    None."""
    return owner if _inplace.returns_self(_inplace.pandas_type(owner._meta), method) else None


def _is_dframe(value: Any) -> bool:
    return isinstance(value, DframeObject)


def to_pandas(value: Any) -> tuple[Any, bool]:
    """``value`` with every dframe object inside (lists, tuples, dicts) collected; and whether
    there was one."""
    return nested.replace(value, _is_dframe, lambda obj: obj.to_pandas())


def _collect_call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple, dict, bool]:
    pargs, found_a = to_pandas(args)
    pkwargs, found_k = to_pandas(kwargs)
    return pargs, pkwargs, found_a or found_k


def wrap(value: Any, npartitions: int | None = None, *, reported: bool = False) -> Any:
    """A pandas result as the user gets it from dframe: a DataFrame/Series as a dframe object,
    one of pandas' deferred objects (``is_deferred``) as a ``FallbackObject`` whose results are
    dframe objects in turn (``reported``: the call that made it has warned already, so its
    uses stay silent); anything else unchanged."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return from_pandas(value, npartitions=npartitions)
    if is_deferred(value):
        return FallbackObject(value, npartitions, reported=reported)
    return value


def _type_name(owner: Any) -> str:
    return "DataFrame" if isinstance(owner._meta, pd.DataFrame) else "Series"


def call_method(owner: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``owner.<name>(*args, **kwargs)`` run by pandas. A keyword given as
    ``inplace.NO_DEFAULT`` was not passed by the user; an in-place change swaps ``owner``'s
    plan."""
    what = f"{_type_name(owner)}.{name}"
    kwargs = dict(kwargs)
    passed = kwargs.pop("inplace", _inplace.NO_DEFAULT)
    # Keywords the user did not pass stay unpassed (pandas warns for some passed at all).
    kwargs = {k: v for k, v in kwargs.items() if v is not _inplace.NO_DEFAULT}
    in_place = warn_inplace_deprecated(owner, name, passed)
    memory.check_fits(what, owner, args, kwargs)
    warn(what)
    data = owner.to_pandas()  # this call's own object: changing it changes nothing else
    pargs, pkwargs, _ = _collect_call(args, kwargs)
    result = getattr(data, name)(*pargs, **pkwargs)
    if in_place:
        if type(result) is not type(data):
            # pandas refuses this in place (``Series.reset_index()`` making a frame, ``eval``
            # without an assignment): its error, raised on the private copy.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Pandas4Warning)  # given above already
                getattr(data, name)(*pargs, **pkwargs, inplace=True)
            result = data
        owner._replace_data(result)
        return inplace_result(owner, name)
    if name in _inplace.MUTATORS:
        owner._replace_data(data)
    return wrap(result, owner.npartitions, reported=True)


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
        data = self._owner.to_pandas()  # this call's own object
        key, _ = to_pandas(key)
        value, _ = to_pandas(value)
        getattr(data, self._name)[key] = value
        self._owner._replace_data(data)


# pandas' deferred objects: they hold the collected data and compute only when one of their
# methods is called (a GroupBy, a Resampler, a window) or as they are iterated (a reader of
# chunks). Subclasses (RollingGroupBy, DatetimeIndexResamplerGroupBy ...) are included.
_DEFERRED: tuple[type, ...] = (
    pd_typing.DataFrameGroupBy,
    pd_typing.SeriesGroupBy,
    pd_typing.Resampler,
    pd_typing.Rolling,
    pd_typing.Expanding,
    pd_typing.ExponentialMovingWindow,
    pd_typing.Window,
    pd_typing.JsonReader,
    pd_typing.StataReader,
    pd_typing.SASReader,
    TextFileReader,
)


def is_deferred(value: Any) -> bool:
    """Whether ``value`` is one of pandas' deferred objects (GroupBy, Resampler, Rolling,
    Expanding, ExponentialMovingWindow, Window, a chunked reader), which a fallback hands
    back as a ``FallbackObject``."""
    return isinstance(value, _DEFERRED)


# Values that are data, not helpers, even when pandas made them (PrettyDict, FrozenList ...).
_PLAIN_VALUES = (pd.Index, pd.api.extensions.ExtensionArray, dict, list, tuple, set, str)


def _wrap_attribute(value: Any, npartitions: int | None, reported: bool) -> Any:
    """``wrap``, and a pandas helper object (``gb.plot``: taking it was reported) as a
    ``FallbackObject`` too."""
    if isinstance(value, pd.DataFrame | pd.Series) or is_deferred(value):
        return wrap(value, npartitions, reported=reported)
    module = type(value).__module__
    if (
        module.startswith("pandas.")
        and not module.startswith("pandas._libs")
        and not isinstance(value, _PLAIN_VALUES)
    ):
        return FallbackObject(value, npartitions, reported=True)
    return value


def wrap_item(item: Any) -> Any:
    """An item of an iteration (a group, a chunk) as a dframe object, partitioned by its own
    size; ``(key, frame)`` pairs element by element."""
    if isinstance(item, tuple):
        return tuple(wrap(v) for v in item)
    return wrap(item)


def _is_method(value: Any) -> bool:
    return inspect.ismethod(value) or inspect.isbuiltin(value) or inspect.isfunction(value)


class FallbackObject:
    """A pandas object that a fallback handed out, standing in for what dframe would return.

    pandas' deferred objects (``df.groupby(f)``, ``gb.resample("D")``, ``s.rolling(3, step=2)``
    ...) and helper objects (``df.plot``) keep the collected data and do the work when used. Their
    attributes, calls, ``[]`` and iteration go to the pandas object; dframe arguments are
    collected first, and a DataFrame/Series result comes back as a dframe object, a deferred one
    as another ``FallbackObject`` (so ``df.groupby(f).rolling(2).sum()`` is a dframe object).
    Functions the user passes in (``apply``, ``agg`` ...) see pandas objects, as they do in
    pandas and in dframe's own groupby; ``pipe`` hands the function this object.

    A fallback warns once per operation. When the call that made this object has warned
    already (``Series.rolling``, ``DataFrame.plot``: ``reported``), its uses
    belong to that operation and stay silent; otherwise (a Resampler or window a pandas GroupBy
    handed out, a GroupBy itself) each method or attribute that computes something warns once
    per process, named ``<pandas class>.<name>`` (``RollingGroupBy.sum``).

    >>> import dframe, pandas
    >>> df = dframe.from_pandas(pandas.DataFrame({"k": [1, 1, 2], "v": [1.0, 2.0, 3.0]}))
    >>> type(df.v.rolling(2, step=2)).__name__
    'FallbackObject'
    """

    def __init__(
        self, target: Any, npartitions: int | None, *, reported: bool = False
    ) -> None:
        self._target, self._npartitions = target, npartitions
        self._report = not reported

    def _warn(self, name: str) -> None:
        if self._report:
            warn(f"{type(self._target).__name__}.{name}")

    def _finish(self, name: str, result: Any) -> Any:
        # A deferred result (a selection, ``gb.rolling(2)``) computed nothing yet: its own
        # methods will say so.
        if not is_deferred(result):
            self._warn(name)
        return _wrap_attribute(result, self._npartitions, not self._report)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # copy/pickle protocols: not forwarded
        value = getattr(self._target, name)
        if name == "pipe" and is_deferred(self._target):
            return self._pipe
        if not _is_method(value):
            return self._finish(name, value)

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            pargs, pkwargs, _ = _collect_call(args, kwargs)
            return self._finish(name, value(*pargs, **pkwargs))

        return call

    def _pipe(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """``func(self, *args, **kwargs)``, or with ``func=(callable, keyword)`` this object
        passed as that keyword (pandas' ``pipe``)."""
        if isinstance(func, tuple):
            func, keyword = func
            if keyword in kwargs:
                msg = f"{keyword} is both the pipe target and a keyword argument"
                raise ValueError(msg)
            kwargs[keyword] = self
            return func(*args, **kwargs)
        return func(self, *args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        return self._finish("__getitem__", self._target[to_pandas(key)[0]])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        pargs, pkwargs, _ = _collect_call(args, kwargs)
        return self._finish("__call__", self._target(*pargs, **pkwargs))

    def __iter__(self) -> Any:
        self._warn("__iter__")
        for item in self._target:
            yield wrap_item(item)

    def __len__(self) -> int:
        return len(self._target)

    def __bool__(self) -> bool:
        return bool(self._target)

    def __enter__(self) -> Self:
        self._target.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._target.__exit__(*exc)

    def __dir__(self) -> list[str]:
        return dir(self._target)

    def __repr__(self) -> str:
        return repr(self._target)


def _ObjectFallback(target: Any, npartitions: int | None) -> FallbackObject:
    """A ``FallbackObject`` for a pandas object whose making was reported (dframe.window.api's
    fallback windows)."""
    return FallbackObject(target, npartitions, reported=True)


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
        return FallbackObject(value, owner.npartitions, reported=True)  # .plot, .sparse ...
    return value


def function(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A top-level pandas function that takes and returns dframe objects."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        memory.check_fits(f"pandas.{name}", args, kwargs)
        pargs, pkwargs, found = _collect_call(args, kwargs)
        result = fn(*pargs, **pkwargs)
        if found or isinstance(result, pd.DataFrame | pd.Series) or is_deferred(result):
            warn(f"pandas.{name}")
        return wrap(result, reported=True)

    return call
