"""wait() and cancel(), following Ray's semantics."""

from __future__ import annotations

import os
import time

import pytest

import runtime
from runtime.exceptions import TaskCancelledError

pytestmark = pytest.mark.timeout(60)


@runtime.remote
def sleep_then(value, seconds):
    time.sleep(seconds)
    return value


@runtime.remote
def touch_then_sleep(path, seconds):
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(seconds)
    return "not cancelled"


def wait_for_file(path, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or os.path.getsize(path) == 0:
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


# ---- wait ------------------------------------------------------------------------------

def test_wait_argument_errors(ray):
    ref = ray.put(1)
    with pytest.raises(TypeError):
        ray.wait(ref)
    with pytest.raises(TypeError):
        ray.wait([1, 2])
    with pytest.raises(TypeError):
        ray.wait([ref, "x"])
    with pytest.raises(ValueError):
        ray.wait([ref, ref])
    with pytest.raises(ValueError):
        ray.wait([ref], num_returns=0)
    with pytest.raises(ValueError):
        ray.wait([ref], num_returns=-1)
    with pytest.raises(ValueError):
        ray.wait([ref, ray.put(2)], num_returns=3)


def test_wait_default_returns_one_ready(ray):
    fast = ray.put("fast")
    slow = sleep_then.remote("slow", 2)
    start = time.monotonic()
    ready, not_ready = ray.wait([slow, fast])
    assert time.monotonic() - start < 1.5
    assert ready == [fast] and not_ready == [slow]
    ray.cancel(slow)


def test_wait_keeps_input_order_in_both_lists(ray):
    a, b, c = ray.put("a"), ray.put("b"), ray.put("c")
    s1 = sleep_then.remote(1, 3)
    s2 = sleep_then.remote(2, 3)
    refs = [s1, c, s2, a, b]
    ready, not_ready = ray.wait(refs, num_returns=3, timeout=10)
    assert ready == [c, a, b]
    assert not_ready == [s1, s2]
    ready, not_ready = ray.wait(refs, num_returns=2, timeout=10)
    assert ready == [c, a] and not_ready == [s1, s2, b]
    for r in (s1, s2):
        ray.cancel(r)


def test_wait_timeout_returns_partial_results(ray):
    done = ray.put("done")
    slow = sleep_then.remote("slow", 3)
    start = time.monotonic()
    ready, not_ready = ray.wait([slow, done], num_returns=2, timeout=0.3)
    elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 2
    assert ready == [done] and not_ready == [slow]
    ready, not_ready = ray.wait([slow], timeout=0)
    assert ready == [] and not_ready == [slow]
    ray.cancel(slow)


def test_wait_num_returns_waits_for_that_many(ray):
    refs = [sleep_then.remote(i, 0.2 * (i + 1)) for i in range(3)]
    ready, not_ready = ray.wait(refs, num_returns=2, timeout=20)
    assert len(ready) == 2 and len(not_ready) == 1
    assert set(ready) | set(not_ready) == set(refs)
    assert ray.get(ready) == [0, 1]
    ready, not_ready = ray.wait(refs, num_returns=3, timeout=20)
    assert ready == refs and not_ready == []


def test_wait_counts_errors_as_ready(ray):
    @ray.remote
    def fail():
        raise ValueError("x")

    bad = fail.remote()
    ready, _ = ray.wait([bad], timeout=20)
    assert ready == [bad]


def test_wait_empty_list(ray):
    assert ray.wait([]) == ([], [])


# ---- cancel ----------------------------------------------------------------------------

def test_cancel_pending_task_never_runs(ray, tmp_path):
    # two workers busy for a while; the third task waits in the queue
    blockers = [touch_then_sleep.remote(str(tmp_path / f"b{i}"), 1.5) for i in range(2)]
    for i in range(2):
        wait_for_file(str(tmp_path / f"b{i}"))
    marker = tmp_path / "pending-ran"
    pending = touch_then_sleep.remote(str(marker), 0)
    ray.cancel(pending)
    with pytest.raises(TaskCancelledError):
        ray.get(pending, timeout=20)
    assert ray.get(blockers, timeout=20) == ["not cancelled"] * 2
    time.sleep(0.3)
    assert not marker.exists()


def test_cancel_running_task_interrupts_it(ray, tmp_path):
    marker = tmp_path / "running"
    ref = touch_then_sleep.remote(str(marker), 30)
    wait_for_file(str(marker))
    start = time.monotonic()
    ray.cancel(ref)
    with pytest.raises(TaskCancelledError):
        ray.get(ref, timeout=20)
    assert time.monotonic() - start < 5
    assert ray.get(sleep_then.remote("still usable", 0), timeout=20) == "still usable"


def test_cancel_force_kills_the_worker(ray, tmp_path):
    import psutil

    marker = tmp_path / "forced"
    ref = touch_then_sleep.remote(str(marker), 30)
    wait_for_file(str(marker))
    pid = int(marker.read_text())
    ray.cancel(ref, force=True)
    with pytest.raises(TaskCancelledError):
        ray.get(ref, timeout=20)
    deadline = time.monotonic() + 5
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the worker survived cancel(force=True)"
        time.sleep(0.05)
    assert ray.get([sleep_then.remote(i, 0) for i in range(4)], timeout=20) == [0, 1, 2, 3]


def test_task_depending_on_cancelled_ref_is_cancelled(ray, tmp_path):
    @ray.remote
    def consume(x, path):
        open(path, "w").close()
        return x

    upstream = sleep_then.remote("up", 30)
    marker = tmp_path / "consumer-ran"
    downstream = consume.remote(upstream, str(marker))
    ray.cancel(upstream)
    with pytest.raises(TaskCancelledError):
        ray.get(upstream, timeout=20)
    with pytest.raises(TaskCancelledError):
        ray.get(downstream, timeout=20)
    assert not marker.exists()


def test_cancel_finished_task_is_a_no_op(ray):
    ref = sleep_then.remote("done", 0)
    assert ray.get(ref, timeout=20) == "done"
    ray.cancel(ref)
    assert ray.get(ref, timeout=20) == "done"


def test_cancel_of_non_ref_raises_type_error(ray):
    with pytest.raises(TypeError):
        ray.cancel("not a ref")


def test_runtime_usable_after_many_cancels(ray):
    refs = [sleep_then.remote(i, 10) for i in range(6)]
    for r in refs:
        ray.cancel(r)
    for r in refs:
        with pytest.raises(TaskCancelledError):
            ray.get(r, timeout=20)
    assert ray.get([sleep_then.remote(i, 0) for i in range(6)], timeout=20) == list(range(6))
