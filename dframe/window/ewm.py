"""``Series.ewm`` / ``DataFrame.ewm``: exponentially weighted ``mean``, ``sum``, ``var`` and
``std`` (also with ``times``: the mean), ``cov`` and ``corr``, native and exact across partition
boundaries: a scan carrying the weighted state (``window/ewm_scan.py``; times:
``window/ewm_times.py``; pairs of series: ``window/ewm_pairs.py``). ``method="table"``, engine
arguments and columns that are not numbers or bools run on pandas (one fallback warning).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.window import ewm_pairs, ewm_times
from dframe.window.ewm_scan import EwmScan, Rows
from dframe.window.rolling import _fallback_window, _Window

NATIVE = ("mean", "sum")


class ExponentialWindow(_Window):
    """``obj.ewm(...)``: ``mean``/``sum``/``var``/``std``/``cov``/``corr`` scan the
    partitions, carrying the weighted state; its other methods run on pandas."""

    _kind = "ewm"

    def __init__(
        self, obj: Any, options: dict[str, Any], sample_options: dict[str, Any] | None = None,
        native_times: bool = True,
    ) -> None:  # fmt: skip
        super().__init__(obj, options)
        # (with times: stand-in times for pandas' answers on stand-in rows)
        self._sample_options = options if sample_options is None else sample_options
        self._native_times = native_times

    def _sample_window(self) -> Any:
        return M.nonempty(self._obj._meta).ewm(**self._sample_options)

    def _run(self, name: str, numeric_only: bool = False, **kwargs: Any) -> Any:
        obj, opts = self._obj, self._options
        moments = {"bias": kwargs.pop("bias")} if name in ("var", "std") else {}
        times = opts["times"]
        if not kwargs and opts["method"] == "single" and self._native_times:
            window = self._sample_window()
            # pandas' errors, at the call
            meta = getattr(window, name)(numeric_only=numeric_only, **moments).iloc[:0]
            source = obj._meta if isinstance(meta, pd.Series) else obj._meta[meta.columns]
            dtypes = [source.dtype] if isinstance(source, pd.Series) else list(source.dtypes)
            # (numeric_only picks columns by name: repeated names would pick others too)
            named = isinstance(meta, pd.Series) or obj._meta.columns.is_unique
            if named and all(_plain_number(dt) for dt in dtypes):
                layout = Columns(meta)
                child, read, halflife, unit = obj._plan, layout.read, None, None
                if times is not None:  # the times beside the values, in each partition
                    unit = ewm_times.unit_of(times.dtype)
                    halflife = ewm_times.halflife_in(unit, opts["halflife"])
                    columns = None if isinstance(meta, pd.Series) else list(meta.columns)
                    child = ewm_times.plan(obj, columns, times)
                    read = layout.read_with_times
                scan = EwmScan(name, opts, window._com, read, layout.write, halflife=halflife,
                               unit=unit, **moments)  # fmt: skip
                node = N.MapWithContext(
                    child, scan.summarize, scan.gather, scan.apply, meta, label=f"ewm.{name}"
                )
                return obj._new(node)
        pandas_window = _fallback_window(obj, self._kind, opts)
        return getattr(pandas_window, name)(numeric_only=numeric_only, **moments, **kwargs)

    def mean(self, numeric_only: bool = False, **kwargs: Any) -> Any:
        return self._run("mean", numeric_only, **kwargs)

    def sum(self, numeric_only: bool = False, **kwargs: Any) -> Any:
        return self._run("sum", numeric_only, **kwargs)

    def var(self, bias: bool = False, numeric_only: bool = False) -> Any:
        return self._run("var", numeric_only, bias=bias)

    def std(self, bias: bool = False, numeric_only: bool = False) -> Any:
        return self._run("std", numeric_only, bias=bias)

    def cov(
        self, other: Any = None, pairwise: bool | None = None, bias: bool = False,
        numeric_only: bool = False,
    ) -> Any:  # fmt: skip
        """Exponentially weighted covariance (pandas' ``ewmcov``), carried across partitions."""
        kwargs = {"other": other, "pairwise": pairwise, "bias": bias, "numeric_only": numeric_only}
        return ewm_pairs.run(self, "cov", kwargs)

    def corr(
        self, other: Any = None, pairwise: bool | None = None, numeric_only: bool = False
    ) -> Any:
        """Exponentially weighted correlation, carried across partitions."""
        kwargs = {"other": other, "pairwise": pairwise, "numeric_only": numeric_only}
        return ewm_pairs.run(self, "corr", kwargs)


def _plain_number(dtype: Any) -> bool:
    """Numbers (numpy's, nullable or Arrow ones) and bools: pandas takes their floats, missing
    values as NaN."""
    return getattr(dtype, "kind", "O") in "iufb"


def _values(part: Any, meta: Any) -> np.ndarray:
    if isinstance(part, pd.DataFrame):
        part = part.loc[:, list(meta.columns)] if not part.columns.equals(meta.columns) else part
        frame = part
    else:
        frame = part.to_frame()
    x = frame.to_numpy(dtype="float64", na_value=np.nan).reshape(frame.shape)
    return np.where(np.isinf(x), np.nan, x)  # pandas' windows take +-inf for missing


class Columns:
    """The result's columns of a partition as the scan's rows, and the scan's values as
    pandas' result (a Series or a frame of the partition's labels)."""

    def __init__(self, meta: Any) -> None:
        self.meta = meta

    def read(self, part: Any) -> Rows:
        return Rows(_values(part, self.meta))

    def read_with_times(self, part: pd.DataFrame) -> Rows:
        """A partition of floats (columns 0..k-1) with the times (int64, column k) after."""
        k = part.shape[1] - 1
        x = part.iloc[:, :k].to_numpy(dtype="float64")
        times = part.iloc[:, k].to_numpy(dtype="int64")
        return Rows(np.where(np.isinf(x), np.nan, x), None, times)

    def write(self, part: Any, values: np.ndarray) -> Any:
        if isinstance(self.meta, pd.Series):
            return pd.Series(values[:, 0], index=part.index, name=self.meta.name, dtype="float64")
        return pd.DataFrame(values, index=part.index, columns=self.meta.columns, dtype="float64")


def ewm_window(obj: Any, options: dict[str, Any]) -> Any:
    """``obj.ewm(**options)``: pandas' argument errors at the call, then the window."""
    if options["times"] is not None:
        sample_options, native = ewm_times.check(obj, options)
        return ExponentialWindow(obj, options, sample_options, native)
    M.nonempty(obj._meta).ewm(**options)
    if M.holds_objects(obj._meta):  # (numbers or strings: pandas decides on the data)
        return _fallback_window(obj, "ewm", options)
    return ExponentialWindow(obj, options)
