"""``Pool``: a drop-in for ``multiprocessing.Pool`` whose processes are actors, as
``ray.util.multiprocessing.Pool``.

Each pool process is an actor that ran ``initializer(*initargs)`` in its constructor.  Work is cut
into chunks (``chunksize`` items each); a dispatcher thread hands chunks to actors as they have
room (two at a time each, so an actor never idles between chunks), collects the results and
completes the ``AsyncResult``/``imap`` iterators, the way the standard library's result-handler
thread does.  An exception in the function is returned by the actor as a value and re-raised by
``get`` as the original exception, with the remote traceback chained as ``__cause__``.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing as _mp
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Iterable
from multiprocessing.pool import RemoteTraceback
from typing import Any

from .. import api
from ..actor import ActorClass, kill

TimeoutError = _mp.TimeoutError

_RUN, _CLOSE, _TERMINATE = "RUN", "CLOSE", "TERMINATE"
_PER_ACTOR = 2          # chunks handed to one actor at a time
_POLL_S = 0.05          # how often the dispatcher notices chunks submitted while it waits


class _PoolProcess:
    """One pool process: runs the initializer once, then chunks of calls."""

    def __init__(self, initializer, initargs):
        if initializer is not None:
            initializer(*initargs)

    def pid(self) -> int:
        return os.getpid()

    def run_chunk(self, func, batch: list, mode: str):
        """``(True, results)`` or ``(False, exception, traceback_text)`` for the first failure."""
        results = []
        try:
            for item in batch:
                if mode == "star":
                    results.append(func(*item))
                elif mode == "apply":
                    args, kwds = item
                    results.append(func(*args, **kwds))
                else:
                    results.append(func(item))
        except Exception as exc:  # noqa: BLE001 - any user error goes back to the caller
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:  # noqa: BLE001 - an error that cannot travel goes as text
                exc = _mp.pool.MaybeEncodingError(exc, None)
            return False, exc, text
        return True, results


_PoolProcessClass = ActorClass(_PoolProcess, {})


def _remote_error(exc: BaseException, text: str) -> BaseException:
    exc.__cause__ = RemoteTraceback(f'\n"""\n{text}"""')
    return exc


# ---- results ---------------------------------------------------------------------------------

class AsyncResult:
    """The result of ``apply_async``/``map_async``: ``get``, ``wait``, ``ready``, ``successful``."""

    def __init__(self, chunks: int, single: bool, callback, error_callback):
        self._event = threading.Event()
        self._parts: list = [None] * chunks
        self._left = chunks
        self._single = single
        self._callback, self._error_callback = callback, error_callback
        self._error: BaseException | None = None
        if chunks == 0:
            self._finish()

    def _set(self, index: int, ok: bool, value) -> None:
        if self._event.is_set():
            return
        if not ok:
            self._error = value        # the first failure settles it, as in the standard library
            self._finish()
            return
        self._parts[index] = value
        self._left -= 1
        if self._left == 0:
            self._finish()

    def _finish(self) -> None:
        try:
            if self._error is None and self._callback is not None:
                self._callback(self._value())
            elif self._error is not None and self._error_callback is not None:
                self._error_callback(self._error)
        finally:
            self._event.set()

    def _value(self):
        if self._single:
            return self._parts[0][0]
        return list(itertools.chain.from_iterable(self._parts))

    def ready(self) -> bool:
        return self._event.is_set()

    def successful(self) -> bool:
        if not self.ready():
            msg = f"{self!r} not ready"
            raise ValueError(msg)
        return self._error is None

    def wait(self, timeout: float | None = None) -> None:
        self._event.wait(timeout)

    def get(self, timeout: float | None = None):
        self.wait(timeout)
        if not self.ready():
            raise TimeoutError
        if self._error is not None:
            raise self._error
        return self._value()


ApplyResult = MapResult = AsyncResult


class IMapIterator:
    """The iterator ``imap`` returns: results in input order; ``next(timeout)`` as in the stdlib."""

    def __init__(self, ordered: bool):
        self._cond = threading.Condition()
        self._ordered = ordered
        self._arrived: dict[int, tuple] = {}       # chunk index -> (ok, value...)
        self._items: collections.deque = collections.deque()   # ready to hand out, in order
        self._next_chunk = 0
        self._chunks: int | None = None            # known once the input is exhausted
        self._input_error: BaseException | None = None

    def _set(self, index: int, ok: bool, value) -> None:
        with self._cond:
            if self._ordered:
                self._arrived[index] = (ok, value)
                while self._next_chunk in self._arrived:
                    self._take(*self._arrived.pop(self._next_chunk))
            else:
                self._take(ok, value)
            self._maybe_input_error()
            self._cond.notify_all()

    def _take(self, ok: bool, value) -> None:
        self._next_chunk += 1
        if ok:
            self._items.extend((True, v) for v in value)
        else:
            self._items.append((False, value))

    def _set_length(self, chunks: int) -> None:
        with self._cond:
            self._chunks = chunks
            self._maybe_input_error()
            self._cond.notify_all()

    def _maybe_input_error(self) -> None:
        # An error reading the input comes after every result before it (called with the lock).
        if self._input_error is not None and self._chunks is not None and self._next_chunk >= self._chunks:
            self._items.append((False, self._input_error))
            self._input_error = None

    def __iter__(self):
        return self

    def next(self, timeout: float | None = None):
        with self._cond:
            while not self._items:
                if self._chunks is not None and self._done():
                    raise StopIteration
                if not self._cond.wait(timeout) and not self._items:
                    if self._chunks is not None and self._done():
                        raise StopIteration
                    raise TimeoutError
            ok, value = self._items.popleft()
        if not ok:
            raise value
        return value

    __next__ = next

    def _done(self) -> bool:
        return self._next_chunk >= self._chunks and not self._items


IMapUnorderedIterator = IMapIterator


# ---- the pool --------------------------------------------------------------------------------

class _Slot:
    """One pool process: its current actor, chunks in flight, chunks it has run."""

    __slots__ = ("actor", "inflight", "ran")

    def __init__(self, actor):
        self.actor, self.inflight, self.ran = actor, 0, 0


class Pool:
    """A pool of ``processes`` actors with ``multiprocessing.Pool``'s interface.

    ``processes`` defaults to the runtime's CPU count.  ``maxtasksperchild`` replaces an actor
    by a fresh one (initializer and all) after that many chunks.  ``context`` is ignored;
    ``ray_remote_args`` are options for the actors (e.g. ``{"num_cpus": 1}``).
    """

    def __init__(self, processes: int | None = None, initializer: Callable | None = None,
                 initargs: Iterable = (), maxtasksperchild: int | None = None, context: Any = None,
                 ray_address: str | None = None, ray_remote_args: dict | None = None):
        if processes is None:
            processes = max(1, int(api.cluster_resources().get("CPU", 1)))
        if not isinstance(processes, int) or processes < 1:
            msg = "Number of processes must be at least 1"
            raise ValueError(msg)
        if initializer is not None and not callable(initializer):
            msg = "initializer must be a callable"
            raise TypeError(msg)
        if maxtasksperchild is not None and (not isinstance(maxtasksperchild, int) or maxtasksperchild < 1):
            msg = "maxtasksperchild must be a positive int or None"
            raise ValueError(msg)
        self._processes = processes
        self._initializer, self._initargs = initializer, tuple(initargs)
        self._maxtasksperchild = maxtasksperchild
        self._remote_args = dict(ray_remote_args or {})
        self._state = _RUN
        self._cond = threading.Condition()
        self._sources: collections.deque = collections.deque()   # iterators of chunks to run
        self._inflight: dict = {}                                  # ref -> (slot, result, index)
        self._slots = [_Slot(self._new_actor()) for _ in range(processes)]
        self._thread = threading.Thread(target=self._dispatch, name="runtime-pool", daemon=True)
        self._thread.start()

    def _new_actor(self):
        return _PoolProcessClass.options(**self._remote_args).remote(self._initializer, self._initargs)

    def __repr__(self):
        return f"<{type(self).__module__}.Pool state={self._state} pool_size={self._processes}>"

    # ---- the dispatcher thread --------------------------------------------------------------

    def _dispatch(self) -> None:
        try:
            while True:
                with self._cond:
                    self._hand_out()
                    if self._state == _TERMINATE:
                        return
                    if not self._inflight:
                        if self._state == _CLOSE and not self._sources:
                            return
                        self._cond.wait(_POLL_S)
                        continue
                    refs = list(self._inflight)
                if not api.is_initialized():
                    raise RuntimeError("the runtime was shut down while the pool had work")
                ready, _ = api.wait(refs, num_returns=1, timeout=_POLL_S)
                for ref in ready:
                    self._collect(ref)
        except BaseException as exc:  # noqa: BLE001 - fail every waiter rather than hang it
            self._fail_all(exc)

    def _hand_out(self) -> None:
        """Give chunks to actors with room, least busy first (called with the lock held)."""
        while self._sources and self._state != _TERMINATE:
            slot = min(self._slots, key=lambda s: s.inflight)
            if slot.inflight >= _PER_ACTOR:
                return
            result, chunks = self._sources[0]
            try:
                index, func, batch, mode = next(chunks)
            except StopIteration:
                self._sources.popleft()
                continue
            except Exception as exc:  # noqa: BLE001 - the input iterable itself raised
                self._sources.popleft()
                result._set(-1, False, exc)
                continue
            ref = slot.actor.run_chunk.remote(func, batch, mode)
            slot.inflight += 1
            slot.ran += 1
            self._inflight[ref] = (slot, result, index)
            if self._maxtasksperchild is not None and slot.ran >= self._maxtasksperchild:
                # The old actor finishes its queued chunks, then ends with its last handle.
                slot.actor, slot.ran = self._new_actor(), 0

    def _collect(self, ref) -> None:
        try:
            outcome = api.get(ref)
        except Exception as exc:  # noqa: BLE001 - the actor died or could not return the value
            outcome = (False, exc, "")
        with self._cond:
            slot, result, index = self._inflight.pop(ref)
            slot.inflight -= 1
        if outcome[0]:
            result._set(index, True, outcome[1])
        else:
            error = outcome[1]
            result._set(index, False, _remote_error(error, outcome[2]) if outcome[2] else error)

    def _fail_all(self, exc: BaseException) -> None:
        with self._cond:
            pending = [(r, i) for _, r, i in self._inflight.values()]
            pending += [(r, -1) for r, _ in self._sources]
            self._inflight.clear()
            self._sources.clear()
        for result, index in pending:
            result._set(index, False, exc)

    # ---- submitting -------------------------------------------------------------------------

    def _check_running(self) -> None:
        if self._state != _RUN:
            msg = "Pool not running"
            raise ValueError(msg)

    def _submit(self, result, chunks) -> None:
        with self._cond:
            self._check_running()
            self._sources.append((result, chunks))
            self._hand_out()
            self._cond.notify_all()

    def _default_chunksize(self, n: int) -> int:
        chunksize, extra = divmod(n, self._processes * 4)
        return chunksize + 1 if extra else chunksize

    def _map_async(self, func, iterable, chunksize, mode, callback, error_callback) -> AsyncResult:
        self._check_running()
        if not hasattr(iterable, "__len__"):
            iterable = list(iterable)
        items = list(iterable)
        if chunksize is None:
            chunksize = self._default_chunksize(len(items))
        if items and chunksize < 1:
            msg = f"Chunksize must be 1+, not {chunksize}"
            raise ValueError(msg)
        batches = [items[i:i + chunksize] for i in range(0, len(items), chunksize)] if items else []
        result = AsyncResult(len(batches), False, callback, error_callback)
        if batches:
            self._submit(result, ((i, func, b, mode) for i, b in enumerate(batches)))
        return result

    def _imap(self, func, iterable, chunksize: int, ordered: bool, mode: str = "map") -> IMapIterator:
        self._check_running()
        if chunksize < 1:
            msg = f"Chunksize must be 1+, not {chunksize:n}"
            raise ValueError(msg)
        result = IMapIterator(ordered)

        def chunks():
            it, count = iter(iterable), 0
            try:
                while True:
                    batch = list(itertools.islice(it, chunksize))
                    if not batch:
                        return
                    yield count, func, batch, mode
                    count += 1
            except Exception as exc:  # noqa: BLE001 - the input raised: the iterator ends with it
                result._input_error = exc
            finally:
                result._set_length(count)

        self._submit(result, chunks())
        return result

    def apply_async(self, func: Callable, args: Iterable = (), kwds: dict | None = None,
                    callback: Callable | None = None, error_callback: Callable | None = None) -> AsyncResult:
        """Run ``func(*args, **kwds)`` in a pool process; return an ``AsyncResult``."""
        self._check_running()
        result = AsyncResult(1, True, callback, error_callback)
        self._submit(result, iter([(0, func, [(tuple(args), dict(kwds or {}))], "apply")]))
        return result

    def apply(self, func: Callable, args: Iterable = (), kwds: dict | None = None):
        """``func(*args, **kwds)`` run in a pool process; blocks for the result."""
        return self.apply_async(func, args, kwds).get()

    def map_async(self, func: Callable, iterable: Iterable, chunksize: int | None = None,
                  callback: Callable | None = None, error_callback: Callable | None = None) -> AsyncResult:
        return self._map_async(func, iterable, chunksize, "map", callback, error_callback)

    def map(self, func: Callable, iterable: Iterable, chunksize: int | None = None) -> list:
        """``[func(x) for x in iterable]`` in the pool's processes, in order."""
        return self._map_async(func, iterable, chunksize, "map", None, None).get()

    def starmap_async(self, func: Callable, iterable: Iterable, chunksize: int | None = None,
                      callback: Callable | None = None, error_callback: Callable | None = None) -> AsyncResult:
        return self._map_async(func, iterable, chunksize, "star", callback, error_callback)

    def starmap(self, func: Callable, iterable: Iterable, chunksize: int | None = None) -> list:
        """``[func(*args) for args in iterable]`` in the pool's processes, in order."""
        return self._map_async(func, iterable, chunksize, "star", None, None).get()

    def imap(self, func: Callable, iterable: Iterable, chunksize: int = 1) -> IMapIterator:
        """A lazy ``map``: an iterator of the results in input order."""
        return self._imap(func, iterable, chunksize, ordered=True)

    def imap_unordered(self, func: Callable, iterable: Iterable, chunksize: int = 1) -> IMapIterator:
        """Like ``imap``, but results come in the order they finish."""
        return self._imap(func, iterable, chunksize, ordered=False)

    # ---- ending -----------------------------------------------------------------------------

    def close(self) -> None:
        """Accept no more work; the processes end once the submitted work is done (``join``)."""
        with self._cond:
            if self._state == _RUN:
                self._state = _CLOSE
            self._cond.notify_all()

    def terminate(self) -> None:
        """Stop at once: kill the processes; unfinished work is abandoned."""
        with self._cond:
            self._state = _TERMINATE
            self._sources.clear()
            self._cond.notify_all()
            slots, self._slots = self._slots, []
        if api.is_initialized():
            for slot in slots:
                kill(slot.actor)
        self._thread.join()

    def join(self) -> None:
        """Wait for the submitted work and the processes to end (after ``close`` or ``terminate``)."""
        if self._state == _RUN:
            msg = "Pool is still running"
            raise ValueError(msg)
        self._thread.join()
        with self._cond:
            slots, self._slots = self._slots, []
        if api.is_initialized():
            for slot in slots:
                kill(slot.actor)

    def __enter__(self):
        self._check_running()
        return self

    def __exit__(self, *exc):
        self.terminate()

    def __reduce__(self):
        msg = "pool objects cannot be passed between processes or pickled"
        raise NotImplementedError(msg)
