"""init / shutdown / is_initialized, Ray's init keyword arguments, cluster resources, and the
driver's world (cwd, environment, sys.path) as workers see it."""

from __future__ import annotations

import logging
import os
import textwrap

import pytest

import runtime
from tests.conftest import assert_clean, session_paths

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fresh():
    """No runtime before the test; whatever the test starts is shut down and checked after."""
    assert not runtime.is_initialized()
    try:
        yield runtime
    finally:
        paths = session_paths()
        runtime.shutdown()
        assert_clean(paths)


def test_init_shutdown_is_initialized(fresh):
    assert not runtime.is_initialized()
    runtime.init(num_cpus=1)
    assert runtime.is_initialized()
    paths = session_paths()
    assert all(os.path.exists(p) for p in paths)
    runtime.shutdown()
    assert not runtime.is_initialized()
    assert_clean(paths)
    runtime.shutdown()  # a second shutdown is a no-op, as in Ray


def test_init_again_after_shutdown(fresh):
    runtime.init(num_cpus=1)
    runtime.shutdown()
    runtime.init(num_cpus=1)
    assert runtime.get(runtime.put("again")) == "again"


def test_second_init_raises_runtime_error(fresh):
    runtime.init(num_cpus=1)
    with pytest.raises(RuntimeError, match="ignore_reinit_error"):
        runtime.init(num_cpus=1)
    assert runtime.is_initialized()
    assert runtime.get(runtime.put(1)) == 1


def test_second_init_with_ignore_reinit_error(fresh):
    runtime.init(num_cpus=1)
    ref = runtime.put("kept")
    runtime.init(num_cpus=1, ignore_reinit_error=True)
    assert runtime.is_initialized()
    assert runtime.get(ref) == "kept"  # the same runtime: objects survive


def test_init_as_context_manager(fresh):
    with runtime.init(num_cpus=1):
        assert runtime.is_initialized()
        assert runtime.get(runtime.put(3)) == 3
    assert not runtime.is_initialized()


def test_ray_init_kwargs_accepted_and_runtime_env_vars_visible(fresh):
    runtime.init(num_cpus=1, include_dashboard=False, log_to_driver=True,
                 logging_level=logging.INFO, local_mode=False,
                 runtime_env={"env_vars": {"DFRAME_RT_TEST_VAR": "from-runtime-env"}})
    assert "DFRAME_RT_TEST_VAR" not in os.environ  # set for workers, not the driver

    @runtime.remote
    def read_env():
        return os.environ.get("DFRAME_RT_TEST_VAR")

    assert runtime.get(read_env.remote(), timeout=20) == "from-runtime-env"


def test_put_before_init_initializes(fresh):
    ref = runtime.put([1, 2, 3])
    assert runtime.is_initialized()
    assert runtime.get(ref) == [1, 2, 3]


def test_remote_before_init_initializes(fresh):
    @runtime.remote
    def f(x):
        return x * 2

    assert not runtime.is_initialized()  # decorating does not start anything
    ref = f.remote(21)
    assert runtime.is_initialized()
    assert runtime.get(ref, timeout=20) == 42


def test_cpu_in_init_resources_is_rejected(fresh):
    with pytest.raises(ValueError, match="num_cpus"):
        runtime.init(resources={"CPU": 2})
    assert not runtime.is_initialized()


def test_cluster_and_available_resources(fresh):
    runtime.init(num_cpus=2, resources={"custom": 3})
    total = runtime.cluster_resources()
    assert total["CPU"] == 2
    assert total["custom"] == 3
    avail = runtime.available_resources()
    assert avail["CPU"] == 2
    assert avail["custom"] == 3


def test_available_resources_drop_while_a_task_holds_them(fresh, tmp_path):
    import time

    runtime.init(num_cpus=2, resources={"custom": 3})
    started = tmp_path / "started"

    @runtime.remote(resources={"custom": 2})
    def hold(path):
        open(path, "w").close()
        time.sleep(2)
        return "done"

    ref = hold.remote(str(started))
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    avail = runtime.available_resources()
    assert avail.get("custom", 0) == 1
    assert avail.get("CPU", 0) == 1
    assert runtime.cluster_resources()["custom"] == 3  # the total does not change
    assert runtime.get(ref, timeout=20) == "done"


# ---- the driver's world, as workers see it ------------------------------------------------

def test_worker_cwd_is_driver_cwd(fresh, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runtime.init(num_cpus=1)

    @runtime.remote
    def cwd():
        return os.getcwd()

    assert runtime.get(cwd.remote(), timeout=20) == os.getcwd() == str(tmp_path)


def test_worker_sees_env_var_set_before_init(fresh, monkeypatch):
    monkeypatch.setenv("DFRAME_RT_DRIVER_VAR", "driver-value")
    runtime.init(num_cpus=1)

    @runtime.remote
    def read_env():
        return os.environ.get("DFRAME_RT_DRIVER_VAR")

    assert runtime.get(read_env.remote(), timeout=20) == "driver-value"


def test_worker_imports_module_from_driver_sys_path(fresh, tmp_path, monkeypatch):
    (tmp_path / "dframe_rt_helper_mod.py").write_text(textwrap.dedent("""
        def triple(x):
            return 3 * x
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    runtime.init(num_cpus=1)

    @runtime.remote
    def use_helper(x):
        import dframe_rt_helper_mod

        return dframe_rt_helper_mod.triple(x), dframe_rt_helper_mod.__file__

    value, where = runtime.get(use_helper.remote(5), timeout=20)
    assert value == 15
    assert os.path.dirname(where) == str(tmp_path)
