"""``ObjectRef``: a handle to a value in the object store.

Each live handle counts toward its object's reference count (per process; the scheduler is told
when a process starts or stops holding one).  Pickling a handle inside a value keeps the object
alive for as long as that value lives.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from . import serialization


class ObjectRef:
    __slots__ = ("_id", "_client", "__weakref__")

    def __init__(self, oid: bytes, client, announce: bool = True):
        self._id = oid
        self._client = client
        client.add_local_ref(oid, announce)

    def __del__(self):
        client = getattr(self, "_client", None)
        if client is not None:
            client.remove_local_ref(self._id)

    def __reduce__(self):
        serialization.note_contained_ref(self._id)
        return (_rebuild, (self._id,))

    def __eq__(self, other):
        return isinstance(other, ObjectRef) and other._id == self._id

    def __hash__(self):
        return hash(self._id)

    def __repr__(self):
        return f"ObjectRef({self._id.hex()})"

    def binary(self) -> bytes:
        return self._id

    def hex(self) -> str:
        return self._id.hex()

    def future(self) -> concurrent.futures.Future:
        """A ``concurrent.futures.Future`` that completes with the value (or its error)."""
        from . import api

        fut: concurrent.futures.Future = concurrent.futures.Future()
        ref = self  # the future keeps the object alive until it completes

        def done(_oid):
            try:
                fut.set_result(api.get(ref))
            except BaseException as exc:  # noqa: BLE001 - the future carries any error
                fut.set_exception(exc)

        self._client.add_callback(self._id, done)
        return fut

    def __await__(self):
        return asyncio.wrap_future(self.future()).__await__()


def _rebuild(oid: bytes) -> ObjectRef:
    from . import api

    return ObjectRef(oid, api.client())
