"""Ray's exception hierarchy, so code that catches Ray errors catches ours.

Every class pickles (errors travel between processes as values) and each docstring says when it
is raised.
"""

from __future__ import annotations

import builtins


class RayError(Exception):
    """Base of every error the runtime raises."""


class RaySystemError(RayError):
    """The runtime itself failed (the scheduler died, a message could not be decoded)."""


class RayTaskError(RayError):
    """A task (or actor method) raised; ``get`` re-raises it.

    ``get`` raises an instance of both this class and the original exception's class (see
    ``as_instanceof_cause``), so ``except ValueError`` keeps working.  ``cause`` is the original
    exception (or ``None`` if it could not be pickled), and the remote traceback is in the message.
    """

    def __init__(self, function_name: str, traceback_str: str, cause: BaseException | None,
                 pid: int | None = None, cause_type_name: str | None = None):
        self.function_name = function_name
        self.traceback_str = traceback_str
        self.cause = cause
        self.pid = pid
        self.cause_type_name = cause_type_name or (type(cause).__name__ if cause else "Exception")
        super().__init__(self._message())

    def _message(self) -> str:
        return f"{self.function_name}() (pid={self.pid})\n{self.traceback_str.rstrip()}"

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self):
        return (_rebuild_task_error,
                (self.function_name, self.traceback_str, self.cause, self.pid,
                 self.cause_type_name, type(self) is not RayTaskError))

    def as_instanceof_cause(self) -> "RayTaskError":
        """Return an error that is an instance of both RayTaskError and the cause's class."""
        cause = self.cause
        if cause is None or isinstance(cause, RayTaskError):
            return cause if isinstance(cause, RayTaskError) else self
        cls = _dual_class(type(cause))
        if cls is None:
            return self
        err = cls.__new__(cls)
        # BaseException.__new__ does not run __init__; set what both parents need by hand.
        err.args = cause.args
        err.__dict__.update(getattr(cause, "__dict__", {}))
        err.function_name, err.traceback_str, err.cause = self.function_name, self.traceback_str, cause
        err.pid, err.cause_type_name = self.pid, self.cause_type_name
        err.__cause__ = cause
        return err


_DUAL_CLASSES: dict[type, type | None] = {}


def _dual_class(cause_cls: type) -> type | None:
    if cause_cls not in _DUAL_CLASSES:
        try:
            dual = type(f"RayTaskError({cause_cls.__name__})", (RayTaskError, cause_cls),
                        {"__init__": lambda self, *a, **k: None,
                         "__str__": RayTaskError.__str__,
                         "__module__": cause_cls.__module__})
        except TypeError:  # final classes and incompatible C layouts cannot be mixed in
            dual = None
        _DUAL_CLASSES[cause_cls] = dual
    return _DUAL_CLASSES[cause_cls]


def _rebuild_task_error(function_name, traceback_str, cause, pid, cause_type_name, dual):
    err = RayTaskError(function_name, traceback_str, cause, pid, cause_type_name)
    return err.as_instanceof_cause() if dual else err


class TaskCancelledError(RayError):
    """``get`` of a task that was cancelled with ``cancel`` (or of a task depending on it)."""

    def __init__(self, task_id: str | None = None, message: str | None = None):
        self.task_id = task_id
        super().__init__(message or f"Task {task_id} was cancelled")

    def __reduce__(self):
        return (type(self), (self.task_id, str(self)))


class WorkerCrashedError(RayError):
    """The worker process running the task died (and retries, if any, were used up)."""


class ObjectLostError(RayError):
    """An object's only copy was lost and could not be reconstructed."""


class ObjectStoreFullError(RayError):
    """``put`` (or a task's return) does not fit in the object store budget."""


class OutOfMemoryError(RayError):
    """A task was killed because the machine ran out of memory."""


class TaskUnschedulableError(RayError):
    """A task asks for resources that no node has (more CPUs than exist, an unknown resource)."""


class RayActorError(RayError):
    """An actor died (or failed in its constructor); calls to it raise this."""

    def __init__(self, message: str = "The actor died unexpectedly", actor_init_failed: bool = False):
        self.actor_init_failed = actor_init_failed
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (str(self), self.actor_init_failed))


class ActorDiedError(RayActorError):
    """The actor's process is gone, or its constructor raised."""


class GetTimeoutError(RayError, builtins.TimeoutError):
    """``get`` (or ``wait``-based helpers) ran past ``timeout``; the task keeps running."""


class PendingCallsLimitExceeded(RayError):
    """Too many pending calls to one actor."""


__all__ = [name for name, value in dict(globals()).items()
           if isinstance(value, type) and issubclass(value, BaseException)]
