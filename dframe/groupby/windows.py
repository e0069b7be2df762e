"""``groupby(...).rolling()`` / ``.expanding()`` / ``.ewm()``: windows within each group.

The rows are shuffled by key so each group is whole in one partition; pandas' own grouped window
runs there (``window_parts.WindowPart``) and one last task puts the rows in pandas'
order: groups in group order, each group's rows in their original order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.groupby import grouped as G
from dframe.groupby import window_parts as W
from dframe.plan import meta as M


class GroupWindowMethods:
    """``rolling``, ``expanding`` and ``ewm`` of a GroupBy (mixed into ``GroupBy``, which
    provides ``_work``, ``_spec``, ``_sample`` and ``_per_group``)."""

    def _window(self, op: Any) -> Any:
        """A per-group window result (rows of each group in order), groups in pandas' order."""
        sample = M.nonempty(self._work.meta).assign(
            **{G.POS: np.arange(2, dtype=np.int64)}
        )
        try:
            probe = W.WindowPart(self._spec, op)(sample)[0]
        except Exception:  # noqa: BLE001 - made-up values pandas rejects
            # pandas may take the real ones (strings of numbers, or no rows at all): its answer
            # on no rows says the result's shape; data it rejects raises when computed.
            probe = op(self._spec.grouped(self._work.meta))
        try:
            empty = op(self._spec.grouped(self._work.meta))
        except (TypeError, ValueError, KeyError, IndexError):
            empty = G.no_rows(probe)
        spec = self._spec
        assemble = W.WindowAssemble(spec.opt("sort"), len(spec.items), empty)
        levels = dict.fromkeys(spec.key_columns, spec.opt("dropna"))
        part = W.WindowPart(spec, op)
        return self._per_group(part, assemble, G.no_rows(probe), levels)

    def rolling(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Rolling windows within each group (see pandas)."""
        return GroupedWindow(self, "rolling", args, kwargs)

    def expanding(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Expanding windows within each group (see pandas)."""
        return GroupedWindow(self, "expanding", args, kwargs)

    def ewm(self, *args: Any, **kwargs: Any) -> Any:
        """Exponentially weighted windows within each group (see pandas); ``times`` given as
        values (not a column) runs on pandas, as they would have to move with the rows."""
        if kwargs.get("times") is not None:
            return self._fb.ewm(*args, **kwargs)
        return GroupedWindow(self, "ewm", args, kwargs)


class _WindowCall:
    """``<groupby>.<kind>(*args, **kwargs)[selection]...<method>(*margs, **mkwargs)``."""

    def __init__(
        self,
        kind: str,
        args: tuple,
        kwargs: dict,
        selections: tuple,
        method: str,
        margs: tuple,
        mkwargs: dict,
    ) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.selections = selections
        self.method, self.margs, self.mkwargs = method, margs, mkwargs

    def __call__(self, gb: Any) -> Any:
        window = getattr(gb, self.kind)(*self.args, **self.kwargs)
        for key in self.selections:
            window = window[key]
        return getattr(window, self.method)(*self.margs, **self.mkwargs)

    def __repr__(self) -> str:
        return f"{self.kind}().{self.method}()"


class GroupedWindow:
    """``groupby(...).rolling(...)`` / ``.expanding()`` / ``.ewm()``: each method runs per group
    after a shuffle by key; results come in pandas' order (groups sorted, rows in order).

    Columns selected from the window (``rolling(2)["v"]``, ``rolling(2).v``) are selected by
    pandas' window in each task, as pandas selects them (keeping an ``on=`` column's role)."""

    def __init__(
        self, gb: Any, kind: str, args: tuple, kwargs: dict, selections: tuple = ()
    ) -> None:
        self._gb, self._kind, self._args, self._kwargs = gb, kind, args, kwargs
        self._selections = selections
        # pandas validates the window arguments (and selections) at once.
        self._sample_window()

    def _sample_window(self) -> Any:
        window = getattr(self._gb._sample(), self._kind)(*self._args, **self._kwargs)
        for key in self._selections:
            window = window[key]
        return window

    def __getitem__(self, key: Any) -> GroupedWindow:
        selections = (*self._selections, key)
        return GroupedWindow(self._gb, self._kind, self._args, self._kwargs, selections)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._sample_window(), name)  # pandas' AttributeError
        if fallback.is_deferred(value):
            # pandas selects a column by attribute (``rolling(2).v``); the window of the
            # sample would compute placeholder rows.
            return self[name]
        if not callable(value):
            if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
                # Data (``.obj``): pandas' own window over the collected rows.
                window = getattr(self._gb._fb, self._kind)(*self._args, **self._kwargs)
                for key in self._selections:
                    window = window[key]
                return getattr(window, name)
            return value  # settings (``window``, ``min_periods`` ...)

        def method(*args: Any, **kwargs: Any) -> Any:
            call = _WindowCall(
                self._kind, self._args, self._kwargs, self._selections, name, args, kwargs
            )
            return self._gb._window(call)

        method.__name__ = name
        return method
