"""A short tour of the embedded runtime: ``python -m runtime.demo``.

Starts a local runtime, runs tasks in parallel, shares a large array between tasks without
copying it, and shows how errors come back. Then, if ``dframe`` is importable, its half
(``dframe.tools.demo``): the same pandas query on generated data with ``import pandas`` and
with ``import dframe as pd``, timed from the file to the result, on this runtime.
"""

from __future__ import annotations

import time

import numpy as np

import runtime as ray


@ray.remote
def estimate_pi(samples: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    x, y = rng.random(samples), rng.random(samples)
    return 4.0 * np.count_nonzero(x * x + y * y <= 1.0) / samples


@ray.remote
def chunk_sum(array: np.ndarray, start: int, stop: int) -> float:
    return float(array[start:stop].sum())


@ray.remote
def fails() -> None:
    raise ValueError("this task fails on purpose")


def dframe_half() -> None:
    """dframe on this runtime (imported here: ``runtime`` does not depend on ``dframe``)."""
    try:
        from dframe.tools import demo
    except ImportError as exc:
        print(f"dframe part skipped: {exc}")
        return
    print("\ndframe: the same pandas code with `import pandas` and `import dframe as pd`")
    demo.compare()


def main() -> None:
    t0 = time.perf_counter()
    ray.init()
    print(f"runtime started with {ray.cluster_resources()['CPU']:.0f} CPUs "
          f"in {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    estimates = ray.get([estimate_pi.remote(2_000_000, seed) for seed in range(8)])
    print(f"pi ~ {np.mean(estimates):.5f} from 8 parallel tasks in {time.perf_counter() - t0:.2f} s")

    data = np.arange(50_000_000, dtype=np.float64)          # 400 MB
    t0 = time.perf_counter()
    ref = ray.put(data)
    put_s = time.perf_counter() - t0
    n, parts = len(data), 8
    total = sum(ray.get([chunk_sum.remote(ref, i * n // parts, (i + 1) * n // parts) for i in range(parts)]))
    assert total == data.sum()
    print(f"put 400 MB in {put_s:.2f} s; 8 tasks summed it from shared memory: {total:.0f}")

    view = ray.get(ref)
    print(f"get returns a zero-copy, read-only view: writeable={view.flags.writeable}")
    del data, ref, view  # frees the 400 MB in the store

    try:
        ray.get(fails.remote())
    except ValueError as exc:
        print("a task's error comes back as its own type:", type(exc).__name__,
              "-", str(exc).splitlines()[-1])
    try:
        dframe_half()
    finally:
        ray.shutdown()
    print("done: every worker stopped and all shared memory freed")


if __name__ == "__main__":
    main()
