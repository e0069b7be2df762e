"""Halo exchange: work on a partition that needs some rows of its neighbours.

``shift(2)`` needs the last two rows before the partition, ``shift(-1)`` the first row after it,
``rolling(5)`` the four rows before, ``rolling("2s")`` the rows less than two seconds before its
first row. Each runs as a ``MapWithContext`` node:

1. ``summarize``: a partition hands over its edges — at most ``before`` rows from its end and
   ``after`` rows from its start (for a time window, the rows within the window's span of its
   last key) — never the whole partition unless it is that small;
2. ``gather``: for every partition, its halo: the edges of as many earlier (and later)
   partitions as it takes to collect those rows — a window larger than a partition reaches back
   over several of them, and empty partitions are skipped;
3. ``apply``: pandas runs the operation on ``halo_before + partition + halo_after`` and the
   partition's own rows are cut out of the result.

Rows the operation does not need in the halo are harmless (a row's window is positional or by
key, never "whatever came first"), so edges may be generous; what must hold is that every needed
row is there, which is what ``before``/``after``/``span`` promise.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from dframe.algebra.scan import _like_meta
from dframe.plan import meta as M


class Edges:
    """What one partition shows its neighbours."""

    __slots__ = ("first_key", "head", "last_key", "rows", "tail")

    def __init__(
        self, rows: int, head: Any, tail: Any, first_key: Any, last_key: Any
    ) -> None:
        self.rows, self.head, self.tail = rows, head, tail
        self.first_key, self.last_key = first_key, last_key


class Halo:
    """The three steps for ``func(frame)`` whose row r needs ``before`` rows (or, with ``span``,
    the rows whose key ``on`` is within ``span`` of r's) and ``after`` rows around it.

    ``on`` is ``None`` for the index, else a column label.
    """

    def __init__(
        self,
        func: Callable[[Any], Any],
        meta: Any,
        before: int = 0,
        after: int = 0,
        span: Any = None,
        on: Hashable | None = None,
        source: Any = None,
    ) -> None:
        self.func, self.meta = func, meta
        self.before, self.after, self.span, self.on = before, after, span, on
        self._increasing = True
        # The input's meta as planned, to tell when the partitions hold other dtypes (see
        # ``_meta_of``); None: trust ``meta``.
        self.source = source

    def _keys(self, part: Any) -> Any:
        return part.index if self.on is None else pd.Index(part[self.on])

    def summarize(self, part: Any) -> Edges:
        rows = len(part)
        if self.span is None:
            tail = part.iloc[rows - min(rows, self.before) :]
            return Edges(rows, part.iloc[: self.after], tail, None, None)
        keys = self._keys(part)
        if rows == 0:
            return Edges(0, part.iloc[:0], part.iloc[:0], None, None)
        first, last = keys[0], keys[-1]
        # pandas accepts an increasing or a decreasing index; this partition shows which.
        near = keys >= last - self.span if first <= last else keys <= last + self.span
        return Edges(rows, part.iloc[:0], part[near], first, last)

    def gather(self, *edges: Edges) -> list[tuple[Any, Any, bool]]:
        if self.span is not None:
            self._increasing = _direction(edges, self.on)
        empty = all(e.rows == 0 for e in edges)
        meta = self._meta_of(edges)
        return [
            (self._before(edges, i), self._after(edges, i), empty, meta)
            for i in range(len(edges))
        ]

    def _meta_of(self, edges: tuple[Edges, ...]) -> Any:
        """The output's meta for the dtypes the partitions hold: the planned one, unless an
        earlier step's dtype depends on the values and the plan could not know it (a groupby
        cumcount with a missing key is float64, not int64); then pandas' for those dtypes."""
        shown = [e.tail for e in edges if e.rows]
        if self.source is None or not shown:
            return self.meta
        held = shown[0].iloc[:0]
        if len(shown) > 1:
            held = pd.concat([t.iloc[:0] for t in shown])
        planned = self.source
        if isinstance(held, pd.Series):
            if held.dtype == planned.dtype:
                return self.meta
        elif list(held.dtypes) == list(planned.dtypes):
            return self.meta
        try:
            return M.infer_meta(self.func, held)
        except Exception:  # noqa: BLE001 - the plan's meta, as before
            return self.meta

    def _before(self, edges: tuple[Edges, ...], i: int) -> Any:
        if edges[i].rows == 0:
            return None
        pieces, have = [], 0
        for j in range(i - 1, -1, -1):
            e = edges[j]
            if e.rows == 0:
                continue
            if self.span is None:
                if have >= self.before:
                    break
                pieces.append(e.tail.iloc[max(0, len(e.tail) - (self.before - have)) :])
                have += len(pieces[-1])
            elif self._increasing:
                bound = edges[i].first_key - self.span
                if e.last_key < bound:
                    break
                pieces.append(e.tail[self._keys(e.tail) >= bound])
            else:
                bound = edges[i].first_key + self.span
                if e.last_key > bound:
                    break
                pieces.append(e.tail[self._keys(e.tail) <= bound])
        pieces = [p for p in pieces if len(p)]
        return pd.concat(pieces[::-1]) if pieces else None

    def _after(self, edges: tuple[Edges, ...], i: int) -> Any:
        if edges[i].rows == 0 or self.after == 0:
            return None
        pieces, have = [], 0
        for e in edges[i + 1 :]:
            if have >= self.after:
                break
            if e.rows:
                pieces.append(e.head.iloc[: self.after - have])
                have += len(pieces[-1])
        return pd.concat(pieces) if pieces else None

    def apply(self, part: Any, context: tuple[Any, Any, bool]) -> Any:
        before, after, empty, meta = context
        if empty:
            # No rows at all: pandas' dtypes for an empty input (an empty int frame shifted
            # stays int), not the meta found on made-up rows.
            return self.func(part)
        if before is None and after is None:
            return _like_meta(self.func(part), meta)
        frames = [f for f in (before, part, after) if f is not None]
        start = 0 if before is None else len(before)
        out = self.func(pd.concat(frames)).iloc[start : start + len(part)]
        out.index = (
            part.index
        )  # labels of a concatenation can lose the index's exact type
        return _like_meta(out, meta)


def _direction(edges: tuple[Edges, ...], on: Hashable | None) -> bool:
    """Whether the keys increase (else they decrease) across partitions; pandas' ValueError
    when they do neither."""
    spans = [(e.first_key, e.last_key) for e in edges if e.rows]
    pairs = spans + [(a[1], b[0]) for a, b in itertools.pairwise(spans)]
    if all(x <= y for x, y in pairs):
        return True
    if all(x >= y for x, y in pairs):
        return False
    where = "index" if on is None else on
    msg = f"{where} values must be monotonic"
    raise ValueError(msg)


# -- operations ------------------------------------------------------------------------------


class Method:
    """``frame.<name>(*args, **kwargs)``."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs

    def __call__(self, frame: Any) -> Any:
        return getattr(frame, self.name)(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        inner = [repr(a) for a in self.args] + [
            f"{k}={v!r}" for k, v in self.kwargs.items()
        ]
        return f"{self.name}({', '.join(inner)})"


class WindowCall:
    """``frame.<kind>(**window).<name>(*args, **kwargs)`` (``kind`` is ``rolling`` ...)."""

    def __init__(
        self,
        kind: str,
        window: dict[str, Any],
        name: str,
        args: tuple,
        kwargs: dict[str, Any],
    ) -> None:
        self.kind, self.window, self.name, self.args, self.kwargs = (
            kind,
            window,
            name,
            args,
            kwargs,
        )

    def __call__(self, frame: Any) -> Any:
        windowed = getattr(frame, self.kind)(**self.window)
        return getattr(windowed, self.name)(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.window.items())
        return f"{self.kind}({opts}).{self.name}()"
