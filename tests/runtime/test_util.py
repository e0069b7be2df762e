"""runtime.util: ActorPool, Queue and multiprocessing.Pool with Ray's (and the stdlib's) semantics."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue as std_queue
import time

import psutil
import pytest

import runtime
from runtime.exceptions import RayActorError
from runtime.util import ActorPool
from runtime.util.multiprocessing import Pool
from runtime.util.queue import Empty, Full, Queue

pytestmark = pytest.mark.timeout(60)


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def pid_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# ---- ActorPool -----------------------------------------------------------------------------

@runtime.remote
class Doubler:
    def double(self, value):
        return 2 * value

    def nap(self, seconds):
        time.sleep(seconds)
        return seconds


def double(actor, value):
    return actor.double.remote(value)


def nap(actor, seconds):
    return actor.nap.remote(seconds)


@pytest.fixture
def two_actors(shared_ray):
    actors = [Doubler.remote(), Doubler.remote()]
    runtime.get([a.double.remote(0) for a in actors])
    yield actors
    for actor in actors:
        runtime.kill(actor)


def test_actor_pool_map_is_ordered(two_actors):
    pool = ActorPool(two_actors)
    assert list(pool.map(double, range(10))) == [2 * i for i in range(10)]
    assert list(pool.map(double, [])) == []


def test_actor_pool_map_unordered_yields_as_ready(two_actors):
    pool = ActorPool(two_actors)
    results = list(pool.map_unordered(nap, [0.8, 0.05, 0.05]))
    assert sorted(results) == [0.05, 0.05, 0.8]
    assert results[-1] == 0.8  # the slow one comes last, not first


def test_actor_pool_submit_and_get_next(two_actors):
    pool = ActorPool(two_actors)
    assert not pool.has_next()
    with pytest.raises(StopIteration):
        pool.get_next()
    for value in (1, 2, 3):  # more than the actors: the third waits for a free one
        pool.submit(double, value)
    assert pool.has_next()
    assert not pool.has_free()
    assert [pool.get_next(), pool.get_next(), pool.get_next()] == [2, 4, 6]
    assert not pool.has_next()
    with pytest.raises(StopIteration):
        pool.get_next_unordered()


def test_actor_pool_get_next_timeout(two_actors):
    pool = ActorPool(two_actors)
    pool.submit(nap, 0.5)
    with pytest.raises(TimeoutError):
        pool.get_next(timeout=0.05)
    assert pool.has_next()  # still pending: a later get_next returns it
    assert pool.get_next() == 0.5
    pool.submit(nap, 0.5)
    with pytest.raises(TimeoutError):
        pool.get_next(timeout=0.05, ignore_if_timedout=True)
    assert not pool.has_next()  # skipped
    assert pool.has_free()


def test_actor_pool_get_next_unordered(two_actors):
    pool = ActorPool(two_actors)
    pool.submit(nap, 0.6)
    pool.submit(nap, 0.01)
    assert pool.get_next_unordered() == 0.01
    with pytest.raises(TimeoutError):
        pool.get_next_unordered(timeout=0.05)
    assert pool.get_next_unordered() == 0.6


def test_actor_pool_idle_actors(two_actors):
    pool = ActorPool(two_actors)
    assert pool.has_free()
    actor = pool.pop_idle()
    assert actor in two_actors
    other = pool.pop_idle()
    assert {actor, other} == set(two_actors)
    assert pool.pop_idle() is None
    assert not pool.has_free()
    pool.push(actor)
    with pytest.raises(ValueError):
        pool.push(actor)
    pool.submit(nap, 0.3)
    with pytest.raises(ValueError):  # busy actors belong to the pool too
        pool.push(actor)
    assert pool.get_next() == 0.3
    pool.push(other)
    assert list(pool.map(double, [1, 2, 3, 4])) == [2, 4, 6, 8]


# ---- Queue ---------------------------------------------------------------------------------

def test_queue_fifo_and_sizes(shared_ray):
    q = Queue(maxsize=3)
    assert q.empty() and not q.full() and q.qsize() == 0 and q.size() == 0
    for item in ("a", "b", "c"):
        q.put(item)
    assert q.full() and q.qsize() == 3 and len(q) == 3
    assert [q.get(), q.get_nowait(), q.get(block=False)] == ["a", "b", "c"]
    assert q.empty()
    q.shutdown()


def test_queue_empty_and_full_errors(shared_ray):
    q = Queue(maxsize=1)
    with pytest.raises(Empty) as info:
        q.get_nowait()
    assert isinstance(info.value, std_queue.Empty)
    start = time.monotonic()
    with pytest.raises(Empty):
        q.get(timeout=0.3)
    assert time.monotonic() - start >= 0.25
    q.put_nowait(1)
    with pytest.raises(Full) as info:
        q.put_nowait(2)
    assert isinstance(info.value, std_queue.Full)
    start = time.monotonic()
    with pytest.raises(Full):
        q.put(2, timeout=0.3)
    assert time.monotonic() - start >= 0.25
    with pytest.raises(Full):
        q.put(2, block=False)
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    assert q.get() == 1
    q.shutdown()


def test_queue_batches_are_all_or_nothing(shared_ray):
    q = Queue(maxsize=4)
    q.put_nowait_batch([1, 2, 3])
    with pytest.raises(Full):
        q.put_nowait_batch([4, 5])
    assert q.qsize() == 3
    with pytest.raises(Empty):
        q.get_nowait_batch(4)
    assert q.get_nowait_batch(2) == [1, 2]
    assert q.get_nowait_batch(0) == []
    with pytest.raises(TypeError):
        q.put_nowait_batch(5)
    with pytest.raises(ValueError):
        q.get_nowait_batch(-1)
    assert q.get() == 3
    q.shutdown()


def test_queue_blocking_get_waits_for_a_put(shared_ray):
    @runtime.remote
    def put_later(q, item):
        time.sleep(0.3)
        q.put(item)

    q = Queue()
    start = time.monotonic()
    done = put_later.remote(q, "late")
    assert q.get(timeout=10) == "late"
    assert time.monotonic() - start >= 0.25
    runtime.get(done)
    q.shutdown()


def test_queue_blocking_put_waits_for_room(shared_ray):
    @runtime.remote
    def take_later(q):
        time.sleep(0.3)
        return q.get()

    q = Queue(maxsize=1)
    q.put("first")
    taken = take_later.remote(q)
    start = time.monotonic()
    q.put("second", timeout=10)
    assert time.monotonic() - start >= 0.25
    assert runtime.get(taken) == "first"
    assert q.get() == "second"
    q.shutdown()


def test_queue_task_producer_and_actor_consumer(shared_ray):
    @runtime.remote
    def produce(q, n):
        for i in range(n):
            q.put(i)
        q.put(None)

    @runtime.remote
    class Consumer:
        def drain(self, q):
            items = []
            while (item := q.get(timeout=10)) is not None:
                items.append(item)
            return items

    q = Queue(maxsize=5)  # smaller than the stream: the producer blocks on a full queue
    consumer = Consumer.remote()
    items = consumer.drain.remote(q)
    runtime.get(produce.remote(q, 20))
    assert runtime.get(items) == list(range(20))
    runtime.kill(consumer)
    q.shutdown()


def test_queue_pickles_and_shares_state(shared_ray):
    q = Queue()
    copy = pickle.loads(pickle.dumps(q))
    copy.put("via copy")
    assert q.get(timeout=5) == "via copy"
    q.shutdown()


def test_queue_actor_options_and_shutdown(shared_ray):
    q = Queue(actor_options={"name": "the-queue", "num_cpus": 1})
    q.put(1)
    assert runtime.available_resources().get("CPU", 0) == 1
    assert runtime.get_actor("the-queue") is not None
    actor = q.actor
    q.shutdown()
    with pytest.raises(RayActorError):
        runtime.get(actor.qsize.remote())
    assert wait_until(lambda: runtime.available_resources().get("CPU", 0) == 2, timeout=5)


# ---- multiprocessing.Pool ------------------------------------------------------------------

_INIT_VALUE = None


def set_init_value(value):
    global _INIT_VALUE
    _INIT_VALUE = value


def read_init_value(_):
    return _INIT_VALUE


def square(x):
    return x * x


def add(a, b):
    return a + b


def add_kw(a, b=0, *, c=0):
    return a + b + c


def reciprocal(x):
    return 1 / x


def pid_of(_):
    return os.getpid()


def sleep_then(seconds):
    time.sleep(seconds)
    return seconds


@pytest.fixture(scope="module")
def std_pool(shared_ray):
    """The standard library's pool: what our Pool must agree with."""
    with multiprocessing.get_context("fork").Pool(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def pool(shared_ray):
    with Pool(2) as p:
        yield p


def test_pool_agrees_with_the_standard_library(pool, std_pool):
    data = list(range(23))
    assert pool.map(square, data) == std_pool.map(square, data)
    assert pool.map(square, data, chunksize=4) == std_pool.map(square, data, chunksize=4)
    assert pool.map(square, []) == std_pool.map(square, []) == []
    assert list(pool.imap(square, data)) == list(std_pool.imap(square, data))
    assert list(pool.imap(square, iter(data), chunksize=5)) == list(std_pool.imap(square, iter(data), chunksize=5))
    assert sorted(pool.imap_unordered(square, data)) == sorted(std_pool.imap_unordered(square, data))
    pairs = [(i, 10 * i) for i in range(9)]
    assert pool.starmap(add, pairs) == std_pool.starmap(add, pairs)
    assert pool.starmap_async(add, pairs).get(10) == std_pool.starmap_async(add, pairs).get(10)
    assert pool.map_async(square, data).get(10) == std_pool.map_async(square, data).get(10)
    assert pool.apply(add_kw, (1, 2), {"c": 3}) == std_pool.apply(add_kw, (1, 2), {"c": 3}) == 6
    ours = [pool.apply_async(add, (i, i)) for i in range(5)]
    theirs = [std_pool.apply_async(add, (i, i)) for i in range(5)]
    assert [r.get(10) for r in ours] == [r.get(10) for r in theirs]


def test_pool_async_result(pool):
    result = pool.apply_async(sleep_then, (0.5,))
    assert not result.ready()
    with pytest.raises(ValueError):
        result.successful()  # not ready yet
    with pytest.raises(multiprocessing.TimeoutError):
        result.get(timeout=0.05)
    result.wait(10)
    assert result.ready() and result.successful()
    assert result.get() == 0.5


def test_pool_callbacks(pool):
    got, errors = [], []
    pool.map_async(square, [1, 2, 3], callback=got.append).wait(10)
    pool.apply_async(reciprocal, (0,), error_callback=errors.append).wait(10)
    assert wait_until(lambda: got and errors, timeout=5)
    assert got == [[1, 4, 9]]
    assert type(errors[0]) is ZeroDivisionError


def test_pool_exception_is_the_original_type(pool, std_pool):
    with pytest.raises(ZeroDivisionError) as ours:
        pool.map(reciprocal, [1, 0, 2])
    with pytest.raises(ZeroDivisionError) as theirs:
        std_pool.map(reciprocal, [1, 0, 2])
    assert type(ours.value) is type(theirs.value) is ZeroDivisionError
    assert "reciprocal" in str(ours.value.__cause__)  # the remote traceback is chained
    result = pool.apply_async(reciprocal, (0,))
    result.wait(10)
    assert not result.successful()
    with pytest.raises(ZeroDivisionError):
        result.get()
    with pytest.raises(ZeroDivisionError):
        list(pool.imap(reciprocal, [1, 0]))


def test_pool_chunksize_is_respected(pool):
    pids = pool.map(pid_of, range(12), chunksize=6)
    assert len(set(pids[:6])) == 1 and len(set(pids[6:])) == 1
    pids = list(pool.imap(pid_of, range(12), chunksize=4))
    assert all(len(set(pids[i:i + 4])) == 1 for i in range(0, 12, 4))
    with pytest.raises(ValueError):
        pool.imap(square, [1], chunksize=0)


def test_pool_runs_on_processes_actors(pool):
    pids = set(pool.map(pid_of, range(40), chunksize=1))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2
    start = time.monotonic()
    pool.map(sleep_then, [0.4, 0.4], chunksize=1)
    assert time.monotonic() - start < 0.75  # the two ran in parallel


def test_pool_initializer_runs_in_every_process(shared_ray, std_pool):
    with Pool(2, initializer=set_init_value, initargs=("ready",)) as pool:
        assert pool.map(read_init_value, range(6)) == ["ready"] * 6
    with multiprocessing.get_context("fork").Pool(2, initializer=set_init_value, initargs=("ready",)) as std:
        assert std.map(read_init_value, range(6)) == ["ready"] * 6


def test_pool_maxtasksperchild_replaces_processes(shared_ray):
    with Pool(1, initializer=set_init_value, initargs=("fresh",), maxtasksperchild=1) as pool:
        pids = pool.map(pid_of, range(4), chunksize=1)
        assert len(set(pids)) == 4
        assert pool.map(read_init_value, range(2), chunksize=1) == ["fresh", "fresh"]


def test_pool_context_manager_terminates(shared_ray):
    with Pool(2) as pool:
        pids = set(pool.map(pid_of, range(8), chunksize=1))
    with pytest.raises(ValueError):
        pool.map(square, [1])
    assert wait_until(lambda: all(pid_gone(p) for p in pids))


def test_pool_close_and_join(shared_ray):
    pool = Pool(2)
    results = pool.map_async(sleep_then, [0.2, 0.2, 0.2], chunksize=1)
    pids = set(pool.map(pid_of, range(4), chunksize=1))
    with pytest.raises(ValueError):
        pool.join()  # still running
    pool.close()
    with pytest.raises(ValueError):
        pool.apply(square, (2,))
    pool.join()
    assert results.ready() and results.get() == [0.2, 0.2, 0.2]
    assert wait_until(lambda: all(pid_gone(p) for p in pids))


def test_pool_arguments_are_checked(shared_ray):
    with pytest.raises(ValueError):
        Pool(0)
    with pytest.raises(TypeError):
        Pool(1, initializer=42)
