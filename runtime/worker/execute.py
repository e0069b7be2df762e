"""Run one task in a worker: rebuild the arguments, call the function, store the results.

Every failure becomes a value stored under the task's return ids, never a dead worker:
an argument that cannot be unpickled, an exception in user code, a result that cannot be
pickled.  Only the process dying (os._exit, a signal) is left to the scheduler to notice.
"""

from __future__ import annotations

import inspect
import os
import traceback

from .. import exceptions, serialization
from ..api import _value_of
from ..remote_function import ArgRef, ArgsInStore
from ..scheduler.events import TaskSpec
from ..serialization import ObjectData, serialize
from ..store import shm

_RUNTIME_DIR = os.path.normcase(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


class _Failure(Exception):
    """Internal: a failure outside user code whose message names the argument or result."""


def run_task(client, spec: TaskSpec, function, values: dict[bytes, ObjectData]):
    """Return ``(results, retryable, outputs)``; results is ``[(oid, ObjectData, contains), ...]``.

    The caller keeps ``outputs`` (the returned values) alive until its DONE message is sent: a
    ref or actor handle inside them must not be released before the scheduler sees that the
    result contains it.
    """
    try:
        args, kwargs = _arguments(spec, values)
    except _Failure as failure:
        return _unpickling_failed(client, spec, failure)
    try:
        result = function(*args, **kwargs)
        outputs = _split_returns(spec, result)
    except KeyboardInterrupt:
        if client.interrupted:
            return cancelled(client, spec), False, None
        raise
    except Exception as exc:  # noqa: BLE001 - user code can raise anything
        return (*failed(client, spec, exc), None)
    return store_results(client, spec, outputs), False, outputs


async def run_task_async(client, spec: TaskSpec, function, values: dict[bytes, ObjectData]):
    """``run_task`` for an async actor's method: awaits the coroutine on the actor's loop."""
    try:
        args, kwargs = _arguments(spec, values)
    except _Failure as failure:
        return _unpickling_failed(client, spec, failure)
    try:
        result = function(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        outputs = _split_returns(spec, result)
    except Exception as exc:  # noqa: BLE001 - user code can raise anything
        return (*failed(client, spec, exc), None)
    return store_results(client, spec, outputs), False, outputs


def _unpickling_failed(client, spec: TaskSpec, failure: "_Failure"):
    return _error_results(client, spec, failure.__cause__, str(failure)), False, None


def cancelled(client, spec: TaskSpec):
    return _stored_error(client, spec, exceptions.TaskCancelledError(spec.task_id.hex()[:12]))


def failed(client, spec: TaskSpec, exc: Exception):
    return _error_results(client, spec, exc, _user_traceback(exc)), _should_retry(spec, exc)


def store_results(client, spec: TaskSpec, outputs: list):
    results = []
    for index, (oid, value) in enumerate(zip(spec.return_ids, outputs)):
        try:
            ser = serialize(value)
            data = client.store(oid, ser)
        except TypeError as exc:
            what = "the return value" if len(outputs) == 1 else f"return value {index}"
            text = f"Could not pickle {what} of {spec.name}(): {exc}"
            return _instead(results, _error_results(client, spec, exc, text))
        except exceptions.ObjectStoreFullError as exc:
            return _instead(results, _stored_error(client, spec, exc))
        except Exception as exc:  # noqa: BLE001 - storing failed (disk, memory): a value, not a crash
            text = f"Could not store the result of {spec.name}(): {type(exc).__name__}: {exc}"
            return _instead(results, _error_results(client, spec, exc, text))
        results.append((oid, data, ser.contained))
    return results


def _instead(written: list, errors: list) -> list:
    """``errors`` for every return value, once one of them could not be stored: the files
    already written for the others are deleted (the scheduler drops their reservations when the
    errors arrive), or they would hold shared memory until shutdown."""
    for _, data, _ in written:
        if data.kind == "shm":
            shm.delete(data.payload[0])
    return errors


def _arguments(spec: TaskSpec, values: dict[bytes, ObjectData]):
    def resolve(index: int, what: str):
        oid = spec.deps[index]
        try:
            return _value_of(values[oid], oid)
        except Exception as exc:  # noqa: BLE001
            raise _Failure(f"Could not unpickle {what} of {spec.name}(): {type(exc).__name__}: {exc}") from exc

    try:
        packed = serialization.deserialize(*spec.args.payload)
    except Exception as exc:  # noqa: BLE001
        raise _Failure(f"Could not unpickle the arguments of {spec.name}(): {type(exc).__name__}: {exc}") from exc
    if isinstance(packed, ArgsInStore):
        packed = resolve(packed.index, "the arguments")
    args, kwargs = packed
    args = [resolve(a.index, f"argument {i}") if isinstance(a, ArgRef) else a for i, a in enumerate(args)]
    kwargs = {k: resolve(v.index, f"argument {k!r}") if isinstance(v, ArgRef) else v
              for k, v in kwargs.items()}
    return args, kwargs


def _split_returns(spec: TaskSpec, result) -> list:
    n = len(spec.return_ids)
    if inspect.isgenerator(result):
        result = list(result)
        if len(result) != n:
            msg = f"{spec.name}() yielded {len(result)} values but num_returns={n}."
            raise ValueError(msg)
        return result
    if n == 1:
        return [result]
    if n == 0:
        return []
    try:
        outputs = list(result)
    except TypeError:
        msg = f"{spec.name}() returned a {type(result).__name__}, but num_returns={n} needs a sequence of {n} values."
        raise ValueError(msg) from None
    if len(outputs) != n:
        msg = f"{spec.name}() returned {len(outputs)} values but num_returns={n}."
        raise ValueError(msg)
    return outputs


def _should_retry(spec: TaskSpec, exc: Exception) -> bool:
    retry = spec.retry_exceptions
    if isinstance(retry, bool):
        return retry
    return isinstance(exc, serialization.loads(retry))


def _user_traceback(exc: BaseException) -> str:
    """The traceback without the runtime's own frames: users see where their code failed."""
    te = traceback.TracebackException.from_exception(exc)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if not os.path.normcase(os.path.abspath(f.filename)).startswith(_RUNTIME_DIR)])
    return "".join(te.format())


def _error_results(client, spec: TaskSpec, cause: BaseException | None, text: str):
    try:
        serialization.loads(serialization.dumps(cause))
    except Exception:  # noqa: BLE001 - one that cannot make the round trip travels as text
        cause = None
    error = exceptions.RayTaskError(spec.name, text, cause, os.getpid(),
                                    type(cause).__name__ if cause else None)
    return _stored_error(client, spec, error)


def _stored_error(client, spec: TaskSpec, error: BaseException):
    data = serialization.inline_data(serialize(error), is_error=True)
    return [(oid, data, []) for oid in spec.return_ids]
