"""Label keys on a MultiIndex of rows: ``xs`` (a label of the first level or of a named level,
a key on every level, ``level=[...]``, ``drop_level=False``) and ``loc`` with tuples (a whole
row label, a partial one, ``(rows, column)``, ``pd.IndexSlice``), on a frame or Series that has
a MultiIndex, or on a frame indexed by two or three of its key columns here (``set_index``).
Labels are drawn from the index (present, missing values too) or are absent (pandas'
KeyError)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    DEFAULT_VALUES,
    KEYS,
    Draw,
    columns,
    is_frame,
    is_series,
    kind_of,
    lit,
    op,
    small,
)


def _has_levels(d: Any) -> bool:
    return (is_frame(d) or is_series(d)) and isinstance(d.index, pd.MultiIndex)


def _indexable(d: Any) -> bool:
    """A MultiIndex of rows, or two key columns to make one of."""
    return small(d, 300) and (_has_levels(d) or (is_frame(d) and len(columns(d, KEYS)) >= 2))


def _with_levels(draw: Draw, d: Any) -> tuple[str, Any]:
    """Code of ``d`` with a MultiIndex of rows, and that pandas object (to draw labels from)."""
    if _has_levels(d):
        return "d", d
    keys = draw(st.lists(st.sampled_from(columns(d, KEYS)), min_size=2, max_size=3, unique=True))
    return f"d.set_index({keys!r})", d.set_index(keys)


def _label(draw: Draw, index: pd.MultiIndex, level: int, row: tuple | None) -> str:
    """A label of ``level``: the drawn row's (usually), or a typical value of its kind (often
    absent: pandas' KeyError)."""
    if row is not None and draw(st.integers(0, 3)):
        return "pd.NaT" if row[level] is pd.NaT else lit(row[level])
    kind = kind_of(index.levels[level].dtype)
    return draw(st.sampled_from(DEFAULT_VALUES.get(kind, ["0"])))


def _tuple(labels: list[str]) -> str:
    return "(" + ", ".join(labels) + ",)"


@op("xs_multiindex", _indexable, weight=2)
def _xs(draw: Draw, d: Any) -> str:
    code, pdo = _with_levels(draw, d)
    index = pdo.index
    n = index.nlevels
    row = index[draw(st.integers(0, len(index) - 1))] if len(index) else None
    keep = ", drop_level=False" if draw(st.integers(0, 3)) == 0 else ""
    form = draw(st.sampled_from(["first", "level", "whole", "levels", "partial"]))
    if form == "first":
        return f"{code}.xs({_label(draw, index, 0, row)}{keep})"
    if form == "level":
        level = draw(st.integers(0, n - 1))
        name = index.names[level]
        by = repr(name) if isinstance(name, str) and draw(st.booleans()) else str(level)
        return f"{code}.xs({_label(draw, index, level, row)}, level={by}{keep})"
    if form == "whole":
        return f"{code}.xs({_tuple([_label(draw, index, i, row) for i in range(n)])}{keep})"
    if form == "partial":
        k = draw(st.integers(1, n))
        return f"{code}.xs({_tuple([_label(draw, index, i, row) for i in range(k)])}{keep})"
    levels = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    key = _tuple([_label(draw, index, i, row) for i in levels])
    return f"{code}.xs({key}, level={levels!r}{keep})"


@op("loc_multiindex", _indexable, weight=2)
def _loc(draw: Draw, d: Any) -> str:
    code, pdo = _with_levels(draw, d)
    index = pdo.index
    n = index.nlevels
    row = index[draw(st.integers(0, len(index) - 1))] if len(index) else None
    whole = _tuple([_label(draw, index, i, row) for i in range(n)])
    first = _label(draw, index, 0, row)
    forms = [
        f"{code}.loc[{first}]",
        f"{code}.loc[{whole}]",
        f"{code}.loc[{_tuple([first])}]",
        f"{code}.loc[[{whole}]]",
        f"{code}.loc[[{first}]]",
    ]
    if is_frame(pdo):
        forms += [f"{code}.loc[pd.IndexSlice[{first}, :], :]", f"{code}.loc[{first}, :]"]
        cols = [c for c in pdo.columns if isinstance(c, str)]
        if cols:
            col = repr(draw(st.sampled_from(cols)))
            forms += [f"{code}.loc[{whole}, {col}]", f"{code}.loc[{first}, {col}]"]
    else:
        forms.append(f"{code}.loc[{first}, :]")
        if n > 1:
            forms.append(f"{code}.loc[pd.IndexSlice[:, {_label(draw, index, 1, row)}]]")
    return draw(st.sampled_from(forms))
