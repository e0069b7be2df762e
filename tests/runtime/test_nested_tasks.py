"""Tasks that submit tasks and block in get must not deadlock, even on one CPU: a worker blocked
in get gives its CPU slot back (as Ray does)."""

from __future__ import annotations

import pytest

import runtime
from tests.conftest import running

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def one_cpu():
    with running(num_cpus=1) as rt:
        yield rt


@runtime.remote
def fib(n):
    if n < 2:
        return n
    return sum(runtime.get([fib.remote(n - 1), fib.remote(n - 2)]))


def test_shallow_recursive_fibonacci_on_one_cpu(one_cpu):
    assert runtime.get(fib.remote(3), timeout=20) == 2


def test_recursive_fibonacci_on_one_cpu(one_cpu):
    assert runtime.get(fib.remote(5), timeout=30) == 5


@runtime.remote
def depth(n):
    if n == 0:
        return "bottom"
    return runtime.get(depth.remote(n - 1))


def test_nested_get_chain_of_three_on_one_cpu(one_cpu):
    assert runtime.get(depth.remote(3), timeout=20) == "bottom"


def test_nested_get_chain_of_six_on_one_cpu(one_cpu):
    assert runtime.get(depth.remote(6), timeout=30) == "bottom"


def test_one_cpu_runs_one_task_at_a_time(one_cpu, tmp_path):
    """Giving the slot back while blocked must not turn into running two CPU tasks at once."""
    import os
    import time

    @runtime.remote
    def mark(i, d):
        path = os.path.join(d, "running")
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # fails if another task is inside
        os.close(fd)
        time.sleep(0.1)
        os.unlink(path)
        return i

    assert runtime.get([mark.remote(i, str(tmp_path)) for i in range(5)], timeout=50) == list(range(5))
