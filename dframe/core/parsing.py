"""``pandas.to_datetime``, ``to_timedelta`` and ``to_numeric`` of dframe Series and
DataFrames: pandas' own function on every partition.

pandas reads some decisions off the whole input: ``to_datetime`` guesses the format of strings
from the first value that is not missing, and refuses strings whose UTC offsets differ. Every
partition is therefore parsed with that first value of the whole column put in front of its
own (and its result dropped): the guess is the global one, and a partition whose offsets differ
from it raises pandas' error. Result dtypes (the unit pandas infers, int or float) are settled
from the computed partitions.

>>> import pandas as pd
>>> import dframe
>>> s = dframe.from_pandas(pd.Series(["2024-01-02", "2024-03-04", "2024-05-06"]), npartitions=2)
>>> dframe.to_datetime(s).to_pandas().dt.month.tolist()
[1, 3, 5]
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pandas._libs import tslib

from dframe import fallback
from dframe.execution import lower
from dframe.plan.wrap import DframeObject



class Parse:
    """``pandas.<name>(part, **kwargs)``; ``lead``: the value pandas would look at first, parsed
    in front of the partition's own when that is another one."""

    def __init__(self, name: str, kwargs: dict[str, Any], lead: tuple[Any, ...] = ()) -> None:
        self.name, self.kwargs, self.lead = name, kwargs, lead

    def __call__(self, part: Any) -> Any:
        fn = getattr(pd, self.name)
        if not self.lead or _first_value(part) == self.lead:
            return fn(part, **self.kwargs)
        both = pd.concat(
            [pd.Series(self.lead, dtype=part.dtype), part.reset_index(drop=True)],
            ignore_index=True,
        )
        out = fn(both, **self.kwargs).iloc[1:]
        return out.set_axis(part.index).rename(part.name)

    def __repr__(self) -> str:
        return self.name


def _first_value(part: pd.Series) -> tuple[Any, ...]:
    """``(value,)``: the first value pandas' format guess would look at, or () if none. (Read
    from a growing head: converting a whole partition of text to objects costs a parse.)"""
    rows = 64
    while True:
        values = part.iloc[:rows].to_numpy(dtype=object, na_value=None)
        k = tslib.first_non_null(values)
        if k != -1:
            return (values[k],)
        if rows >= len(part):
            return ()
        rows *= 16


def _needs_lead(name: str, arg: Any, kwargs: dict[str, Any]) -> bool:
    return (
        name == "to_datetime"
        and arg.ndim == 1
        and (arg._meta.dtype == object or isinstance(arg._meta.dtype, pd.StringDtype))
    )


def parse(name: str, arg: Any, *args: Any, **kwargs: Any) -> Any:
    """``pandas.<name>(arg, ...)``: native for a dframe Series (a DataFrame of date parts for
    ``to_datetime``); anything else is pandas' own call."""
    native = isinstance(arg, DframeObject) and not args and (arg.ndim == 1 or name == "to_datetime")
    if not native or any(isinstance(v, DframeObject) for v in kwargs.values()):
        return fallback.function(name, getattr(pd, name))(arg, *args, **kwargs)
    getattr(pd, name)(arg._meta, **kwargs)  # pandas' errors for the arguments, at the call
    lead: tuple[Any, ...] = ()
    if _needs_lead(name, arg, kwargs):
        firsts = lower.collect_partitions(arg._map(_first_value, meta=pd.Series([], dtype=object),
                                                   preserves_rows=False)._plan)  # fmt: skip
        lead = next((f for f in firsts if f), ())
    fn = Parse(name, kwargs, lead)
    sample = fn(pd.Series(lead, dtype=arg._meta.dtype)) if lead else None
    meta = getattr(pd, name)(arg._meta, **kwargs)
    if sample is not None and sample.dtype != meta.dtype:
        meta = sample.iloc[:0].set_axis(arg._meta.index[:0]).rename(meta.name)
    return arg._map(fn, meta=meta, label=name, by_values=True, probe=False)


def to_datetime(arg: Any, *args: Any, **kwargs: Any) -> Any:
    return parse("to_datetime", arg, *args, **kwargs)


def to_timedelta(arg: Any, *args: Any, **kwargs: Any) -> Any:
    return parse("to_timedelta", arg, *args, **kwargs)


def to_numeric(arg: Any, *args: Any, **kwargs: Any) -> Any:
    return parse("to_numeric", arg, *args, **kwargs)


