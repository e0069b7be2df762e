"""Events the scheduler core consumes and instructions it emits: plain, slotted data.

The I/O shell (server.py) turns socket messages and process exits into events and carries out the
instructions; the core (machine.py) never touches a socket, a clock or a process.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

from ..serialization import ObjectData, inline_data, serialize


@dataclass(slots=True)
class TaskSpec:
    """What a submitter says about a task.  User payloads stay opaque bytes to the scheduler."""

    task_id: bytes
    fn_id: bytes
    name: str
    args: ObjectData             # pickled (args, kwargs), top-level refs replaced by markers
    deps: list[bytes]            # top-level ObjectRef ids: resolved to values before the task runs
    pinned: list[bytes]          # refs nested inside the arguments: kept alive while the task lives
    return_ids: list[bytes]
    resources: dict[str, float]
    max_retries: int = 3
    retry_exceptions: bool | bytes = False   # bytes: cloudpickled exception classes
    owner: bytes = b""
    parent_task: bytes | None = None
    actor_id: bytes | None = None           # set for actor creation and actor method calls
    method: str | None = None               # the method name, for actor calls
    actor: dict | None = None               # actor options, for actor creation only

    @property
    def kind(self) -> str:
        if self.actor_id is None:
            return "task"
        return "actor_create" if self.actor is not None else "actor_call"

    def __reduce__(self):  # a plain tuple pickles several times faster than dataclass state
        return (TaskSpec, _spec_fields(self))


# ---- events --------------------------------------------------------------------------------

@dataclass(slots=True)
class ClientHello:
    client: bytes
    kind: str                    # "driver" or "worker"
    pid: int


@dataclass(slots=True)
class ClientGone:
    client: bytes


@dataclass(slots=True)
class WorkerDied:
    worker: bytes
    exitcode: int | None


@dataclass(slots=True)
class FunctionExported:
    fn_id: bytes
    blob: bytes


@dataclass(slots=True)
class TaskSubmitted:
    client: bytes
    spec: TaskSpec


@dataclass(slots=True)
class TaskDone:
    worker: bytes
    task_id: bytes
    results: list[tuple[bytes, ObjectData, list[bytes]]]
    retryable: bool = False
    error_text: str | None = None            # the error's text, when an actor constructor failed


@dataclass(slots=True)
class ObjectPut:
    client: bytes
    oid: bytes
    data: ObjectData
    contains: list[bytes] = field(default_factory=list)


@dataclass(slots=True)
class AllocRequested:
    client: bytes
    request_id: int
    oid: bytes
    size: int


@dataclass(slots=True)
class FileMapped:
    """A process mapped a shared-memory file (``mapped``) or its last mapping of it died."""

    client: bytes
    path: str
    mapped: bool


@dataclass(slots=True)
class Spilled:
    """A client wrote these objects to disk: [(oid, shm path, disk path, bytes), ...]."""

    client: bytes
    files: list


@dataclass(slots=True)
class ObjectLost:
    """A reader found the object's file gone."""

    client: bytes
    oid: bytes
    path: str


@dataclass(slots=True)
class RefChanged:
    oid: bytes
    delta: int                   # +1: a process started holding it; -1: it stopped


@dataclass(slots=True)
class Subscribed:
    client: bytes
    oids: list[bytes]


@dataclass(slots=True)
class CancelRequested:
    oid: bytes
    force: bool
    recursive: bool


@dataclass(slots=True)
class WorkerBlocked:
    worker: bytes
    blocked: bool


@dataclass(slots=True)
class ActorKilled:
    actor_id: bytes
    no_restart: bool


@dataclass(slots=True)
class ActorExiting:
    """The actor's own code asked to stop (exit_actor or __ray_terminate__): no restart."""

    worker: bytes


@dataclass(slots=True)
class ActorLookup:
    client: bytes
    request_id: int
    name: str
    namespace: str


@dataclass(slots=True)
class InfoRequested:
    client: bytes
    request_id: int


@dataclass(slots=True)
class MemoryRequested:
    client: bytes
    request_id: int


@dataclass(slots=True)
class Log:
    client: bytes
    text: str
    stream: str = "stdout"


# ---- instructions --------------------------------------------------------------------------

@dataclass(slots=True)
class Send:
    client: bytes
    msg: tuple


@dataclass(slots=True)
class SpawnWorker:
    worker: bytes
    actor: bool = False                     # a dedicated process for one actor


@dataclass(slots=True)
class KillWorker:
    worker: bytes


@dataclass(slots=True)
class DeleteFile:
    path: str


def error_data(error: BaseException) -> ObjectData:
    """An exception stored as an object's value (``get`` raises it)."""
    return inline_data(serialize(error), is_error=True)


_spec_fields = operator.attrgetter(*TaskSpec.__slots__)
