"""``astype(str)`` (or any string dtype) of datetime and timedelta columns, partition-wise.

pandas writes a datetime column with one format for the whole column: dates only when every
value is at midnight (and there is no time zone), otherwise with the time, and with as many
fractional digits as the finest value needs; a timedelta column is written as days only when
every value is a whole number of days. A partition cast alone would pick its own format.

So each partition first sends a few *witnesses*: for each format class present in it (midnight,
a time of whole seconds, milliseconds, microseconds, nanoseconds), its first value of that class.
Every partition is then cast together with all partitions' witnesses (and the witnesses cut off
again), so pandas makes the whole column's choice on each partition. The format rules stay
pandas' own; only which values decide them is known here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.algebra.rows import concat_rows
from dframe.plan import nodes as N

_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def _is_timelike(dtype: Any) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind in "mM"
    )


def _becomes_text(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype) or dtype == object


def format_classes(values: pd.Series) -> np.ndarray:
    """Per value: 0 midnight (a whole day), 1 a time of whole seconds, 2 milliseconds,
    3 microseconds, 4 nanoseconds; -1 missing. Times are wall-clock times in the value's zone."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    raw = values.to_numpy()
    per_second = _PER_SECOND.get(np.datetime_data(raw.dtype)[0], 1)
    ticks = raw.view("i8")
    out = np.where(ticks % (86400 * per_second) == 0, 0, 1)
    for level, step in ((2, per_second), (3, per_second // 10**3), (4, per_second // 10**6)):
        if step > 1:
            out[ticks % step != 0] = level
    out[pd.isna(values).to_numpy()] = -1
    return out


class Witnesses:
    """A partition's first value (row) of each format class, per cast datetime-like column."""

    def __init__(self, positions: tuple[int, ...]) -> None:
        self.positions = positions

    def __call__(self, part: Any) -> Any:
        columns = [part] if part.ndim == 1 else [part.iloc[:, p] for p in self.positions]
        rows: set[int] = set()
        for column in columns:
            classes = format_classes(column)
            present, first = np.unique(classes, return_index=True)
            rows.update(int(i) for c, i in zip(present, first, strict=True) if c >= 0)
        return part.iloc[sorted(rows)]


class ShareWitnesses:
    """All partitions' witnesses, the same context for each partition."""

    def __call__(self, *summaries: Any) -> list[Any]:
        shared = concat_rows(list(summaries)) if len(summaries) > 1 else summaries[0]
        return [shared] * len(summaries)


class CastWithWitnesses:
    """``cast(part)`` made on the part and the witnesses together, the witnesses cut off."""

    def __init__(self, cast: Any) -> None:
        self.cast = cast

    def __call__(self, part: Any, witnesses: Any) -> Any:
        if not len(witnesses):
            return self.cast(part)
        both = pd.concat([part, witnesses], ignore_index=True)
        return self.cast(both).iloc[: len(part)].set_axis(part.index)

    def __repr__(self) -> str:
        return f"{self.cast!r} (one format for the whole column)"


def astype_plan(plan: N.Node, cast: Any, out_meta: Any) -> N.Node | None:
    """The plan of ``cast`` (an astype) where it writes datetime-like columns as text, or None
    when it writes none (a partition-wise map then does)."""
    meta = plan.meta
    if meta.ndim == 1:
        positions: tuple[int, ...] = (0,) if _casts(meta.dtype, out_meta.dtype) else ()
    else:
        positions = tuple(
            i
            for i, (before, after) in enumerate(zip(meta.dtypes, out_meta.dtypes, strict=True))
            if _casts(before, after)
        )
    if not positions:
        return None
    return N.MapWithContext(
        plan,
        Witnesses(positions),
        ShareWitnesses(),
        CastWithWitnesses(cast),
        out_meta,
        label="astype",
    )


def _casts(before: Any, after: Any) -> bool:
    return _is_timelike(before) and _becomes_text(after)
