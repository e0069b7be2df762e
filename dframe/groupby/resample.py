"""``df.resample(rule)`` and ``df.groupby(pd.Grouper(freq=...))``: a groupby on time bins.

pandas cuts the time axis into bins whose edges depend only on the frequency options and on
the smallest and largest time stamp. So the bins are computed in two passes: every partition
reports its time range, and each partition then labels its rows with pandas' own bin
computation run over its time stamps plus the global minimum and maximum (which fixes the
edges as they are for the whole axis). The rest is dframe's groupby on the hidden label column
(tree reduction or shuffle); rows of a bin are stably sorted by time before pandas aggregates
them, as pandas' resample does, so ``first``/``last``/``ohlc`` pick the same rows.

pandas' result also has a row for every empty bin in the range. A last one-partition step
reindexes to the full range of bins and fills empty bins with what pandas gives an empty bin
(0 for ``sum``/``count``/``size``, NaN for ``mean`` ...), learnt at plan time by running the
same call on a two-row stand-in whose middle bin is empty. Anything else (``interpolate``,
``asfreq``, upsampling fills, a ``PeriodIndex`` or ``TimedeltaIndex``) runs on pandas with a
``PandasFallbackWarning``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.groupby import grouped as G
from dframe.groupby.api import DataFrameGroupBy, SeriesGroupBy
from dframe.groupby.fallback import FallbackGroupBy
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import wrap_plan

BIN = "__dframe_bin__"  # the row's bin label
TIME = "__dframe_time__"  # the row's time stamp (rows are sorted by it within a bin)

# Resampler methods computed natively; each is the groupby method of the same name.
AGGREGATIONS = (
    "sum",
    "mean",
    "count",
    "size",
    "min",
    "max",
    "first",
    "last",
    "std",
    "var",
    "sem",
    "median",
    "prod",
    "nunique",
    "ohlc",
    "quantile",
)
_OPTIONS = ("closed", "label", "origin", "offset")


# -- partition functions ----------------------------------------------------------------------


def _times(part: Any, on: Hashable, level: Any) -> pd.DatetimeIndex:
    if on is not None:
        return pd.DatetimeIndex(part[on])
    index = part.index
    if level is not None and isinstance(index, pd.MultiIndex):
        return pd.DatetimeIndex(index.get_level_values(level))
    return pd.DatetimeIndex(index)


class TimeBounds:
    """Chunk: ``(min, max, has NaT)`` of a partition's time stamps (``None`` when empty)."""

    def __init__(self, on: Hashable, level: Any) -> None:
        self.on, self.level = on, level

    def __call__(self, part: Any) -> tuple[Any, Any, bool]:
        times = _times(part, self.on, self.level)
        valid = times[times.notna()]
        if len(valid) == 0:
            return None, None, bool(len(times))
        return valid.min(), valid.max(), len(valid) < len(times)


def merge_bounds(*partials: tuple[Any, Any, bool]) -> tuple[Any, Any, bool]:
    lows = [p[0] for p in partials if p[0] is not None]
    highs = [p[1] for p in partials if p[1] is not None]
    nat = any(p[2] for p in partials)
    return (min(lows) if lows else None, max(highs) if highs else None, nat)


def _identity(value: Any) -> Any:
    return value


class ShareBounds:
    """Gather: every partition gets the global bounds."""

    def __call__(self, *summaries: tuple[Any, Any, bool]) -> list[Any]:
        merged = merge_bounds(*summaries)
        return [merged] * len(summaries)


class Binning:
    """pandas' time bins for one set of options (``freq``, ``closed``, ``label``, ``origin``,
    ``offset``)."""

    def __init__(self, freq: Any, options: dict[str, Any]) -> None:
        self.freq, self.options = freq, options

    def grouper(self) -> Any:
        return pd.Grouper(freq=self.freq, **self.options)

    def labels(self, times: pd.DatetimeIndex, bounds: tuple[Any, Any, bool]) -> Any:
        """The bin label of each time stamp (NaT for NaT), with the bins of the whole axis."""
        low, high, _ = bounds
        out = pd.array([pd.NaT] * len(times), dtype=times.dtype)
        valid = np.asarray(times.notna())
        if low is None or not valid.any():
            return out
        values = times[valid]
        ends = pd.DatetimeIndex([low, high]).as_unit(times.unit)
        axis = values.append(ends).sort_values()
        _, bins, labels = self.grouper()._get_time_bins(axis)
        at = np.searchsorted(np.asarray(bins), axis.searchsorted(values), side="right")
        out[valid] = labels.take(at).array
        return out

    def all_labels(
        self, bounds: tuple[Any, Any, bool], unit: str, name: Hashable
    ) -> Any:
        """The labels of every bin in the range: pandas' result index."""
        low, high, nat = bounds
        stamps = [low, high] + ([pd.NaT] if nat else [])
        axis = pd.DatetimeIndex(stamps).as_unit(unit)
        probe = pd.Series(np.zeros(len(axis)), index=axis)
        return probe.groupby(self.grouper()).size().index.rename(name)


class AddBins:
    """Apply: the work frame of a partition — its rows (a Series becomes column VAL; the
    ``on`` column leaves) plus hidden TIME and BIN columns."""

    def __init__(
        self, binning: Binning, on: Hashable, level: Any, series: bool
    ) -> None:
        self.binning, self.on, self.level, self.series = binning, on, level, series

    def __call__(self, part: Any, bounds: tuple[Any, Any, bool]) -> pd.DataFrame:
        times = _times(part, self.on, self.level)
        out = part.to_frame(G.VAL) if self.series else part.copy(deep=False)
        if self.on is not None:
            out = out.drop(columns=[self.on])
        out[TIME] = times.array
        out[BIN] = self.binning.labels(times, bounds)
        return out


class FillBins:
    """Last step: the aggregated bins reindexed to every bin of the range, empty ones filled
    as pandas fills them (``fills``: the value of an empty bin per column, ``dtypes``: the
    result's dtypes when a bin is empty)."""

    def __init__(
        self,
        binning: Binning,
        unit: str,
        name: Hashable,
        fills: Any,
        dtypes: Any,
        empty: Any,
    ) -> None:
        self.binning, self.unit, self.name = binning, unit, name
        self.fills, self.dtypes, self.empty = fills, dtypes, empty

    def __call__(self, result: Any, bounds: tuple[Any, Any, bool]) -> Any:
        if bounds[0] is None:
            return self.empty
        full = self.binning.all_labels(bounds, self.unit, self.name)
        if not result.index.isin(full).all():
            # A bin pandas would not have: never drop data silently.
            msg = "resample: a time bin fell outside the range of bins; please report this"
            raise AssertionError(msg)
        if len(result) == len(full):
            result = result.copy(deep=False)
            result.index = full
            return result
        missing = ~full.isin(result.index)
        out = result.reindex(full)
        if isinstance(out, pd.Series):
            if pd.notna(self.fills):
                out[missing] = self.fills
            return out.astype(self.dtypes)
        for j, fill in enumerate(self.fills):
            column = out.iloc[:, j]
            if pd.notna(fill):
                column = column.copy()
                column[missing] = fill
            out.isetitem(j, column.astype(self.dtypes.iloc[j]))
        return out


# -- the Resampler ------------------------------------------------------------------------------


class FallbackResampler:
    """pandas' Resampler over the collected data; results come back as dframe objects."""

    def __init__(
        self, obj: Any, rule: Any, kwargs: dict[str, Any], selection: Any = G.NONE
    ) -> None:
        self.obj, self.rule, self.kwargs, self.selection = obj, rule, kwargs, selection

    def pandas(self) -> Any:
        r = self.obj.to_pandas().resample(self.rule, **self.kwargs)
        return r if self.selection is G.NONE else r[self.selection]

    def __getitem__(self, key: Any) -> FallbackResampler:
        return FallbackResampler(self.obj, self.rule, self.kwargs, key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        meta = self.obj._meta
        if (
            self.selection is G.NONE
            and isinstance(meta, pd.DataFrame)
            and name in meta.columns
        ):
            return self[name]

        def method(*args: Any, **kwargs: Any) -> Any:
            fallback.warn(f"Resampler.{name}")
            pargs, _ = fallback.to_pandas(args)
            pkwargs, _ = fallback.to_pandas(kwargs)
            result = getattr(self.pandas(), name)(*pargs, **pkwargs)
            return fallback.wrap(result, self.obj.npartitions)

        return method

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, name)(*args, **kwargs)

    def select(self, key: Any) -> FallbackResampler:
        return self[key]

    def __iter__(self) -> Any:
        return iter(fallback.wrap(self.pandas(), self.obj.npartitions))


class _ResamplerCall:
    """``<resampler>.<method>(*args, **kwargs)`` (on pandas' Resampler or GroupBy alike)."""

    def __init__(self, method: str, args: tuple, kwargs: dict[str, Any]) -> None:
        self.method, self.args, self.kwargs = method, args, kwargs

    def __call__(self, r: Any) -> Any:
        return getattr(r, self.method)(*self.args, **self.kwargs)


class Resampler:
    """``obj.resample(rule, ...)``: each aggregation is dframe's groupby on the bin labels,
    completed with the empty bins."""

    def __init__(
        self,
        obj: Any,
        binning: Binning,
        on: Hashable,
        level: Any,
        fb: FallbackResampler,
        selection: Any = G.NONE,
        gb: Any = None,
    ) -> None:

        self._obj, self._binning, self._on, self._level = obj, binning, on, level
        self._fb, self._selection = fb, selection
        meta = obj._meta
        self._series = isinstance(meta, pd.Series)
        times = _times(meta, on, level)
        self._unit, self._name = times.unit, times.name
        if gb is None:
            apply = AddBins(binning, on, level, self._series)
            sample = M.nonempty(meta)
            work = N.MapWithContext(
                obj._plan,
                TimeBounds(on, level),
                ShareBounds(),
                apply,
                apply(sample, TimeBounds(on, level)(sample)).iloc[:0],
                label="resample bins",
            )
            spec = G.GroupSpec(
                (("tmp", BIN, self._name),),
                False,
                series=self._series,
                series_name=meta.name if self._series else None,
                options={
                    "sort": True,
                    "dropna": True,
                    "observed": True,
                    "as_index": True,
                    "group_keys": False,
                },
                presort=TIME,
            )
            cls = SeriesGroupBy if self._series else DataFrameGroupBy
            gb = cls(work, spec, None, fb)
        self._gb = gb
        self._bounds = N.Reduce(
            obj._plan,
            TimeBounds(on, level),
            merge_bounds,
            _identity,
            None,
            label="time bounds",
        )

    def __getitem__(self, key: Any) -> Resampler:
        if self._series or self._selection is not G.NONE:
            msg = f"cannot select {key!r} again"
            raise KeyError(msg)
        return Resampler(
            self._obj,
            self._binning,
            self._on,
            self._level,
            self._fb[key],
            key,
            self._gb[key],
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if (
            self._selection is G.NONE
            and not self._series
            and name in set(self._obj._meta.columns)
        ):
            return self[name]
        return getattr(self._fb, name)

    def __iter__(self) -> Any:
        return iter(self._fb)  # (bin, rows) pairs: pandas' (without it, ``[]`` would be tried)

    # -- computing --------------------------------------------------------------------------

    def _probe(self, call: _ResamplerCall) -> tuple[Any, Any, Any] | None:
        """pandas' answer for the same call on two rows three bins apart: (fill of an empty
        bin, dtypes with an empty bin, answer on no rows); None if it cannot tell."""
        meta = self._obj._meta
        sample = M.nonempty(meta)
        first = _times(sample, self._on, self._level)[0]
        step = pd.tseries.frequencies.to_offset(self._binning.freq)
        stamps = pd.DatetimeIndex([first, first + 3 * step]).as_unit(self._unit)
        if self._on is not None:
            sample = sample.assign(**{self._on: stamps})
        elif self._level is None or not isinstance(sample.index, pd.MultiIndex):
            sample.index = stamps.rename(sample.index.name)
        else:
            return None
        try:
            result = call(self._select(self._pandas_resampler(sample)))
            sizes = self._pandas_resampler(sample).size()
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return None
        try:
            empty = call(self._select(self._pandas_resampler(meta)))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            # pandas cannot resample zero rows by a column (it fails setting the index'
            # frequency); an empty result of the right shape stands in for it.
            empty = result.iloc[:0]
        at = np.flatnonzero(sizes.to_numpy() == 0)
        if len(at) == 0 or not isinstance(result, pd.Series | pd.DataFrame):
            return None
        if len(result) != len(sizes):
            return None
        row = result.iloc[at[0]]
        if isinstance(result, pd.Series):
            return row, result.dtype, empty
        return list(row), result.dtypes, empty

    def _pandas_resampler(self, data: Any) -> Any:
        return data.resample(
            self._binning.freq, on=self._on, level=self._level, **self._binning.options
        )

    def _select(self, r: Any) -> Any:
        return r if self._selection is G.NONE else r[self._selection]

    def _compute(self, name: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        call = _ResamplerCall(name, args, kwargs)
        probe = self._probe(call)
        if probe is None:
            return getattr(self._fb, name)(*args, **kwargs)
        fills, dtypes, empty = probe
        observed = getattr(self._gb, name)(*args, **kwargs)
        fill = FillBins(self._binning, self._unit, self._name, fills, dtypes, empty)
        node = N.MapPartitions(
            fill,
            (observed._plan, self._bounds),
            observed._meta,
            label="resample fill",
            preserves_rows=False,
        )

        return wrap_plan(node)

    def aggregate(self, func: Any = None, *args: Any, **kwargs: Any) -> Any:
        """Aggregate each bin (see pandas)."""
        return self._compute("aggregate", (func, *args), kwargs)

    agg = aggregate


def _method(name: str) -> Any:
    def method(self: Resampler, *args: Any, **kwargs: Any) -> Any:
        return self._compute(name, args, kwargs)

    method.__name__ = name
    method.__doc__ = f"``{name}`` of each time bin, empty bins included (see pandas)."
    return method


for _name in AGGREGATIONS:
    setattr(Resampler, _name, _method(_name))


# -- entry points -----------------------------------------------------------------------------


def _native_axis(meta: Any, on: Hashable, level: Any) -> bool:
    if on is not None:
        return (
            isinstance(meta, pd.DataFrame)
            and on in set(meta.columns)
            and isinstance(meta[on].dtype, np.dtype | pd.DatetimeTZDtype)
            and meta[on].dtype.kind == "M"
        )
    index = meta.index
    if isinstance(index, pd.MultiIndex):
        if level is None:
            return False
        index = index.get_level_values(level)
    elif level is not None and level not in (0, index.name):
        return False
    return isinstance(index, pd.DatetimeIndex)


def make_resampler(obj: Any, rule: Any, **kwargs: Any) -> Any:
    """``obj.resample(rule, **kwargs)``: native on a datetime axis, else pandas' Resampler."""
    fb = FallbackResampler(obj, rule, dict(kwargs))
    # pandas validates the arguments on the empty meta (bad rule, missing column ...).
    obj._meta.resample(rule, **kwargs)
    on, level = kwargs.pop("on", None), kwargs.pop("level", None)
    kwargs.pop("group_keys", None)
    convention = kwargs.pop("convention", "start")
    if (
        set(kwargs) - set(_OPTIONS)
        or convention != "start"
        or not _native_axis(obj._meta, on, level)
    ):
        return fb
    if isinstance(obj._meta.index, pd.MultiIndex):
        return fb  # the level's values must become the result index: left to pandas
    return Resampler(obj, Binning(rule, kwargs), on, level, fb)


def grouper_resampler(obj: Any, grouper: Any, options: dict[str, Any]) -> Any:
    """``obj.groupby(pd.Grouper(freq=...))``: the same bins as ``resample``."""

    fb = FallbackGroupBy(obj, grouper, None, options)
    freq = grouper.freq
    binning_options = {k: getattr(grouper, k) for k in _OPTIONS}
    on, level = grouper.key, grouper.level
    if (
        not options.get("as_index", True)
        or not options.get("dropna", True)
        or not _native_axis(obj._meta, on, level)
        or isinstance(obj._meta.index, pd.MultiIndex)
    ):
        return fb
    return Resampler(obj, Binning(freq, binning_options), on, level, fb)


class BinLabels:
    """Apply: a partition's bin labels as a Series on its index."""

    def __init__(
        self, binning: Binning, on: Hashable, level: Any, name: Hashable
    ) -> None:
        self.binning, self.on, self.level, self.name = binning, on, level, name

    def __call__(self, part: Any, bounds: tuple[Any, Any, bool]) -> pd.Series:
        times = _times(part, self.on, self.level)
        labels = self.binning.labels(times, bounds)
        return pd.Series(labels, index=part.index, name=self.name)


def bin_labels(obj: Any, grouper: Any) -> Any:
    """The bin label of each row of ``obj`` for ``pd.Grouper(freq=...)`` (a dframe Series
    lined up with ``obj``), or None if the axis is not one this module bins."""
    on, level = grouper.key, grouper.level
    meta = obj._meta
    if not _native_axis(meta, on, level):
        return None
    if on is None and isinstance(meta.index, pd.MultiIndex):
        return None
    binning = Binning(grouper.freq, {k: getattr(grouper, k) for k in _OPTIONS})
    name = _times(meta, on, level).name
    labels = BinLabels(binning, on, level, name)
    sample = M.nonempty(meta)
    node = N.MapWithContext(
        obj._plan,
        TimeBounds(on, level),
        ShareBounds(),
        labels,
        labels(sample, TimeBounds(on, level)(sample)).iloc[:0],
        label="time bins",
    )

    return wrap_plan(node)
