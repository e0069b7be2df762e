"""Statistics operations: a frame's ``corr``/``cov``, a Series' ``corr``/``cov`` with another
column (or a function of itself), ``lib.cut``/``lib.qcut`` of a Series (also as a frame's
column) and ``value_counts(bins=...)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    KEYS,
    NUMB,
    Draw,
    call,
    columns,
    has,
    is_frame,
    op,
    opt,
    pick,
    r,
    series_op,
)


@op("frame_corr", is_frame)
def _frame_corr(draw: Draw, d: pd.DataFrame) -> str:
    # numeric_only=False on other columns is pandas' error (or its conversion of objects)
    numeric_only = draw(st.sampled_from([True, None, True]))
    min_periods = opt(draw, 0, 2, 5)
    if draw(st.booleans()):
        method = opt(draw, "pearson", "spearman")
        return call("d.corr", method=r(method), min_periods=min_periods, numeric_only=numeric_only)
    ddof = opt(draw, 0, 2)
    return call("d.cov", min_periods=min_periods, ddof=ddof, numeric_only=numeric_only)


@op("column_corr", has(NUMB, 2))
def _column_corr(draw: Draw, d: pd.DataFrame) -> str:
    x, y = pick(draw, d, NUMB), pick(draw, d, NUMB)
    min_periods = opt(draw, 0, 3)
    if draw(st.booleans()):
        method = r(opt(draw, "spearman"))
        return call(f"d[{x!r}].corr", f"d[{y!r}]", method=method, min_periods=min_periods)
    return call(f"d[{x!r}].cov", f"d[{y!r}]", min_periods=min_periods, ddof=opt(draw, 0, 3))


@series_op("corr_self", NUMB, elementwise=False)
def _corr_self(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    name = draw(st.sampled_from(["corr", "cov"]))
    other = draw(st.sampled_from(["{x}", "{x}.shift(1)", "({x} * 2 - 1)", "{x}.abs()"]))
    return lambda x: call(f"{x}.{name}", other.format(x=x))


def _edges(draw: Draw, s: pd.Series) -> str:
    """Bin edges: a count, or increasing values around the data's (repeats now and then)."""
    if draw(st.booleans()):
        return str(draw(st.integers(1, 5)))
    present = pd.to_numeric(s.dropna(), errors="coerce").astype("float64")
    present = present[np.isfinite(present)]
    pool = sorted({*present.unique()[:6].tolist(), -10.0, 0.0, 2.5, 1000.0})
    edges = sorted(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=5)))
    return repr([float(e) for e in edges])


@series_op("cut", NUMB)
def _cut(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    bins = _edges(draw, s)
    kwargs = {
        "right": opt(draw, False),
        "labels": opt(draw, False),
        "include_lowest": opt(draw, True),
        "precision": opt(draw, 1),
        "duplicates": r(opt(draw, "drop")),
    }
    return lambda x: call("lib.cut", x, bins, **kwargs)


@series_op("qcut", NUMB)
def _qcut(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    q = draw(st.sampled_from(["2", "4", "[0, 0.5, 1]", "[0.1, 0.3, 0.9]"]))
    kwargs = {
        "labels": opt(draw, False),
        "precision": opt(draw, 2),
        "duplicates": r(opt(draw, "drop")),
    }
    return lambda x: call("lib.qcut", x, q, **kwargs)


@series_op("value_counts_bins", NUMB, elementwise=False)
def _value_counts_bins(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    bins = _edges(draw, s)
    kwargs = {
        "normalize": opt(draw, True),
        "sort": opt(draw, False),
        "ascending": opt(draw, True),
        "dropna": opt(draw, False),
    }
    return lambda x: call(f"{x}.value_counts", bins=bins, **kwargs)


def _grouped_numbers(d: pd.DataFrame) -> bool:
    return is_frame(d) and "k" in columns(d, KEYS) and len(columns(d, NUMB)) >= 3


@op("groupby_corr", _grouped_numbers)
def _groupby_corr(draw: Draw, d: pd.DataFrame) -> str:
    values = [c for c in columns(d, NUMB) if c != "k"][:3]
    name = draw(st.sampled_from(["corr", "cov"]))
    return f"d.groupby('k')[{values!r}].{name}()"
