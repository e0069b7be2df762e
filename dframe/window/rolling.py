"""``rolling`` and ``expanding`` windows: which windows dframe splits across partitions (a
halo of neighbouring rows, or a prefix of moments for expanding windows) and the window objects
whose aggregations run partition by partition."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.halo import Halo, WindowCall
from dframe.algebra.scan import Expanding
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan import value_dtypes
from dframe.plan.wrap import DframeObject


def _halo(obj: Any, fn: Callable[[Any], Any], **where: Any) -> Any:
    if obj._plan.known_empty:
        meta = fn(obj._meta).iloc[:0]  # no rows: pandas' own answer (shift keeps bools bool)
        by_values = False
    else:
        meta = M.infer_meta(fn, obj._meta)
        # Without rows, pandas keeps a shifted bool column bool (with rows: object); whether
        # there are rows (a filter's, say) is known once computed.
        no_rows = M.meta_of_no_rows(fn, obj._meta)
        by_values = no_rows is not None and not value_dtypes.same_meta(no_rows, meta)
    halo = Halo(fn, meta, **where, source=obj._meta)
    node = N.MapWithContext(
        obj._plan, halo.summarize, halo.gather, halo.apply, meta, label=repr(fn)
    )
    return obj._new(node, by_values)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
    # (``ewm(times=...)`` of a dframe Series: pandas takes pandas' objects)
    options = {k: v.to_pandas() if isinstance(v, DframeObject) else v for k, v in options.items()}
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
