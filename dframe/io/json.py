"""``DataFrame.to_json(orient="records", lines=True)``: JSON Lines, each partition formatted
by its own task and the texts joined in order (a record is one line, so the partitions' lines
are the frame's). Other orients describe the whole frame in one object: they run on pandas.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from dframe import fallback
from dframe.execution import lower


class _Lines:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, part: Any) -> str:
        if not len(part):
            return ""  # (pandas writes "\n" for no rows; the frame's text says it once)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (pandas' warnings were shown at the call)
            return part.to_json(None, **self.options)


def to_json(obj: Any, path_or_buf: Any = None, **kwargs: Any) -> str | None:
    """JSON text (or a file) identical to pandas' ``to_json``; JSON Lines in parallel."""
    lines = kwargs.get("orient") == "records" and kwargs.get("lines") is True
    if not lines or "compression" in kwargs or "mode" in kwargs:
        return fallback.call_method(obj, "to_json", (path_or_buf,), kwargs)
    obj._meta.to_json(None, **kwargs)  # pandas' errors and warnings, at the call
    mat = lower.compute(obj._plan)
    ex = mat.executor
    texts = ex.get([ex.submit(_Lines(kwargs), h) for h in mat.handles])
    text = "".join(texts) or "\n"
    if path_or_buf is None:
        return text
    if hasattr(path_or_buf, "write"):
        path_or_buf.write(text.encode() if isinstance(path_or_buf, io.BufferedIOBase) else text)
        return None
    with open(path_or_buf, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return None
