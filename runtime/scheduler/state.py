"""The scheduler's bookkeeping records: tasks, objects, workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..serialization import ObjectData
from .events import TaskSpec

TaskState = Literal["waiting", "ready", "running", "finished"]
WorkerState = Literal["starting", "idle", "busy"]


@dataclass(slots=True)
class Task:
    spec: TaskSpec
    state: TaskState = "waiting"
    missing: set[bytes] = field(default_factory=set)   # deps whose values do not exist yet
    worker: bytes | None = None
    retries_left: int = 0
    cancelled: bool = False
    rerun: bool = False                        # a reconstruction of lost outputs (lineage.py)
    children: list[bytes] = field(default_factory=list)  # tasks it submitted (for recursive cancel)

    @property
    def shape(self) -> tuple:
        return tuple(sorted(self.spec.resources.items()))


@dataclass(slots=True)
class Object:
    oid: bytes
    data: ObjectData | None = None
    refs: int = 0
    producer: bytes | None = None              # task id, while that task has not finished
    contains: list[bytes] = field(default_factory=list)
    subscribers: set[bytes] = field(default_factory=set)
    dependents: set[bytes] = field(default_factory=set)  # waiting tasks that need this value
    origin: str = ""                           # the call that created it, for error messages
    lineage: object = None                     # TaskSpec that can rebuild it (lineage.py)
    rebuilds: int = 0


@dataclass(slots=True)
class Worker:
    worker: bytes
    state: WorkerState = "starting"
    task: bytes | None = None
    blocked: bool = False
    pid: int | None = None
    functions: set[bytes] = field(default_factory=set)
    actor_id: bytes | None = None              # set for a process dedicated to one actor
