"""The one way up: how the layers below the façade hand back DataFrames and Series.

Families (groupby, merge, sort, reshape, window), readers and the fallback build plan nodes; the
façade owns the classes that wrap them. Imports run downwards only, so the two upward needs meet
here, in a module that imports nothing above the plan:

- ``wrap_plan(plan)`` turns a plan into a ``DataFrame`` or ``Series`` (the classes register
  themselves with ``set_classes`` when the façade is imported), and ``DframeObject`` is their common
  root, for ``isinstance`` checks;
- ``attach(kind, ...)`` lets a family add its methods (``DataFrame.groupby``, ``merge``,
  ``sort_values`` ...) to the façade's classes, so the façade needs no family import.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from dframe import config
from dframe.plan import held
from dframe.plan import meta as M
from dframe.plan import nodes as N

KINDS = ("DataFrame", "Series")
_classes: dict[str, type] = {}
_pending: dict[str, list[type]] = {kind: [] for kind in KINDS}


class DframeObject:
    """Root of dframe's ``DataFrame`` and ``Series``: an object standing for a plan."""

    @property
    def _plan(self) -> N.Node:
        try:
            return self.__dict__["_plan"]
        except KeyError:  # (not set yet: an object being unpickled)
            raise AttributeError("_plan") from None

    @_plan.setter
    def _plan(self, plan: N.Node) -> None:
        self.__dict__["_plan"] = plan
        held.hold(plan, self)  # (an aggregate the user holds is computed once)


def wrap_plan(plan: N.Node) -> Any:
    """The DataFrame or Series standing for ``plan`` (by the kind of its output)."""
    kind = "DataFrame" if isinstance(plan.meta, pd.DataFrame) else "Series"
    obj = object.__new__(_classes[kind])
    obj._plan = plan
    return obj


def set_classes(**classes: type) -> None:
    """Called by the façade: ``set_classes(DataFrame=..., Series=...)``. Methods families
    attached before the classes existed are installed now."""
    for kind, cls in classes.items():
        _classes[kind] = cls
        for mixin in _pending[kind]:
            _install(cls, mixin)
        _pending[kind].clear()


def attach(*kinds: str) -> Any:
    """Class decorator: the methods of the decorated class become methods of ``DataFrame``
    and/or ``Series``.

    A family may add methods but never replace one the façade (or another family) defines:
    that would make the result depend on import order.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        msg = f"attach() takes {KINDS}, got {sorted(unknown)}"
        raise ValueError(msg)

    def decorate(mixin: type) -> type:
        for kind in kinds:
            if kind in _classes:
                _install(_classes[kind], mixin)
            else:
                _pending[kind].append(mixin)
        return mixin

    return decorate


def _install(cls: type, mixin: type) -> None:
    for name, value in vars(mixin).items():
        if name in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"):
            continue
        if hasattr(cls, name):
            msg = f"{mixin.__qualname__}.{name} would replace {cls.__name__}.{name}"
            raise TypeError(msg)
        setattr(cls, name, value)


def default_npartitions(data: Any) -> int:
    usage = data.memory_usage(deep=False)  # a Series reports an int, a DataFrame a Series
    nbytes = int(usage.sum() if isinstance(usage, pd.Series) else usage)
    return max(1, math.ceil(nbytes / config.get("partition_bytes")))


def from_pandas(data: Any, npartitions: int | None = None) -> Any:
    """A dframe DataFrame/Series holding ``data`` cut into ``npartitions`` row partitions.

    More partitions than rows is allowed (the extra ones are empty).

    >>> import pandas
    >>> import dframe
    >>> from_pandas(pandas.DataFrame({"a": [1, 2, 3]}), npartitions=2).npartitions
    2
    """
    if isinstance(data, DframeObject):
        return data
    if not isinstance(data, pd.DataFrame | pd.Series):
        msg = f"from_pandas expects a pandas DataFrame or Series, got {type(data).__name__}"
        raise TypeError(msg)
    n = default_npartitions(data) if npartitions is None else int(npartitions)
    if n < 1:
        msg = f"npartitions must be at least 1, got {n}"
        raise ValueError(msg)
    bounds = [*M.offsets(M.split_lengths(len(data), n)), len(data)]
    parts = tuple(data.iloc[bounds[i] : bounds[i + 1]] for i in range(n))
    return wrap_plan(N.FromPandas(parts, range_index=M.is_default_range(data.index)))
