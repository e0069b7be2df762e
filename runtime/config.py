"""Every runtime knob, declared once: an environment-backed typed value.

This module imports nothing from the project so any process can read it first.
``override`` changes knobs for the length of a ``with`` block (tests use it).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator


@dataclass
class _Knob:
    name: str
    default: Any
    parse: Callable[[str], Any]
    doc: str

    def get(self) -> Any:
        raw = os.environ.get(f"RUNTIME_{self.name.upper()}")
        return self.default if raw is None else self.parse(raw)


_KNOBS: dict[str, _Knob] = {}
_OVERRIDES: dict[str, Any] = {}


def _knob(name: str, default: Any, parse: Callable[[str], Any], doc: str) -> None:
    _KNOBS[name] = _Knob(name, default, parse, doc)


_knob("inline_threshold", 100 * 1024, int,
      "values whose serialized size is at most this many bytes travel inside messages")
_knob("object_store_fraction", 0.3, float,
      "default object store budget as a fraction of total RAM")
_knob("spill_dir", "", str, "where objects spill when the store is full (default: the temp dir)")
_knob("shm_root", "/dev/shm", str, "where shared-memory object files live")
_knob("worker_cap_factor", 4, int,
      "at most this many workers per CPU (extra workers serve blocked or fractional tasks)")
_knob("shutdown_grace_s", 2.0, float, "how long shutdown waits for processes before SIGKILL")
_knob("scheduler_profile", "", str, "if set, the scheduler writes cProfile stats to this path")
_knob("log_prefix", True, lambda s: s not in ("0", "false", "False"),
      "prefix worker output in the driver with the worker pid")


def get(name: str) -> Any:
    if name in _OVERRIDES:
        return _OVERRIDES[name]
    return _KNOBS[name].get()


@contextlib.contextmanager
def override(**values: Any) -> Iterator[None]:
    """Temporarily set knobs: ``with config.override(inline_threshold=0): ...``."""
    unknown = set(values) - set(_KNOBS)
    if unknown:
        msg = f"unknown runtime config knob(s) {sorted(unknown)}; known: {sorted(_KNOBS)}"
        raise KeyError(msg)
    saved = dict(_OVERRIDES)
    _OVERRIDES.update(values)
    try:
        yield
    finally:
        _OVERRIDES.clear()
        _OVERRIDES.update(saved)
