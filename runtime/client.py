"""A process's connection to the scheduler: the driver's and every worker's.

Two DEALER sockets: one for sending, used by any thread under a lock (a send costs microseconds,
no thread hop), and one for receiving, owned by a background thread that files incoming objects
and wakes whoever waits for them.  ZeroMQ keeps each socket's messages in order, and every message
that changes reference counts goes through the send socket, so the scheduler sees a process's
"incref, submit, decref" in the order the process did them.
"""

from __future__ import annotations

import collections
import itertools
import os
import sys
import threading
import time
import weakref

import zmq

from . import config, exceptions, protocol, serialization
from .serialization import ObjectData, Serialized
from .store import shm

_KEEP_MAPPED_BYTES = 64 << 20


class _Waiter:
    """One blocked ``get``/``wait``: how many more values it needs, and the event to wake it."""

    __slots__ = ("needed", "stop_on_error", "event")

    def __init__(self, stop_on_error: bool):
        self.needed, self.stop_on_error, self.event = 0, stop_on_error, threading.Event()

    def arrived(self, is_error: bool) -> None:
        self.needed -= 1
        if self.needed <= 0 or (is_error and self.stop_on_error):
            self.event.set()


class Client:
    def __init__(self, address: str, client_id: bytes, kind: str, shm_dir: str,
                 scheduler_pid: int | None = None, on_task=None, on_interrupt=None):
        self.client_id, self.kind, self.shm_dir = client_id, kind, shm_dir
        self.on_task, self.on_interrupt = on_task, on_interrupt
        self.context = zmq.Context()
        self._send_sock = self._socket(address, b"s")
        self._recv_sock = self._socket(address, b"r")
        self._send_lock = threading.Lock()
        self._ref_lock = threading.RLock()       # reentrant: ObjectRef.__del__ may run inside it
        self._local_refs: dict[bytes, int] = {}
        self._ref_msgs: collections.deque = collections.deque()
        self._cond = threading.Condition()
        self.values: dict[bytes, ObjectData] = {}
        self._subscribed: set[bytes] = set()
        self._callbacks: dict[bytes, list] = {}
        self._waiters: dict[bytes, list[_Waiter]] = {}
        # path -> mmap while any view (or the one kept below) uses it.  Weak: a mapping nobody
        # uses must die, or its object could never be spilled or its memory reused.
        self._mappings: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        # The most recent big mapping stays alive: tasks reading the same big array one after
        # another (a shared argument) then map and page-fault it once per process, not per task.
        self._recent_big: tuple[str, object] | None = None
        self._replies: dict = {}
        self._request_ids = itertools.count()
        self.dead: str | None = None             # why the scheduler connection is gone
        self._closing = False
        self.exported: set[bytes] = set()
        self.current_task: bytes | None = None   # set in workers while a task runs
        self._scheduler_fd = os.pidfd_open(scheduler_pid) if scheduler_pid else None
        # The hello goes out on the receive socket so the scheduler learns where replies go.
        # Hello on both sockets: the two connections are not ordered with each other, and the
        # scheduler must know us before our first request (send socket) and learn where replies
        # go (receive socket), whichever arrives first.
        hello = protocol.encode((protocol.HELLO, client_id, kind, os.getpid()))
        self._send_sock.send(hello)
        self._recv_sock.send(hello)
        self._thread = threading.Thread(target=self._receive_loop, name="runtime-recv", daemon=True)
        self._thread.start()

    def _socket(self, address: str, suffix: bytes) -> zmq.Socket:
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.IDENTITY, self.client_id + suffix)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(address)
        return sock

    # ---- sending -------------------------------------------------------------------------

    def send(self, msg: tuple) -> None:
        with self._send_lock:
            self._flush_ref_msgs()
            self._send_sock.send(protocol.encode(msg))

    def _flush_ref_msgs(self) -> None:
        if self._ref_msgs:
            batch = []
            while self._ref_msgs:
                batch.append(self._ref_msgs.popleft())
            self._send_sock.send(protocol.encode((protocol.BATCH, batch)))

    def flush(self) -> None:
        with self._send_lock:
            self._flush_ref_msgs()

    def request(self, msg_kind: str, *fields, timeout: float | None = None):
        """Send a message that expects one reply keyed by a request id; wait for it."""
        request_id = next(self._request_ids)
        self.send((msg_kind, request_id, *fields))
        return self._await_reply(request_id, timeout)

    def _await_reply(self, key, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while key not in self._replies:
                self._check_alive()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise exceptions.GetTimeoutError("no reply from the scheduler in time")
                self._cond.wait(0.1 if remaining is None else min(remaining, 0.1))
            reply = self._replies.pop(key)
        if isinstance(reply, protocol.RequestFailed):
            raise exceptions.RaySystemError(str(reply))
        return reply

    def _check_alive(self) -> None:
        if self.dead:
            raise exceptions.RaySystemError(self.dead)

    # ---- reference counting --------------------------------------------------------------

    def add_local_ref(self, oid: bytes, announce: bool) -> None:
        with self._ref_lock:
            count = self._local_refs.get(oid, 0)
            self._local_refs[oid] = count + 1
            if count == 0 and announce:
                self._ref_msgs.append((protocol.INCREF, oid))

    def remove_local_ref(self, oid: bytes) -> None:
        if self._closing:
            return
        with self._ref_lock:
            count = self._local_refs.get(oid, 0) - 1
            if count > 0:
                self._local_refs[oid] = count
                return
            self._local_refs.pop(oid, None)
            data = self.values.pop(oid, None)
            if data is not None and data.kind == "shm":
                # Our cached mapping goes with our last handle; live views keep their own.
                self._forget_mapping(data.payload[0])
            self._subscribed.discard(oid)
            self._ref_msgs.append((protocol.DECREF, oid))

    # ---- objects -------------------------------------------------------------------------

    def store(self, oid: bytes, ser: Serialized, is_error: bool = False) -> ObjectData:
        """Inline data for small values; a shared-memory file (within budget) for large ones."""
        if ser.size <= config.get("inline_threshold"):
            return serialization.inline_data(ser, is_error)
        size, _ = shm.layout(ser)   # the file's size: buffers are padded to alignment
        while True:
            error, reuse, spill = self.request(protocol.ALLOC, oid, size)
            if not spill:
                break
            # The store is full: this process writes the chosen objects to disk, then asks again.
            self.send((protocol.SPILLED, [(victim, path, disk, shm.spill(path, disk))
                                          for victim, path, disk in spill]))
        if error:
            raise exceptions.ObjectStoreFullError(error)
        return shm.write(os.path.join(self.shm_dir, oid.hex()), ser, is_error, reuse)

    def refresh(self, oid: bytes) -> ObjectData:
        """Ask again where an object lives (its file moved to disk since we were told)."""
        with self._cond:
            self.values.pop(oid, None)
            self._subscribed.discard(oid)
        self.wait_for([oid], 1, None, stop_on_error=False)
        return self.values[oid]

    def map_file(self, path: str, size: int):
        """A read-only mapping of an object's file, shared by every get in this process.

        The scheduler hears when a process maps a file and when that mapping dies (all views
        garbage-collected), so it never reuses memory a view still points into.
        """
        mapping = self._mappings.get(path)
        if mapping is None:
            mapping = shm.map_file(path, size)
            self._mappings[path] = mapping
            self._ref_msgs.append((protocol.MAPPED, path))
            weakref.finalize(mapping, self._ref_msgs.append, (protocol.UNMAPPED, path))
        if size >= _KEEP_MAPPED_BYTES:
            self._recent_big = (path, mapping)
        return mapping

    def _forget_mapping(self, path: str) -> None:
        self._mappings.pop(path, None)
        if self._recent_big is not None and self._recent_big[0] == path:
            self._recent_big = None

    def wait_for(self, oids: list[bytes], num: int, timeout: float | None,
                 stop_on_error: bool) -> list[bytes]:
        """Block until ``num`` of ``oids`` have values (or one is an error, if asked).

        Returns the ids that have values (fewer than ``num`` only past ``timeout``).  The receive
        thread counts arrivals for the waiter, so waiting on N objects costs O(N), not O(N^2).
        """
        # A ref listed twice (get([a, b, a])) is one object: counted twice, its one arrival
        # would satisfy two of the ``num`` and the wait would end before the others arrive.
        oids = list(dict.fromkeys(oids))
        waiter = _Waiter(stop_on_error)
        with self._cond:
            missing = [o for o in oids if o not in self.values]
            done = len(oids) - len(missing)
            if done >= num or not missing or (
                    stop_on_error and any(self.values[o].is_error for o in oids if o in self.values)):
                return [o for o in oids if o in self.values]
            waiter.needed = num - done
            for oid in missing:
                self._waiters.setdefault(oid, []).append(waiter)
            subscribe = [o for o in missing if o not in self._subscribed]
            self._subscribed.update(subscribe)
        try:
            if subscribe:
                self.send((protocol.SUBSCRIBE, subscribe))
            deadline = None if timeout is None else time.monotonic() + timeout
            while not waiter.event.is_set():
                self._check_alive()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                waiter.event.wait(0.1 if remaining is None else min(remaining, 0.1))
        finally:
            with self._cond:
                for oid in missing:
                    waiting = self._waiters.get(oid)
                    if waiting is not None:
                        waiting[:] = [w for w in waiting if w is not waiter]
                        if not waiting:
                            del self._waiters[oid]
        return [o for o in oids if o in self.values]

    def add_callback(self, oid: bytes, callback) -> None:
        with self._cond:
            if oid in self.values:
                ready = True
            else:
                ready = False
                self._callbacks.setdefault(oid, []).append(callback)
                subscribe = oid not in self._subscribed
                self._subscribed.add(oid)
        if ready:
            callback(oid)
        elif subscribe:
            self.send((protocol.SUBSCRIBE, [oid]))

    # ---- receiving -----------------------------------------------------------------------

    def _receive_loop(self) -> None:
        poller = zmq.Poller()
        poller.register(self._recv_sock, zmq.POLLIN)
        if self._scheduler_fd is not None:
            poller.register(self._scheduler_fd, zmq.POLLIN)
        while not self._closing:
            try:
                ready = dict(poller.poll(50))
            except zmq.ZMQError:
                break
            if self._scheduler_fd is not None and ready.get(self._scheduler_fd):
                self._lost("The runtime's scheduler process died; call runtime.shutdown() and init() again.")
                break
            if self._recv_sock in ready:
                try:
                    while True:
                        self._dispatch(protocol.decode(self._recv_sock.recv(zmq.NOBLOCK)))
                except zmq.Again:
                    pass
                except zmq.ZMQError:
                    break
            if self._ref_msgs:
                self.flush()

    def _lost(self, why: str) -> None:
        with self._cond:
            self.dead = why
            self._cond.notify_all()
            for waiting in self._waiters.values():
                for waiter in waiting:
                    waiter.event.set()

    def _dispatch(self, msg: tuple) -> None:
        kind = msg[0]
        if kind == protocol.BATCH:
            for inner in msg[1]:
                self._dispatch(inner)
        elif kind == protocol.OBJECT:
            _, oid, data = msg
            with self._cond:
                self.values[oid] = data
                self._subscribed.discard(oid)
                callbacks = self._callbacks.pop(oid, ())
                for waiter in self._waiters.pop(oid, ()):
                    waiter.arrived(data.is_error)
            for callback in callbacks:
                callback(oid)
        elif kind in (protocol.ALLOC_REPLY, protocol.INFO_REPLY):
            with self._cond:
                self._replies[msg[1]] = msg[2]
                self._cond.notify_all()
        elif kind == protocol.FREED:
            self._forget_mapping(msg[1])
        elif kind == protocol.TASK:
            self.on_task(msg[1:])
        elif kind == protocol.INTERRUPT:
            self.on_interrupt(msg[1])
        elif kind == protocol.PRINT:
            _, pid, text, stream = msg
            prefix = f"(pid={pid}) " if config.get("log_prefix") else ""
            out = sys.stderr if stream == "stderr" else sys.stdout
            out.write("".join(prefix + line for line in text.splitlines(keepends=True)))
            out.flush()

    def close(self) -> None:
        self._closing = True
        shm.release_mappings()
        self._recent_big = None
        self._mappings.clear()
        self._thread.join(timeout=2)
        for sock in (self._send_sock, self._recv_sock):
            sock.close(linger=0)
        self.context.term()
        if self._scheduler_fd is not None:
            os.close(self._scheduler_fd)
