"""Operations along the rows' order: cumulative ops, ``shift``/``diff``/``pct_change``, and
``rolling``/``expanding``/``ewm`` windows — each native and exact across partition boundaries.

Two mechanisms carry what a partition needs from the others (both ``MapWithContext`` nodes):
a *scan* (``dframe.algebra.scan``) passes a prefix carry forward — cumulative ops, expanding
windows; a *halo* (``dframe.algebra.halo``) hands a partition the neighbouring rows its windows
reach into — shifts, differences, rolling windows by row count or by time span.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.halo import Method
from dframe.algebra.scan import Cumulative
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import attach
from dframe.window.ewm import ewm_window
from dframe.window.rolling import (
    ExpandingWindow,
    Rolling,
    _fallback_window,
    _halo,
    _is_int,
    _rolling_reach,
)

_no_default = object()


def _around(periods: int) -> dict[str, int]:
    return {"before": max(periods, 0), "after": max(-periods, 0)}


def _cumulative(name: str) -> Any:
    def method(
        self: Any, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any
    ) -> Any:
        if args or set(kwargs) - {"numeric_only"}:
            return fallback.call_method(self, name, (axis, skipna, *args), kwargs)
        fn = Method(name, skipna=skipna, **kwargs)
        if axis in (1, "columns") and isinstance(self._meta, pd.DataFrame):
            rowwise = Method(name, axis=1, skipna=skipna, **kwargs)
            return self._map(rowwise, label=repr(rowwise))
        if axis not in (None, 0, "index"):
            return fallback.call_method(self, name, (axis, skipna), kwargs)
        # (the scan casts to its planned dtypes: planned on the input's computed ones when
        # pandas picks them from the values, a mask that left no NaN keeping int64)
        meta = M.infer_meta(fn, self._known_meta())
        scan = Cumulative(name, skipna, meta)
        node = N.MapWithContext(
            self._plan, scan.summarize, scan.gather, scan.apply, meta, label=repr(fn)
        )
        return self._new(node)

    method.__name__ = name
    method.__doc__ = f"``{name}`` down the rows, carried across partitions by a scan."
    return method


@attach("DataFrame", "Series")
class WindowMethods:
    """Methods of DataFrame and Series along the rows' order."""

    cumsum = _cumulative("cumsum")
    cumprod = _cumulative("cumprod")
    cummin = _cumulative("cummin")
    cummax = _cumulative("cummax")

    def shift(
        self: Any,
        periods: Any = 1,
        freq: Any = None,
        axis: Any = 0,
        fill_value: Any = _no_default,
        suffix: Any = None,
    ) -> Any:
        """Rows moved down (up for negative ``periods``); each partition borrows its
        neighbours' edge rows."""
        options = {} if fill_value is _no_default else {"fill_value": fill_value}
        if (
            freq is not None
            or axis not in (0, "index")
            or suffix is not None
            or not _is_int(periods)
        ):
            kwargs = {
                "periods": periods,
                "freq": freq,
                "axis": axis,
                "suffix": suffix,
                **options,
            }
            if suffix is None:
                kwargs.pop("suffix")
            return fallback.call_method(self, "shift", (), kwargs)
        return _halo(self, Method("shift", periods, **options), **_around(periods))

    def diff(self: Any, periods: Any = 1, axis: Any = 0) -> Any:
        if axis not in (0, "index") or not _is_int(periods):
            kwargs = {"periods": periods}
            if isinstance(self._meta, pd.DataFrame):
                kwargs["axis"] = axis
            return fallback.call_method(self, "diff", (), kwargs)
        return _halo(self, Method("diff", periods), **_around(periods))

    def pct_change(
        self: Any,
        periods: Any = 1,
        fill_method: Any = None,
        freq: Any = None,
        **kwargs: Any,
    ) -> Any:
        if (
            fill_method is not None
            or freq is not None
            or kwargs
            or not _is_int(periods)
        ):
            options = {
                "periods": periods,
                "fill_method": fill_method,
                "freq": freq,
                **kwargs,
            }
            return fallback.call_method(self, "pct_change", (), options)
        return _halo(self, Method("pct_change", periods), **_around(periods))

    def rolling(
        self: Any,
        window: Any,
        min_periods: int | None = None,
        center: bool = False,
        win_type: str | None = None,
        on: Hashable | None = None,
        closed: str | None = None,
        step: int | None = None,
        method: str = "single",
    ) -> Any:
        """Rolling windows by row count or by time span (``"2s"`` on a DatetimeIndex or an
        ``on=`` column); each partition gets the earlier rows its first windows reach."""
        options = {
            "window": window,
            "min_periods": min_periods,
            "center": center,
            "win_type": win_type,
            "on": on,
            "closed": closed,
            "step": step,
            "method": method,
        }
        # pandas' argument errors, raised at the call.
        M.nonempty(self._meta).rolling(**options)
        where = _rolling_reach(self._meta, options)
        if where is None or M.holds_objects(self._meta):  # (objects: by their values, below)
            return _fallback_window(self, "rolling", options)
        return Rolling(self, options, where)

    def ewm(
        self: Any,
        com: float | None = None,
        span: float | None = None,
        halflife: Any = None,
        alpha: float | None = None,
        min_periods: int | None = 0,
        adjust: bool = True,
        ignore_na: bool = False,
        times: Any = None,
        method: str = "single",
    ) -> Any:
        """Exponentially weighted windows; ``mean``/``sum``/``var``/``std``/``cov``/``corr``
        (with ``times``: ``mean``) scan the partitions, carrying the decayed weighted state of
        all rows before each one."""
        options = {
            "com": com,
            "span": span,
            "halflife": halflife,
            "alpha": alpha,
            "min_periods": min_periods,
            "adjust": adjust,
            "ignore_na": ignore_na,
            "times": times,
            "method": method,
        }
        return ewm_window(self, options)

    def expanding(self: Any, min_periods: int = 1, method: str = "single") -> Any:
        """Expanding windows; each partition starts from the moments of all rows before it."""
        options = {"min_periods": min_periods, "method": method}
        M.nonempty(self._meta).expanding(**options)
        # (pandas takes an object column of numbers or bools and refuses one of strings: only
        # the data can tell, and the object stand-ins hold strings)
        if method != "single" or M.holds_objects(self._meta):
            return _fallback_window(self, "expanding", options)
        return ExpandingWindow(self, options)


