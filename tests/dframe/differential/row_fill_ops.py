"""A frame's missing values filled from a Series of values per column (``fillna`` with a
reduction's result) and values replaced from a Series along the rows (``where``/``mask`` with
``axis=0``)."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import NUMB, Draw, has, is_frame, op, pick, small


@op("fillna_by_column", lambda d: is_frame(d) and small(d, 300), weight=2)
def _fillna_by_column(draw: Draw, d: pd.DataFrame) -> str:
    value = draw(st.sampled_from(["mean", "max", "min", "median"]))
    return f"d.fillna(d.{value}(numeric_only=True))"


@op("where_along_rows", lambda d: is_frame(d) and small(d, 300) and has(NUMB)(d), weight=2)
def _where_along_rows(draw: Draw, d: pd.DataFrame) -> str:
    column = pick(draw, d, NUMB)
    name = draw(st.sampled_from(["where", "mask"]))
    cond = draw(st.sampled_from(["d.notna()", "d.isna()"]))
    return f"d.{name}({cond}, d[{column!r}], axis=0)"
