"""``to_datetime``/``to_numeric``/``to_timedelta`` of a Series (element-wise, but pandas'
format guess and offset check read the whole column)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import Draw, series_op


@series_op("parse", frozenset({"int", "float", "str", "obj", "dt", "dtz"}))
def _parse(draw: Draw, s: pd.Series) -> Callable[[str], str]:
    errors = draw(st.sampled_from(["", ", errors='coerce'"]))
    if s.dtype.kind in "if":
        form = draw(
            st.sampled_from(
                [
                    "lib.to_datetime({x}, unit='s'{e})",
                    "lib.to_timedelta({x}, unit='s'{e})",
                    # (not downcast='float': float32 sums are pandas' own rounding, not 1e-9)
                    "lib.to_numeric({x}, downcast='integer'{e})",
                ]
            )
        )
    else:
        # strings as dates: the generator's text and dates written out, some unparseable
        text = "{x}.astype(str)" if s.dtype.kind == "M" else "{x}"
        form = draw(
            st.sampled_from(
                [
                    "lib.to_datetime(" + text + "{e})",
                    "lib.to_datetime(" + text + ", format='mixed'{e})",
                    "lib.to_numeric({x}, errors='coerce')",
                ]
            )
        )
    return lambda x: form.replace("{x}", x).replace("{e}", errors)
