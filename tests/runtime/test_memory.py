"""The object store under memory pressure: spilling, restoring, lineage, memory_summary."""

from __future__ import annotations

import gc
import os
import random

import numpy as np
import pytest

from ..conftest import running

pytestmark = pytest.mark.timeout(120)

MIB = 2 ** 20


@pytest.fixture
def small_store():
    with running(num_cpus=2, object_store_memory=16 * MIB) as rt:
        yield rt


def block(seed: int, nbytes: int = 2 * MIB) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**63, nbytes // 8, dtype=np.int64)


def test_putting_ten_times_the_budget_spills_and_every_byte_comes_back(small_store):
    ray = small_store
    refs = [ray.put(block(i)) for i in range(80)]            # 160 MiB into a 16 MiB store
    assert os.listdir(ray.api._node.spill_dir), "nothing was spilled"
    order = list(range(80))
    random.Random(7).shuffle(order)
    for i in order:
        np.testing.assert_array_equal(ray.get(refs[i]), block(i))
    # Spilled objects work as task arguments too.
    @ray.remote
    def checksum(a):
        return int(a.sum(dtype=np.uint64))

    picks = order[:10]
    assert ray.get([checksum.remote(refs[i]) for i in picks]) == [
        int(block(i).sum(dtype=np.uint64)) for i in picks]


def test_task_results_spill_too(small_store):
    ray = small_store

    @ray.remote
    def make(seed):
        return block(seed)

    refs = [make.remote(i) for i in range(30)]
    for i, ref in enumerate(refs):
        np.testing.assert_array_equal(ray.get(ref), block(i))


def test_store_full_only_when_what_is_held_cannot_be_spilled(small_store):
    ray = small_store
    views = [ray.get(ray.put(block(i))) for i in range(7)]   # live views pin 14 MiB
    with pytest.raises(ray.exceptions.ObjectStoreFullError, match="object_store_memory"):
        ray.put(block(100, 4 * MIB))
    del views
    gc.collect()
    ref = ray.put(block(100, 4 * MIB))                     # room again once the views are gone
    np.testing.assert_array_equal(ray.get(ref), block(100, 4 * MIB))


def test_memory_summary_lists_objects_and_where_they_are(small_store):
    ray = small_store
    refs = [ray.put(block(i)) for i in range(12)]          # 24 MiB: some spill
    small = ray.put("tiny")
    text = ray.memory_summary()
    rows = {line.split()[0]: line for line in text.splitlines()[2:]}
    where = [rows[ref.hex()].split()[2] for ref in refs]
    assert "spilled" in where and "shared" in where
    assert rows[small.hex()].split()[2] == "inline"
    del refs, small


def test_lost_task_output_is_rebuilt_from_lineage(ray):
    @ray.remote
    def make(n):
        return np.arange(n, dtype=np.float64)

    ref = make.remote(200_000)
    assert ray.get(ref)[-1] == 199_999
    os.unlink(os.path.join(ray.api._node.shm_dir, ref.hex()))   # lose the only copy
    ray.api.client()._forget_mapping(os.path.join(ray.api._node.shm_dir, ref.hex()))
    np.testing.assert_array_equal(ray.get(ref, timeout=20), np.arange(200_000, dtype=np.float64))


def test_lost_put_object_raises_object_lost_error_naming_it(ray):
    ref = ray.put(np.ones(200_000))
    os.unlink(os.path.join(ray.api._node.shm_dir, ref.hex()))
    ray.api.client()._forget_mapping(os.path.join(ray.api._node.shm_dir, ref.hex()))
    with pytest.raises(ray.exceptions.ObjectLostError, match=r"put\(\)") as info:
        ray.get(ref, timeout=20)
    assert ref.hex()[:12] in str(info.value)


def test_freed_memory_is_reused_without_touching_live_objects_or_views(ray):
    size = 40 * MIB // 8
    kept_view = ray.get(ray.put(np.full(size, -1.0)))       # its ref is gone, the view is not
    held = ray.put(np.full(size, -2.0))
    for i in range(4):                                       # each freed file comes back for reuse
        ref = ray.put(np.full(size, float(i)))
        value = ray.get(ref)
        assert value[0] == i and value[-1] == i and value[size // 2] == i
        del value, ref
        gc.collect()
    assert (kept_view == -1.0).all()
    assert (ray.get(held) == -2.0).all()


def test_reused_memory_holds_values_with_many_odd_sized_buffers(ray):
    def value(seed):
        rng = np.random.default_rng(seed)
        return [rng.integers(0, 255, n, dtype=np.uint8) for n in (7, 13 * MIB + 3, 9, 21 * MIB + 5, 1)]

    for seed in range(3):                 # the second and third puts reuse the first one's file
        ref = ray.put(value(seed))
        for got, want in zip(ray.get(ref), value(seed)):
            np.testing.assert_array_equal(got, want)
        del ref
        gc.collect()


def test_objects_read_once_can_still_spill(small_store):
    """Reading an object must not pin it in memory after the value is dropped."""
    ray = small_store
    refs = []
    for i in range(24):                                     # 48 MiB of 2 MiB objects, 16 MiB store
        refs.append(ray.put(block(i)))
        assert ray.get(refs[-1])[0] == block(i)[0]          # a view, dropped at once
    for i in (0, 11, 23):
        np.testing.assert_array_equal(ray.get(refs[i]), block(i))
