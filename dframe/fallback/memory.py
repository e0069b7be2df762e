"""Will collected data fit in the driver? Asked before a pandas fallback collects a frame.

A fallback concatenates every partition into one pandas object in the driver process. For data
larger than the driver's memory that would swap or be killed by the OS; instead the fallback
raises ``MemoryError`` naming the method, so the user knows which call to rewrite. The estimate
is the partitions' deep memory usage, measured where the partitions live (inside tasks, in
parallel), against ``psutil.virtual_memory().available`` times ``fallback_memory_fraction``
(collecting needs room for the partitions and for their concatenation).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe import config
from dframe.execution import lower
from dframe.execution.executors import SyncExecutor
from dframe.fallback import nested
from dframe.plan.wrap import DframeObject


def available_memory() -> int:
    """Bytes the driver can still allocate (tests monkeypatch this)."""
    import psutil

    return int(psutil.virtual_memory().available)


def partition_bytes(part: Any) -> int:
    """Deep memory usage of one partition, index included."""
    if not isinstance(part, pd.DataFrame | pd.Series):
        return 0
    usage = part.memory_usage(index=True, deep=True)
    return int(usage.sum() if isinstance(usage, pd.Series) else usage)


def collected_bytes(obj: Any) -> int:
    """Bytes ``obj`` would take once collected (computing it if needed, which is cached)."""
    if not isinstance(obj._meta, pd.DataFrame | pd.Series):
        return 0
    mat = lower.compute(obj._plan)
    ex = mat.executor
    if isinstance(ex, SyncExecutor):  # partitions already are in this process
        return sum(partition_bytes(p) for p in ex.get(list(mat.handles)))
    return sum(int(n) for n in ex.get([ex.submit(partition_bytes, h) for h in mat.handles]))


def check_fits(what: str, *values: Any) -> None:
    """Raise ``MemoryError`` naming ``what`` if the dframe objects among ``values`` (searched
    inside lists, tuples and dicts) would not fit in the driver's memory once collected."""
    objs = nested.find(values, lambda v: isinstance(v, DframeObject))
    if objs:
        hint = (
            " Rewrite this step with native operations (see docs/coverage.md), or select fewer "
            "rows or columns first."
        )
        check_budget(sum(collected_bytes(o) for o in objs), f"{what} is", "dframe", "pandas",
                     "data", hint)  # fmt: skip


def check_budget(
    need: int, what: str, library: str, runs_on: str, data: str, hint: str = ""
) -> None:
    """``MemoryError`` if ``need`` bytes collected in the driver would not fit: ``what`` is not
    implemented natively by ``library`` and would run on ``runs_on`` over the collected
    ``data``."""
    if not fits(need):
        msg = (
            f"{what} not implemented natively by {library} and would run on {runs_on} over the "
            f"collected {data}: about {_human(need)}, but the driver has only "
            f"{_human(available_memory())} available.{hint}"
        )
        raise MemoryError(msg)


def fits(need: int) -> bool:
    """Whether ``need`` bytes collected in the driver leave it the room collecting needs."""
    return need <= available_memory() * float(config.get("fallback_memory_fraction"))


def check_collect(what: str, obj: Any) -> None:
    """``MemoryError`` if ``obj`` would not fit in the driver once collected by ``what``, a
    native method whose answer is all of the data in the driver (``to_dict``, ``transpose``)."""
    need = collected_bytes(obj)
    if not fits(need):
        msg = (
            f"{what} collects the data into the driver: about {_human(need)}, but the driver "
            f"has only {_human(available_memory())} available. Select fewer rows or columns "
            "first."
        )
        raise MemoryError(msg)


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
