"""Process lifecycle: nothing of ours outlives the driver, however it ends."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

import runtime

from ..conftest import assert_clean, session_paths

pytestmark = pytest.mark.timeout(60)

# A driver script that starts the runtime, reports its session, runs a task, then does `END`.
DRIVER = textwrap.dedent("""
    import json, os, sys, time
    import runtime
    runtime.init(num_cpus=2)
    node = runtime.api._node

    @runtime.remote
    def f(x):
        return x + 1

    assert runtime.get(f.remote(1)) == 2
    kids = [p.pid for p in __import__("psutil").Process(node.proc.pid).children()]
    print(json.dumps({"pids": [node.proc.pid] + kids, "paths": [node.shm_dir, node.session_dir]}), flush=True)
    END
""")


def run_driver(end: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-c", DRIVER.replace("END", end)],
                            stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    return proc, info


def assert_gone(info: dict, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in info["pids"] if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        left = [p for p in info["paths"] if os.path.exists(p)]
        if not alive and not left:
            return
        time.sleep(0.05)
    pytest.fail(f"left behind: pids {alive}, paths {left}")


def test_init_starts_one_worker_per_cpu_and_shutdown_removes_everything():
    runtime.init(num_cpus=3)
    node = runtime.api._node
    paths = session_paths()
    try:
        @runtime.remote
        def pid():
            return os.getpid()

        assert runtime.get(pid.remote()) != os.getpid()
        deadline = time.monotonic() + 10
        while len(psutil.Process(node.proc.pid).children()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(psutil.Process(node.proc.pid).children()) == 3
    finally:
        runtime.shutdown()
    assert_clean(paths)
    assert not runtime.is_initialized()


def test_socket_directory_is_private_to_the_user():
    runtime.init(num_cpus=1)
    try:
        mode = stat.S_IMODE(os.stat(runtime.api._node.session_dir).st_mode)
        assert mode == 0o700
        assert stat.S_IMODE(os.stat(runtime.api._node.shm_dir).st_mode) == 0o700
    finally:
        paths = session_paths()
        runtime.shutdown()
        assert_clean(paths)


def test_nothing_left_when_the_driver_exits_without_shutdown():
    proc, info = run_driver("sys.exit(0)")
    assert proc.wait(timeout=30) == 0
    assert_gone(info)


def test_nothing_left_when_the_driver_is_killed():
    proc, info = run_driver("time.sleep(60)")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert_gone(info)


def test_nothing_left_when_the_driver_dies_mid_task():
    proc, info = run_driver("runtime.get(runtime.remote(lambda: time.sleep(60)).remote())")
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert_gone(info)


def test_ctrl_c_in_get_cancels_the_waited_tasks_and_the_runtime_stays_usable(tmp_path):
    marker = tmp_path / "finished"
    script = DRIVER.replace("END", textwrap.dedent(f"""
        @runtime.remote
        def slow():
            time.sleep(5)
            open({str(marker)!r}, "w").close()
        ref = slow.remote()
        try:
            runtime.get(ref)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        try:
            runtime.get(ref)
        except runtime.exceptions.TaskCancelledError:
            print("cancelled", flush=True)
        print(runtime.get(f.remote(41)), flush=True)
        time.sleep(6)  # long enough for the slow task to have finished, had it not been cancelled
    """))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert out.split() == ["interrupted", "cancelled", "42"]
    assert not marker.exists()
    assert proc.returncode == 0
    assert_gone(info)


def test_worker_crash_is_seen_at_once_and_the_pool_recovers(ray):
    @ray.remote(max_retries=0)
    def die():
        os._exit(3)

    start = time.monotonic()
    with pytest.raises(ray.exceptions.WorkerCrashedError, match="exit code 3"):
        ray.get(die.remote(), timeout=20)
    assert time.monotonic() - start < 5
    assert ray.get(ray.remote(lambda: 7).remote(), timeout=20) == 7


def test_runtime_memory_command_attaches_to_the_running_node(ray):
    import numpy as np

    ref = ray.put(np.ones(500_000))
    small = ray.put("x")
    out = subprocess.run([sys.executable, "-m", "runtime", "memory",
                          "--address", ray.api._node.address],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert ref.hex() in out.stdout and small.hex() in out.stdout
    assert "shared memory" in out.stdout
    # The command only disconnected: the node still runs tasks and holds the objects.
    assert ray.get(ray.remote(lambda x: x.sum()).remote(ref), timeout=20) == 500_000


def test_init_with_an_address_that_has_no_runtime_raises_connection_error(tmp_path):
    with pytest.raises(ConnectionError, match="no runtime"):
        runtime.init(address=f"ipc://{tmp_path}/nothing.sock")
    assert not runtime.is_initialized()


def test_a_request_the_scheduler_cannot_handle_raises_instead_of_hanging(ray):
    from runtime import protocol

    with pytest.raises(ray.exceptions.RaySystemError, match="could not handle"):
        ray.api.client().request(protocol.GET_ACTOR, ["unhashable"], "default", timeout=10)
    assert ray.get(ray.remote(lambda: 1).remote(), timeout=20) == 1
