"""dframe's knobs, declared once.

Each option is a typed value read from the environment (``DFRAME_<NAME>``) at import, so a
script or CI job can change it without code. ``override`` changes options for a ``with`` block,
which is what tests use. This module imports nothing from the project so every layer can read it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

_DEFAULTS: dict[str, Any] = {
    # "auto" picks "sync" for inputs smaller than sync_threshold_bytes, else "runtime".
    # May also be an executor object (anything with submit/put/get), which tests use.
    "executor": "auto",
    # Below this many input bytes, shipping partitions to worker processes costs more than it saves.
    "sync_threshold_bytes": 8 * 2**20,
    # Target size of one partition: big enough to amortize a task's overhead.
    "partition_bytes": 64 * 2**20,
    # Fan-in of one combine step in a tree reduction.
    "split_every": 8,
    # Rows of a CSV file read on the driver to learn column names and dtypes.
    "csv_sample_rows": 1000,
}


def _from_env(name: str, default: Any) -> Any:
    raw = os.environ.get(f"DFRAME_{name.upper()}")
    if raw is None:
        return default
    # The default's type is the option's type; an int option given as "1e6" is a user error.
    return type(default)(raw) if not isinstance(default, str) else raw


_values: dict[str, Any] = {k: _from_env(k, v) for k, v in _DEFAULTS.items()}


def get(name: str) -> Any:
    """Return the current value of option ``name``.

    >>> get("split_every")
    8
    """
    try:
        return _values[name]
    except KeyError:
        msg = f"unknown dframe option {name!r}; options are {sorted(_values)}"
        raise KeyError(msg) from None


def set(**options: Any) -> None:
    """Set options for the rest of the process."""
    for name in options:
        get(name)
    _values.update(options)


@contextlib.contextmanager
def override(**options: Any) -> Iterator[None]:
    """Set options inside a ``with`` block and restore them afterwards.

    >>> with override(split_every=2):
    ...     get("split_every")
    2
    """
    saved = {name: get(name) for name in options}
    _values.update(options)
    try:
        yield
    finally:
        _values.update(saved)
