"""Identifiers for objects, tasks, functions and processes.

Ids are created where the thing is born (the submitting process makes a task's return ids), so
submitting never waits for the scheduler.  They are 16 random bytes: unique without coordination.
"""

from __future__ import annotations

import os


def new_id() -> bytes:
    return os.urandom(16)


def short(id_: bytes) -> str:
    """A readable prefix for messages and logs."""
    return id_.hex()[:12]
