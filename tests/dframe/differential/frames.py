"""Random input frames, as code: pandas 3's default dtypes (int64, float64 with NaN and inf,
nullable Int64 and boolean, bool, str, categorical, datetime64[ns] with and without a time zone,
timedelta64[ns], and object: mixed Python values, or strings with None), missing values, 0..30
rows, and default, non-default and duplicate indexes.

A frame is drawn as the code that builds it, so a failing example prints as a runnable repro;
values come from small pools (typical values first, which is what shrinking goes to) so ties,
duplicates and missing values are common.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

Draw = Callable[[st.SearchStrategy[Any]], Any]

MAX_ROWS = 30
# Column name -> kind of data. "k" is a small-cardinality key shared with the second frame.
# "o" holds mixed Python values and "so" strings with None, both as object (pandas 3 infers str
# for strings, so an object column of them is made on purpose, as by a user or an old file).
COLUMNS = ("k", "i", "f", "n", "b", "nb", "s", "c", "t", "tz", "td", "o", "so")
STRINGS = ("a", "b", "ab", "B a", "", "a,b", "ba,a")
CATEGORIES = ("x", "y", "z")
TIMEZONES = ("UTC", "Europe/Berlin")
BASE = pd.Timestamp("2024-01-01")


def _values(draw: Draw, n: int, pool: Any) -> list[Any]:
    elements = pool if isinstance(pool, st.SearchStrategy) else st.sampled_from(pool)
    return draw(st.lists(elements, min_size=n, max_size=n))


# Value pools, typical values first (what shrinking goes to); one missing value in about five.
FLOATS = [1.0, 0.0, -2.0, 3.0, 0.25, -1.5, 2.5, 1000.0, -0.0, math.inf, math.nan, math.nan]
NULLABLE_INTS = [1, 0, -3, 2, 5, None]
NULLABLE_BOOLS = [True, False, True, False, None]
MIXED = ["a", 1, 2.5, "b", 0, None]
TIMES = [
    str(BASE + pd.Timedelta(minutes=m))
    for m in (
        0,
        90,
        61 * 24 * 60,
        24 * 60 + 59,
        4 * 24 * 60 + 720,
        31 * 24 * 60 - 1,
        35 * 24 * 60 + 5,
        40 * 24 * 60 + 600,
        3 * 24 * 60 + 90,
    )
] + [None, None]
DELTAS = [
    str(pd.Timedelta(minutes=m)) for m in (60, 0, -30, 90, 24 * 60, 3 * 24 * 60 + 7, -180, 125)
] + [None, None]


def column_code(draw: Draw, name: str, n: int) -> str:
    """Code of one column's array of ``n`` rows."""
    if name == "k":
        return f"np.array({_values(draw, n, [0, 1, 2, 3])!r}, dtype='int64')"
    if name == "i":
        return f"np.array({_values(draw, n, st.integers(-5, 20))!r}, dtype='int64')"
    if name == "f":
        return f"np.array({_values(draw, n, FLOATS)!r}, dtype='float64')"
    if name == "n":
        return f"pd.array({_values(draw, n, NULLABLE_INTS)!r}, dtype='Int64')"
    if name == "b":
        return f"np.array({_values(draw, n, [True, False])!r}, dtype=bool)"
    if name == "nb":
        return f"pd.array({_values(draw, n, NULLABLE_BOOLS)!r}, dtype='boolean')"
    if name == "s":
        return f"pd.array({_values(draw, n, [*STRINGS, None, None])!r}, dtype='str')"
    if name == "c":
        values = _values(draw, n, [*CATEGORIES, None])
        categories = draw(st.sampled_from([["x", "y", "z"], ["z", "x", "y", "w"]]))
        ordered = draw(st.booleans())
        return f"pd.Categorical({values!r}, categories={categories!r}, ordered={ordered!r})"
    if name == "t":
        return f"pd.array({_values(draw, n, TIMES)!r}, dtype='datetime64[ns]')"
    if name == "tz":
        tz = draw(st.sampled_from(TIMEZONES))
        return f"pd.array({_values(draw, n, TIMES)!r}, dtype='datetime64[ns, {tz}]')"
    if name == "td":
        return f"pd.array({_values(draw, n, DELTAS)!r}, dtype='timedelta64[ns]')"
    if name == "o":
        return f"np.array({_values(draw, n, MIXED)!r}, dtype=object)"
    if name == "so":
        return f"np.array({_values(draw, n, [*STRINGS, None])!r}, dtype=object)"
    raise ValueError(name)


def index_code(draw: Draw, n: int) -> str | None:
    """Code of a row index of ``n`` labels, or None for the default RangeIndex."""
    kind = draw(
        st.sampled_from(["default", "default", "range", "int", "int_dup", "str", "str_dup"])
    )
    if kind == "default":
        return None
    name = draw(st.sampled_from([None, "idx"]))
    suffix = "" if name is None else f", name={name!r}"
    if kind == "range":
        start, step = draw(st.integers(-3, 5)), draw(st.sampled_from([2, -1]))
        return f"pd.RangeIndex({start}, {start + step * n}, {step}{suffix})"
    if kind == "int":
        labels = [v * 3 - 5 for v in draw(st.permutations(range(n)))]
        return f"pd.Index({labels!r}, dtype='int64'{suffix})"
    if kind == "int_dup":
        return f"pd.Index({_values(draw, n, [0, 1, 2, 3])!r}, dtype='int64'{suffix})"
    if kind == "str":
        labels = [f"r{v}" for v in draw(st.permutations(range(n)))]
        return f"pd.Index({labels!r}, dtype='str'{suffix})"
    return f"pd.Index({_values(draw, n, ['r0', 'r1', 'r2'])!r}, dtype='str'{suffix})"


def frame_code(draw: Draw, names: list[str], n: int, index: str | None) -> str:
    body = ",\n".join(f"    {name!r}: {column_code(draw, name, n)}" for name in names)
    tail = "" if index is None else f", index={index}"
    # (the constructor infers str from an object array of strings: cast back)
    cast = ".astype({'so': object})" if "so" in names else ""
    return f"pd.DataFrame({{\n{body}\n}}{tail}){cast}"


@st.composite
def frames(draw: Draw) -> str:
    """Code of a frame: 0..30 rows, some of ``COLUMNS`` in any order, any index."""
    n = draw(st.one_of(st.integers(0, 10), st.integers(0, MAX_ROWS)))
    names = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6, unique=True))
    if "k" not in names and draw(st.booleans()):
        names.insert(draw(st.integers(0, len(names))), "k")
    return frame_code(draw, names, n, index_code(draw, n))


@st.composite
def other_frames(draw: Draw) -> str:
    """Code of the second frame (merge, join, concat): always has the key "k", a few more of
    ``COLUMNS`` (same names make suffixes), a default index."""
    n = draw(st.integers(0, 12))
    more = draw(
        st.lists(st.sampled_from(["f", "s", "i", "c", "n", "t", "o"]), max_size=3, unique=True)
    )
    return frame_code(draw, ["k", *more], n, None)


def build(code: str) -> pd.DataFrame:
    return eval(code, {"pd": pd, "np": np, "nan": math.nan, "inf": math.inf})
