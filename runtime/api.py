"""The public calls: ``init``, ``shutdown``, ``put``, ``get``, ``wait``, ``cancel`` and friends.

Signatures, defaults and errors follow Ray's so ``import runtime as ray`` runs Ray programs.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Sequence

from . import exceptions, ids, protocol
from .client import Client
from .object_ref import ObjectRef
from .serialization import ObjectData, deserialize, serialize
from .store import shm

logger = logging.getLogger("runtime")

_lock = threading.RLock()
_node = None        # the embedded node this driver started (backends/local.py)
_client: Client | None = None
_namespace: str | None = None

# Arguments Ray's init takes that mean nothing for an embedded node.
_IGNORED_INIT_ARGS = {
    "include_dashboard", "dashboard_host", "dashboard_port", "log_to_driver", "logging_level",
    "logging_format", "local_mode", "configure_logging", "job_config", "_system_config",
    "_temp_dir", "_plasma_directory", "num_gpus", "labels", "_node_ip_address",
    "_memory", "_redis_password", "enable_resource_isolation", "logging_config",
    "_enable_object_reconstruction", "_metrics_export_port", "storage",
}


class RuntimeContext(dict):
    """What ``init`` returns: Ray's context (dict-like, with ``address_info``)."""

    def __init__(self, info: dict):
        super().__init__(info)
        self.address_info = info

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutdown()


def init(address: str | None = None, *, num_cpus: int | None = None,
         resources: dict[str, float] | None = None, object_store_memory: int | None = None,
         namespace: str | None = None, ignore_reinit_error: bool = False,
         runtime_env: dict | None = None, **kwargs: Any) -> RuntimeContext:
    """Start the embedded runtime: a scheduler and ``num_cpus`` worker processes on this machine."""
    global _node, _client, _namespace
    with _lock:
        if _client is not None:
            if ignore_reinit_error:
                return RuntimeContext(_node.info)
            msg = ("Maybe you called runtime.init twice by accident? This error can be suppressed "
                   "by passing in 'ignore_reinit_error=True' or by calling 'runtime.shutdown()' "
                   "prior to 'runtime.init()'.")
            raise RuntimeError(msg)
        for key in kwargs:
            if key not in _IGNORED_INIT_ARGS:
                logger.debug("init(%s=...) does not apply to the embedded runtime; ignored", key)
        if address not in (None, "local"):
            from .backends.local import AttachedNode

            _node = AttachedNode(address)
            _client = _node.connect()
            _namespace = namespace or "default"
            return RuntimeContext(_node.info)
        if resources and "CPU" in resources:
            msg = "Use the 'num_cpus' argument instead of resources={'CPU': ...}."
            raise ValueError(msg)
        if num_cpus is not None and num_cpus < 0:
            msg = f"num_cpus must be non-negative, got {num_cpus}"
            raise ValueError(msg)
        from .backends.local import LocalNode

        env_vars = (runtime_env or {}).get("env_vars") or {}
        gpus = kwargs.get("num_gpus")
        extra = dict(resources or {})
        if gpus:
            extra["GPU"] = float(gpus)
        _node = LocalNode(num_cpus=num_cpus, resources=extra,
                          object_store_memory=object_store_memory, env_vars=env_vars)
        _client = _node.connect()
        _namespace = namespace or "default"
        return RuntimeContext(_node.info)


def shutdown() -> None:
    """Stop the workers and the scheduler; free every object."""
    global _node, _client
    with _lock:
        if _client is not None and _client.kind == "worker":
            return  # a worker's exit (sys.exit in a task, atexit) must not stop the node
        client, node = _client, _node
        _client = _node = None
    if client is not None:
        try:
            client.send((protocol.SHUTDOWN, os.getpid()))
        except Exception:  # noqa: BLE001 - the scheduler may be gone already
            pass
        client._closing = True
    if node is not None:
        node.stop()
    if client is not None:
        client.close()


def is_initialized() -> bool:
    return _client is not None


def client() -> Client:
    """The connection of this process, starting the runtime on first use (as Ray does)."""
    current = _client
    if current is None:
        from .worker import main as worker_main

        current = worker_main.current_client()
        if current is None:
            init()
            current = _client
    return current


def namespace() -> str:
    """The namespace named actors live in when none is given."""
    return _namespace or "default"


def set_worker_client(c: Client) -> None:
    global _client
    _client = c


# ---- objects -------------------------------------------------------------------------------

def put(value: Any, *, _owner: Any = None) -> ObjectRef:
    """Store ``value`` in the object store and return a reference to it."""
    if isinstance(value, ObjectRef):
        msg = ("Calling 'put' on an ObjectRef is not allowed. If you really want to do this, you "
               "can wrap the ObjectRef in a list and call 'put' on it.")
        raise TypeError(msg)
    c = client()
    ser = serialize(value)
    oid = ids.new_id()
    data = c.store(oid, ser)
    c.values[oid] = data
    c.send((protocol.PUT, oid, data, ser.contained))
    return ObjectRef(oid, c, announce=False)


def _value_of(data: ObjectData, oid: bytes | None = None) -> Any:
    """The value ``data`` describes; raises it if it is a stored error."""
    if data.kind == "inline" and not data.is_error:
        inband, buffers = data.payload
        return deserialize(inband, buffers)
    c = client()
    for _ in range(5):
        if data.is_error:
            _raise_error(deserialize(*data.payload))
        try:
            if data.kind == "spilled":
                return shm.read_spilled(data)
            return shm.read(data, c.map_file)
        except FileNotFoundError:
            if oid is None:
                raise
            fresh = c.refresh(oid)    # spilled to disk between being told and reading?
            if fresh == data:         # no: the file is gone; the scheduler rebuilds it or says so
                c.send((protocol.LOST, oid, data.payload[0]))
                fresh = c.refresh(oid)
            data = fresh
    msg = f"Object {ids.short(oid)} could not be read: its file keeps disappearing."
    raise exceptions.ObjectLostError(msg)


def _raise_error(value: BaseException):
    if isinstance(value, exceptions.RayTaskError):
        raise value.as_instanceof_cause()
    raise value


def get(object_refs, *, timeout: float | None = None):
    """Wait for and return the value(s); re-raise a task's error (the first one, in input order)."""
    single = isinstance(object_refs, ObjectRef)
    refs = [object_refs] if single else object_refs
    if not isinstance(refs, (list, tuple)) or not all(isinstance(r, ObjectRef) for r in refs):
        msg = (f"'object_refs' must either be an ObjectRef or a list of ObjectRefs, "
               f"got {type(object_refs).__name__}")
        raise ValueError(msg)
    if timeout is not None and timeout < 0:
        msg = f"'timeout' must be a non-negative number or None, got {timeout}"
        raise ValueError(msg)
    c = client()
    oids = [r._id for r in refs]
    if any(o not in c.values for o in oids):
        _wait_blocking(c, refs, oids, len(set(oids)), timeout, stop_on_error=True, for_get=True)
    values = []
    for oid in oids:
        data = c.values.get(oid)
        if data is None:
            continue
        if data.is_error:
            _value_of(data, oid)      # raises the stored error
        values.append((oid, data))
    if len(values) < len(oids):
        pending = sum(1 for o in oids if o not in c.values)
        msg = f"Get timed out: {pending} of {len(oids)} object(s) not ready after {timeout} s."
        raise exceptions.GetTimeoutError(msg)
    result = [_value_of(d, oid) for oid, d in values]
    return result[0] if single else result


def _wait_blocking(c: Client, refs, oids, num, timeout, stop_on_error, for_get) -> list[bytes]:
    """Wait in ``c``; in a worker, give the CPU back while blocked; Ctrl-C cancels what we waited for."""
    in_worker = c.kind == "worker" and c.current_task is not None
    if in_worker:
        c.send((protocol.BLOCKED,))
    try:
        return c.wait_for(oids, num, timeout, stop_on_error)
    except KeyboardInterrupt:
        if for_get and c.kind == "driver":
            for ref in refs:
                if ref._id not in c.values:
                    cancel(ref)
        raise
    finally:
        if in_worker:
            c.send((protocol.UNBLOCKED,))


def wait(object_refs: Sequence[ObjectRef], *, num_returns: int = 1, timeout: float | None = None,
         fetch_local: bool = True) -> tuple[list[ObjectRef], list[ObjectRef]]:
    """Return ``(ready, not_ready)`` once ``num_returns`` refs are ready or ``timeout`` passes."""
    if isinstance(object_refs, ObjectRef):
        msg = ("wait() expected a list of ObjectRef, got a single ObjectRef: "
               "wrap it in a list, wait([ref]).")
        raise TypeError(msg)
    if not isinstance(object_refs, (list, tuple)):
        msg = f"wait() expected a list of ObjectRef, got {type(object_refs).__name__}"
        raise TypeError(msg)
    for ref in object_refs:
        if not isinstance(ref, ObjectRef):
            msg = f"wait() expected a list of ObjectRef, got list containing {type(ref).__name__}"
            raise TypeError(msg)
    if timeout is not None and timeout < 0:
        msg = f"'timeout' must be a non-negative number or None, got {timeout}"
        raise ValueError(msg)
    if len(object_refs) != len(set(object_refs)):
        msg = "Wait requires a list of unique object refs."
        raise ValueError(msg)
    if not object_refs:
        return [], []
    if num_returns <= 0:
        msg = f"Invalid number of objects to return {num_returns}."
        raise ValueError(msg)
    if num_returns > len(object_refs):
        msg = "num_returns cannot be greater than the number of objects provided to wait."
        raise ValueError(msg)
    c = client()
    oids = [r._id for r in object_refs]
    done = set(_wait_blocking(c, object_refs, oids, num_returns, timeout, False, False))
    ready = [r for r in object_refs if r._id in done][:num_returns]
    chosen = {r._id for r in ready}
    return ready, [r for r in object_refs if r._id not in chosen]


def cancel(ref: ObjectRef, *, force: bool = False, recursive: bool = True) -> None:
    """Cancel the task that produces ``ref``: it never runs, or is interrupted (killed with force)."""
    if not isinstance(ref, ObjectRef):
        msg = f"cancel() expected an ObjectRef, got {type(ref).__name__}"
        raise TypeError(msg)
    client().send((protocol.CANCEL, ref._id, force, recursive))


# ---- cluster information -------------------------------------------------------------------

def _info() -> dict:
    return client().request(protocol.INFO)


def cluster_resources() -> dict[str, float]:
    info = _info()
    return {**info["total"], "object_store_memory": float(info["budget"])}


def available_resources() -> dict[str, float]:
    info = _info()
    free = {k: v for k, v in info["available"].items() if v > 0}
    free["object_store_memory"] = float(info["budget"] - info["store_used"])
    return free


def memory_summary() -> str:
    """Every live object: its size, where it is (inline, shared memory, spilled) and its holders."""
    rows, totals = client().request(protocol.MEMORY)
    mib = 2 ** 20
    lines = [f"Object store: {totals['used'] / mib:.1f} MiB of {totals['budget'] / mib:.1f} MiB in shared "
             f"memory ({totals['held_by_views'] / mib:.1f} MiB held only by views of freed objects), "
             f"{totals['spilled'] / mib:.1f} MiB spilled to disk, {totals['pool'] / mib:.1f} MiB kept "
             f"for reuse; {len(rows)} live object(s).",
             f"{'object id':<34} {'size':>12} {'where':<14} {'refs':>5} {'views':>5} {'waiting tasks':>13}"]
    for row in sorted(rows, key=lambda r: -r["size"]):
        kind = " (actor)" if row["actor"] else " (error)" if row["is_error"] else ""
        lines.append(f"{row['object_id']:<34} {row['size']:>12,} {row['where']:<14} {row['references']:>5} "
                     f"{row['views']:>5} {row['tasks_waiting']:>13}{kind}")
    return "\n".join(lines)


def nodes() -> list[dict]:
    info = _info()
    return [{"NodeID": "local", "Alive": True, "Resources": info["total"],
             "NodeManagerAddress": "127.0.0.1"}]


class _RuntimeContextView:
    """``get_runtime_context()``: ids of the current job, task and worker."""

    def get_job_id(self) -> str:
        return "01000000"

    def get_node_id(self) -> str:
        return "local"

    def get_task_id(self) -> str | None:
        task = client().current_task
        return task.hex() if task else None

    def get_worker_id(self) -> str:
        return client().client_id.hex()

    def get_actor_id(self) -> str | None:
        from .actor import current_actor_id

        actor_id = current_actor_id()
        return actor_id.hex() if actor_id else None

    @property
    def namespace(self) -> str | None:
        return _namespace

    def get_assigned_resources(self) -> dict:
        return {}

    @property
    def was_current_actor_reconstructed(self) -> bool:
        from .actor import was_reconstructed

        return was_reconstructed()


def get_runtime_context() -> _RuntimeContextView:
    return _RuntimeContextView()


def get_gpu_ids() -> list[int]:
    return []
