"""``ActorPool``: schedule calls over a fixed set of actors, as ``ray.util.ActorPool`` does.

Each actor runs one submitted call at a time; a call submitted while every actor is busy waits
in the pool (on the driver) until a result is collected and its actor comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import api


def _key(future) -> Any:
    """A hashable key for what ``fn`` returned: one ``ObjectRef`` or a list of them."""
    return tuple(future) if isinstance(future, list) else future


class ActorPool:
    """A fixed pool of actor handles.

    ``fn(actor, value)`` passed to ``submit``/``map`` calls a method and returns its ObjectRef::

        pool = ActorPool([Actor.remote(), Actor.remote()])
        list(pool.map(lambda a, v: a.double.remote(v), [1, 2, 3, 4]))   # [2, 4, 6, 8]
    """

    def __init__(self, actors: list):
        self._idle_actors = list(actors)
        self._future_to_actor: dict = {}       # key -> (task index, actor)
        self._index_to_future: dict = {}       # task index -> future
        self._next_task_index = 0
        self._next_return_index = 0
        self._pending_submits: list = []

    # ---- submitting ----------------------------------------------------------------------

    def map(self, fn: Callable, values: Iterable) -> Iterator:
        """Run ``fn`` over ``values`` on the pool; yield the results in input order."""
        self._discard_pending()
        for value in values:
            self.submit(fn, value)

        def results():
            while self.has_next():
                yield self.get_next()

        return results()

    def map_unordered(self, fn: Callable, values: Iterable) -> Iterator:
        """Like ``map``, but yield each result as soon as it is ready."""
        self._discard_pending()
        for value in values:
            self.submit(fn, value)

        def results():
            while self.has_next():
                yield self.get_next_unordered()

        return results()

    def _discard_pending(self) -> None:
        # A new map starts clean: results of earlier submissions nobody collected are dropped.
        # (without waiting for them, as Ray does).
        while self.has_next():
            try:
                self.get_next_unordered(timeout=0, ignore_if_timedout=True)
            except Exception:  # noqa: BLE001, S110 - an old result or failure is not this map's business
                pass

    def submit(self, fn: Callable, value: Any) -> None:
        """Run ``fn(actor, value)`` on an idle actor now, or queue it until one is free."""
        if self._idle_actors:
            actor = self._idle_actors.pop()
            future = fn(actor, value)
            self._future_to_actor[_key(future)] = (self._next_task_index, actor)
            self._index_to_future[self._next_task_index] = future
            self._next_task_index += 1
        else:
            self._pending_submits.append((fn, value))

    # ---- collecting ----------------------------------------------------------------------

    def has_next(self) -> bool:
        """Whether any submitted call has a result still to collect."""
        return bool(self._future_to_actor)

    def get_next(self, timeout: float | None = None, ignore_if_timedout: bool = False) -> Any:
        """The next result in submission order.

        Raises ``StopIteration`` when nothing is pending and ``TimeoutError`` past ``timeout``;
        with ``ignore_if_timedout`` the late call is skipped (its actor returns to the pool).
        """
        if not self.has_next():
            msg = "No more results to get"
            raise StopIteration(msg)
        if self._next_return_index >= self._next_task_index:
            msg = "It is not allowed to call get_next() after get_next_unordered()."
            raise ValueError(msg)
        future = self._index_to_future[self._next_return_index]
        timed_out = False
        if timeout is not None:
            ready, _ = api.wait(list(future) if isinstance(future, list) else [future],
                                num_returns=len(future) if isinstance(future, list) else 1,
                                timeout=timeout)
            if not ready or (isinstance(future, list) and len(ready) < len(future)):
                if not ignore_if_timedout:
                    msg = "Timed out waiting for result"
                    raise TimeoutError(msg)
                timed_out = True
        del self._index_to_future[self._next_return_index]
        self._next_return_index += 1
        _, actor = self._future_to_actor.pop(_key(future))
        self._return_actor(actor)
        if timed_out:
            msg = f"Timed out waiting for result. The task {future} has been ignored."
            raise TimeoutError(msg)
        return api.get(future)

    def get_next_unordered(self, timeout: float | None = None, ignore_if_timedout: bool = False) -> Any:
        """Any one finished result (the first to be ready).

        Raises ``StopIteration`` when nothing is pending and ``TimeoutError`` past ``timeout``.
        """
        if not self.has_next():
            msg = "No more results to get"
            raise StopIteration(msg)
        candidates = [self._first_ref(f) for f in self._index_to_future.values()]
        ready, _ = api.wait(candidates, num_returns=1, timeout=timeout)
        if ready:
            index = next(i for i, f in self._index_to_future.items() if self._first_ref(f) == ready[0])
        elif ignore_if_timedout:
            index = min(self._index_to_future)
        else:
            msg = "Timed out waiting for result"
            raise TimeoutError(msg)
        future = self._index_to_future.pop(index)
        _, actor = self._future_to_actor.pop(_key(future))
        self._next_return_index = max(self._next_return_index, index + 1)
        self._return_actor(actor)
        if not ready:
            msg = f"Timed out waiting for result. The task {future} has been ignored."
            raise TimeoutError(msg)
        return api.get(future)

    @staticmethod
    def _first_ref(future):
        return future[0] if isinstance(future, list) else future

    # ---- the actors ----------------------------------------------------------------------

    def _return_actor(self, actor) -> None:
        self._idle_actors.append(actor)
        if self._pending_submits:
            self.submit(*self._pending_submits.pop(0))

    def has_free(self) -> bool:
        """Whether an actor is idle (and no submitted call is waiting for one)."""
        return bool(self._idle_actors) and not self._pending_submits

    def pop_idle(self):
        """Take an idle actor out of the pool; ``None`` if none is free."""
        if self.has_free():
            return self._idle_actors.pop()
        return None

    def push(self, actor) -> None:
        """Add an actor to the pool (it may pick up a waiting call at once)."""
        busy = [a for _, a in self._future_to_actor.values()]
        if actor in self._idle_actors or actor in busy:
            msg = "Actor already belongs to current ActorPool"
            raise ValueError(msg)
        self._return_actor(actor)
