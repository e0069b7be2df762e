"""``repr`` and ``_repr_html_`` identical to pandas', without collecting a large frame.

pandas shows a long object as its first and last ``row_num`` rows plus a footer with the true
size. So only those rows are collected — plus one row in the middle, so that pandas, asked to
show at most ``2 * row_num`` rows of this ``2 * row_num + 1``-row preview, truncates it exactly as
it would truncate the whole — and the footer's size is replaced by the real one.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd


def _rows_shown(length: int) -> int | None:
    """Rows pandas shows at each end, or None when it shows everything."""
    max_rows = pd.get_option("display.max_rows")
    min_rows = pd.get_option("display.min_rows")
    if not max_rows or length <= max_rows:
        return None
    fitted = min(min_rows, max_rows) if min_rows else max_rows
    row_num = fitted // 2
    return row_num if row_num >= 1 else None


def _preview(obj: Any, row_num: int) -> Any:
    head = obj.head(row_num + 1).to_pandas()
    tail = obj.tail(row_num).to_pandas()
    return pd.concat([head, tail])


def _options(row_num: int) -> Any:
    return pd.option_context("display.max_rows", 2 * row_num, "display.min_rows", 2 * row_num)


def frame_repr(df: Any) -> str:
    length = len(df)
    row_num = _rows_shown(length)
    if row_num is None:
        return repr(df.to_pandas())
    preview = _preview(df, row_num)
    with _options(row_num):
        text = repr(preview)
    return re.sub(r"\[\d+ rows x", f"[{length} rows x", text)


def frame_html(df: Any) -> str | None:
    length = len(df)
    row_num = _rows_shown(length)
    if row_num is None:
        return df.to_pandas()._repr_html_()
    preview = _preview(df, row_num)
    with _options(row_num):
        html = preview._repr_html_()
    if html is None:
        return None
    return re.sub(r"<p>\d+ rows ×", f"<p>{length} rows ×", html)


def series_repr(s: Any) -> str:
    length = len(s)
    row_num = _rows_shown(length)
    if row_num is None:
        return repr(s.to_pandas())
    preview = _preview(s, row_num)
    with _options(row_num):
        text = repr(preview)
    head, _, last = text.rpartition("\n")
    last = re.sub(r"Length: \d+", f"Length: {length}", last)
    return f"{head}\n{last}"
