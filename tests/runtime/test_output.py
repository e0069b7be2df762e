"""print inside a task shows up in the driver, prefixed with the worker's pid (as in Ray).

The driver writes forwarded lines to ``sys.stdout`` from a background thread; the tests catch
them by swapping ``sys.stdout``/``sys.stderr`` for buffers inside the test body (pytest's
``capfd.readouterr`` reads then truncates its file, which drops a line written by another thread
in between; and a swap made in a fixture is undone when pytest resumes its own capture).
"""

from __future__ import annotations

import io
import os
import sys
import time

import pytest

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def capture_driver(monkeypatch):
    """Call in the test body; returns ``read_until(needle) -> (stdout, stderr)``."""
    def start():
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        return lambda needle, timeout=10.0: read_until(out, err, needle, timeout)

    def read_until(out, err, needle, timeout):
        deadline = time.monotonic() + timeout
        while needle not in out.getvalue() + err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # lines after the needle
        return out.getvalue(), err.getvalue()

    return start


def test_print_in_task_reaches_driver_stdout_with_pid(ray, capture_driver):
    driver_output = capture_driver()

    @ray.remote
    def talk():
        print("hello from the task 7f3a")
        return os.getpid()

    pid = ray.get(talk.remote(), timeout=20)
    out, _ = driver_output("hello from the task 7f3a")
    lines = [line for line in out.splitlines() if "hello from the task 7f3a" in line]
    assert len(lines) == 1, out
    assert str(pid) in lines[0]
    assert lines[0].index(str(pid)) < lines[0].index("hello from the task")  # a prefix


def test_stderr_in_task_reaches_driver(ray, capture_driver):
    driver_output = capture_driver()

    @ray.remote
    def complain():
        print("warning from the task 9c1b", file=sys.stderr)
        return os.getpid()

    pid = ray.get(complain.remote(), timeout=20)
    out, err = driver_output("warning from the task 9c1b")
    lines = [line for line in (out + err).splitlines() if "warning from the task 9c1b" in line]
    assert len(lines) == 1
    assert str(pid) in lines[0]


def test_many_lines_arrive_in_order(ray, capture_driver):
    driver_output = capture_driver()

    @ray.remote
    def count():
        for i in range(20):
            print(f"line-{i:02d}-e5d")
        return True

    ray.get(count.remote(), timeout=20)
    out, _ = driver_output("line-19-e5d")
    found = [line.split("line-")[1][:2] for line in out.splitlines() if "-e5d" in line]
    assert found == [f"{i:02d}" for i in range(20)]


def test_output_of_parallel_tasks_is_not_interleaved_within_lines(ray, capture_driver):
    driver_output = capture_driver()

    @ray.remote
    def chatter(tag):
        for i in range(10):
            print(f"[{tag}:{i}] " + tag * 50)
        return os.getpid()

    pids = ray.get([chatter.remote(t) for t in "AB"], timeout=20)
    out, _ = driver_output("[B:9]")
    out, _ = driver_output("[A:9]")
    for tag, pid in zip("AB", pids):
        lines = [line for line in out.splitlines() if f"[{tag}:" in line]
        assert len(lines) == 10
        assert all(line.endswith(tag * 50) and str(pid) in line for line in lines)
