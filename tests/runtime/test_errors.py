"""Errors are values: a task's exception is re-raised by get as RayTaskError *and* its own class."""

from __future__ import annotations

import pickle
import threading

import pytest

import runtime
from runtime import exceptions
from runtime.exceptions import RayTaskError

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def ray(shared_ray):
    return shared_ray


class CustomError(Exception):
    def __init__(self, msg, code=0):
        super().__init__(msg)
        self.code = code


@runtime.remote
def user_function_that_fails(x):
    y = x * 2
    raise ValueError(f"bad value {y}")  # the line the traceback must show


def test_task_error_is_both_ray_task_error_and_original_class(ray):
    ref = user_function_that_fails.remote(21)
    with pytest.raises(ValueError) as info:
        ray.get(ref, timeout=20)
    err = info.value
    assert isinstance(err, RayTaskError)
    assert isinstance(err, ValueError)
    assert isinstance(err, exceptions.RayError)
    assert isinstance(err.__cause__, ValueError)
    assert not isinstance(err.__cause__, RayTaskError)
    assert err.__cause__.args == ("bad value 42",)
    assert err.args == ("bad value 42",)


def test_except_original_class_works(ray):
    caught = None
    try:
        ray.get(user_function_that_fails.remote(1), timeout=20)
    except ValueError as exc:
        caught = exc
    assert caught is not None


def test_error_message_contains_remote_traceback(ray):
    with pytest.raises(RayTaskError) as info:
        ray.get(user_function_that_fails.remote(3), timeout=20)
    text = str(info.value)
    assert "user_function_that_fails" in text
    assert "bad value 6" in text
    assert "Traceback" in text
    assert "ValueError" in text


def test_error_message_shows_user_source_line(ray):
    with pytest.raises(RayTaskError) as info:
        ray.get(user_function_that_fails.remote(3), timeout=20)
    text = str(info.value)
    assert 'raise ValueError(f"bad value {y}")' in text  # the user's source line
    assert __file__ in text or "test_errors.py" in text


def test_error_is_raised_again_on_every_get(ray):
    ref = user_function_that_fails.remote(0)
    for _ in range(2):
        with pytest.raises(ValueError):
            ray.get(ref, timeout=20)


def test_custom_exception_keeps_its_attributes(ray):
    @ray.remote
    def raise_custom():
        raise CustomError("custom text", code=42)

    with pytest.raises(CustomError) as info:
        ray.get(raise_custom.remote(), timeout=20)
    assert isinstance(info.value, RayTaskError)
    assert info.value.code == 42
    assert "custom text" in str(info.value)


def test_error_propagates_through_dependent_tasks(ray):
    @ray.remote
    def downstream(x):
        return x + 1

    ref = downstream.remote(user_function_that_fails.remote(5))
    with pytest.raises(ValueError) as info:
        ray.get(ref, timeout=20)
    assert "bad value 10" in str(info.value)


def test_error_propagates_through_nested_get(ray):
    @ray.remote
    def outer():
        return ray.get(user_function_that_fails.remote(7))

    with pytest.raises(ValueError) as info:
        ray.get(outer.remote(), timeout=20)
    assert isinstance(info.value, RayTaskError)
    assert "bad value 14" in str(info.value)


def test_exception_class_that_cannot_be_subclassed(ray):
    @ray.remote
    def raise_final():
        class FinalError(Exception):
            def __init_subclass__(cls, **kwargs):
                raise TypeError("FinalError cannot be subclassed")

        raise FinalError("final text")

    with pytest.raises(RayTaskError) as info:
        ray.get(raise_final.remote(), timeout=20)
    err = info.value
    assert type(err.cause).__name__ == "FinalError"
    assert err.cause.args == ("final text",)
    assert "final text" in str(err)


def test_exception_that_cannot_be_pickled(ray):
    @ray.remote
    def raise_unpicklable():
        class LockedError(Exception):
            def __init__(self, msg):
                super().__init__(msg)
                self.lock = threading.Lock()

        raise LockedError("locked text")

    with pytest.raises(RayTaskError) as info:
        ray.get(raise_unpicklable.remote(), timeout=20)
    text = str(info.value)
    assert "LockedError" in text
    assert "locked text" in text


def test_exception_that_cannot_be_unpickled(ray):
    @ray.remote
    def raise_two_arg():
        class TwoArgError(Exception):  # pickles as TwoArgError("msg") → __init__ fails on load
            def __init__(self, msg, extra):
                super().__init__(msg)
                self.extra = extra

        raise TwoArgError("two-arg text", 1)

    with pytest.raises(exceptions.RayError) as info:
        ray.get(raise_two_arg.remote(), timeout=20)
    text = str(info.value)
    assert "TwoArgError" in text
    assert "two-arg text" in text


# ---- the exception classes -----------------------------------------------------------------

def _instance(cls):
    if issubclass(cls, RayTaskError):
        return cls("fn", "Traceback (most recent call last):\n  ...\nValueError: v", ValueError("v"), 123)
    if cls is exceptions.TaskCancelledError:
        return cls("abc123")
    if issubclass(cls, exceptions.RayActorError):
        return cls("actor gone", True)
    return cls("some message")


@pytest.mark.parametrize("name", exceptions.__all__)
def test_every_exception_class_pickles(name):
    cls = getattr(exceptions, name)
    err = _instance(cls)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert isinstance(copy, exceptions.RayError)
    if isinstance(err, RayTaskError):
        assert copy.function_name == "fn" and copy.pid == 123
        assert isinstance(copy.cause, ValueError)
    if isinstance(err, exceptions.RayActorError):
        assert copy.actor_init_failed is True


def test_dual_task_error_pickles():
    err = RayTaskError("fn", "tb text", KeyError("k")).as_instanceof_cause()
    assert isinstance(err, KeyError)
    copy = pickle.loads(pickle.dumps(err))
    assert isinstance(copy, KeyError) and isinstance(copy, RayTaskError)
    assert "tb text" in str(copy)


def test_get_timeout_error_is_a_timeout_error():
    assert issubclass(exceptions.GetTimeoutError, TimeoutError)
    assert issubclass(exceptions.GetTimeoutError, exceptions.RayError)


def test_ray_exception_names_exist():
    for name in ["RayError", "RayTaskError", "TaskCancelledError", "WorkerCrashedError",
                 "ObjectLostError", "ObjectStoreFullError", "GetTimeoutError", "RayActorError",
                 "ActorDiedError", "OutOfMemoryError", "RaySystemError"]:
        assert issubclass(getattr(exceptions, name), exceptions.RayError)
