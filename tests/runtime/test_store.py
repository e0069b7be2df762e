"""The shared-memory object store: zero-copy reads, pandas/Arrow data, identity, freeing."""

from __future__ import annotations

import gc
import os
import time

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest

import runtime

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def ray(shared_ray):
    return shared_ray


def shm_files() -> set[str]:
    return set(os.listdir(runtime.api._node.shm_dir))


def wait_until(predicate, timeout=1.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@runtime.remote
def make_array(n):
    return np.arange(n, dtype=np.float64)


def test_large_numpy_array_is_a_read_only_view(ray):
    arr = np.random.default_rng(0).random(50 * 2**20 // 8)  # 50 MB
    ref = ray.put(arr)
    start = time.monotonic()
    out = ray.get(ref)
    elapsed = time.monotonic() - start
    assert elapsed < 0.05, f"get of 50 MB took {elapsed * 1000:.1f} ms: not zero-copy?"
    assert out.flags.writeable is False
    assert out.base is not None
    assert out.dtype == arr.dtype and out.shape == arr.shape
    np.testing.assert_array_equal(out, arr)
    with pytest.raises(ValueError):
        out[0] = 1.0


def test_large_array_returned_by_task_is_fast_to_get(ray):
    n = 50 * 2**20 // 8
    ref = make_array.remote(n)
    ray.wait([ref], timeout=30)
    start = time.monotonic()
    out = ray.get(ref)
    elapsed = time.monotonic() - start
    assert elapsed < 0.05, f"get of a 50 MB task result took {elapsed * 1000:.1f} ms"
    assert out.flags.writeable is False
    assert out[0] == 0 and out[-1] == n - 1 and out.shape == (n,)


def test_large_array_passed_to_task_is_a_view_there_too(ray):
    @ray.remote
    def inspect(a):
        return a.flags.writeable, a.base is not None, float(a[-1])

    ref = ray.put(np.arange(1_000_000, dtype=np.float64))
    assert ray.get(inspect.remote(ref), timeout=20) == (False, True, 999_999.0)


def _frame(n):
    return pd.DataFrame({"a": np.arange(n), "b": np.linspace(0, 1, n),
                         "c": [f"s{i}" for i in range(n)]})


@pytest.mark.parametrize("n", [10, 50_000])  # inline and shared-memory
def test_dataframe_roundtrip(ray, n):
    df = _frame(n)
    out = ray.get(ray.put(df))
    pdt.assert_frame_equal(out, df)


@pytest.mark.parametrize("n", [10, 50_000])
def test_dataframe_from_get_is_writable_copy_on_write(ray, n):
    df = _frame(n)
    out = ray.get(ray.put(df))
    out.loc[0, "a"] = 1
    out.loc[1, "b"] = 5.0
    out.loc[1, "c"] = "changed"
    assert out.loc[0, "a"] == 1 and out.loc[1, "b"] == 5.0 and out.loc[1, "c"] == "changed"
    pdt.assert_frame_equal(df, _frame(n))  # the original is untouched
    pdt.assert_frame_equal(ray.get(ray.put(df)), df)


def test_dataframe_through_a_task(ray):
    @ray.remote
    def add_column(frame):
        frame = frame.copy()
        frame["d"] = frame["a"] * 2
        return frame

    df = pd.DataFrame({"a": np.arange(30_000), "c": ["x"] * 30_000})
    out = ray.get(add_column.remote(df), timeout=20)
    pdt.assert_frame_equal(out, df.assign(d=df["a"] * 2))


def test_arrow_table_roundtrip(ray):
    n = 50_000
    table = pa.table({"i": pa.array(np.arange(n)), "f": pa.array(np.linspace(0, 1, n)),
                      "s": pa.array([f"v{i}" for i in range(n)])})
    out = ray.get(ray.put(table))
    assert isinstance(out, pa.Table)
    assert out.equals(table)
    assert out.schema == table.schema


def test_identity_is_kept_within_an_object(ray):
    a = np.arange(100_000, dtype=np.float64)
    out = ray.get(ray.put([a] * 99))
    assert len(out) == 99
    assert all(x is out[0] for x in out)
    np.testing.assert_array_equal(out[0], a)


def store_free() -> float:
    return runtime.available_resources()["object_store_memory"]


def settled_store_free() -> float:
    """Free store memory once frees from earlier tests have landed (they are asynchronous)."""
    gc.collect()
    last = store_free()
    for _ in range(50):
        time.sleep(0.05)
        now = store_free()
        if now == last:
            return now
        last = now
    return last


def freed_within(baseline: float, timeout: float = 1.0) -> bool:
    """Freed: the memory is back in the budget.  The object's file may be gone or kept in a pool
    for reuse (scheduler/memory.py), so the file's name is not the test."""
    return wait_until(lambda: store_free() >= baseline, timeout)


def test_deleting_the_last_ref_frees_the_memory(ray):
    before, baseline = shm_files(), settled_store_free()
    ref = ray.put(np.ones(1_000_000))
    assert len(shm_files() - before) <= 1  # one file (or a reused pooled one)
    assert store_free() <= baseline - 8_000_000
    del ref
    gc.collect()
    assert freed_within(baseline), f"{baseline - store_free()} bytes still in use"


def test_task_result_freed_after_del(ray):
    baseline = settled_store_free()
    ref = make_array.remote(1_000_000)
    ray.wait([ref], timeout=20)
    assert store_free() <= baseline - 8_000_000
    del ref
    gc.collect()
    assert freed_within(baseline)


def test_files_do_not_pile_up(ray):
    """Freed objects' files are deleted or reused: putting and dropping many leaves few files."""
    for _ in range(20):
        ref = ray.put(np.ones(500_000))
        del ref
    gc.collect()
    assert wait_until(lambda: len(shm_files()) <= 5, timeout=2.0), sorted(shm_files())


def test_live_view_survives_deleting_its_ref(ray):
    n = 2_000_000
    ref = ray.put(np.arange(n, dtype=np.int64))
    view = ray.get(ref)
    del ref
    gc.collect()
    time.sleep(0.3)
    # reuse of the freed memory must not show through the view
    others = [ray.put(np.full(n, -1, dtype=np.int64)) for _ in range(3)]
    assert int(view.sum()) == n * (n - 1) // 2  # reads every element
    assert view[0] == 0 and view[-1] == n - 1
    del others


def test_ref_nested_in_put_list_keeps_its_object_alive(ray):
    inner = ray.put(np.full(500_000, 3.0))
    outer = ray.put([inner])
    del inner
    gc.collect()
    time.sleep(0.3)
    got_inner = ray.get(outer)[0]
    out = ray.get(got_inner, timeout=10)
    assert float(out.sum()) == 1_500_000.0


def test_nested_object_freed_with_its_container(ray):
    baseline = settled_store_free()
    inner = ray.put(np.full(500_000, 3.0))
    outer = ray.put([inner])
    del inner
    gc.collect()
    time.sleep(0.2)
    assert store_free() <= baseline - 4_000_000  # still held by outer
    del outer
    gc.collect()
    assert freed_within(baseline)


def test_small_values_do_not_use_shm_files(ray):
    before = shm_files()
    refs = [ray.put(i) for i in range(20)]
    assert shm_files() == before
    assert ray.get(refs) == list(range(20))


@runtime.remote
def _echo(value):
    return value


def test_values_holding_empty_multidimensional_buffers(shared_ray):
    """An empty 2-D array (a frame with no rows has one per dtype) next to data big enough
    for shared memory: stored, read back, and returned from tasks."""
    value = [np.zeros(100_000), np.empty((2, 0)), pd.DataFrame({"a": np.empty(0), "b": np.empty(0)})]
    for got in (shared_ray.get(shared_ray.put(value)), shared_ray.get(_echo.remote(value))):
        np.testing.assert_array_equal(got[0], value[0])
        assert got[1].shape == (2, 0)
        pd.testing.assert_frame_equal(got[2], value[2])
