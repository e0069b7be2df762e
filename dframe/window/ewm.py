"""``Series.ewm`` / ``DataFrame.ewm``: exponentially weighted ``mean`` and ``sum``, native and
exact across partition boundaries.

An exponentially weighted mean is a linear recurrence, so it runs as a scan (a
``MapWithContext`` node, like ``cumsum``): each partition is summarized on its own — pandas'
``ewm`` of the partition alone, its weight, count and how far it decays whatever came before
it — one small task folds the summaries into the state carried into each partition, and each
partition finishes with pandas' own result for it corrected by the decayed carry.

The algebra (``f = 1 - alpha``; a row *decays* what came before it when it is an observation
or ``ignore_na`` is False; ``c_t`` is the number of decaying rows of the partition up to t):

- ``adjust=True``: mean = num / den, both decayed by ``f`` per decaying row, so the global
  mean is the local one plus the carry's share ``f**c_t * den_c / (den_t + f**c_t * den_c)``
  of the difference; a sum is the local sum plus ``f**c_t * sum_c``.
- ``adjust=False``: the partition's first observation p combines with the carry as pandas
  does (old weight ``o_c * f**c_p`` against ``alpha``); from there on the global and local
  recurrences share their weights, so their difference shrinks by ``o / (o + alpha)`` at each
  observation (``o = f**gap``).

Other ewm methods (``var``, ``std``, ``corr``, ``cov``), ``times=``, ``method="table"`` and
non-numpy-number columns run on pandas (one fallback warning).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.window.rolling import _fallback_window, _Window

NATIVE = ("mean", "sum")


class ExponentialWindow(_Window):
    """``obj.ewm(...)``: ``mean``/``sum`` scan the partitions, carrying the weighted state."""

    _kind = "ewm"

    def _run(self, name: str, numeric_only: bool = False, **kwargs: Any) -> Any:
        obj, opts = self._obj, self._options
        if not kwargs and opts["times"] is None and opts["method"] == "single":
            window = M.nonempty(obj._meta).ewm(**opts)
            meta = getattr(window, name)(numeric_only=numeric_only).iloc[:0]  # pandas' errors
            source = obj._meta if isinstance(meta, pd.Series) else obj._meta[meta.columns]
            dtypes = [source.dtype] if isinstance(source, pd.Series) else list(source.dtypes)
            if all(isinstance(dt, np.dtype) and dt.kind in "iufb" for dt in dtypes):
                scan = EwmScan(name, opts, window._com, meta)
                node = N.MapWithContext(
                    obj._plan, scan.summarize, scan.gather, scan.apply, meta, label=f"ewm.{name}"
                )
                return obj._new(node)
        pandas_window = _fallback_window(obj, self._kind, opts)
        return getattr(pandas_window, name)(numeric_only=numeric_only, **kwargs)

    def mean(self, numeric_only: bool = False, **kwargs: Any) -> Any:
        return self._run("mean", numeric_only, **kwargs)

    def sum(self, numeric_only: bool = False, **kwargs: Any) -> Any:
        return self._run("sum", numeric_only, **kwargs)


def _values(part: Any, meta: Any) -> np.ndarray:
    if isinstance(part, pd.DataFrame):
        part = part.loc[:, list(meta.columns)] if not part.columns.equals(meta.columns) else part
        frame = part
    else:
        frame = part.to_frame()
    x = frame.to_numpy(dtype="float64", na_value=np.nan).reshape(frame.shape)
    return np.where(np.isinf(x), np.nan, x)  # pandas' windows take +-inf for missing


class State:
    """Per column, the recurrence after some rows: whether anything was observed, the running
    mean (or sum), its weight (``adjust=True``: the sum of weights; ``adjust=False``: pandas'
    ``old_wt``) and the count of observations."""

    def __init__(self, seen: Any, w: Any, den: Any, nobs: Any) -> None:
        self.seen, self.w, self.den, self.nobs = seen, w, den, nobs


class Local:
    """A partition's own recurrence, row by row (arrays of shape rows x columns), and what
    joining a carry to it needs."""

    def __init__(self, x: np.ndarray, scan: EwmScan) -> None:
        obs = ~np.isnan(x)
        decays = obs if scan.ignore_na else np.ones_like(obs)
        self.c = np.cumsum(decays, axis=0, dtype="float64")
        counts = np.cumsum(obs, axis=0, dtype="float64")
        frame = pd.DataFrame(x)
        window = frame.ewm(**scan.pandas_options)
        w = getattr(window, scan.name)().to_numpy()
        if scan.name == "mean" and scan.adjust:
            indicator = pd.DataFrame(np.where(obs, 1.0, np.nan))
            den = indicator.ewm(**scan.pandas_options).sum().to_numpy()
        else:
            den = None
        self.state = State(counts > 0, w, den, counts)
        if scan.name == "mean" and not scan.adjust:
            self._after_first(x, obs, scan)

    def _after_first(self, x: np.ndarray, obs: np.ndarray, scan: EwmScan) -> None:
        rows, cols = x.shape
        at = np.where(obs, np.arange(rows)[:, None], -1)
        last = np.maximum.accumulate(at, axis=0)  # last observation at or before each row
        c_last = np.where(last >= 0, np.take_along_axis(self.c, np.maximum(last, 0), 0), 0.0)
        # pandas' old_wt: 1 after an observation, decayed by each decaying row since.
        self.state.den = scan.f ** (self.c - c_last)
        before = np.vstack([np.full((1, cols), -1), last[:-1]])
        c_before = np.where(
            before >= 0, np.take_along_axis(self.c, np.maximum(before, 0), 0), 0.0
        )
        o = scan.f ** (self.c - c_before)
        shrink = np.where(obs & (before >= 0), o / (o + scan.alpha), 1.0)
        self.shrink = np.cumprod(shrink, axis=0)  # 1 up to the first observation
        first = np.argmax(obs, axis=0)
        pick = np.arange(cols)
        self.c_first = self.c[first, pick]
        self.x_first = x[first, pick]

    def end(self) -> Local:
        """The same record for the last row only (what the scan carries on)."""
        out = object.__new__(Local)
        s = self.state
        out.c = self.c[-1]
        den = None if s.den is None else s.den[-1]
        out.state = State(s.seen[-1], s.w[-1], den, s.nobs[-1])
        if hasattr(self, "shrink"):
            out.shrink, out.c_first, out.x_first = self.shrink[-1], self.c_first, self.x_first
        return out


class EwmScan:
    """The three steps of ``<part>.ewm(**options).<name>()`` over all partitions."""

    def __init__(self, name: str, options: dict[str, Any], com: float, meta: Any) -> None:
        self.name, self.meta = name, meta
        self.adjust, self.ignore_na = bool(options["adjust"]), bool(options["ignore_na"])
        self.min_periods = max(int(options["min_periods"] or 0), 1)
        self.alpha = 1.0 / (1.0 + com)
        self.f = 1.0 - self.alpha
        self.pandas_options = {
            "com": com,
            "adjust": self.adjust,
            "ignore_na": self.ignore_na,
            "min_periods": 0,
        }

    def summarize(self, part: Any) -> Local | None:
        if len(part) == 0:
            return None
        return Local(_values(part, self.meta), self).end()

    def gather(self, *summaries: Local | None) -> list[State | None]:
        out: list[State | None] = []
        carry = None
        for local in summaries:
            out.append(carry)
            if local is not None:
                carry = local.state if carry is None else self._join(carry, local)
        return out

    def _join(self, carry: State, local: Local) -> State:
        """The global state at each of ``local``'s rows, given the state before them."""
        s, decay = local.state, self.f**local.c
        has = carry.seen  # a carry without observations changes nothing
        nobs = s.nobs + carry.nobs
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.name == "sum":
                w = np.where(s.seen, s.w, 0.0) + decay * np.where(has, carry.w, 0.0)
                w = np.where(s.seen | has, w, np.nan)
                return State(s.seen | has, w, None, nobs)
            if self.adjust:
                den_c = np.where(has, carry.den, 0.0) * decay
                local_den = np.where(s.seen, s.den, 0.0)
                den = local_den + den_c
                share = np.where(den > 0, den_c / np.where(den > 0, den, 1.0), 0.0)
                w = np.where(s.seen, s.w + (carry.w - s.w) * share, carry.w)
                w = np.where(s.seen & ~has, s.w, w)
                return State(s.seen | has, w, den, nobs)
            o_c = np.where(has, carry.den, 0.0) * self.f**local.c_first
            joined = (o_c * carry.w + self.alpha * local.x_first) / (o_c + self.alpha)
            joined = np.where(carry.w == local.x_first, local.x_first, joined)
            w = np.where(s.seen, s.w + (joined - local.x_first) * local.shrink, carry.w)
            w = np.where(s.seen & ~has, s.w, w)
            den = np.where(s.seen, s.den, np.where(has, carry.den, 1.0) * decay)
            return State(s.seen | has, w, den, nobs)

    def apply(self, part: Any, carry: State | None) -> Any:
        x = _values(part, self.meta)
        if len(x):
            local = Local(x, self)
            state = local.state if carry is None else self._join(carry, local)
            values = np.where(state.nobs >= self.min_periods, state.w, np.nan)
        else:
            values = np.empty(x.shape)
        if isinstance(self.meta, pd.Series):
            return pd.Series(values[:, 0], index=part.index, name=self.meta.name, dtype="float64")
        return pd.DataFrame(values, index=part.index, columns=self.meta.columns, dtype="float64")


def ewm_window(obj: Any, options: dict[str, Any]) -> Any:
    """``obj.ewm(**options)``: pandas' argument errors at the call, then the window."""
    M.nonempty(obj._meta).ewm(**options)
    return ExponentialWindow(obj, options)
