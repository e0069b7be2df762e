"""The object store's memory budget: a clear ObjectStoreFullError, and room again after freeing."""

from __future__ import annotations

import gc
import time

import numpy as np
import pytest

import runtime
from runtime.exceptions import ObjectStoreFullError
from tests.conftest import running

pytestmark = pytest.mark.timeout(60)

BUDGET = 20 * 2**20


@pytest.fixture
def small_store():
    with running(num_cpus=1, object_store_memory=BUDGET) as rt:
        yield rt


def test_budget_reported(small_store):
    assert runtime.cluster_resources()["object_store_memory"] == BUDGET


def test_put_past_budget_raises_clear_error_and_recovers(small_store):
    chunk = np.ones(8 * 2**20 // 8)  # 8 MiB
    held = [runtime.put(chunk), runtime.put(chunk)]
    views = runtime.get(held)  # live views pin their objects: nothing can be spilled
    with pytest.raises(ObjectStoreFullError) as info:
        runtime.put(chunk)
    text = str(info.value)
    assert "MiB" in text or "bytes" in text           # says how much
    assert "ObjectRef" in text                          # says what holds the memory
    assert "object_store_memory" in text                # says how to fix it
    assert isinstance(info.value, runtime.exceptions.RayError)
    del held, views
    gc.collect()
    deadline = time.monotonic() + 2
    while True:
        try:
            ref = runtime.put(chunk)
            break
        except ObjectStoreFullError:
            assert time.monotonic() < deadline, "put still fails after the refs were deleted"
            time.sleep(0.05)
    assert float(runtime.get(ref).sum()) == chunk.size


def test_task_result_past_budget_is_an_error_for_get(small_store):
    held = [runtime.put(np.ones(8 * 2**20 // 8)) for _ in range(2)]
    views = runtime.get(held)

    @runtime.remote
    def big():
        return np.ones(8 * 2**20 // 8)

    with pytest.raises(ObjectStoreFullError):
        runtime.get(big.remote(), timeout=20)
    del held, views


def test_put_past_budget_spills_unpinned_objects(small_store):
    """Objects held only by refs (no live view) spill to disk and come back on get (as in Ray)."""
    refs = [runtime.put(np.full(8 * 2**20 // 8, float(i))) for i in range(4)]  # 32 MiB > 20 MiB
    for i, ref in enumerate(refs):
        out = runtime.get(ref)
        assert out.shape == (2**20,) and float(out[0]) == i and float(out[-1]) == i
        del out
