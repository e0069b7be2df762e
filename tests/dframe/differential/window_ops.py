"""Exponentially weighted windows, ``ewm(...).mean()/.sum()/.var()/.std()``, and
``interpolate``: of a Series (also as a frame's column) and of a frame's numeric columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    NUM,
    NUMB,
    Draw,
    call,
    has,
    op,
    opt,
    r,
    series_op,
    some,
)

DECAYS = [
    ("com", 0.5),
    ("com", 3),
    ("span", 2),
    ("span", 7.5),
    ("halflife", 1.5),
    ("alpha", 0.3),
    ("alpha", 1.0),
]


def _ewm(draw: Draw) -> tuple[str, str, str | None]:
    """An ``ewm`` call's arguments (code), the aggregation after it and its ``bias``."""
    decay, amount = draw(st.sampled_from(DECAYS))
    adjust, ignore_na, min_periods = opt(draw, False), opt(draw, True), opt(draw, 0, 2, 5)
    agg = draw(st.sampled_from(["mean", "var", "std"] + ([] if adjust is False else ["sum"])))
    bias = opt(draw, True) if agg in ("var", "std") else None
    args = call(
        "", **{decay: repr(amount)}, adjust=adjust, ignore_na=ignore_na, min_periods=min_periods
    )
    return args, agg, bias


@series_op("ewm", NUMB)
def _series_ewm(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    args, agg, bias = _ewm(draw)
    return lambda x: call(f"{x}.ewm{args}.{agg}", bias=bias)


@op("frame_ewm", has(NUMB))
def _frame_ewm(draw: Draw, d: Any) -> str:
    args, agg, bias = _ewm(draw)
    if draw(st.booleans()):
        return call(f"d.ewm{args}.{agg}", bias=bias, numeric_only=True)
    return call(f"d[{some(draw, d, NUMB)!r}].ewm{args}.{agg}", bias=bias)


def _interpolate(draw: Draw, index: pd.Index) -> str:
    """An ``interpolate`` call's arguments, as code."""
    methods = ["linear", "index"] + (["time"] if isinstance(index, pd.DatetimeIndex) else [])
    method = opt(draw, *methods)
    limit = opt(draw, 1, 2, 4)
    direction = opt(draw, "forward", "backward", "both")
    area = opt(draw, "inside", "outside")
    return call(
        "", method=r(method), limit=limit, limit_direction=r(direction), limit_area=r(area)
    )


@series_op("interpolate", NUMB)
def _series_interpolate(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    args = _interpolate(draw, s.index)
    return lambda x: f"{x}.interpolate{args}"


@op("frame_interpolate", has(NUM))
def _frame_interpolate(draw: Draw, d: Any) -> str:
    return f"d[{some(draw, d, NUM)!r}].interpolate{_interpolate(draw, d.index)}"
