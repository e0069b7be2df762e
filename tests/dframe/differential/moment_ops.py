"""Kendall's correlation of a frame and of a Series with another column, exponentially weighted
covariances and correlations (``ewm(...).cov()/.corr()``) and the weighted mean by ``times``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    NUMB,
    TIME,
    Draw,
    call,
    columns,
    has,
    is_frame,
    op,
    opt,
    r,
    series_op,
    some,
)
from tests.dframe.differential.window_ops import DECAYS


@op("frame_kendall", is_frame)
def _frame_kendall(draw: Draw, d: pd.DataFrame) -> str:
    min_periods = opt(draw, 0, 2, 5)
    numeric_only = draw(st.sampled_from([True, None, True]))
    return call("d.corr", method=r("kendall"), min_periods=min_periods, numeric_only=numeric_only)


@series_op("corr_kendall", NUMB, elementwise=False)
def _series_kendall(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    other = draw(st.sampled_from(["{x}", "{x}.shift(1)", "({x} * 2 - 1)", "{x}.abs()"]))
    min_periods = opt(draw, 2, 6)
    return lambda x: call(f"{x}.corr", other.format(x=x), method=r("kendall"),
                          min_periods=min_periods)  # fmt: skip


def _decay(draw: Draw) -> str:
    decay, amount = draw(st.sampled_from(DECAYS))
    adjust, ignore_na, min_periods = opt(draw, False), opt(draw, True), opt(draw, 0, 2, 5)
    return call("", **{decay: repr(amount)}, adjust=adjust, ignore_na=ignore_na,
                min_periods=min_periods)  # fmt: skip


@op("frame_ewm_pairs", has(NUMB))
def _frame_ewm_pairs(draw: Draw, d: Any) -> str:
    name = draw(st.sampled_from(["cov", "corr"]))
    bias = opt(draw, True) if name == "cov" else None
    pairwise = opt(draw, True, False)
    target = draw(st.sampled_from(["d", f"d[{some(draw, d, NUMB)!r}]"]))
    numeric_only = "True" if target == "d" else None
    return call(f"{target}.ewm{_decay(draw)}.{name}", pairwise=pairwise, bias=bias,
                numeric_only=numeric_only)  # fmt: skip


@series_op("ewm_pairs", NUMB, elementwise=False)
def _series_ewm_pairs(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    name = draw(st.sampled_from(["cov", "corr"]))
    bias = opt(draw, True) if name == "cov" else None
    other = draw(st.sampled_from([None, "{x}.shift(1)", "({x} * 2 - 1)", "{x}.abs()"]))
    args = _decay(draw)
    return lambda x: call(f"{x}.ewm{args}.{name}", None if other is None else other.format(x=x),
                          bias=bias)  # fmt: skip


# Times in order with gaps and repeats (the same on both sides: built from the length).
IRREGULAR = "pd.Timestamp('2024-01-01') + pd.to_timedelta(np.cumsum(np.arange(len(d)) % 4), 'h')"


@op("frame_ewm_times", has(NUMB))
def _frame_ewm_times(draw: Draw, d: Any) -> str:
    # a datetime column of the frame may be out of order (pandas runs it) or hold NaT (its error)
    times = draw(st.sampled_from([IRREGULAR, *(f"d[{c!r}]" for c in columns(d, TIME))]))
    halflife = draw(st.sampled_from(["'1h'", "'90min'", "pd.Timedelta('3h')"]))
    adjust, ignore_na, min_periods = opt(draw, False), opt(draw, True), opt(draw, 0, 2)
    com = opt(draw, 0.5, 2) if adjust is None else None
    args = call("", halflife=halflife, times=times, com=com, adjust=adjust,
                ignore_na=ignore_na, min_periods=min_periods)  # fmt: skip
    return f"d[{some(draw, d, NUMB)!r}].ewm{args}.mean()"
