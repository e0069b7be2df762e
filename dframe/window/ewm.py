"""``Series.ewm`` / ``DataFrame.ewm``: exponentially weighted ``mean``, ``sum``, ``var`` and
``std``, native and exact across partition boundaries.

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

``var``/``std`` merge the carry's weighted variance with the partition's: with
``adjust=True`` as two weighted groups (Chan et al.); with ``adjust=False`` the global weights
are the local ones plus a share of the carry's at the first observation. ``corr``, ``cov``,
``times=``, ``method="table"``, engine arguments and columns that are not numbers or bools run
on pandas (one fallback warning).
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
    """``obj.ewm(...)``: ``mean``/``sum``/``var``/``std`` scan the partitions, carrying the
    weighted state; its other methods run on pandas."""

    _kind = "ewm"

    def _run(self, name: str, numeric_only: bool = False, **kwargs: Any) -> Any:
        obj, opts = self._obj, self._options
        moments = {"bias": kwargs.pop("bias")} if name in ("var", "std") else {}
        if not kwargs and opts["times"] is None and opts["method"] == "single":
            window = M.nonempty(obj._meta).ewm(**opts)
            # pandas' errors, at the call
            meta = getattr(window, name)(numeric_only=numeric_only, **moments).iloc[:0]
            source = obj._meta if isinstance(meta, pd.Series) else obj._meta[meta.columns]
            dtypes = [source.dtype] if isinstance(source, pd.Series) else list(source.dtypes)
            # (numeric_only picks columns by name: repeated names would pick others too)
            named = isinstance(meta, pd.Series) or obj._meta.columns.is_unique
            if named and all(_plain_number(dt) for dt in dtypes):
                scan = EwmScan(name, opts, window._com, meta, **moments)
                node = N.MapWithContext(
                    obj._plan, scan.summarize, scan.gather, scan.apply, meta, label=f"ewm.{name}"
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


def _room(obs: np.ndarray, counts: np.ndarray, scan: EwmScan) -> np.ndarray:
    """``adjust=False``: 1 - the sum of the squared (normalized) weights at each row. pandas
    gives it as the ratio of the biased and unbiased variances, taken of the observations'
    counts 1, 2, 3 ... (whose variance is never 0)."""
    z = pd.DataFrame(np.where(obs, counts, np.nan)).ewm(**scan.pandas_options)
    biased, unbiased = z.var(bias=True).to_numpy(), z.var(bias=False).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = biased / np.where(unbiased > 0, unbiased, 1.0)
    return np.where((counts >= 2) & (unbiased > 0), ratio, 0.0)


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


class State:
    """Per column, the recurrence after some rows: whether anything was observed, the running
    mean (or sum), its weight (``adjust=True``: the sum of weights; ``adjust=False``: pandas'
    ``old_wt``) and the count of observations."""

    def __init__(
        self, seen: Any, w: Any, den: Any, nobs: Any, gap: Any, v: Any = None, s2: Any = None
    ) -> None:
        self.seen, self.w, self.den, self.nobs = seen, w, den, nobs
        self.gap = gap  # decaying rows since the last observation
        # var/std: the biased weighted variance and the sum of squared weights.
        self.v, self.s2 = v, s2


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
        moments = scan.name in ("var", "std")
        w = (window.mean() if moments else getattr(window, scan.name)()).to_numpy()
        v = s2 = den = None
        if scan.name != "sum" and scan.adjust:
            indicator = pd.DataFrame(np.where(obs, 1.0, np.nan))
            den = indicator.ewm(**scan.pandas_options).sum().to_numpy()
        if moments and scan.adjust:
            v = window.var(bias=True).to_numpy()
            # Squared weights decay by f**2: an ewm sum with that factor.
            squared = {**scan.pandas_options, "com": 1.0 / (1.0 - scan.f**2) - 1.0}
            s2 = indicator.ewm(**squared).sum().to_numpy()
        elif moments:
            v = window.var(bias=True).to_numpy()
            s2 = _room(obs, counts, scan)
        rows = len(x)
        at = np.where(obs, np.arange(rows)[:, None], -1)
        last = np.maximum.accumulate(at, axis=0)  # last observation at or before each row
        c_last = np.where(last >= 0, np.take_along_axis(self.c, np.maximum(last, 0), 0), 0.0)
        self.state = State(counts > 0, w, den, counts, self.c - c_last, v, s2)
        if scan.name != "sum" and not scan.adjust:
            self._after_first(x, obs, last, scan)

    def _after_first(
        self, x: np.ndarray, obs: np.ndarray, last: np.ndarray, scan: EwmScan
    ) -> None:
        cols = x.shape[1]
        # pandas' old_wt: 1 after an observation, decayed by each decaying row since.
        self.state.den = scan.f**self.state.gap
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
        last = [None if a is None else a[-1] for a in (s.v, s.s2)]
        out.state = State(s.seen[-1], s.w[-1], den, s.nobs[-1], s.gap[-1], *last)
        if hasattr(self, "shrink"):
            out.shrink, out.c_first, out.x_first = self.shrink[-1], self.c_first, self.x_first
        return out


class EwmScan:
    """The three steps of ``<part>.ewm(**options).<name>()`` over all partitions."""

    def __init__(
        self, name: str, options: dict[str, Any], com: float, meta: Any, bias: bool = False
    ) -> None:
        self.name, self.meta, self.bias = name, meta, bool(bias)
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
        gap = np.where(s.seen, s.gap, np.where(has, carry.gap, 0.0) + local.c)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.name == "sum":
                w = np.where(s.seen, s.w, 0.0) + decay * np.where(has, carry.w, 0.0)
                w = np.where(s.seen | has, w, np.nan)
                return State(s.seen | has, w, None, nobs, gap)
            if self.adjust:
                den_c = np.where(has, carry.den, 0.0) * decay
                local_den = np.where(s.seen, s.den, 0.0)
                den = local_den + den_c
                share = np.where(den > 0, den_c / np.where(den > 0, den, 1.0), 0.0)
                w = np.where(s.seen, s.w + (carry.w - s.w) * share, carry.w)
                w = np.where(s.seen & ~has, s.w, w)
                if s.v is None:
                    return State(s.seen | has, w, den, nobs, gap)
                return self._moments(carry, local, w, den, den_c, nobs, gap)
            o_c = np.where(has, carry.den, 0.0) * self.f**local.c_first
            joined = (o_c * carry.w + self.alpha * local.x_first) / (o_c + self.alpha)
            joined = np.where(carry.w == local.x_first, local.x_first, joined)
            w = np.where(s.seen, s.w + (joined - local.x_first) * local.shrink, carry.w)
            w = np.where(s.seen & ~has, s.w, w)
            den = np.where(s.seen, s.den, np.where(has, carry.den, 1.0) * decay)
            if s.v is None:
                return State(s.seen | has, w, den, nobs, gap)
            # The global weights are the local ones plus ``a`` times the carry's, less ``a`` at
            # the first observation p: moments about x_p merge without cancelling.
            lam = np.where(has, o_c / (o_c + self.alpha), 0.0)
            a = np.where(s.seen & has, local.shrink * lam, 0.0)
            dx_c = np.where(has, carry.w - local.x_first, 0.0)
            dx_l = s.w - local.x_first
            carry_v = np.where(has, carry.v, 0.0)
            v = s.v + a * (carry_v + (1.0 - a) * dx_c**2 - 2.0 * dx_l * dx_c)
            v = np.where(s.seen, np.maximum(v, 0.0), carry.v)
            # 1 - (sum of squared weights), from the first observation's mix of carry and x_p.
            carry_room = np.where(has, carry.s2, 0.0)
            mixed = lam**2 * carry_room + 2.0 * lam * (1.0 - lam)
            room = np.where(s.seen, s.s2 + mixed * local.shrink**2, carry.s2)
            return State(s.seen | has, w, den, nobs, gap, v, room)

    def _moments(
        self, carry: State, local: Local, w: Any, den: Any, den_c: Any, nobs: Any, gap: Any
    ) -> State:
        """Variance of the carry's (decayed) weights and the partition's, merged (Chan et al.,
        weighted)."""
        s, has = local.state, carry.seen
        safe = np.where(den > 0, den, 1.0)
        local_part = np.where(s.seen, s.den * (s.v + (s.w - w) ** 2), 0.0)
        carry_part = np.where(has, den_c * (carry.v + (carry.w - w) ** 2), 0.0)
        v = (local_part + carry_part) / safe
        decay = self.f ** local.c
        s2 = np.where(s.seen, s.s2, 0.0) + np.where(has, carry.s2, 0.0) * decay**2
        return State(s.seen | has, w, den, nobs, gap, v, s2)

    def _finish(self, state: State) -> np.ndarray:
        if self.name not in ("var", "std"):
            return state.w
        v = state.v
        if not self.bias:
            if self.adjust:
                square = state.den * state.den
                room = square - state.s2
            else:  # normalized weights: the room is 1 - (sum of squared weights)
                square, room = 1.0, state.s2
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.where(room > 0, square / np.where(room > 0, room, 1.0) * v, np.nan)
            single = state.nobs == 1
            v = np.where(single, self._single(np.where(single, state.gap, 0.0)), v)
        return np.sqrt(v) if self.name == "std" else v

    def _single(self, gap: np.ndarray) -> np.ndarray:
        """The unbiased variance of one observation: pandas divides 0 by the rounding left of
        ``sum_wt**2 - sum_wt2`` after ``gap`` decays (0 where that is positive, else NaN), so
        the products are made as pandas makes them, one factor at a time."""
        steps = int(np.max(gap, initial=0.0)) + 1
        sum_wt = np.cumprod(np.r_[1.0, np.full(steps - 1, self.f)])
        sum_wt2 = np.cumprod(np.r_[1.0, np.full(steps - 1, self.f * self.f)])
        room = sum_wt * sum_wt - sum_wt2
        return np.where(room[gap.astype("int64")] > 0, 0.0, np.nan)

    def apply(self, part: Any, carry: State | None) -> Any:
        x = _values(part, self.meta)
        if len(x):
            local = Local(x, self)
            state = local.state if carry is None else self._join(carry, local)
            values = np.where(state.nobs >= self.min_periods, self._finish(state), np.nan)
        else:
            values = np.empty(x.shape)
        if isinstance(self.meta, pd.Series):
            return pd.Series(values[:, 0], index=part.index, name=self.meta.name, dtype="float64")
        return pd.DataFrame(values, index=part.index, columns=self.meta.columns, dtype="float64")


def ewm_window(obj: Any, options: dict[str, Any]) -> Any:
    """``obj.ewm(**options)``: pandas' argument errors at the call, then the window."""
    M.nonempty(obj._meta).ewm(**options)
    return ExponentialWindow(obj, options)
