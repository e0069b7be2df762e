"""Operations whose argument comes from the second frame (``other``, another source and
partitioning): ``fillna``/``where``/``mask`` reindex it to the rows being filled."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.dframe.differential.registry import OTHER, Draw, is_frame, is_series, op, small


@op("fill_from_other", lambda d: (is_frame(d) or is_series(d)) and small(d, 300), weight=2)
def _fill_from_other(draw: Draw, d: Any) -> str:
    if is_frame(d):
        arg = "other"
    else:
        arg = f"other[{draw(st.sampled_from(list(OTHER[0].columns))) if OTHER else 'k'!r}]"
    form = draw(
        st.sampled_from(
            [
                "d.fillna({a})",
                "d.where({a}.notna(), {a})",
                "d.mask({a}.isna())",
                "d.where({a}.isna(), {a})",
            ]
        )
    )
    return form.replace("{a}", arg)
