"""``Queue``: a FIFO queue shared by tasks and actors, as ``ray.util.queue.Queue``.

The items live in an async actor, so blocked ``get``/``put`` calls wait there as coroutines
without holding a thread.  A ``Queue`` object is a thin wrapper around the actor's handle: it
pickles, so it can be passed to tasks and actors, and every copy talks to the same queue.
"""

from __future__ import annotations

import asyncio
import queue as _queue
from collections.abc import Iterable
from typing import Any

from .. import api
from ..actor import ActorClass, kill


class Empty(_queue.Empty):
    """``get`` found no item (without blocking, or within ``timeout``)."""


class Full(_queue.Full):
    """``put`` found no room (without blocking, or within ``timeout``)."""


class _QueueActor:
    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self.queue: asyncio.Queue = asyncio.Queue(maxsize)

    def qsize(self) -> int:
        return self.queue.qsize()

    def empty(self) -> bool:
        return self.queue.empty()

    def full(self) -> bool:
        return self.queue.full()

    async def put(self, item, timeout: float | None = None) -> None:
        try:
            await asyncio.wait_for(self.queue.put(item), timeout)
        except TimeoutError:
            raise Full from None

    async def get(self, timeout: float | None = None):
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            raise Empty from None

    def put_nowait(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            raise Full from None

    def put_nowait_batch(self, items: list) -> None:
        if self.maxsize > 0 and len(items) + self.qsize() > self.maxsize:
            msg = (f"Cannot add {len(items)} items to queue of size {self.qsize()} "
                   f"and maxsize {self.maxsize}.")
            raise Full(msg)
        for item in items:
            self.queue.put_nowait(item)

    def get_nowait(self):
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            raise Empty from None

    def get_nowait_batch(self, num_items: int) -> list:
        if num_items > self.qsize():
            msg = f"Cannot get {num_items} items from queue of size {self.qsize()}."
            raise Empty(msg)
        return [self.queue.get_nowait() for _ in range(num_items)]


_QueueActorClass = ActorClass(_QueueActor, {})


def _plain(error: BaseException) -> BaseException:
    """The queue's own ``Empty``/``Full`` for a remote one (not the runtime's wrapper class)."""
    for cls in (Empty, Full):
        if isinstance(error, cls):
            return cls(*error.args)
    return error


class Queue:
    """A first-in, first-out queue shared between the driver, tasks and actors.

    ``maxsize <= 0`` means unbounded.  ``actor_options`` go to the queue actor's ``.options()``
    (e.g. ``{"num_cpus": 1}`` or a ``name``).
    """

    def __init__(self, maxsize: int = 0, actor_options: dict | None = None) -> None:
        self.maxsize = maxsize
        self.actor = _QueueActorClass.options(**(actor_options or {})).remote(maxsize)

    def __len__(self) -> int:
        return self.size()

    def size(self) -> int:
        """The number of items in the queue."""
        return api.get(self.actor.qsize.remote())

    def qsize(self) -> int:
        """The number of items in the queue."""
        return self.size()

    def empty(self) -> bool:
        """Whether the queue has no items."""
        return api.get(self.actor.empty.remote())

    def full(self) -> bool:
        """Whether the queue has ``maxsize`` items (never, if unbounded)."""
        return api.get(self.actor.full.remote())

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Add ``item``; if full, wait (up to ``timeout`` seconds) for room, else raise ``Full``."""
        if not block:
            return self._call(self.actor.put_nowait.remote(item))
        _check_timeout(timeout)
        return self._call(self.actor.put.remote(item, timeout))

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return the first item; if empty, wait (up to ``timeout``), else raise ``Empty``."""
        if not block:
            return self._call(self.actor.get_nowait.remote())
        _check_timeout(timeout)
        return self._call(self.actor.get.remote(timeout))

    async def put_async(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """``put`` for coroutines: await it instead of blocking the event loop."""
        if not block:
            return await self._call_async(self.actor.put_nowait.remote(item))
        _check_timeout(timeout)
        return await self._call_async(self.actor.put.remote(item, timeout))

    async def get_async(self, block: bool = True, timeout: float | None = None) -> Any:
        """``get`` for coroutines: await it instead of blocking the event loop."""
        if not block:
            return await self._call_async(self.actor.get_nowait.remote())
        _check_timeout(timeout)
        return await self._call_async(self.actor.get.remote(timeout))

    def put_nowait(self, item: Any) -> None:
        """``put(item, block=False)``."""
        return self.put(item, block=False)

    def get_nowait(self) -> Any:
        """``get(block=False)``."""
        return self.get(block=False)

    def put_nowait_batch(self, items: Iterable) -> None:
        """Add all ``items`` at once, or none of them (``Full``) if they do not all fit."""
        if not isinstance(items, Iterable):
            msg = "Argument 'items' must be an Iterable"
            raise TypeError(msg)
        self._call(self.actor.put_nowait_batch.remote(list(items)))

    def get_nowait_batch(self, num_items: int) -> list:
        """Remove and return ``num_items`` items, or none (``Empty``) if there are fewer."""
        if not isinstance(num_items, int):
            msg = "Argument 'num_items' must be an int"
            raise TypeError(msg)
        if num_items < 0:
            msg = "'num_items' must be nonnegative"
            raise ValueError(msg)
        return self._call(self.actor.get_nowait_batch.remote(num_items))

    def shutdown(self, force: bool = False, grace_period_s: int = 5) -> None:
        """End the queue's actor (gracefully, then by force after ``grace_period_s``)."""
        if self.actor is not None:
            if force:
                kill(self.actor, no_restart=True)
            else:
                done = self.actor.__ray_terminate__.remote()
                ready, _ = api.wait([done], timeout=grace_period_s)
                if not ready:
                    kill(self.actor, no_restart=True)
        self.actor = None

    @staticmethod
    def _call(ref):
        try:
            return api.get(ref)
        except (Empty, Full) as error:
            raise _plain(error) from None

    @staticmethod
    async def _call_async(ref):
        try:
            return await ref
        except (Empty, Full) as error:
            raise _plain(error) from None


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and timeout < 0:
        msg = "'timeout' must be a non-negative number"
        raise ValueError(msg)
