"""Actors: ``@remote`` on a class, handles, method calls, ``kill``, ``get_actor``, ``exit_actor``.

An actor is a dedicated worker process holding one instance.  A handle is a reference to it:
picklable, passable to tasks and other actors, and counted like an ``ObjectRef`` so the actor
ends when the last handle is gone (unless ``lifetime="detached"``).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
from typing import Any

from . import api, ids, protocol, serialization
from .object_ref import ObjectRef
from .remote_function import (
    _actor_option_names,
    check_arguments,
    export,
    pack_task,
    positional_range,
    validate_options,
)

ACTOR_OPTIONS = {
    "num_cpus", "num_gpus", "resources", "name", "namespace", "get_if_exists", "lifetime",
    "max_restarts", "max_task_retries", "max_concurrency", "max_pending_calls", "memory",
    "scheduling_strategy", "runtime_env", "concurrency_groups", "accelerator_type",
    "placement_group", "placement_group_bundle_index", "placement_group_capture_child_tasks",
    "label_selector", "enable_task_events", "_metadata", "allow_out_of_order_execution",
} | _actor_option_names()
METHOD_OPTIONS = {"num_returns", "name", "max_task_retries", "retry_exceptions",
                  "concurrency_group", "enable_task_events"}

_current_actor: bytes | None = None
_reconstructed = False


class ActorExit(SystemExit):
    """Raised by ``exit_actor()``; the worker ends the actor (no restart)."""


def exit_actor() -> None:
    """Stop the current actor from inside one of its methods; it is not restarted."""
    if _current_actor is None:
        msg = "exit_actor() is called from outside an actor; it only works inside an actor's method."
        raise TypeError(msg)
    raise ActorExit(0)


@contextlib.contextmanager
def actor_context(actor_id: bytes, reconstructed: bool = False):
    global _current_actor, _reconstructed
    _current_actor, _reconstructed = actor_id, reconstructed
    yield


def was_reconstructed() -> bool:
    return _reconstructed


def current_actor_id() -> bytes | None:
    return _current_actor


def method(*args, **options):
    """``@method(num_returns=2)`` on an actor method sets its call options."""
    def mark(fn):
        fn.__ray_method_options__ = validate_options(options, METHOD_OPTIONS)
        return fn

    if args and callable(args[0]) and not options:
        return mark(args[0])
    return mark


def _class_meta(cls: type) -> dict:
    methods = {}
    for name, member in inspect.getmembers(cls, predicate=inspect.isfunction):
        opts = getattr(member, "__ray_method_options__", {})
        try:
            signature = inspect.signature(member)
            signature = signature.replace(parameters=list(signature.parameters.values())[1:])
        except (TypeError, ValueError):
            signature = None
        methods[name] = {"num_returns": opts.get("num_returns", 1), "signature": signature,
                         "positional": positional_range(signature),
                         "is_async": inspect.iscoroutinefunction(member)}
    return {"class_name": cls.__qualname__, "methods": methods,
            "is_async": any(m["is_async"] for m in methods.values())}


class ActorClass:
    def __init__(self, cls: type, options: dict):
        self._cls = cls
        self._options = validate_options(dict(options), ACTOR_OPTIONS)
        self._meta = _class_meta(cls)
        self._blob: bytes | None = None
        self.__name__ = cls.__name__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def __call__(self, *args, **kwargs):
        msg = (f"Actors cannot be instantiated directly. Instead of '{self.__name__}()', "
               f"use '{self.__name__}.remote()'.")
        raise TypeError(msg)

    def remote(self, *args, **kwargs) -> "ActorHandle":
        return self._create(args, kwargs, self._options)

    def options(self, **options):
        merged = {**self._options, **validate_options(options, ACTOR_OPTIONS)}
        parent = self

        class _Bound:
            def remote(self, *args, **kwargs):
                return parent._create(args, kwargs, merged)

        return _Bound()

    def _create(self, args: tuple, kwargs: dict, options: dict) -> "ActorHandle":
        name, namespace = options.get("name"), options.get("namespace") or api.namespace()
        if options.get("max_task_retries") and not options.get("max_restarts"):
            msg = ("max_task_retries is set but max_restarts is not: calls can only be retried on "
                   "a restarted actor. Set max_restarts too (e.g. max_restarts=-1).")
            raise ValueError(msg)
        if options.get("get_if_exists") and not name:
            msg = "The actor's name must be specified to use get_if_exists=True."
            raise ValueError(msg)
        if name is not None and (not isinstance(name, str) or not name):
            msg = f"The actor's name must be a non-empty string, got {name!r}."
            raise ValueError(msg)
        lifetime = options.get("lifetime")
        if lifetime not in (None, "detached", "non_detached"):
            msg = f"lifetime must be None, 'detached' or 'non_detached', got {lifetime!r}."
            raise ValueError(msg)
        try:
            inspect.signature(self._cls).bind(*args, **kwargs)
        except TypeError as exc:
            msg = f"{self.__qualname__}.__init__(): {exc}"
            raise TypeError(msg) from None
        except ValueError:
            pass
        client = api.client()
        if name:
            existing = client.request(protocol.GET_ACTOR, name, namespace)
            if existing is not None:
                if options.get("get_if_exists"):
                    return ActorHandle(existing["actor_id"], existing["meta"], client, announce=True)
                msg = f"The name {name!r} (namespace={namespace!r}) is already taken by another actor."
                raise ValueError(msg)
        if self._blob is None:
            self._blob = serialization.dumps(self._cls)
            self._fn_id = hashlib.sha1(self._blob).digest()
        fn_id = export(client, self._fn_id, self._blob)
        actor_id = ids.new_id()
        meta = {**self._meta, "max_pending_calls": options.get("max_pending_calls", -1)}
        # Actors hold no CPU while alive unless asked (as in Ray), so many can share a machine.
        spec, keepalive = pack_task(client, fn_id, f"{self.__qualname__}.__init__", args, kwargs,
                                    [actor_id], options, default_cpus=0)
        spec.actor_id = actor_id
        spec.max_retries = 0
        spec.actor = {"name": name, "namespace": namespace,
                      "max_restarts": options.get("max_restarts", 0),
                      "max_task_retries": options.get("max_task_retries", 0),
                      "max_concurrency": options.get("max_concurrency"),
                      "detached": lifetime == "detached", "is_async": self._meta["is_async"],
                      "meta": meta}
        client.send((protocol.SUBMIT, spec))
        del keepalive
        return ActorHandle(actor_id, meta, client, announce=False)


class ActorHandle:
    __slots__ = ("_actor_id", "_meta", "_client", "__weakref__")

    def __init__(self, actor_id: bytes, meta: dict, client, announce: bool):
        self._actor_id, self._meta, self._client = actor_id, meta, client
        client.add_local_ref(actor_id, announce)

    def __del__(self):
        client = getattr(self, "_client", None)
        if client is not None:
            client.remove_local_ref(self._actor_id)

    def __reduce__(self):
        serialization.note_contained_ref(self._actor_id)
        return (_rebuild_handle, (self._actor_id, self._meta))

    def __getattr__(self, name: str) -> "ActorMethod":
        if name == "__ray_terminate__":
            return ActorMethod(self, name, {"num_returns": 1, "signature": None})
        info = self._meta["methods"].get(name)
        if info is None:
            msg = f"'{self._meta['class_name']}' object has no attribute '{name}'"
            raise AttributeError(msg)
        return ActorMethod(self, name, info)

    def __eq__(self, other):
        return isinstance(other, ActorHandle) and other._actor_id == self._actor_id

    def __hash__(self):
        return hash(self._actor_id)

    def __repr__(self):
        return f"Actor({self._meta['class_name']}, {self._actor_id.hex()})"


def _rebuild_handle(actor_id: bytes, meta: dict) -> ActorHandle:
    return ActorHandle(actor_id, meta, api.client(), announce=True)


class ActorMethod:
    def __init__(self, handle: ActorHandle, name: str, info: dict, options: dict | None = None):
        self._handle, self._name, self._info = handle, name, info
        self._options = options or {}

    def __call__(self, *args, **kwargs):
        msg = f"Actor methods cannot be called directly. Instead of '{self._name}()', use '{self._name}.remote()'."
        raise TypeError(msg)

    def options(self, **options) -> "ActorMethod":
        return ActorMethod(self._handle, self._name, self._info,
                           {**self._options, **validate_options(options, METHOD_OPTIONS)})

    def remote(self, *args, **kwargs):
        check_arguments(self._info.get("signature"), self._info.get("positional"),
                        f"{self._handle._meta['class_name']}.{self._name}", args, kwargs)
        num_returns = self._options.get("num_returns", self._info.get("num_returns", 1))
        client = api.client()
        limit = self._handle._meta.get("max_pending_calls", -1)
        if limit is not None and limit > 0:
            _check_pending(client, self._handle, limit)
        return_ids = [ids.new_id() for _ in range(num_returns)]
        name = f"{self._handle._meta['class_name']}.{self._name}"
        spec, keepalive = pack_task(client, b"", name, args, kwargs, return_ids,
                                    {**self._options, "num_cpus": 0}, default_cpus=0)
        spec.actor_id, spec.method = self._handle._actor_id, self._name
        client.send((protocol.SUBMIT, spec))
        del keepalive
        refs = [ObjectRef(oid, client, announce=False) for oid in return_ids]
        if limit is not None and limit > 0 and return_ids:
            _pending.setdefault(self._handle._actor_id, []).append(return_ids[0])
        if num_returns == 1:
            return refs[0]
        return None if num_returns == 0 else refs


_pending: dict[bytes, list[bytes]] = {}   # actor id -> first return id of calls from this process


def _check_pending(client, handle: ActorHandle, limit: int) -> None:
    """Ray's max_pending_calls: refuse a call while ``limit`` calls from here are unfinished."""
    from .exceptions import PendingCallsLimitExceeded

    calls = _pending.get(handle._actor_id, [])
    if len(calls) >= limit:
        done = set(client.wait_for(calls, len(calls), 0, stop_on_error=False))
        calls[:] = [oid for oid in calls if oid not in done]
    if len(calls) >= limit:
        msg = (f"The actor {handle._meta['class_name']} has {len(calls)} pending calls from this "
               f"process, its max_pending_calls={limit}. Wait for some results first.")
        raise PendingCallsLimitExceeded(msg)


def kill(actor: Any, *, no_restart: bool = True) -> None:
    """Kill an actor's process at once; with ``no_restart=False`` it may restart."""
    if not isinstance(actor, ActorHandle):
        msg = f"kill() only supports actors; got {type(actor).__name__}. Use cancel() for tasks."
        raise ValueError(msg)
    api.client().send((protocol.KILL_ACTOR, actor._actor_id, no_restart))


def get_actor(name: str, namespace: str | None = None) -> ActorHandle:
    """The handle of the live actor called ``name``; ``ValueError`` if there is none."""
    if not isinstance(name, str) or not name:
        msg = f"get_actor() needs a non-empty actor name, got {name!r}."
        raise ValueError(msg)
    client = api.client()
    namespace = namespace or api.namespace()
    found = client.request(protocol.GET_ACTOR, name, namespace)
    if found is None:
        msg = f"Failed to look up actor with name '{name}' in namespace '{namespace}'."
        raise ValueError(msg)
    return ActorHandle(found["actor_id"], found["meta"], client, announce=True)
