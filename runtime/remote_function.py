"""``@remote`` functions: option checking, argument packing and task submission.

A function's code is pickled once per session and exported by id; each call sends only the id
and the arguments.  Top-level ``ObjectRef`` arguments become dependencies (the task waits for them
and receives their values); refs nested in containers travel as refs.
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Any

from . import api, config, ids, protocol, serialization
from .object_ref import ObjectRef
from .scheduler.events import TaskSpec
from .serialization import serialize

TASK_OPTIONS = {
    "num_returns", "num_cpus", "num_gpus", "resources", "max_retries", "retry_exceptions",
    "name", "memory", "scheduling_strategy", "runtime_env", "accelerator_type", "max_calls",
    "placement_group", "placement_group_bundle_index", "placement_group_capture_child_tasks",
    "label_selector", "enable_task_events", "_metadata", "_labels", "concurrency_groups",
}


class ArgRef:
    """Stands in for a top-level ObjectRef argument: the worker swaps in the value."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __reduce__(self):
        return (ArgRef, (self.index,))


class ArgsInStore:
    """The arguments were too big for a message and were put in the store as dependency ``index``."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __reduce__(self):
        return (ArgsInStore, (self.index,))


def validate_options(options: dict, allowed: set[str] = TASK_OPTIONS) -> dict:
    unknown = set(options) - allowed
    if unknown:
        msg = f"Invalid option keyword(s) {sorted(unknown)} for remote functions. Valid ones are {sorted(allowed)}."
        raise ValueError(msg)
    for key in ("num_cpus", "num_gpus", "memory"):
        value = options.get(key)
        if value is not None and (not isinstance(value, (int, float)) or value < 0):
            msg = f"The keyword '{key}' only accepts None or a non-negative number, got {value!r}."
            raise ValueError(msg)
    resources = options.get("resources")
    if resources is not None:
        if not isinstance(resources, dict):
            msg = f"The 'resources' option must be a dict, got {type(resources).__name__}."
            raise ValueError(msg)
        for name in ("CPU", "GPU"):
            if name in resources:
                msg = f"Use the 'num_{name.lower()}s' argument instead of resources={{'{name}': ...}}."
                raise ValueError(msg)
        for name, amount in resources.items():
            if not isinstance(amount, (int, float)) or amount < 0:
                msg = f"Resource quantities must be non-negative numbers, got {name}={amount!r}."
                raise ValueError(msg)
    num_returns = options.get("num_returns")
    if num_returns is not None and (not isinstance(num_returns, int) or num_returns < 0):
        msg = f"The keyword 'num_returns' only accepts a non-negative int, got {num_returns!r}."
        raise ValueError(msg)
    max_retries = options.get("max_retries")
    if max_retries is not None and (not isinstance(max_retries, int) or max_retries < -1):
        msg = f"The keyword 'max_retries' only accepts -1 or a non-negative int, got {max_retries!r}."
        raise ValueError(msg)
    retry = options.get("retry_exceptions")
    if retry is not None and not isinstance(retry, bool):
        if not (isinstance(retry, (list, tuple)) and all(
                isinstance(c, type) and issubclass(c, BaseException) for c in retry)):
            msg = "The keyword 'retry_exceptions' only accepts a bool or a list of exception classes."
            raise ValueError(msg)
    return options


def resources_of(options: dict, default_cpus: float = 1) -> dict[str, float]:
    wanted = {"CPU": float(options.get("num_cpus", default_cpus) or 0)}
    if options.get("num_gpus"):
        wanted["GPU"] = float(options["num_gpus"])
    for name, amount in (options.get("resources") or {}).items():
        wanted[name] = float(amount)
    return {k: v for k, v in wanted.items() if v > 0}


class RemoteFunction:
    def __init__(self, function, options: dict):
        if inspect.iscoroutinefunction(function):
            msg = (f"'{function.__qualname__}' is an async def function. Remote functions must be "
                   f"regular (sync) functions; use an async actor to run coroutines.")
            raise ValueError(msg)
        self._function = function
        self._options = validate_options(dict(options))
        self._signature = _signature(function)
        self._positional = positional_range(self._signature)
        self._blob: bytes | None = None
        self._fn_id: bytes | None = None
        self.__name__ = getattr(function, "__name__", "remote_function")
        self.__qualname__ = getattr(function, "__qualname__", self.__name__)
        self.__doc__ = function.__doc__

    def __call__(self, *args, **kwargs):
        msg = (f"Remote functions cannot be called directly. Instead of running "
               f"'{self.__name__}()', try '{self.__name__}.remote()'.")
        raise TypeError(msg)

    def remote(self, *args, **kwargs):
        return self._submit(args, kwargs, self._options)

    def options(self, **options):
        merged = {**self._options, **validate_options(options)}
        parent = self

        class _Bound:
            def remote(self, *args, **kwargs):
                return parent._submit(args, kwargs, merged)

        return _Bound()

    def _export(self, client) -> bytes:
        if self._blob is None:
            self._blob = serialization.dumps(self._function)
            self._fn_id = hashlib.sha1(self._blob).digest()
        return export(client, self._fn_id, self._blob)

    def _submit(self, args: tuple, kwargs: dict, options: dict):
        check_arguments(self._signature, self._positional, self.__qualname__, args, kwargs)
        client = api.client()
        fn_id = self._export(client)
        num_returns = options.get("num_returns", 1)
        return_ids = [ids.new_id() for _ in range(num_returns)]
        spec, keepalive = pack_task(client, fn_id, self.__qualname__, args, kwargs, return_ids, options)
        client.send((protocol.SUBMIT, spec))
        del keepalive  # after SUBMIT: the task now holds the large-argument object itself
        refs = [ObjectRef(oid, client, announce=False) for oid in return_ids]
        if num_returns == 1:
            return refs[0]
        return None if num_returns == 0 else refs


def export(client, fn_id: bytes, blob: bytes) -> bytes:
    """Send a function's (or class's) code to the scheduler once per session."""
    if fn_id not in client.exported:
        client.send((protocol.EXPORT, fn_id, blob))
        client.exported.add(fn_id)
    return fn_id


def pack_task(client, fn_id: bytes, name: str, args: tuple, kwargs: dict, return_ids: list[bytes],
              options: dict, default_cpus: float = 1) -> tuple[TaskSpec, Any]:
    """Build a TaskSpec: top-level refs become dependencies, big arguments go to the store."""
    deps: list[bytes] = []

    def swap(value):
        if isinstance(value, ObjectRef):
            deps.append(value._id)
            return ArgRef(len(deps) - 1)
        return value

    packed = (tuple(swap(a) for a in args), {k: swap(v) for k, v in kwargs.items()})
    ser = serialize(packed)
    keepalive = None
    if ser.size > config.get("inline_threshold"):
        keepalive = api.put(packed)
        deps.append(keepalive._id)
        ser = serialize(ArgsInStore(len(deps) - 1))
    retry = options.get("retry_exceptions", False)
    if not isinstance(retry, bool):
        retry = serialization.dumps(tuple(retry))
    max_retries = options.get("max_retries")
    spec = TaskSpec(
        task_id=ids.new_id(), fn_id=fn_id, name=options.get("name") or name,
        args=serialization.inline_data(ser), deps=deps, pinned=ser.contained,
        return_ids=return_ids, resources=resources_of(options, default_cpus),
        max_retries=3 if max_retries is None else max_retries, retry_exceptions=retry,
        owner=client.client_id, parent_task=client.current_task)
    return spec, keepalive


def positional_range(signature: inspect.Signature | None) -> tuple[int, int] | None:
    """(fewest, most) positional arguments when only positional ones are given — a check that
    costs nanoseconds, where ``Signature.bind`` costs tens of microseconds per call."""
    if signature is None:
        return None
    low = high = 0
    for param in signature.parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            high += 1
            low += param.default is param.empty
        elif param.kind == param.VAR_POSITIONAL:
            high = 1 << 30
        elif param.kind == param.KEYWORD_ONLY and param.default is param.empty:
            return None      # a required keyword-only argument: always bind
    return low, high


def check_arguments(signature, positional, name: str, args: tuple, kwargs: dict) -> None:
    """Raise TypeError now, at submission, if the call cannot match the signature."""
    if signature is None or (not kwargs and positional and positional[0] <= len(args) <= positional[1]):
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        msg = f"{name}(): {exc}"
        raise TypeError(msg) from None


def _signature(function) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have no signature: check in the worker
        return None


def remote(*args, **kwargs):
    """``@remote`` or ``@remote(num_cpus=..., ...)`` on a function (actors come with classes)."""
    if len(args) == 1 and not kwargs and callable(args[0]):
        return _make_remote(args[0], {})
    if args:
        msg = "The @remote decorator takes either a function or keyword options, e.g. @remote(num_cpus=2)."
        raise TypeError(msg)
    from .actor import ACTOR_OPTIONS

    validate_options(kwargs, TASK_OPTIONS | ACTOR_OPTIONS)
    return lambda target: _make_remote(target, kwargs)


def _actor_option_names() -> set[str]:
    return {"max_restarts", "max_task_retries", "max_concurrency", "lifetime", "namespace",
            "get_if_exists", "max_pending_calls", "concurrency_groups"}


def _make_remote(target, options: dict):
    if inspect.isclass(target):
        from .actor import ActorClass

        return ActorClass(target, options)
    return RemoteFunction(target, options)
