"""The recurrence behind ``ewm`` across partitions: exponentially weighted means, sums and
(co)variances, exact across partition boundaries.

An exponentially weighted mean is a linear recurrence, so it runs as a scan (a
``MapWithContext`` node, like ``cumsum``): each partition is summarized on its own — pandas'
``ewm`` of the partition alone, its weight, count and how far it decays whatever came before
it — one small task folds the summaries into the state carried into each partition, and each
partition finishes with pandas' own result for it corrected by the decayed carry.

The algebra (``f = 1 - alpha``; a row *decays* what came before it when it is an observation
or ``ignore_na`` is False, by ``f`` — with ``times``, by ``f`` to the power of the time since
the row before, in half-lives; ``c_t`` is the partition's decay exponent up to row t):

- ``adjust=True``: mean = num / den, both decayed by ``f`` per decaying row, so the global
  mean is the local one plus the carry's share ``f**c * den_c / (den_t + f**c * den_c)`` of
  the difference, taken at the partition's last observation (where ``den_t >= 1``: long runs
  of missing values decay both to nothing); a sum is the local sum plus ``f**c_t * sum_c``.
- ``adjust=False``: the partition's first observation p combines with the carry as pandas
  does (old weight ``o_c * f**c_p`` against ``alpha`` — against ``1 - o`` when ``com == 1``,
  pandas' branch for irregular times); from there on the global and local recurrences share
  their weights, so their difference shrinks by ``o / (o + alpha)`` at each observation.

Variances and covariances (``ewmcov``: the rows where both series are present) merge the
carry's weighted co-moment with the partition's: with ``adjust=True`` as two weighted groups
(Chan et al.); with ``adjust=False`` the global weights are the local ones plus a share of the
carry's at the first observation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

MOMENTS = ("var", "std", "cov")


class Rows:
    """A partition's input to the recurrence: ``x`` (rows x channels), for co-moments the
    second series ``y`` of each channel (``same``: the channels where it is ``x``: variances),
    and with ``times`` their int64 values."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray | None = None, times: Any = None, same: Any = True
    ) -> None:
        self.x, self.y, self.times, self.same = x, y, times, same


def _room(obs: np.ndarray, counts: np.ndarray, options: dict[str, Any]) -> np.ndarray:
    """``adjust=False``: 1 - the sum of the squared (normalized) weights at each row. pandas
    gives it as the ratio of the biased and unbiased variances, taken of the observations'
    counts 1, 2, 3 ... (whose variance is never 0)."""
    z = pd.DataFrame(np.where(obs, counts, np.nan)).ewm(**options)
    biased, unbiased = z.var(bias=True).to_numpy(), z.var(bias=False).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = biased / np.where(unbiased > 0, unbiased, 1.0)
    return np.where((counts >= 2) & (unbiased > 0), ratio, 0.0)


def _weights_at_observations(obs: np.ndarray, c: np.ndarray, f: float) -> np.ndarray:
    """``sum over observations i <= t of f**(c_t - c_i)`` at each observation t (pandas' sum of
    weights with ``adjust=True``), for exponents ``c`` that never decrease down the rows (times
    in order). pandas forbids ``ewm(times=...).sum()``, so it is made here: rows fall in blocks
    of 300 units of log-decay, each block's exponentials taken against its own start (no
    overflow); three blocks hold every weight above 1e-260 of the last one."""
    width = 300.0
    out = np.zeros(c.shape)
    with np.errstate(divide="ignore"):
        rate = -np.log(f)
    for j in range(c.shape[1]):
        decay = c[:, j] * rate
        block = np.floor(decay / width).astype("int64")
        e = np.where(obs[:, j], np.exp(decay - width * block), 0.0)
        ids, starts = np.unique(block, return_index=True)
        totals = np.add.reduceat(e, starts) if len(e) else e
        within = _running_sums(e, block)
        earlier = np.zeros(len(e))
        for back in (1, 2):
            at = np.searchsorted(ids, block - back)
            found = (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == block - back)
            total = np.where(found, totals[np.minimum(at, len(ids) - 1)], 0.0)
            earlier += total * np.exp(-width * back)
        out[:, j] = np.exp(width * block - decay) * (within + earlier)
    return out


def _running_sums(e: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Sums of ``e`` from the start of each row's block (blocks of equal, contiguous ids) to
    the row: doubling steps add positive numbers only (a difference of running totals would
    lose the small blocks after big ones)."""
    out = e.copy()
    shift = 1
    while shift < len(out):
        same = block[shift:] == block[:-shift]
        out[shift:] = out[shift:] + np.where(same, out[:-shift], 0.0)
        shift *= 2
    return out


class State:
    """Per channel, the recurrence after some rows: whether anything was observed, the running
    mean (or sum; ``wy``: the second series' mean), its weight (``adjust=True``: the sum of
    weights at the last observation; ``adjust=False``: pandas' ``old_wt``), the count of
    observations, the decay exponent since the last observation, for co-moments the biased
    weighted co-moment and ``s2`` (``adjust=True``: the sum of squared weights at the last
    observation; ``adjust=False``: 1 - that sum, normalized) and with ``times`` the last row's
    time."""

    def __init__(
        self, seen: Any, w: Any, den: Any, nobs: Any, gap: Any, v: Any = None, s2: Any = None,
        wy: Any = None, t_last: Any = None,
    ) -> None:  # fmt: skip
        self.seen, self.w, self.den, self.nobs, self.gap = seen, w, den, nobs, gap
        self.v, self.s2, self.t_last = v, s2, t_last
        self.wy = w if wy is None else wy


def _at(values: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    """``values`` at each column's row ``rows`` (the last observation; row 0 where none)."""
    if values is None:
        return None
    return np.take_along_axis(values, np.maximum(rows, 0), 0)


class Local:
    """A partition's own recurrence, row by row (arrays of shape rows x channels), and what
    joining a carry to it needs."""

    def __init__(self, rows: Rows, scan: EwmScan) -> None:
        x, y = rows.x, rows.y
        if y is not None:  # a pair counts where both are present
            obs = ~np.isnan(x) & ~np.isnan(y)
            x, y = np.where(obs, x, np.nan), np.where(obs, y, np.nan)
        else:
            obs = ~np.isnan(x)
        decays = obs if scan.ignore_na else np.ones_like(obs)
        steps = scan.steps(rows.times, len(x))
        self.c = np.cumsum(decays * steps[:, None], axis=0, dtype="float64")
        counts = np.cumsum(obs, axis=0, dtype="float64")
        options = scan.local_options(rows.times)
        moments = scan.name in MOMENTS
        mean_options = scan.mean_options(options)
        w = getattr(pd.DataFrame(x).ewm(**mean_options), "sum" if scan.name == "sum" else "mean")
        w = w().to_numpy()
        wy = None if y is None else pd.DataFrame(y).ewm(**mean_options).mean().to_numpy()
        at = np.where(obs, np.arange(len(x))[:, None], -1)
        last = np.maximum.accumulate(at, axis=0)  # last observation at or before each row
        c_last = np.where(last >= 0, _at(self.c, last), 0.0)
        v = s2 = den = None
        if scan.name != "sum" and scan.adjust:
            if rows.times is None:
                indicator = pd.DataFrame(np.where(obs, 1.0, np.nan)).ewm(**options)
                den = _at(indicator.sum().to_numpy(), last)
            else:
                den = _at(_weights_at_observations(obs, self.c, scan.f), last)
        if moments:
            window = pd.DataFrame(x).ewm(**options)
            if y is None:
                v = window.var(bias=True).to_numpy()
            else:
                v = window.cov(pd.DataFrame(y), pairwise=False, bias=True).to_numpy()
            if scan.adjust:
                # Squared weights decay by f**2: an ewm sum with that factor.
                squared = {**options, "com": 1.0 / (1.0 - scan.f**2) - 1.0}
                indicator = pd.DataFrame(np.where(obs, 1.0, np.nan))
                s2 = _at(indicator.ewm(**squared).sum().to_numpy(), last)
            else:
                s2 = _room(obs, counts, options)
        t_last = None if rows.times is None else float(rows.times[-1])
        self.state = State(counts > 0, w, den, counts, self.c - c_last, v, s2, wy, t_last)
        self.lead = decays[0].astype("float64") if len(x) else None
        self.same = rows.same
        self.t_first = None if rows.times is None else float(rows.times[0])
        if scan.name != "sum" and not scan.adjust:
            self._after_first(x, y, obs, last, scan)

    def _after_first(
        self, x: np.ndarray, y: Any, obs: np.ndarray, last: np.ndarray, scan: EwmScan
    ) -> None:
        cols = x.shape[1]
        # pandas' old_wt: 1 after an observation, decayed by each decaying row since.
        self.state.den = scan.f**self.state.gap
        before = np.vstack([np.full((1, cols), -1), last[:-1]])
        c_before = np.where(before >= 0, _at(self.c, before), 0.0)
        o = scan.f ** (self.c - c_before)
        with np.errstate(invalid="ignore", divide="ignore"):
            shrink = np.where(obs & (before >= 0), o / (o + scan.new_weight(o)), 1.0)
        self.shrink = np.cumprod(shrink, axis=0)  # 1 up to the first observation
        first = np.argmax(obs, axis=0)
        pick = np.arange(cols)
        self.c_first = self.c[first, pick]
        self.x_first = x[first, pick]
        self.y_first = self.x_first if y is None else y[first, pick]

    def end(self) -> Local:
        """The same record for the last row only (what the scan carries on)."""
        out = object.__new__(Local)
        s = self.state
        out.c, out.lead, out.t_first, out.same = self.c[-1], self.lead, self.t_first, self.same
        fields = [getattr(s, name) for name in ("w", "den", "nobs", "gap", "v", "s2")]
        w, den, nobs, gap, v, s2 = [None if a is None else a[-1] for a in fields]
        wy = w if s.wy is s.w else s.wy[-1]
        out.state = State(s.seen[-1], w, den, nobs, gap, v, s2, wy, s.t_last)
        if hasattr(self, "shrink"):
            out.shrink, out.c_first = self.shrink[-1], self.c_first
            out.x_first, out.y_first = self.x_first, self.y_first
        return out


class EwmScan:
    """The three steps of ``<part>.ewm(**options).<name>()`` over all partitions: ``read``
    turns a partition into ``Rows``, ``write`` the values (rows x channels, NaN below
    ``min_periods``) into the partition's result."""

    def __init__(
        self, name: str, options: dict[str, Any], com: float, read: Callable[[Any], Rows],
        write: Callable[[Any, np.ndarray], Any], bias: bool = False,
        halflife: float | None = None, unit: str | None = None,
    ) -> None:  # fmt: skip
        self.name, self.read, self.write, self.bias = name, read, write, bool(bias)
        self.adjust, self.ignore_na = bool(options["adjust"]), bool(options["ignore_na"])
        self.min_periods = max(int(options["min_periods"] or 0), 1)
        self.com = com
        self.alpha = 1.0 / (1.0 + com)
        self.f = 1.0 - self.alpha
        # pandas' mean with adjust=False and com == 1 gives the new value 1 - old_wt.
        self.irregular = not self.adjust and com == 1.0
        self.halflife, self.halflife_unit = halflife, unit  # with times: in the times' unit
        self.options = {k: options[k] for k in ("com", "span", "halflife", "alpha")}
        self.pandas_options = {
            "com": com, "adjust": self.adjust, "ignore_na": self.ignore_na, "min_periods": 0,
        }  # fmt: skip

    def local_options(self, times: Any) -> dict[str, Any]:
        """pandas' ewm of a partition alone (with its own times)."""
        if times is None:
            return self.pandas_options
        unit = f"datetime64[{self.halflife_unit}]"
        return {
            **self.options, "adjust": self.adjust, "ignore_na": self.ignore_na,
            "min_periods": 0, "times": np.asarray(times, dtype="int64").view(unit),
        }  # fmt: skip

    def mean_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Co-moments' means are ``ewmcov``'s, which has no ``com == 1`` branch: a center of
        mass one ulp below 1 leaves alpha exactly 0.5 and skips pandas' branch."""
        if self.name in MOMENTS and self.irregular:
            return {**options, "com": float(np.nextafter(1.0, 0.0))}
        return options

    def new_weight(self, old: Any) -> Any:
        """pandas' weight of a new observation against ``old`` (``adjust=False``)."""
        if self.irregular and self.name not in MOMENTS:
            return 1.0 - old
        return self.alpha

    def steps(self, times: Any, rows: int) -> np.ndarray:
        """Each row's decay exponent: 1, or the time since the row before in half-lives (row
        0's, the time since the previous partition, is added when a carry joins)."""
        if times is None:
            return np.ones(rows)
        t = np.asarray(times, dtype="int64").astype("float64")
        return np.r_[0.0, np.diff(t) / self.halflife] if rows else np.ones(0)

    def summarize(self, part: Any) -> Local | None:
        if len(part) == 0:
            return None
        return Local(self.read(part), self).end()

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
        s, c = local.state, local.c
        if self.halflife is not None:
            c = c + local.lead * (local.t_first - carry.t_last) / self.halflife
        decay = self.f**c
        has = carry.seen  # a carry without observations changes nothing
        nobs = s.nobs + carry.nobs
        gap = np.where(s.seen, s.gap, np.where(has, carry.gap, 0.0) + c)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.name == "sum":
                w = np.where(s.seen, s.w, 0.0) + decay * np.where(has, carry.w, 0.0)
                w = np.where(s.seen | has, w, np.nan)
                return State(s.seen | has, w, None, nobs, gap, t_last=s.t_last)
            if self.adjust:
                return self._join_adjusted(carry, s, c, nobs, gap)
            return self._join_unadjusted(carry, local, c, decay, nobs, gap)

    def _join_adjusted(self, carry: State, s: State, c: Any, nobs: Any, gap: Any) -> State:
        has = carry.seen
        # Both sides' weights at the partition's last observation (before it: the carry's).
        to_last = np.where(has, carry.gap, 0.0) + c - np.where(s.seen, s.gap, 0.0)
        den_c = np.where(has, carry.den, 0.0) * self.f**to_last
        den_l = np.where(s.seen, s.den, 0.0)
        den = den_l + den_c
        share = np.where(den > 0, den_c / np.where(den > 0, den, 1.0), 0.0)
        seen_only = s.seen & ~has

        def merged(local_mean: Any, carry_mean: Any) -> Any:
            out = np.where(s.seen, local_mean + (carry_mean - local_mean) * share, carry_mean)
            return np.where(seen_only, local_mean, out)

        w = merged(s.w, carry.w)
        wy = w if s.wy is s.w else merged(s.wy, carry.wy)
        den = np.where(s.seen, den, carry.den)
        if s.v is None:
            return State(s.seen | has, w, den, nobs, gap, t_last=s.t_last)
        # Co-moments of the two weighted groups about the joint means (Chan et al.).
        safe = np.where(den > 0, den, 1.0)
        local_part = np.where(s.seen, den_l * (s.v + (s.w - w) * (s.wy - wy)), 0.0)
        carry_part = np.where(has, den_c * (carry.v + (carry.w - w) * (carry.wy - wy)), 0.0)
        v = np.where(s.seen, (local_part + carry_part) / safe, carry.v)
        v = np.where(seen_only, s.v, v)
        s2_c = np.where(has, carry.s2, 0.0) * self.f ** (2 * to_last)
        s2 = np.where(s.seen, np.where(s.seen, s.s2, 0.0) + s2_c, carry.s2)
        return State(s.seen | has, w, den, nobs, gap, v, s2, wy, s.t_last)

    def _join_unadjusted(
        self, carry: State, local: Local, c: Any, decay: Any, nobs: Any, gap: Any
    ) -> State:
        s, has = local.state, carry.seen
        step = c - local.c  # (times: the decay between the partitions)
        o_c = np.where(has, carry.den, 0.0) * self.f ** (local.c_first + step)
        new = self.new_weight(o_c)

        def joined_mean(carry_mean: Any, first: Any, local_mean: Any) -> Any:
            joined = (o_c * carry_mean + new * first) / (o_c + new)
            joined = np.where(carry_mean == first, first, joined)  # (pandas' constant guard)
            out = np.where(s.seen, local_mean + (joined - first) * local.shrink, carry_mean)
            return np.where(s.seen & ~has, local_mean, out)

        w = joined_mean(carry.w, local.x_first, s.w)
        wy = w if s.wy is s.w else joined_mean(carry.wy, local.y_first, s.wy)
        den = np.where(s.seen, s.den, np.where(has, carry.den, 1.0) * decay)
        if s.v is None:
            return State(s.seen | has, w, den, nobs, gap, t_last=s.t_last)
        # The global weights are the local ones plus ``a`` times the carry's, less ``a`` at the
        # first observation p: moments about (x_p, y_p) merge without cancelling.
        lam = np.where(has, o_c / (o_c + self.alpha), 0.0)
        a = np.where(s.seen & has, local.shrink * lam, 0.0)
        dx_c = np.where(has, carry.w - local.x_first, 0.0)
        dy_c = np.where(has, carry.wy - local.y_first, 0.0)
        dx_l, dy_l = s.w - local.x_first, s.wy - local.y_first
        carry_v = np.where(has, carry.v, 0.0)
        v = s.v + a * (carry_v + (1.0 - a) * dx_c * dy_c - dx_l * dy_c - dy_l * dx_c)
        v = np.where(s.seen, v, carry.v)
        v = np.where(local.same, np.maximum(v, 0.0), v)  # (a variance: rounding below 0)
        # 1 - (sum of squared weights), from the first observation's mix of carry and x_p.
        carry_room = np.where(has, carry.s2, 0.0)
        mixed = lam**2 * carry_room + 2.0 * lam * (1.0 - lam)
        room = np.where(s.seen, s.s2 + mixed * local.shrink**2, carry.s2)
        return State(s.seen | has, w, den, nobs, gap, v, room, wy, s.t_last)

    def _finish(self, state: State) -> np.ndarray:
        if self.name not in MOMENTS:
            return state.w
        v = state.v
        if not self.bias:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                if self.adjust:  # the sums of weights at the row, decayed since the last one
                    square = (state.den * self.f**state.gap) ** 2
                    room = square - state.s2 * self.f ** (2 * state.gap)
                else:  # normalized weights: the room is 1 - (sum of squared weights)
                    square, room = 1.0, state.s2
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
        rows = self.read(part)
        if len(rows.x):
            local = Local(rows, self)
            state = local.state if carry is None else self._join(carry, local)
            values = np.where(state.nobs >= self.min_periods, self._finish(state), np.nan)
        else:
            values = np.empty(rows.x.shape)
        return self.write(part, values)
