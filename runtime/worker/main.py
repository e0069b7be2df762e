"""A worker process: connect, then run the tasks the scheduler sends, one at a time.

Started by the scheduler as ``python -m runtime.worker.main CONFIG``.  It dies with its parent
(PR_SET_PDEATHSIG), sees the driver's ``sys.path``, and sends its ``print`` output to the driver.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import queue
import signal
import sys
import threading
import time

from .. import api, protocol, serialization
from ..actor import ActorExit, actor_context
from ..client import Client

_client: Client | None = None


def current_client() -> Client | None:
    return _client


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to signal us when our parent exits, so no worker outlives its node."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, sig)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


class _DriverStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of a worker: whole lines go to the driver's terminal."""

    def __init__(self, client: Client, original, stream: str):
        self._client, self._original, self._buffer, self._stream = client, original, "", stream
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._buffer += text
            if "\n" in self._buffer:
                complete, _, self._buffer = self._buffer.rpartition("\n")
                self._client.send((protocol.LOG, complete + "\n", self._stream))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._buffer:
                self._client.send((protocol.LOG, self._buffer, self._stream))
                self._buffer = ""

    def fileno(self) -> int:
        return self._original.fileno()

    def isatty(self) -> bool:
        return False


class Worker:
    def __init__(self, cfg: dict):
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.functions: dict[bytes, object] = {}
        self._lock = threading.Lock()
        self.client = Client(cfg["address"], bytes.fromhex(cfg["worker_id"]), "worker", cfg["shm_dir"],
                             on_task=self.tasks.put, on_interrupt=self._interrupt)
        self.client.interrupted = False
        self.actor: ActorRunner | None = None
        self.cancel_before_start: set[bytes] = set()
        signal.signal(signal.SIGINT, self._on_sigint)

    def _interrupt(self, task_id: bytes) -> None:
        with self._lock:
            if self.client.current_task != task_id:
                # Sent to us but not started yet (still queued here): cancel it on arrival.
                self.cancel_before_start.add(task_id)
            elif not self.client.interrupted:
                self.client.interrupted = True
                # To the main thread itself: only there does the signal cut a blocking call
                # (time.sleep, a lock wait) short; a signal to the process may land elsewhere.
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    def _on_sigint(self, signum, frame) -> None:
        if self.client.interrupted:
            raise KeyboardInterrupt
        # Ctrl-C in the driver's terminal reaches the whole process group: not for us.

    def run(self) -> None:
        while True:
            spec, blob, values = self.tasks.get()
            if blob is not None:
                self.functions[spec.fn_id] = serialization.loads(blob)
            kind = spec.kind
            if kind == "task":
                msg, outputs = self._run_sync(spec, self.functions[spec.fn_id], values)
                self.client.send(msg)
                del outputs
            elif kind == "actor_create":
                self.actor = ActorRunner(self, spec, self.functions[spec.fn_id], values)
            else:
                self.actor.call(spec, values)

    def _run_sync(self, spec, function, values) -> tuple:
        """Run one task on this (main) thread; return its DONE message and its outputs."""
        from .execute import cancelled, run_task

        with self._lock:
            self.client.current_task, self.client.interrupted = spec.task_id, False
            cancelled_early = spec.task_id in self.cancel_before_start
            self.cancel_before_start.discard(spec.task_id)
        try:
            if cancelled_early:
                raise KeyboardInterrupt
            results, retryable, outputs = run_task(self.client, spec, function, values)
        except KeyboardInterrupt:  # a cancel that landed outside the user's code
            (results, retryable), outputs = (cancelled(self.client, spec), False), None
        with self._lock:
            self.client.current_task = None
        sys.stdout.flush()
        sys.stderr.flush()
        return (protocol.DONE, spec.task_id, results, retryable), outputs


class ActorRunner:
    """The actor living in this worker: its instance and how its calls run.

    Sync actors run calls one at a time on the main thread, in arrival order; ``max_concurrency``
    > 1 runs them in a thread pool; an actor with any ``async def`` method runs every call as a
    coroutine on one event-loop thread, at most ``max_concurrency`` at once.
    """

    def __init__(self, worker: Worker, spec, cls, values):
        from .execute import run_task

        self.worker, self.client, self.instance = worker, worker.client, None
        opts = spec.actor
        self.is_async = opts.get("is_async", False)
        self.max_concurrency = opts.get("max_concurrency") or (1000 if self.is_async else 1)

        def construct(*args, **kwargs):
            self.instance = cls(*args, **kwargs)

        with actor_context(spec.actor_id, opts.get("restarts", 0) > 0):
            results, _, _ = run_task(self.client, spec, construct, values)
        error_text = None
        if self.instance is None:
            error_text = str(_value_of_first(results))
        else:
            self._start_executor()
        self.client.send((protocol.DONE, spec.task_id, results, False, error_text))

    def _start_executor(self) -> None:
        self.pool = self.loop = None
        if self.is_async:
            import asyncio

            self.loop = asyncio.new_event_loop()
            self.semaphore = asyncio.Semaphore(self.max_concurrency)
            threading.Thread(target=self.loop.run_forever, name="actor-loop", daemon=True).start()
        elif self.max_concurrency > 1:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="actor")

    def call(self, spec, values) -> None:
        if spec.method == "__ray_terminate__":
            self._drain()
            self.exit()
        method = getattr(self.instance, spec.method)
        if self.loop is not None:
            import asyncio

            asyncio.run_coroutine_threadsafe(self._call_async(spec, method, values), self.loop)
        elif self.pool is not None:
            self.pool.submit(self._call_in_thread, spec, method, values)
        else:
            self._call_in_thread(spec, method, values, on_main=True)

    def _call_in_thread(self, spec, method, values, on_main: bool = False) -> None:
        from .execute import run_task

        try:
            if on_main:
                msg, outputs = self.worker._run_sync(spec, method, values)
            else:
                results, retryable, outputs = run_task(self.client, spec, method, values)
                msg = (protocol.DONE, spec.task_id, results, retryable)
        except ActorExit:
            self.exit()
        self.client.send(msg)
        del outputs

    async def _call_async(self, spec, method, values) -> None:
        from .execute import run_task_async

        async with self.semaphore:
            try:
                results, retryable, outputs = await run_task_async(self.client, spec, method, values)
            except ActorExit:
                self.exit()
        self.client.send((protocol.DONE, spec.task_id, results, retryable))
        del outputs

    def _drain(self) -> None:
        """Let calls already started finish (``__ray_terminate__`` is graceful)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        if self.loop is not None:
            import asyncio

            async def settle():
                pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                await asyncio.gather(*pending, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(settle(), self.loop).result()

    def exit(self) -> None:
        """The actor stops itself: tell the scheduler (no restart), then end the process."""
        sys.stdout.flush()
        sys.stderr.flush()
        self.client.send((protocol.ACTOR_EXIT,))
        self.client.flush()
        time.sleep(0.05)  # let the socket hand the message over before the process ends
        os._exit(0)


def _value_of_first(results):
    """The (inline) error stored as a failed constructor's result."""
    return serialization.deserialize(*results[0][1].payload)


def main() -> None:
    global _client
    cfg = json.loads(sys.argv[1])
    die_with_parent()
    for entry in reversed(cfg.get("sys_path", [])):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    worker = Worker(cfg)
    _client = worker.client
    api.set_worker_client(worker.client)
    sys.stdout = _DriverStream(worker.client, sys.__stdout__, "stdout")
    sys.stderr = _DriverStream(worker.client, sys.__stderr__, "stderr")
    worker.run()


if __name__ == "__main__":
    main()
