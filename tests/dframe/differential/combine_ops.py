"""Operations of issue 13's sampling, splitting and combining: ``sample`` (what does not depend on
the draw: sizes, and a whole shuffle sorted back), ``str.split``/``rsplit(expand=True)`` (width
from all rows), ``update`` and ``combine_first`` with the second frame (``other``, another
source and partitioning); later ``Series.combine_first`` and ``clip`` at bounds by row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    NUM,
    OTHER,
    Draw,
    columns,
    is_frame,
    is_series,
    op,
    series_op,
    small,
    some,
)


@op("sample", lambda d: (is_frame(d) or is_series(d)) and small(d, 300), weight=2)
def _sample(draw: Draw, d: Any) -> str:
    seed = draw(st.integers(0, 3))
    forms = [
        f"len(d.sample(frac={draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))}, random_state={seed}))",
        f"d.sample(n={min(len(d), draw(st.integers(0, 5)))}, random_state={seed}).shape",
        f"d.sample(frac=1.5, replace=True, random_state={seed}, ignore_index=True).shape",
        f"d.sample(n={len(d) + 1}, random_state={seed})",  # pandas' error
    ]
    if d.index.is_unique:
        # every row once, in another order: sorted back, the frame itself (ties need unique
        # labels: their order would be the draw's)
        forms.append(f"d.sample(frac=1.0, random_state={seed}).sort_index()")
    return draw(st.sampled_from(forms))


def _text(s: pd.Series) -> bool:
    """Strings (or missing values) only: ``.str`` of an object column of other values raises
    or not by what each partition holds (KNOWN: every ``.str`` method, partition by
    partition)."""
    if isinstance(s.dtype, pd.StringDtype):
        return True
    return s.dtype == object and all(isinstance(v, str) or v is None for v in s)


@series_op("split_expand", frozenset({"str", "obj"}), elementwise=False, when=_text)
def _split_expand(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    name = draw(st.sampled_from(["split", "rsplit"]))
    pat = draw(st.sampled_from(["None", "' '", "'a'", "'1'", "'-'"]))
    n = draw(st.sampled_from(["", ", n=1", ", n=2"]))
    regex = ", regex=True" if name == "split" and pat != "None" and draw(st.booleans()) else ""
    return lambda x: f"{x}.str.{name}({pat}{n}{regex}, expand=True)"


def _has_other(d: Any) -> bool:
    return is_frame(d) and small(d, 300) and bool(OTHER)


@op("update_from_other", _has_other, weight=2)
def _update(draw: Draw, d: Any) -> str:
    common = [c for c in OTHER[0].columns if c in d.columns]
    arg = "other"
    if common and draw(st.booleans()):
        arg = f"other[{[draw(st.sampled_from(common))]!r}]"
    options = draw(st.sampled_from(["", ", overwrite=False", ", errors='raise'"]))
    return f"d = d.copy()\nd.update({arg}{options})"


@op("combine_first", _has_other, weight=2)
def _combine_first(draw: Draw, d: Any) -> str:
    if draw(st.booleans()):
        return "d.combine_first(other)"
    return "other.combine_first(d)"


# (registered after the ops above: earlier seeds draw as before)


def _series_and_other(d: Any) -> bool:
    return is_series(d) and small(d, 300) and bool(OTHER) and len(OTHER[0].columns) > 0


@op("series_combine_first", _series_and_other, weight=2)
def _series_combine_first(draw: Draw, d: Any) -> str:
    column = draw(st.sampled_from(list(OTHER[0].columns)))
    forms = [
        f"d.combine_first(other[{column!r}])",  # another source, maybe another dtype
        f"other[{column!r}].combine_first(d)",
        "d.combine_first(d.iloc[::-1])",  # the same labels from another partitioning
        "d.iloc[::2].combine_first(d)",
        "d.combine_first(d.dropna())",
        "d.iloc[:0].combine_first(d)",
    ]
    return draw(st.sampled_from(forms))


def _numbers(d: Any) -> list[str]:
    frame = d.to_frame() if is_series(d) else d
    return columns(frame, NUM) if is_frame(frame) else []


def _other_numbers() -> list[str]:
    return columns(OTHER[0], NUM) if OTHER else []


@op(
    "clip_by_rows",
    lambda d: (is_frame(d) or is_series(d)) and small(d, 300) and bool(_numbers(d)),
    weight=2,
)
def _clip_by_rows(draw: Draw, d: Any) -> str:
    """``clip`` at a Series or frame of bounds: of this frame or of ``other``, of the same
    dtype or floats at ints."""
    keyword = draw(st.sampled_from(["lower", "upper"]))
    theirs = _other_numbers()
    if is_series(d):
        bounds = ["d * 0.5", "d.shift(1)", "d.iloc[::-1] - 1"]
        bounds += [f"other[{c!r}]" for c in theirs]
        return f"d.clip({keyword}={draw(st.sampled_from(bounds))})"
    cols = some(draw, d, NUM, hi=2)
    part = f"d[{cols!r}]"
    column = draw(st.sampled_from(cols))
    forms = [
        f"{part}.clip({keyword}=d[{column!r}] * 0.5, axis=0)",
        f"{part}.clip({keyword}=d[{column!r}].iloc[::-1] + 1, axis='index')",
        f"{part}.clip({keyword}={part} * 0.5 + 1)",
        f"{part}.clip({keyword}={part}.median(), axis=1)",
    ]
    forms += [f"{part}.clip({keyword}=other[{c!r}], axis=0)" for c in theirs]
    return draw(st.sampled_from(forms))
