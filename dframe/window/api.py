"""Operations along the rows' order: cumulative ops, ``shift``/``diff``/``pct_change``, and
``rolling``/``expanding`` windows — each native and exact across partition boundaries.

Two mechanisms carry what a partition needs from the others (both ``MapWithContext`` nodes):
a *scan* (``dframe.algebra.scan``) passes a prefix carry forward — cumulative ops, expanding
windows; a *halo* (``dframe.algebra.halo``) hands a partition the neighbouring rows its windows
reach into — shifts, differences, rolling windows by row count or by time span.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.halo import Halo, Method, WindowCall
from dframe.algebra.scan import Cumulative, Expanding
from dframe.plan import meta as M
from dframe.plan import nodes as N

_no_default = object()


def _halo(obj: Any, fn: Callable[[Any], Any], **where: Any) -> Any:
    meta = M.infer_meta(fn, obj._meta)
    halo = Halo(fn, meta, **where)
    node = N.MapWithContext(
        obj._plan, halo.summarize, halo.gather, halo.apply, meta, label=repr(fn)
    )
    return obj._new(node)


def _around(periods: int) -> dict[str, int]:
    return {"before": max(periods, 0), "after": max(-periods, 0)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
        meta = M.infer_meta(fn, self._meta)
        scan = Cumulative(name, skipna, meta)
        node = N.MapWithContext(
            self._plan, scan.summarize, scan.gather, scan.apply, meta, label=repr(fn)
        )
        return self._new(node)

    method.__name__ = name
    method.__doc__ = f"``{name}`` down the rows, carried across partitions by a scan."
    return method


class WindowMethods:
    """Mixed into ``Collection``."""

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
        if where is None:
            return _fallback_window(self, "rolling", options)
        return Rolling(self, options, where)

    def expanding(self: Any, min_periods: int = 1, method: str = "single") -> Any:
        """Expanding windows; each partition starts from the moments of all rows before it."""
        options = {"min_periods": min_periods, "method": method}
        M.nonempty(self._meta).expanding(**options)
        if method != "single":
            return _fallback_window(self, "expanding", options)
        return ExpandingWindow(self, options)


def _rolling_reach(meta: Any, options: dict[str, Any]) -> dict[str, Any] | None:
    """Halo of a rolling window: rows before/after, or a time span on a key; None if the
    window is not one dframe splits (window types, steps, custom indexers)."""
    if options["win_type"] is not None or options["step"] is not None:
        return None
    if options["method"] != "single":
        return None
    window = options["window"]
    if _is_int(window):
        # A row's window never reaches further than ``window`` rows on either side.
        return {"before": window, "after": window if options["center"] else 0}
    if options["center"]:
        return None
    if isinstance(window, str | datetime.timedelta | pd.offsets.BaseOffset):
        try:
            span = pd.Timedelta(window)
        except (TypeError, ValueError):
            return None
        on = options["on"]
        if on is not None and (
            not isinstance(meta, pd.DataFrame) or on not in meta.columns
        ):
            return None
        return {"span": span, "on": on}
    return None


def _fallback_window(obj: Any, kind: str, options: dict[str, Any]) -> Any:
    fallback.warn(f"{fallback._type_name(obj)}.{kind}")
    return fallback._ObjectFallback(
        getattr(obj.to_pandas(), kind)(**options), obj.npartitions
    )


class _Window:
    _kind = ""
    _native: tuple[str, ...] = ()

    def __init__(self, obj: Any, options: dict[str, Any]) -> None:
        self._obj, self._options = obj, options

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        # Window methods dframe does not split run on pandas over the collected data.
        return getattr(_fallback_window(self._obj, self._kind, self._options), name)

    def __repr__(self) -> str:
        opts = ",".join(f"{k}={v}" for k, v in self._options.items() if v is not None)
        return f"{type(self).__name__} [{opts}]"


class Rolling(_Window):
    """``obj.rolling(...)``: its methods run partition by partition with a halo of earlier rows."""

    _kind = "rolling"

    def __init__(
        self, obj: Any, options: dict[str, Any], where: dict[str, Any]
    ) -> None:
        super().__init__(obj, options)
        self._where = where

    def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _halo(
            self._obj,
            WindowCall("rolling", self._options, name, args, kwargs),
            **self._where,
        )

    def sum(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("sum", *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("mean", *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("min", *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("max", *args, **kwargs)

    def count(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("count", *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("std", *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("var", *args, **kwargs)

    def median(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("median", *args, **kwargs)

    def quantile(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("quantile", *args, **kwargs)

    def sem(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("sem", *args, **kwargs)

    def skew(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("skew", *args, **kwargs)

    def kurt(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("kurt", *args, **kwargs)

    def apply(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._run("apply", func, *args, **kwargs)

    def aggregate(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run("aggregate", func, *args, **kwargs)

    agg = aggregate


class ExpandingWindow(_Window):
    """``obj.expanding(...)``: its methods scan the partitions, carrying running moments."""

    _kind = "expanding"

    def _run(self, name: str, **kwargs: Any) -> Any:
        moments = {"ddof": kwargs.pop("ddof", 1)} if name in ("std", "var") else {}
        if kwargs:  # numeric_only, engine ...: pandas
            pandas_window = _fallback_window(self._obj, self._kind, self._options)
            return getattr(pandas_window, name)(**moments, **kwargs)
        obj = self._obj
        call = WindowCall("expanding", self._options, name, (), moments)
        meta = M.infer_meta(call, obj._meta)
        scan = Expanding(
            name, self._options["min_periods"], moments.get("ddof", 1), meta
        )
        node = N.MapWithContext(
            obj._plan, scan.summarize, scan.gather, scan.apply, meta, label=repr(call)
        )
        return obj._new(node)

    def sum(self, **kwargs: Any) -> Any:
        return self._run("sum", **kwargs)

    def mean(self, **kwargs: Any) -> Any:
        return self._run("mean", **kwargs)

    def min(self, **kwargs: Any) -> Any:
        return self._run("min", **kwargs)

    def max(self, **kwargs: Any) -> Any:
        return self._run("max", **kwargs)

    def count(self, **kwargs: Any) -> Any:
        return self._run("count", **kwargs)

    def std(self, ddof: int = 1, **kwargs: Any) -> Any:
        return self._run("std", ddof=ddof, **kwargs)

    def var(self, ddof: int = 1, **kwargs: Any) -> Any:
        return self._run("var", ddof=ddof, **kwargs)
