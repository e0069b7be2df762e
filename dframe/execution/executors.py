"""Executors: where partition tasks run.

Lowering talks to an executor through four calls, mirroring the runtime's API:

``submit(fn, *args, num_returns=1)``  run ``fn(*args)`` as a task; ``args`` may be handles
                                      (resolved before ``fn`` runs) or plain values; returns one
                                      handle, or a list of ``num_returns`` handles;
``put(value)``                        store a value, return its handle;
``get(handle | list)``                the value(s);
``wait(handles)``                     block until all are computed;
``store_budget()``                    (optional) bytes of data it can hold, which decides
                                      whether ``read_*`` reads at the call (``dframe.io.api``).

A handle may also be a ``Deferred``: a partition no task has computed, evaluated inside each
task that reads it (``submit`` flattens it into the task's arguments); ``get`` evaluates it
from its inputs' values and ``wait`` waits for those.

``SyncExecutor`` runs each task at once in this process (handles are the values themselves);
it serves small data, where shipping partitions to workers costs more than it saves, and tests
of the plan layer. ``RuntimeExecutor`` runs tasks on ``runtime`` (or on any module with Ray
Core's API, e.g. ``ray`` itself, passed as ``backend``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from dframe.execution import categories
from dframe.plan.nodes import PartitionReader

_task = threading.local()


class Deferred:
    """``func(*args)`` (``args``: handles, never readers), run inside every task that reads it
    (and in the driver by ``get``).

    For steps that cost nothing next to storing their result — a column selection is a view —
    each reader computing them saves a task, a copy of the partition into the store and the
    memory it holds (``Lowerer`` decides, from the function's ``free`` attribute).
    """

    __slots__ = ("func", "args")

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.func, self.args = func, args


class _ReadingDeferred:
    """``fn`` called with its deferred arguments evaluated first; ``layout`` gives, per
    argument of ``fn``, None (passed as is) or the deferred function and its argument count."""

    def __init__(self, fn: Callable[..., Any], layout: list[Any]) -> None:
        self.fn, self.layout = fn, layout

    def __call__(self, *flat: Any) -> Any:
        args, pos = [], 0
        for item in self.layout:
            if item is None:
                args.append(flat[pos])
                pos += 1
            else:
                func, n = item
                args.append(func(*flat[pos : pos + n]))
                pos += n
        return self.fn(*args)

    def __repr__(self) -> str:
        return repr(self.fn)


def _flatten(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple]:
    """The task to submit for ``fn(*args)``: deferred arguments' own arguments (those of the
    deferred partitions they read, in turn) become the task's, so the backend resolves their
    handles."""
    if not any(isinstance(a, Deferred) for a in args):
        return fn, args
    layout: list[Any] = []
    flat: list[Any] = []
    for a in args:
        if isinstance(a, Deferred):
            func, inner = _flatten(a.func, a.args)
            layout.append((func, len(inner)))
            flat.extend(inner)
        else:
            layout.append(None)
            flat.append(a)
    return _ReadingDeferred(fn, layout), tuple(flat)


def _identity(x: Any) -> Any:
    return x


def in_partition_task() -> bool:
    """True while a partition function runs. User code called there (a function given to
    ``apply``, say) works on pandas objects, so ``dframe.Series(...)`` written in it (``import
    dframe as pd``) must make a pandas Series too."""
    return getattr(_task, "depth", 0) > 0


def run_task(fn: Callable[..., Any], *args: Any) -> Any:
    """The one function every task runs: resolve file readers, then call ``fn``.

    Tasks ship ``fn`` as an argument rather than as a separately registered remote function, so
    the runtime registers one function per process, and a backend that only accepts plain
    functions (Ray rejects callable objects) runs any partition function.
    """
    if not _task.__dict__.get("installed"):
        # In a runtime worker, results with many categories pickle as shared references.
        categories.install(sys.modules.get("runtime"))
        _task.installed = True
    _task.depth = getattr(_task, "depth", 0) + 1
    try:
        return fn(*[a.read() if isinstance(a, PartitionReader) else a for a in args])
    finally:
        _task.depth -= 1


class SyncExecutor:
    """Run every task immediately, in this process."""

    name = "sync"

    def __init__(self) -> None:
        self.tasks_submitted = 0  # tests count tasks to check that fusion happened
        self.listeners: list[Any] = []  # progress trackers (dframe.execution.progress)

    def submit(self, fn: Callable[..., Any], *args: Any, num_returns: int = 1) -> Any:
        self.tasks_submitted += 1
        fn, args = _flatten(fn, args)
        result = run_task(fn, *args)
        for listener in self.listeners:
            listener.task_finished()
        if num_returns == 1:
            return result
        return list(result)

    def put(self, value: Any) -> Any:
        return value

    def get(self, handles: Any) -> Any:
        if isinstance(handles, list):
            return [self._value(h) for h in handles]
        return self._value(handles)

    def _value(self, handle: Any) -> Any:
        return self.submit(_identity, handle) if isinstance(handle, Deferred) else handle

    def wait(self, handles: list[Any]) -> None:
        return None

    def store_budget(self) -> int:
        """Bytes of data this executor holds comfortably: half the driver's available memory
        (its partitions are plain objects in this process, and computing on them needs room)."""
        import psutil

        return int(psutil.virtual_memory().available) // 2

    def __repr__(self) -> str:
        return "SyncExecutor()"


class RuntimeExecutor:
    """Run tasks through the public API of ``runtime`` (or of ``backend``, a module with the same
    API, such as ``ray``). Partitions stay in the backend's object store; only ObjectRefs and
    small metadata come back to this process."""

    name = "runtime"

    def __init__(self, backend: Any = None) -> None:
        self._backend = backend
        self._remote: Any = None
        self.tasks_submitted = 0
        self.listeners: list[Any] = []  # progress trackers (dframe.execution.progress)

    @property
    def backend(self) -> Any:
        if self._backend is None:
            import runtime  # imported on first use: dframe works without a runtime for small data

            self._backend = runtime
        return self._backend

    def _task(self) -> Any:
        if self._remote is None:
            backend = self.backend
            if not backend.is_initialized():
                # Like Ray: the first distributed computation starts the runtime if the program
                # has not.
                backend.init(ignore_reinit_error=True)
            self._remote = backend.remote(run_task)
            categories.install(backend)
        return self._remote

    def submit(self, fn: Callable[..., Any], *args: Any, num_returns: int = 1) -> Any:
        task = self._task()
        self.tasks_submitted += 1
        if num_returns != 1:
            task = task.options(num_returns=num_returns)
        fn, args = _flatten(fn, args)
        refs = task.remote(fn, *args)
        for listener in self.listeners:
            listener.task_submitted(refs)
        return refs

    def put(self, value: Any) -> Any:
        self._task()
        return self.backend.put(value)

    def get(self, handles: Any) -> Any:
        if isinstance(handles, Deferred):
            return self.get([handles])[0]
        if not isinstance(handles, list):
            return self.backend.get(handles)
        if not any(isinstance(h, Deferred) for h in handles):
            return self.backend.get(handles)
        # A deferred partition is its inputs' values with its (free) steps applied here.
        calls = [_flatten(_identity, (h,)) for h in handles]
        values = iter(self.backend.get([a for _, args in calls for a in args]))
        return [fn(*[next(values) for _ in args]) for fn, args in calls]

    def wait(self, handles: list[Any]) -> None:
        if handles:
            handles = list(dict.fromkeys(_flatten(_identity, tuple(handles))[1]))
            self.backend.wait(handles, num_returns=len(handles))

    def store_budget(self) -> int | None:
        """The object store's memory budget, from the backend's public ``cluster_resources()``
        (starting the backend if the program has not); None if the backend does not say."""
        self._task()
        budget = self.backend.cluster_resources().get("object_store_memory")
        return None if budget is None else int(budget)

    def session(self) -> str:
        """Names the backend's current session: refs of an earlier one are gone."""
        self._task()
        return self.backend.get_runtime_context().get_worker_id()

    def reset(self) -> None:
        """Forget the registered task, e.g. after the backend was shut down and started again."""
        self._remote = None

    def __eq__(self, other: object) -> bool:
        # Two executors over the same backend share one object store, so refs are interchangeable.
        return isinstance(other, RuntimeExecutor) and other._backend is self._backend

    def __hash__(self) -> int:
        return hash(id(self._backend))

    def __repr__(self) -> str:
        name = "runtime" if self._backend is None else getattr(self._backend, "__name__", "?")
        return f"RuntimeExecutor({name!r})"


_SYNC = SyncExecutor()
_RUNTIME = RuntimeExecutor()


def default_sync() -> SyncExecutor:
    return _SYNC


def default_runtime() -> RuntimeExecutor:
    return _RUNTIME
