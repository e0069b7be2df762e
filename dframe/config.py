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
    # read_csv/read_parquet read data estimated at most this many bytes in memory at the call
    # (pandas' semantics: the data as of the call, parsed once); larger data streams lazily.
    # -1: the store budget of the executor the read runs on.
    "read_eager_bytes": -1,
    # groupby aggregations: "auto" (by the number of distinct keys), "tree" or "shuffle".
    "groupby_strategy": "auto",
    # Per-partition pass of a tree-reduced groupby aggregation: "arrow" (pyarrow's hash
    # aggregation wherever it reproduces pandas' partials), "pandas" (pandas' groupby), or
    # "auto" (Arrow where it was measured faster).
    "groupby_kernel": "auto",
    # merge/join: "auto" (broadcast a side smaller than merge_broadcast_bytes, else hash-shuffle
    # both sides), "broadcast" or "shuffle".
    "merge_strategy": "auto",
    "merge_broadcast_bytes": 32 * 2**20,
    # Show a progress bar (tqdm.auto: terminal or notebook) over the tasks of a computation that
    # runs longer than progress_delay seconds; short computations never show one.
    "progress": True,
    "progress_delay": 2.0,
    # A fallback refuses to collect more than this fraction of the driver's available memory
    # (collecting needs room for the partitions and for the concatenated copy).
    "fallback_memory_fraction": 0.5,
}

# What each option means, for ``dframe.options`` and the docs.
DESCRIPTIONS: dict[str, str] = {
    "executor": "'auto' (sync below sync_threshold_bytes, else runtime), 'sync', 'runtime', "
    "or an executor object",
    "sync_threshold_bytes": "small-data threshold: plans reading fewer input bytes run in the "
    "driver process with no tasks",
    "partition_bytes": "target size of one partition (constructors, from_pandas, readers)",
    "split_every": "fan-in of one combine step of a tree reduction",
    "csv_sample_rows": "rows of a CSV file read on the driver to infer columns and dtypes",
    "read_eager_bytes": "read_csv/read_parquet read inputs estimated at most this size in memory "
    "at the call, once; larger ones stream lazily (-1: the object store's budget, or half the "
    "driver's available memory for the in-process executor)",
    "groupby_kernel": "groupby aggregations by tree reduction: 'arrow' (pyarrow's hash "
    "aggregation per partition where it gives pandas' result; float sums add without pandas' "
    "Kahan compensation), 'pandas' (pandas' groupby), or 'auto' (Arrow where faster)",
    "merge_strategy": "merge/join: 'auto', 'broadcast' (the small side to every partition of the "
    "other) or 'shuffle' (both sides hash-partitioned on the keys)",
    "merge_broadcast_bytes": "merge/join: a side estimated below this size is broadcast",
    "progress": "show a progress bar for computations longer than progress_delay seconds",
    "progress_delay": "seconds a computation runs before its progress bar appears",
    "fallback_memory_fraction": "a pandas fallback raises MemoryError instead of collecting "
    "data larger than this fraction of the driver's available memory",
}


def _from_env(name: str, default: Any) -> Any:
    raw = os.environ.get(f"DFRAME_{name.upper()}")
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() not in ("0", "false", "no", "off", "")
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


class Options:
    """Attribute access to the options: ``dframe.options.progress = False``.

    ``import dframe as pd`` makes this ``pd.options``, so pandas' own options (``display``,
    ``mode``, ...) are reached through it too.

    >>> options = Options()
    >>> options.split_every
    8
    >>> options.display.max_rows == __import__("pandas").options.display.max_rows
    True
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in _values:
            return _values[name]
        import pandas

        try:
            return getattr(pandas.options, name)
        except (KeyError, AttributeError):  # pandas' OptionError is both
            msg = f"unknown dframe option {name!r}; options are {sorted(_values)}"
            raise AttributeError(msg) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _values:
            set(**{name: value})
            return
        msg = f"unknown dframe option {name!r}; options are {sorted(_values)}"
        raise AttributeError(msg)

    def __dir__(self) -> list[str]:
        import pandas

        return sorted([*_values, *dir(pandas.options)])

    def __repr__(self) -> str:
        width = max(len(k) for k in _values)
        lines = [f"{k:<{width}} = {_values[k]!r:<12} # {DESCRIPTIONS.get(k, '')}" for k in _values]
        return "dframe options (set as attributes, or DFRAME_<NAME> in the environment):\n" + (
            "\n".join(lines)
        )


options = Options()
