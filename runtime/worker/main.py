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

from .. import api, protocol, serialization
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

    def __init__(self, client: Client, original):
        self._client, self._original, self._buffer = client, original, ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._buffer += text
            if "\n" in self._buffer:
                complete, _, self._buffer = self._buffer.rpartition("\n")
                self._client.send((protocol.LOG, complete + "\n"))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._buffer:
                self._client.send((protocol.LOG, self._buffer))
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
        signal.signal(signal.SIGINT, self._on_sigint)

    def _interrupt(self, task_id: bytes) -> None:
        with self._lock:
            if self.client.current_task == task_id and not self.client.interrupted:
                self.client.interrupted = True
                os.kill(os.getpid(), signal.SIGINT)

    def _on_sigint(self, signum, frame) -> None:
        if self.client.interrupted:
            raise KeyboardInterrupt
        # Ctrl-C in the driver's terminal reaches the whole process group: not for us.

    def run(self) -> None:
        from .execute import run_task

        while True:
            spec, blob, values = self.tasks.get()
            if blob is not None:
                self.functions[spec.fn_id] = serialization.loads(blob)
            with self._lock:
                self.client.current_task, self.client.interrupted = spec.task_id, False
            try:
                results, retryable = run_task(self.client, spec, self.functions[spec.fn_id], values)
            except KeyboardInterrupt:  # a cancel that landed outside the user's code
                from .. import exceptions
                from .execute import _stored_error
                results, retryable = _stored_error(
                    self.client, spec, exceptions.TaskCancelledError(spec.task_id.hex()[:12])), False
            with self._lock:
                self.client.current_task = None
            sys.stdout.flush()
            sys.stderr.flush()
            self.client.send((protocol.DONE, spec.task_id, results, retryable))


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
    sys.stdout = _DriverStream(worker.client, sys.__stdout__)
    sys.stderr = _DriverStream(worker.client, sys.__stderr__)
    worker.run()


if __name__ == "__main__":
    main()
