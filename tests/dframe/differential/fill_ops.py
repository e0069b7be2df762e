"""Operations whose argument comes from the second frame (``other``, another source and
partitioning): ``fillna``/``where``/``mask`` reindex it to the rows being filled;
``merge_asof`` looks its rows up."""

from __future__ import annotations

from typing import Any

import pandas as pd
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


def _asof_ready(d: Any) -> bool:
    if not (is_frame(d) and small(d, 300) and OTHER and "k" in d.columns):
        return False
    key, other = d["k"], OTHER[0]["k"]
    return (
        isinstance(key, pd.Series)
        and key.dtype == other.dtype
        and key.dtype.kind in "iuM"
        and not key.isna().any()
    )


@op("merge_asof", _asof_ready, weight=2)
def _merge_asof(draw: Draw, d: Any) -> str:
    direction = draw(st.sampled_from(["backward", "forward", "nearest"]))
    exact = draw(st.sampled_from(["", ", allow_exact_matches=False"]))
    return (
        "lib.merge_asof(d.sort_values('k', kind='stable'), other.sort_values('k', kind='stable'),"
        f" on='k', direction={direction!r}{exact})"
    )
