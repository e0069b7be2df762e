"""Wire protocol between drivers, the scheduler and workers.

A message is one ZeroMQ frame: the protocol version, then a pickled tuple ``(kind, *fields)``.
A frame from a peer with another version is rejected, so mixed installs fail loudly.
Kinds are short strings; the module lists them all so both sides agree in one place.
"""

from __future__ import annotations

import pickle

VERSION = b"rt1"

# client -> scheduler
HELLO = "hello"              # (client_id, kind, pid, worker_id|None, recv_identity)
EXPORT = "export"            # (fn_id, blob)
SUBMIT = "submit"            # (TaskSpec,)
PUT = "put"                  # (oid, ObjectData, contains)
ALLOC = "alloc"              # (request_id, oid, size)  -> ALLOC_REPLY
LOST = "lost"                # (oid, path)  the object's file is gone: rebuild it or say so
SPILLED = "spilled"          # ([(oid, shm_path, disk_path, nbytes), ...],)
MAPPED = "mapped"            # (path,)    this process now maps a shared-memory file
UNMAPPED = "unmapped"        # (path,)    ... and no longer does
INCREF = "incref"            # (oid,)
DECREF = "decref"            # (oid,)
SUBSCRIBE = "subscribe"      # (oids,)     -> OBJECT replies as each becomes ready
CANCEL = "cancel"            # (oid, force, recursive)
DONE = "done"                # (task_id, [(oid, ObjectData, contains)], retryable)
BLOCKED = "blocked"          # ()
UNBLOCKED = "unblocked"      # ()
LOG = "log"                  # (text, "stdout" | "stderr")
INFO = "info"                # (request_id,) -> INFO_REPLY
MEMORY = "memory"            # (request_id,) -> INFO_REPLY with one row per live object
KILL_ACTOR = "kill_actor"    # (actor_id, no_restart)
ACTOR_EXIT = "actor_exit"    # ()  the actor's code asked to stop
GET_ACTOR = "get_actor"      # (request_id, name, namespace) -> INFO_REPLY with the handle state
BATCH = "batch"              # ([message, ...],) many small messages in one frame
SHUTDOWN = "shutdown"        # (pid,)  stops the node if it comes from the driver that started it

# scheduler -> client
OBJECT = "object"            # (oid, ObjectData)
ALLOC_REPLY = "alloc_reply"  # (request_id, (error|None, pooled file to reuse|None, [to spill first]))
FREED = "freed"              # (path,)    the object in this file is gone: drop cached mappings
TASK = "task"                # (TaskSpec, fn_blob|None, {oid: ObjectData})
INTERRUPT = "interrupt"      # (task_id,)
INFO_REPLY = "info_reply"    # (request_id, dict)
PRINT = "print"              # (pid, text, "stdout" | "stderr")


class RequestFailed(str):
    """The reply to a request the scheduler could not handle; the caller raises RaySystemError."""


REQUESTS = {"alloc", "info", "memory", "get_actor"}   # kinds whose field 1 is a request id


def encode(msg: tuple) -> bytes:
    return VERSION + pickle.dumps(msg, protocol=5)


def decode(frame: bytes) -> tuple:
    if not frame.startswith(VERSION):
        msg = f"protocol version mismatch: expected {VERSION!r}, got {frame[:len(VERSION)]!r}"
        raise ValueError(msg)
    return pickle.loads(memoryview(frame)[len(VERSION):])
