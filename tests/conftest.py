"""Shared fixtures: a runtime per test (or per module) and a check that nothing is left behind."""

from __future__ import annotations

import contextlib
import os
import time

import psutil
import pytest

import runtime


def our_processes() -> list[psutil.Process]:
    """Live (not zombie) processes started by this test process, at any depth."""
    alive = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    return alive


def assert_clean(paths: list[str], timeout: float = 5.0) -> None:
    """No child process of ours and none of the given session paths remain."""
    deadline = time.monotonic() + timeout
    while True:
        procs, left = our_processes(), [p for p in paths if os.path.exists(p)]
        if not procs and not left:
            return
        if time.monotonic() > deadline:
            cmds = [" ".join(p.cmdline())[:120] for p in procs]
            pytest.fail(f"left behind: processes {cmds}, paths {left}")
        time.sleep(0.05)


def session_paths() -> list[str]:
    node = runtime.api._node
    return [node.shm_dir, node.session_dir] if node is not None else []


@contextlib.contextmanager
def running(**init_kwargs):
    """``runtime.init(**init_kwargs)`` for the block; then shut down and assert nothing is left."""
    runtime.init(**init_kwargs)
    paths = session_paths() + [runtime.api._node.spill_dir]   # created later, if ever
    try:
        yield runtime
    finally:
        runtime.shutdown()
        assert_clean(paths)


@pytest.fixture
def ray():
    """A fresh runtime with 2 CPUs for one test; asserts a clean shutdown."""
    with running(num_cpus=2) as rt:
        yield rt


@pytest.fixture(scope="module")
def shared_ray():
    """One runtime for a whole module of tests that do not disturb it."""
    with running(num_cpus=2) as rt:
        yield rt
