"""``ewm(halflife=..., times=...)``: what the scan needs of the times, and pandas' checks of them.

With ``times``, a row decays what came before it by ``f`` to the power of the time since the row
before, in half-lives (pandas' ``_calculate_deltas``), so each partition reads its times beside
its values: the times are set as one more column of the values (as floats, the times as int64
in their unit) — a dframe Series of the same rows partition by partition, or an array laid out
by position (pandas reads ``times`` by position too). The scan carries the last row's time into
the next partition.

Natively: times in order (pandas' documented requirement; exponents that never decrease keep
the sums of weights bounded) and ``alpha < 1``; otherwise, and for times from another source,
it runs on pandas.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pandas as pd

from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import DframeObject


def _datetimes(dtype: Any) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind == "M"
    )


def unit_of(dtype: Any) -> str:
    return dtype.unit if isinstance(dtype, pd.DatetimeTZDtype) else np.datetime_data(dtype)[0]


def _int64(values: Any) -> np.ndarray:
    """Times as int64 in their unit (UTC for time zones), as pandas takes them."""
    return np.asarray(pd.array(values, copy=False).asi8)


def halflife_in(unit: str, halflife: Any) -> float:
    """The half-life as a float number of ``unit`` (pandas' ``_calculate_deltas``)."""
    return float(pd.Timedelta(halflife).as_unit(unit).asm8.astype("int64"))


Summary = tuple[int, bool, Any, Any, bool]


class TimesSummary:
    """Of a partition of times: rows, any missing time, first and last time, in order."""

    def __call__(self, part: pd.Series) -> Summary:
        if len(part) == 0:
            return 0, False, None, None, True
        nat = bool(part.isna().any())
        t = _int64(part) if not nat else np.zeros(1, dtype="int64")
        ordered = not nat and bool(np.all(np.diff(t) >= 0))
        return len(part), nat, int(t[0]), int(t[-1]), ordered


class MergeTimesSummaries:
    def __call__(self, *parts: Summary) -> Summary:
        full = [p for p in parts if p[0]]
        if not full:
            return 0, any(p[1] for p in parts), None, None, True
        ordered = all(p[4] for p in full) and all(
            a[3] <= b[2] for a, b in zip(full, full[1:], strict=False)
        )
        nat = any(p[1] for p in parts)
        return sum(p[0] for p in parts), nat, full[0][2], full[-1][3], ordered and not nat


def _identity(summary: Any) -> Any:
    return summary


def _summary(times: Any) -> tuple[int, bool, bool]:
    """Rows, any missing time, times in order."""
    if isinstance(times, DframeObject):
        plan = N.Reduce(times._plan, TimesSummary(), MergeTimesSummaries(), _identity, None,
                        label="ewm times")  # fmt: skip
        rows, nat, _, _, ordered = lower.collect(plan)
        return rows, nat, ordered
    values = pd.Series(pd.array(times, copy=False))
    nat = bool(values.isna().any())
    t = _int64(values) if not nat else np.zeros(0, dtype="int64")
    return len(values), nat, not nat and bool(np.all(np.diff(t) >= 0))


def stand_in_times(sample: Any, dtype: Any, wrong_length: bool, nat: bool) -> pd.Series:
    """Times for pandas' checks on ``sample`` (the stand-in rows): the times' dtype, a length
    that is wrong when theirs is, a missing time when they hold one."""
    n = len(sample) + (1 if wrong_length else 0)
    values = pd.DatetimeIndex(np.arange(n).astype(f"datetime64[{unit_of(dtype)}]"))
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = values.tz_localize("UTC").tz_convert(dtype.tz)
    out = pd.Series(values)
    if nat and n:
        out.iloc[0] = pd.NaT
    return out


def check(obj: Any, options: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """pandas' errors for ``obj.ewm(**options)`` with ``times``, at the call; returns the
    options with stand-in times (for pandas' answers on stand-in rows) and whether the scan can
    take these times."""
    times = options["times"]
    sample = M.nonempty(obj._meta)
    dtype = getattr(times, "dtype", None)
    if not _datetimes(dtype) or isinstance(times, DframeObject) and times.ndim != 1:
        sample.ewm(**options)  # pandas' error (not datetimes)
        return options, False
    same_rows = isinstance(times, DframeObject) and (
        N.division_of(times._plan.partitioning) == N.division_of(obj._plan.partitioning)
    )
    if isinstance(times, DframeObject) and not same_rows:
        return options, False  # (pandas reads them by position: it runs there)
    rows, nat, ordered = _summary(times)
    wrong_length = rows != (len(obj) if not same_rows else rows)
    stand_in = {**options, "times": stand_in_times(sample, dtype, wrong_length, nat)}
    window = sample.ewm(**stand_in)  # pandas' errors, in pandas' order
    native = ordered and window._com > 0 and isinstance(
        options["halflife"], str | datetime.timedelta | np.timedelta64
    )
    return stand_in, native


class FloatsAndTimes:
    """A partition's ``columns`` as floats (labelled 0..k-1) and its times as int64 (k)."""

    def __init__(self, columns: list[Any] | None) -> None:
        self.columns = columns  # None: a Series

    def floats(self, part: Any) -> pd.DataFrame:
        frame = part.to_frame() if self.columns is None else part.loc[:, self.columns]
        x = frame.to_numpy(dtype="float64", na_value=np.nan).reshape(frame.shape)
        return pd.DataFrame(x, index=part.index)

    def __call__(self, part: Any, times: pd.Series) -> pd.DataFrame:
        out = self.floats(part)
        out[out.shape[1]] = _int64(times)
        return out


class FloatsOnly(FloatsAndTimes):
    def __call__(self, part: Any) -> pd.DataFrame:  # type: ignore[override]
        return self.floats(part)


class SetTimes:
    """Column ``k`` of a partition set to its slice of the times."""

    def __init__(self, k: int, values: np.ndarray) -> None:
        self.k, self.values = k, values

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = part.copy(deep=False)
        out[self.k] = self.values
        return out


class TimesByPosition:
    """The layout of times given by position: partition i takes the next ``lengths[i]``."""

    def __init__(self, k: int, values: np.ndarray) -> None:
        self.k, self.values = k, values

    def __call__(self, lengths: list[int]) -> list[SetTimes]:
        starts = np.r_[0, np.cumsum(lengths)]
        pieces = zip(starts, starts[1:], strict=False)
        return [SetTimes(self.k, self.values[a:b]) for a, b in pieces]


def plan(obj: Any, columns: list[Any] | None, times: Any) -> N.Node:
    """Partitions of the result's columns as floats with the times beside them."""
    k = 1 if columns is None else len(columns)
    meta = pd.DataFrame({j: pd.Series(dtype="float64") for j in range(k)})
    meta[k] = pd.Series(dtype="int64")
    if isinstance(times, DframeObject):
        both = obj._map(FloatsAndTimes(columns), times, meta=meta, probe=False)
        return both._plan
    floats = obj._map(FloatsOnly(columns), meta=meta.iloc[:, :k], probe=False)
    layout = TimesByPosition(k, _int64(times))
    return ByPosition(floats._plan, layout, meta, label="ewm times by position", same_rows=True)
