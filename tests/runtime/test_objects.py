"""put / get semantics and the ObjectRef handle: hashing, equality, pickling, await, future()."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import pickle
import time

import cloudpickle
import numpy as np
import pytest

import runtime
from runtime import ObjectRef
from runtime.exceptions import GetTimeoutError, RayTaskError

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def ray(shared_ray):
    return shared_ray


@runtime.remote
def sleep_then(value, seconds):
    time.sleep(seconds)
    return value


@runtime.remote
def fail(msg):
    raise ValueError(msg)


# ---- put / get --------------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, 0, -1.5, "text", b"bytes", [1, [2, {"k": (3,)}]],
                                   {"a": 1}, {1, 2}, np.arange(10)])
def test_put_get_roundtrip(ray, value):
    out = ray.get(ray.put(value))
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(out, value)
    else:
        assert out == value and type(out) is type(value)


def test_put_returns_object_ref(ray):
    assert isinstance(ray.put(1), ObjectRef)


def test_put_of_object_ref_is_rejected(ray):
    with pytest.raises(TypeError):
        ray.put(ray.put(1))


def test_get_of_list_keeps_input_order(ray):
    # finish in reverse order of submission
    refs = [sleep_then.remote(i, 0.3 - 0.1 * i) for i in range(3)]
    assert ray.get(refs, timeout=20) == [0, 1, 2]
    assert ray.get(list(reversed(refs)), timeout=20) == [2, 1, 0]


def test_get_of_same_ref_twice_in_a_list(ray):
    ref = ray.put("x")
    assert ray.get([ref, ref]) == ["x", "x"]


def test_get_of_repeated_refs_waits_for_every_object(ray):
    # the repeated ref arrives first: counted once per listing, it would end the wait early
    fast, slow = sleep_then.remote(1, 0.0), sleep_then.remote(2, 0.3)
    assert ray.get([fast, slow, fast, slow]) == [1, 2, 1, 2]


def test_get_of_empty_list(ray):
    assert ray.get([]) == []


@pytest.mark.parametrize("bad", [1, "ref", [1, 2], None])
def test_get_of_non_ref_raises_value_error(ray, bad):
    with pytest.raises(ValueError):
        ray.get(bad)


def test_get_raises_first_error_without_waiting_for_slow_others(ray):
    slow = sleep_then.remote("late", 30)
    bad = fail.remote("early failure")
    start = time.monotonic()
    with pytest.raises(ValueError, match="early failure"):
        ray.get([slow, bad], timeout=40)
    assert time.monotonic() - start < 10
    ray.cancel(slow)
    with pytest.raises(runtime.exceptions.TaskCancelledError):
        ray.get(slow, timeout=20)


def test_get_timeout_raises_get_timeout_error_and_task_keeps_running(ray):
    ref = sleep_then.remote("finished", 1.0)
    start = time.monotonic()
    with pytest.raises(GetTimeoutError) as info:
        ray.get(ref, timeout=0.2)
    assert isinstance(info.value, TimeoutError)
    assert 0.15 <= time.monotonic() - start < 1.0
    assert ray.get(ref, timeout=20) == "finished"


def test_get_timeout_zero_on_ready_object(ray):
    ref = ray.put(5)
    assert ray.get(ref, timeout=0) == 5


def test_get_negative_timeout_is_rejected(ray):
    with pytest.raises(ValueError):
        ray.get(ray.put(1), timeout=-1)


# ---- ObjectRef ---------------------------------------------------------------------------

def test_object_ref_hash_and_equality(ray):
    a = ray.put(1)
    b = ray.put(1)
    a_again = pickle.loads(pickle.dumps(a))
    assert a == a_again and hash(a) == hash(a_again)
    assert a != b
    assert a != "not a ref"
    assert len({a, b, a_again}) == 2
    table = {a: "A", b: "B"}
    assert table[a_again] == "A"
    assert isinstance(a.hex(), str) and a.hex() != b.hex()


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_object_ref_pickle_roundtrip(ray, dumps):
    ref = ray.put({"payload": 1})
    copy = pickle.loads(dumps(ref))
    assert copy == ref
    assert ray.get(copy) == {"payload": 1}


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_ref_pickled_by_user_is_usable_in_a_task(ray, dumps):
    @ray.remote
    def read(blob):
        ref = pickle.loads(blob)[0]
        return float(ray.get(ref).sum())

    inner = ray.put(np.ones(200_000))  # big enough to live in shared memory
    assert ray.get(read.remote(dumps([inner])), timeout=20) == 200_000.0


def test_get_of_freed_object_raises_object_lost_error(ray):
    """Out-of-band pickling hides a ref from reference counting (Ray's documented anti-pattern);
    getting it after the object was freed must raise, not hang."""
    ref = ray.put(np.ones(200_000))
    blob = pickle.dumps(ref)
    del ref
    gc.collect()
    time.sleep(0.5)
    start = time.monotonic()
    with pytest.raises(runtime.exceptions.ObjectLostError):
        ray.get(pickle.loads(blob), timeout=3)
    assert time.monotonic() - start < 5


def test_nested_ref_in_task_argument_keeps_object_alive(ray):
    @ray.remote
    def read_later(holder):
        time.sleep(0.5)
        return float(ray.get(holder[0]).sum())

    inner = ray.put(np.ones(200_000))
    out = read_later.remote([inner])
    del inner
    gc.collect()
    assert ray.get(out, timeout=20) == 200_000.0


def test_task_ref_nested_in_return_value_outlives_the_task(ray):
    @ray.remote
    def leaf():
        return np.full(100_000, 7.0)

    @ray.remote
    def make():
        return [leaf.remote()]

    holder = ray.get(make.remote(), timeout=20)
    time.sleep(0.3)
    gc.collect()
    assert float(ray.get(holder[0], timeout=20)[0]) == 7.0


@pytest.mark.parametrize("nested", [False, True])
def test_put_inside_task_returned_to_driver(ray, nested):
    @ray.remote
    def make():
        ref = ray.put(np.full(10, 7.0))
        return [ref] if nested else ref

    out = ray.get(make.remote(), timeout=20)
    ref = out[0] if nested else out
    assert float(ray.get(ref, timeout=3)[0]) == 7.0


def test_await_ref_in_asyncio(ray):
    async def main():
        one = await sleep_then.remote("awaited", 0.1)
        many = await asyncio.gather(*[sleep_then.remote(i, 0.05) for i in range(3)])
        return one, many

    assert asyncio.run(asyncio.wait_for(main(), 20)) == ("awaited", [0, 1, 2])


def test_await_ref_raises_task_error(ray):
    async def main():
        return await fail.remote("awaited failure")

    with pytest.raises(ValueError, match="awaited failure"):
        asyncio.run(asyncio.wait_for(main(), 20))


def test_future_returns_value(ray):
    fut = sleep_then.remote(99, 0.1).future()
    assert isinstance(fut, concurrent.futures.Future)
    assert fut.result(timeout=20) == 99


def test_future_of_ready_object(ray):
    assert ray.put("ready").future().result(timeout=20) == "ready"


def test_future_carries_exception(ray):
    fut = fail.remote("future failure").future()
    exc = fut.exception(timeout=20)
    assert isinstance(exc, ValueError) and isinstance(exc, RayTaskError)
    assert "future failure" in str(exc)
