"""``ewm(...).cov()`` and ``ewm(...).corr()``: pandas' ``ewmcov`` of pairs of series, carried
across partitions by the same scan as ``var`` (``window/ewm_scan.py``).

Each pair (x, y) counts where both are present and finite (pandas' ``prep_binary``: ``x + 0 *
y``); a *channel* of the scan is one co-moment over a pair's rows: cov(x, y), and for ``corr``
also cov(x, x) and cov(y, y) (all biased), combined as pandas does, ``cov / zsqrt(var_x *
var_y)``. Native: a Series with another Series of the same rows partition by partition, or with
itself (``other=None``); a frame with itself, ``pairwise`` True (pandas' (row, column)
MultiIndex: each partition's rows expand in place) or False (each column with itself). Other
operands (frames, arrays, Series of another source), MultiIndex columns and non-number columns
run on pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject
from dframe.window.ewm_scan import EwmScan, Rows
from dframe.window.rolling import _fallback_window


def _plain_number(dtype: Any) -> bool:
    return getattr(dtype, "kind", "O") in "iufb"


class Floats:
    """A partition's columns ``positions`` (a Series: itself; with ``other``: the two Series)
    as floats labelled 0..k-1, on the partition's index."""

    def __init__(self, positions: list[int] | None) -> None:
        self.positions = positions

    def __call__(self, part: Any, other: Any = None) -> pd.DataFrame:
        if other is not None:
            frame = pd.DataFrame({0: part.to_numpy(dtype="float64", na_value=np.nan),
                                  1: other.to_numpy(dtype="float64", na_value=np.nan)})  # fmt: skip
        elif self.positions is None:
            frame = part.to_frame()
        else:
            frame = part.iloc[:, self.positions]
        x = frame.to_numpy(dtype="float64", na_value=np.nan).reshape(frame.shape)
        return pd.DataFrame(x, index=part.index)


class Channels:
    """The scan's channels of ``pairs`` (positions in the float partitions), and its values
    back as pandas' result: a Series, a frame like the input (``shape="columns"``) or the
    pairwise frame with the (row, column) MultiIndex."""

    def __init__(self, pairs: list[tuple[int, int]], corr: bool, shape: str, meta: Any) -> None:
        self.pairs, self.corr, self.shape, self.meta = pairs, corr, shape, meta

    def read(self, part: pd.DataFrame) -> Rows:
        f = part.to_numpy(dtype="float64")
        xs, ys, same = [], [], []
        for a, b in self.pairs:
            both = np.isfinite(f[:, a]) & np.isfinite(f[:, b])  # (pandas: x + 0 * y, inf NaN)
            x, y = np.where(both, f[:, a], np.nan), np.where(both, f[:, b], np.nan)
            if self.corr:
                xs += [x, x, y]
                ys += [y, x, y]
                same += [a == b, True, True]
            else:
                xs.append(x)
                ys.append(y)
                same.append(a == b)
        shape = (len(f), len(xs))
        x = np.column_stack(xs) if xs else np.empty(shape)
        y = np.column_stack(ys) if ys else np.empty(shape)
        return Rows(x, y, same=np.array(same, dtype=bool))

    def _per_pair(self, values: np.ndarray) -> np.ndarray:
        if not self.corr:
            return values
        cov, var_x, var_y = values[:, 0::3], values[:, 1::3], values[:, 2::3]
        with np.errstate(all="ignore"):
            product = var_x * var_y
            root = np.where(product < 0, 0.0, np.sqrt(product))  # (pandas' zsqrt)
            return cov / root

    def write(self, part: pd.DataFrame, values: np.ndarray) -> Any:
        r = self._per_pair(values)
        if self.shape == "series":
            return pd.Series(r[:, 0], index=part.index, name=self.meta.name, dtype="float64")
        if self.shape == "columns":
            return pd.DataFrame(r, index=part.index, columns=self.meta.columns, dtype="float64")
        if len(part) == 0:
            return self.meta.copy()
        columns = self.meta.columns
        k = len(columns)
        full = np.empty((len(part), k, k))
        for p, (a, b) in enumerate(self.pairs):
            full[:, a, b] = full[:, b, a] = r[:, p]
        # row (t, j) of column i: cov(x_i, x_j) at t
        out = full.transpose(0, 2, 1).reshape(len(part) * k, k)
        index = pd.MultiIndex.from_product([part.index, columns])
        index = index.set_names(list(part.index.names) + list(columns.names))
        return pd.DataFrame(out, index=index, columns=columns, dtype="float64")


def _positions(meta: pd.DataFrame, labels: pd.Index) -> list[int] | None:
    if meta.columns.is_unique:
        return [meta.columns.get_loc(c) for c in labels]
    if list(labels) == list(meta.columns):
        return list(range(len(labels)))
    return None


def _plan(window: Any, name: str, kwargs: dict[str, Any], meta: Any) -> N.Node | None:
    """The scan's plan, or None where pandas runs it."""
    obj, other = window._obj, kwargs["other"]
    opts, corr = window._options, name == "corr"
    bias = True if corr else bool(kwargs["bias"])
    if isinstance(obj._meta, pd.Series):
        if other is not None:
            aligned = (
                isinstance(other, DframeObject)
                and other.ndim == 1
                and obj._plan.partitioning == other._plan.partitioning
                and _plain_number(other._meta.dtype)
            )
            if not aligned:
                return None
            floats = obj._map(Floats(None), other, probe=False,
                              meta=pd.DataFrame({0: [], 1: []}, dtype="float64"))  # fmt: skip
            pairs = [(0, 1)]
        else:
            floats = obj._map(Floats(None), meta=pd.DataFrame({0: []}, dtype="float64"),
                              probe=False)  # fmt: skip
            pairs = [(0, 0)]
        if not _plain_number(obj._meta.dtype):
            return None
        channels = Channels(pairs, corr, "series", meta)
    else:
        if other is not None or isinstance(obj._meta.columns, pd.MultiIndex):
            return None
        labels = meta.columns
        positions = _positions(obj._meta, labels)
        dtypes = obj._meta.dtypes
        if positions is None or not all(_plain_number(dtypes.iloc[p]) for p in positions):
            return None
        k = len(positions)
        floats_meta = pd.DataFrame({j: [] for j in range(k)}, dtype="float64")
        floats = obj._map(Floats(positions), meta=floats_meta, probe=False)
        if kwargs["pairwise"] is False:
            channels = Channels([(j, j) for j in range(k)], corr, "columns", meta)
        else:
            pairs = [(a, b) for a in range(k) for b in range(a, k)]
            channels = Channels(pairs, corr, "pairwise", meta)
    com = window._sample_window()._com
    scan = EwmScan("cov", opts, com, channels.read, channels.write, bias=bias)
    keep = channels.shape != "pairwise"
    return N.MapWithContext(floats._plan, scan.summarize, scan.gather, scan.apply, meta,
                            label=f"ewm.{name}", preserves_rows=keep)  # fmt: skip


def run(window: Any, name: str, kwargs: dict[str, Any]) -> Any:
    """``window.<name>(**kwargs)`` (``cov``/``corr``): pandas' errors at the call, then the
    scan, or pandas where it is not native."""
    obj, opts = window._obj, window._options
    other = kwargs["other"]
    sample_other = M.nonempty(other._meta) if isinstance(other, DframeObject) else other
    # (an object stand-in holds strings where the data may hold numbers, which pandas takes: a
    # shifted bool column; objects are not native anyway)
    objects = isinstance(other, DframeObject) and M.holds_objects(other._meta)
    if opts["method"] == "single" and window._native_times and not objects:
        meta = getattr(window._sample_window(), name)(**{**kwargs, "other": sample_other})
        plan = _plan(window, name, kwargs, meta.iloc[:0])
        if plan is not None:
            return obj._new(plan)
    return getattr(_fallback_window(obj, "ewm", opts), name)(**kwargs)
