"""pandas' mutating methods of DataFrame and Series: item assignment (``df[key] = value``,
``s[mask] = value``), ``del``, ``insert``, ``pop`` and ``update``.

As in pandas 3 (Copy-on-Write), each changes exactly the object it is called on: the object
builds a new plan (``dframe.core.assignment``) and swaps its own, so any object that shared the
old plan — a ``copy()``, a frame derived before — keeps it. Assigning into a temporary
(``df["a"][0] = 1``) warns with pandas' ``ChainedAssignmentError`` and changes nothing
(``dframe.core.cow``). What has no native plan runs on pandas (``fallback.call_method``), which
changes the collected copy and swaps this object's plan likewise.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.core import assignment, combining, cow
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject


class FrameMutationMethods:
    """Mixed into ``DataFrame``."""

    def __setitem__(self: Any, key: Any, value: Any) -> None:
        refs = sys.getrefcount(self)  # first: passing ``self`` on adds one
        if cow.chained(self, refs, cow.SETITEM_REFS, syntax=True):
            return
        plan = None
        if assignment.is_column_key(key) and not isinstance(self._meta.columns, pd.MultiIndex):
            plan = assignment.column(self._plan, key, value)
        elif isinstance(key, list | pd.Index) and not isinstance(self._meta.columns, pd.MultiIndex):
            plan = assignment.columns(self._plan, list(key), value)
        if plan is None:
            fallback.call_method(self, "__setitem__", (key, value), {})
            return
        self._replace_plan(plan)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        # pandas: ``df.a = v`` sets column "a" when "a" is a column and no attribute of the
        # class (``df.index = ...`` stays the property); anything else is a plain attribute.
        if (
            not name.startswith("_")
            and not hasattr(type(self), name)
            and name in self._meta.columns
        ):
            self[name] = value
            return
        object.__setattr__(self, name, value)

    def __delitem__(self: Any, key: Hashable) -> None:
        columns = self._meta.columns
        if isinstance(columns, pd.MultiIndex) or not assignment.is_column_key(key):
            fallback.call_method(self, "__delitem__", (key,), {})
            return
        if key not in set(columns):
            raise KeyError(key)
        self._replace_plan(N.Project(self._plan, tuple(c for c in columns if c != key)))

    def insert(
        self: Any, loc: int, column: Hashable, value: Any, allow_duplicates: Any = False
    ) -> None:
        """Insert ``column`` at position ``loc`` (values as ``df[column] = value`` takes them)."""
        columns = self._meta.columns
        probe = value if assignment.is_scalar(value) else None
        # pandas' errors for the position and the name, raised at the call.
        self._meta.copy(deep=False).insert(loc, column, probe, allow_duplicates=allow_duplicates)
        plan = None
        if column not in columns and not isinstance(columns, pd.MultiIndex):
            plan = assignment.column(self._plan, column, value)
        if plan is None:
            args = (loc, column, value)
            fallback.call_method(self, "insert", args, {"allow_duplicates": allow_duplicates})
            return
        order = list(columns)
        order.insert(loc, column)
        self._replace_plan(N.Project(plan, tuple(order)))

    def pop(self: Any, item: Hashable) -> Any:
        """Remove column ``item`` and return it (pandas: ``self[item]``, then ``del``)."""
        result = self[item]
        del self[item]
        return result

    def update(
        self: Any,
        other: Any,
        join: str = "left",
        overwrite: bool = True,
        filter_func: Any = None,
        errors: str = "ignore",
    ) -> None:
        """Take the non-missing values of ``other`` (aligned by label), in place."""
        options = {"join": join, "overwrite": overwrite, "filter_func": filter_func}
        options["errors"] = errors
        plan = assignment.update(self, other, options) or combining.update(self, other, options)
        if plan is None:
            fallback.call_method(self, "update", (other,), options)
            return
        self._replace_plan(plan)


class SeriesMutationMethods:
    """Mixed into ``Series``."""

    def __setitem__(self: Any, key: Any, value: Any) -> None:
        refs = sys.getrefcount(self)  # first: passing ``self`` on adds one
        if cow.chained(self, refs, cow.SETITEM_REFS, syntax=True):
            return
        mask = (
            isinstance(key, DframeObject)
            and key.ndim == 1
            and pd.api.types.is_bool_dtype(key._meta.dtype)
        )
        label = not isinstance(key, DframeObject) and assignment.is_column_key(key)
        if assignment.is_scalar(value) and (mask or label):
            # pandas' Series.__setitem__ is .loc here: a label (a new one adds a row) or a
            # boolean mask, set to a scalar with the same dtype rules.
            self.loc[key] = value
            return
        fallback.call_method(self, "__setitem__", (key, value), {})

    def __delitem__(self: Any, key: Any) -> None:
        fallback.call_method(self, "__delitem__", (key,), {})

    def update(self: Any, other: Any) -> None:
        """Take the non-missing values of ``other`` (aligned by label), in place."""
        plan = assignment.update(self, other, {}) or combining.update(self, other, {})
        if plan is None:
            fallback.call_method(self, "update", (other,), {})
            return
        self._replace_plan(plan)
