"""``to_json`` in every orient, compared as the text pandas writes."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.dframe.differential.registry import Draw, call, is_frame, is_series, op, opt, r, small


@op("to_json", lambda d: (is_frame(d) or is_series(d)) and small(d, 300), weight=2)
def _to_json(draw: Draw, d: Any) -> str:
    orient = opt(draw, "split", "records", "index", "columns", "values", "table")
    index = None
    if orient in ("split", "table", "records", "values"):
        index = opt(draw, False)
    lines = "True" if orient == "records" and draw(st.booleans()) else None
    return call(
        "d.to_json",
        orient=r(orient),
        index=index,
        lines=lines,
        date_format=r(opt(draw, "iso")),
        date_unit=r(opt(draw, "s", "us")),
        double_precision=opt(draw, 3),
        force_ascii=opt(draw, False),
        indent=opt(draw, 2),
    )
