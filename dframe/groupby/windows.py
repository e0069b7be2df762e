"""``groupby(...).rolling()`` / ``.expanding()`` / ``.ewm()``: windows within each group.

The rows are shuffled by key so each group is whole in one partition; pandas' own grouped window
runs there (``window_parts.WindowPart``) and one last task puts the rows in pandas'
order: groups in group order, each group's rows in their original order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
        probe = W.WindowPart(self._spec, op)(sample)[0]
        try:
            empty = op(self._spec.grouped(self._work.meta))
        except (TypeError, ValueError, KeyError, IndexError):
            empty = G.no_rows(probe)
        assemble = W.WindowAssemble(self._spec.opt("sort"), empty)
        return self._per_group(W.WindowPart(self._spec, op), assemble, G.no_rows(probe))

    def rolling(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Rolling windows within each group (see pandas)."""
        return GroupedWindow(self, "rolling", args, kwargs)

    def expanding(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Expanding windows within each group (see pandas)."""
        return GroupedWindow(self, "expanding", args, kwargs)

    def ewm(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Exponentially weighted windows within each group (see pandas)."""
        return GroupedWindow(self, "ewm", args, kwargs)


class _WindowCall:
    """``<groupby>.<kind>(*args, **kwargs).<method>(*margs, **mkwargs)``."""

    def __init__(
        self,
        kind: str,
        args: tuple,
        kwargs: dict,
        method: str,
        margs: tuple,
        mkwargs: dict,
    ) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.method, self.margs, self.mkwargs = method, margs, mkwargs

    def __call__(self, gb: Any) -> Any:
        window = getattr(gb, self.kind)(*self.args, **self.kwargs)
        return getattr(window, self.method)(*self.margs, **self.mkwargs)

    def __repr__(self) -> str:
        return f"{self.kind}().{self.method}()"


class GroupedWindow:
    """``groupby(...).rolling(...)`` / ``.expanding()`` / ``.ewm()``: each method runs per group
    after a shuffle by key; results come in pandas' order (groups sorted, rows in order)."""

    def __init__(self, gb: Any, kind: str, args: tuple, kwargs: dict) -> None:
        self._gb, self._kind, self._args, self._kwargs = gb, kind, args, kwargs
        # pandas validates the window arguments at once.
        getattr(gb._sample(), kind)(*args, **kwargs)

    def __getitem__(self, key: Any) -> GroupedWindow:
        if self._gb._is_series_like():
            msg = f"cannot select {key!r} from a Series window"
            raise KeyError(msg)
        return GroupedWindow(self._gb[key], self._kind, self._args, self._kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        window = getattr(self._gb._sample(), self._kind)(*self._args, **self._kwargs)
        if not callable(getattr(window, name)):
            return getattr(window, name)

        def method(*args: Any, **kwargs: Any) -> Any:
            call = _WindowCall(self._kind, self._args, self._kwargs, name, args, kwargs)
            return self._gb._window(call)

        method.__name__ = name
        return method
