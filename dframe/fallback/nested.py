"""Finding and replacing objects nested in a fallback's arguments (inside lists, tuples and
dicts), shared by the pandas fallback (dframe collections) and ``dframe.numpy``'s (arrays)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def find(value: Any, wanted: Callable[[Any], bool], out: list[Any] | None = None) -> list[Any]:
    """Every object inside ``value`` (itself included) for which ``wanted`` holds."""
    out = [] if out is None else out
    if wanted(value):
        out.append(value)
    elif isinstance(value, list | tuple):
        for v in value:
            find(v, wanted, out)
    elif isinstance(value, dict):
        for v in value.values():
            find(v, wanted, out)
    return out


def replace(
    value: Any, wanted: Callable[[Any], bool], convert: Callable[[Any], Any]
) -> tuple[Any, bool]:
    """``value`` with ``convert(x)`` for every ``x`` inside it that is ``wanted``; and whether
    there was one (containers without one are returned as they are)."""
    if wanted(value):
        return convert(value), True
    if isinstance(value, list | tuple):
        items = [replace(v, wanted, convert) for v in value]
        found = any(f for _, f in items)
        return (type(value)(v for v, _ in items) if found else value), found
    if isinstance(value, dict):
        pairs = {k: replace(v, wanted, convert) for k, v in value.items()}
        found = any(f for _, f in pairs.values())
        return ({k: v for k, (v, _) in pairs.items()} if found else value), found
    return value, False
