"""Ray's core microbenchmarks on three engines, side by side, with the same number of CPUs.

Engines: this project's ``runtime``, real Ray, and dask.distributed (``submit`` / ``scatter`` /
``gather`` stand in for ``remote`` / ``put`` / ``get``; ``submit(cls, actor=True)`` for actors).
Ray and dask are optional: an engine that cannot be imported is reported as "missing", never
skipped silently.  A measurement an engine has no counterpart for is reported as "n/a".

Every engine runs in fresh subprocesses of this script, one per phase (tasks and objects; the
shared-object memory test; actors; spilling with a small store), so engines never share a process
and the memory figures are clean.  After each subprocess the script kills whatever it left behind
(found by an environment tag) and removes orphaned /dev/shm files and spill files; all are
reported in the JSON as ``leftovers``.

    python benchmarks/runtime_micro.py                      # full run, all engines (~6 min)
    python benchmarks/runtime_micro.py --quick              # smoke run, writes to /tmp
    python benchmarks/runtime_micro.py --engines ray,dask

Writes ``benchmarks/results/runtime_micro.{json,md,png}`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import faulthandler
import gc
import importlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import psutil

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

# Process bookkeeping, /proc reading and report helpers are shared with the other benchmarks.
from _common import (  # also puts ROOT on sys.path, so `import runtime` works
    GIB,
    devshm_used,
    engine_pids,
    engine_shm,
    fmt,
    machine_info,
    meminfo_shmem,
    rollup,
    run_engine_child,
    tree_bytes,
    write_report,
)

ENGINES = ("runtime", "ray", "dask")


@dataclass(frozen=True)
class Config:
    num_cpus: int = 2
    # object_store_memory for runtime and Ray; None leaves each engine's default (about 30% of RAM
    # for both), which is what a user gets and what the brief asks for Ray
    store_bytes: int | None = None
    loop_seconds: float = 3.0  # round trips, small put, small get
    pipelined_tasks: int = 5000
    pipelined_reps: int = 3
    big_bytes: int = GIB
    big_reps: int = 4
    settle_seconds: float = 1.5  # between big puts, for the engine to free the last one
    shared_tasks: int = 20
    # actor calls pipelined per round, as in Ray's "1:1 actor calls async" (dask manages ~400/s)
    actor_batch: int = 1000
    nn_calls: int = 1000  # n:n actor calls: calls per caller task
    # spilling: a small store for runtime and Ray, filled spill_factor times over
    spill_store_bytes: int = 512 << 20
    spill_object_bytes: int = 64 << 20
    spill_factor: int = 4
    spill_dir: str | None = None  # set by the parent for the spill phase only
    measurement_timeout: float = 180.0  # a hung measurement dumps its stack and ends the child
    child_timeout: float = 420.0

    @classmethod
    def quick(cls, num_cpus: int, store_bytes: int | None, spill_dir: str | None = None) -> Config:
        return cls(num_cpus=num_cpus, store_bytes=store_bytes, loop_seconds=0.3,
                   pipelined_tasks=300, pipelined_reps=1, big_bytes=128 << 20, big_reps=2,
                   settle_seconds=0.5, shared_tasks=4, actor_batch=300, nn_calls=200,
                   spill_store_bytes=128 << 20, spill_object_bytes=16 << 20,
                   spill_dir=spill_dir, measurement_timeout=30.0, child_timeout=120.0)

    @property
    def spill_total_bytes(self) -> int:
        return self.spill_factor * self.spill_store_bytes


# --------------------------------------------------------------------------------------------
# Task bodies (module level so every engine can ship them)


def noop():
    return 0


def array_sum(a):
    return float(a.sum())


class Callee:
    def noop(self):
        return 0


class AsyncCallee:
    async def noop(self):
        return 0


def call_actors_rayapi(module: str, actors, calls: int) -> int:
    """A caller task (runtime, Ray): ``calls`` pipelined no-op calls, round robin over ``actors``."""
    mod = importlib.import_module(module)
    values = mod.get([actors[i % len(actors)].noop.remote() for i in range(calls)])
    return len(values)


def call_actors_dask(actors, calls: int) -> int:
    """The same caller task for dask (actor calls return ActorFutures)."""
    futures = [actors[i % len(actors)].noop() for i in range(calls)]
    return len([f.result() for f in futures])


class NotApplicable(Exception):
    """The engine has no counterpart for a measurement; reported as "n/a", not as an error."""


# --------------------------------------------------------------------------------------------
# Engine adapters: the only engine-specific code.


class RayAPIEngine:
    """runtime and Ray: the same API, so one adapter."""

    def __init__(self, module: str, **init_kwargs):
        self.name = module
        self.module = module
        self.init_kwargs = init_kwargs
        self.mod = None

    def load(self) -> str:
        self.mod = importlib.import_module(self.module)
        return str(getattr(self.mod, "__version__", "?"))

    def init(self, cfg: Config) -> None:
        store = {} if cfg.store_bytes is None else {"object_store_memory": cfg.store_bytes}
        extra = {}
        if cfg.spill_dir and self.module == "ray":
            spilling = {"type": "filesystem", "params": {"directory_path": cfg.spill_dir}}
            extra["_system_config"] = {"object_spilling_config": json.dumps(spilling)}
        elif cfg.spill_dir:
            os.environ["RUNTIME_SPILL_DIR"] = cfg.spill_dir  # read when the node starts
        self.mod.init(num_cpus=cfg.num_cpus, **store, **extra, **self.init_kwargs)

    def shutdown(self) -> None:
        self.mod.shutdown()

    def remote(self, fn):
        """Return a callable that submits ``fn`` and returns a reference to its result."""
        return self.mod.remote(fn).remote

    def put(self, value):
        return self.mod.put(value)

    def get(self, refs):
        return self.mod.get(refs)

    def actor(self, cls):
        """Start one actor of ``cls``; returns its handle."""
        return self.mod.remote(cls).remote()

    def method(self, handle, name: str):
        """Return a callable that calls ``handle.name()`` and returns a reference to the result."""
        return getattr(handle, name).remote

    def call_from_tasks(self, actors, calls: int, tasks: int) -> list:
        submit = self.mod.remote(call_actors_rayapi).remote
        return [submit(self.module, actors, calls) for _ in range(tasks)]

    def free_actors(self, handles) -> None:
        for h in handles:
            self.mod.kill(h)


class DaskEngine:
    name = "dask"

    def __init__(self):
        self.client = self.cluster = None
        self._actor_futures: list = []

    def load(self) -> str:
        import distributed

        return distributed.__version__

    def init(self, cfg: Config) -> None:
        if cfg.spill_dir:
            msg = ("dask spills per worker when its memory passes a fraction of memory_limit; it "
                   "has no object store budget to fill")
            raise NotApplicable(msg)
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=cfg.num_cpus, threads_per_worker=1, processes=True,
                                    dashboard_address=None)
        self.client = Client(self.cluster)

    def shutdown(self) -> None:
        self.client.close()
        self.cluster.close()

    def remote(self, fn):
        client = self.client
        return lambda *args: client.submit(fn, *args, pure=False)

    def put(self, value):
        return self.client.scatter(value, hash=False)

    def get(self, refs):
        from distributed.actor import BaseActorFuture

        if isinstance(refs, BaseActorFuture):
            return refs.result()
        if isinstance(refs, list) and refs and isinstance(refs[0], BaseActorFuture):
            return [f.result() for f in refs]
        return self.client.gather(refs)

    def actor(self, cls):
        future = self.client.submit(cls, actor=True, pure=False)
        self._actor_futures.append(future)  # the actor lives as long as its future
        return future.result()

    def method(self, handle, name: str):
        return getattr(handle, name)

    def call_from_tasks(self, actors, calls: int, tasks: int) -> list:
        return [self.client.submit(call_actors_dask, actors, calls, pure=False)
                for _ in range(tasks)]

    def free_actors(self, handles) -> None:
        self.client.cancel(self._actor_futures)
        self._actor_futures.clear()


def make_engine(name: str):
    if name == "runtime":
        return RayAPIEngine("runtime")
    if name == "ray":
        return RayAPIEngine("ray", include_dashboard=False)
    if name == "dask":
        return DaskEngine()
    raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")


# --------------------------------------------------------------------------------------------
# Measurements: one function each, engine-agnostic.


def _rate(op, seconds: float) -> dict:
    """Call ``op`` for ``seconds`` (after a short warm-up) and return calls per second."""
    warm_until = time.perf_counter() + max(0.1, seconds / 10)
    while time.perf_counter() < warm_until:
        op()
    n, t0 = 0, time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(10):
            op()
        n += 10
        now = time.perf_counter()
        if now >= deadline:
            break
    return {"per_second": n / (now - t0), "calls": n, "seconds": now - t0}


def measure_init(engine, cfg: Config) -> dict:
    t0 = time.perf_counter()
    engine.init(cfg)
    t1 = time.perf_counter()
    value = engine.get(engine.remote(noop)())
    t2 = time.perf_counter()
    assert value == 0, value
    return {"seconds": t2 - t0, "init_seconds": t1 - t0}


def measure_task_round_trips(engine, cfg: Config) -> dict:
    submit = engine.remote(noop)
    return _rate(lambda: engine.get(submit()), cfg.loop_seconds)


def _pipelined(engine, submit, n: int, reps: int) -> dict:
    """Submit ``n`` no-op calls, then get them all; the median rate over ``reps`` rounds."""
    engine.get([submit() for _ in range(min(200, n))])  # warm-up
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        values = engine.get([submit() for _ in range(n)])
        rates.append(n / (time.perf_counter() - t0))
        assert len(values) == n and not any(values)
    return {"per_second": statistics.median(rates), "reps": rates, "calls": n}


def measure_pipelined_tasks(engine, cfg: Config) -> dict:
    return _pipelined(engine, engine.remote(noop), cfg.pipelined_tasks, cfg.pipelined_reps)


SMALL = b"x" * 100


def measure_small_put(engine, cfg: Config) -> dict:
    return _rate(lambda: engine.put(SMALL), cfg.loop_seconds)


def measure_small_get(engine, cfg: Config) -> dict:
    ref = engine.put(SMALL)
    assert engine.get(ref) == SMALL
    return _rate(lambda: engine.get(ref), cfg.loop_seconds)


def _big_array(nbytes: int) -> np.ndarray:
    return np.arange(nbytes // 8, dtype=np.float64)  # element i is i: cheap to check


def _check_big(out, n: int) -> None:
    assert out.shape == (n,) and out.dtype == np.float64, (out.shape, out.dtype)
    for i in (0, 1, n // 3, n // 2, n - 1):
        assert out[i] == i, (i, out[i])


def measure_big_put_get(engine, cfg: Config) -> dict:
    arr = _big_array(cfg.big_bytes)
    n = arr.size
    puts, gets = [], []
    for _ in range(cfg.big_reps):
        t0 = time.perf_counter()
        ref = engine.put(arr)
        t1 = time.perf_counter()
        out = engine.get(ref)
        t2 = time.perf_counter()
        _check_big(out, n)
        puts.append(cfg.big_bytes / 1e9 / (t1 - t0))
        gets.append((t2 - t1) * 1e3)
        del out, ref
        gc.collect()
        # Let the engine finish freeing the object before the next put, so repeated puts reuse
        # memory (Ray frees asynchronously: after 0.3 s it sometimes still holds the last one).
        time.sleep(cfg.settle_seconds)
    repeat = puts[1:] or puts
    return {"put_gb_per_s": statistics.median(repeat), "get_ms": statistics.median(gets),
            "first_put_gb_per_s": puts[0],
            "put_reps_gb_per_s": puts, "get_reps_ms": gets, "bytes": cfg.big_bytes,
            "note": "put_gb_per_s is the median of the repeated puts (all but the first), "
                    "get_ms the median of all gets; the first put writes into fresh memory"}


def _with_actors(engine, cls, count: int, fn) -> dict:
    """Start ``count`` actors of ``cls``, run ``fn(actors)``, then end them."""
    actors = [engine.actor(cls) for _ in range(count)]
    try:
        return fn(actors)
    finally:
        engine.free_actors(actors)


def measure_actor_calls(engine, cfg: Config) -> dict:
    def run(actors):
        call = engine.method(actors[0], "noop")
        return _rate(lambda: engine.get(call()), cfg.loop_seconds)

    return _with_actors(engine, Callee, 1, run)


def measure_pipelined_actor_calls(engine, cfg: Config) -> dict:
    return _with_actors(engine, Callee, 1, lambda actors: _pipelined(
        engine, engine.method(actors[0], "noop"), cfg.actor_batch, cfg.pipelined_reps))


def measure_async_actor_calls(engine, cfg: Config) -> dict:
    return _with_actors(engine, AsyncCallee, 1, lambda actors: _pipelined(
        engine, engine.method(actors[0], "noop"), cfg.actor_batch, cfg.pipelined_reps))


def measure_n_n_actor_calls(engine, cfg: Config) -> dict:
    """Ray's "n:n actor calls async": n caller tasks, each sending calls round robin to n actors."""
    n = cfg.num_cpus

    def run(actors):
        def round_(calls: int) -> float:
            t0 = time.perf_counter()
            done = engine.get(engine.call_from_tasks(actors, calls, n))
            assert done == [calls] * n, done
            return n * calls / (time.perf_counter() - t0)

        round_(min(200, cfg.nn_calls))  # warm-up: starts the callers, ships the function
        rates = [round_(cfg.nn_calls) for _ in range(cfg.pipelined_reps)]
        return {"per_second": statistics.median(rates), "reps": rates, "callers": n,
                "actors": n, "calls_per_caller": cfg.nn_calls}

    return _with_actors(engine, Callee, n, run)


def _spill_chunks(cfg: Config) -> tuple[np.ndarray, int]:
    """One reusable array of spill_object_bytes and how many of them fill spill_total_bytes."""
    return _big_array(cfg.spill_object_bytes), cfg.spill_total_bytes // cfg.spill_object_bytes


def _disk_write(cfg: Config) -> dict:
    """Plain sequential writes of the spill volume to the spill directory, one fsync per file."""
    arr, count = _spill_chunks(cfg)
    data = memoryview(arr).cast("B")
    folder = Path(cfg.spill_dir) / f"disk-write-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    try:
        t0 = time.perf_counter()
        for i in range(count):
            fd = os.open(folder / str(i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                done = 0
                while done < len(data):
                    done += os.write(fd, data[done:])
                os.fsync(fd)
            finally:
                os.close(fd)
        seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"gb_per_s": count * cfg.spill_object_bytes / 1e9 / seconds, "seconds": seconds,
            "files": count, "bytes": count * cfg.spill_object_bytes}


def measure_spill_restore(engine, cfg: Config) -> dict:
    """Put spill_factor x the store budget in arrays (forcing spills), then get all back.

    The disk's own write speed is measured just before and just after (the disk is shared with
    whatever else runs on the machine; the mean of the two brackets the spill).
    """
    disk_before = _disk_write(cfg)
    arr, count = _spill_chunks(cfg)
    n = arr.size
    total = count * cfg.spill_object_bytes
    refs = []
    t0 = time.perf_counter()
    for k in range(count):
        arr[0] = arr[-1] = -(k + 1)  # mark which array this is; the rest stays arange
        refs.append(engine.put(arr))
    spill_seconds = time.perf_counter() - t0
    on_disk = tree_bytes(cfg.spill_dir)
    order = np.random.default_rng(0).permutation(count)
    t0 = time.perf_counter()
    for k in order:
        out = engine.get(refs[k])
        assert out.shape == (n,) and out[0] == out[-1] == -(k + 1), (k, out[0], out[-1])
        for i in (1, n // 3, n // 2, n - 2):
            assert out[i] == i, (k, i, out[i])
        del out
    restore_seconds = time.perf_counter() - t0
    del refs
    gc.collect()
    time.sleep(cfg.settle_seconds)  # let the engine delete its spill files first
    disk_after = _disk_write(cfg)
    disk = [disk_before["gb_per_s"], disk_after["gb_per_s"]]
    return {"disk_gb_per_s": statistics.mean(disk), "disk_reps_gb_per_s": disk,
            "spill_gb_per_s": total / 1e9 / spill_seconds,
            "restore_gb_per_s": total / 1e9 / restore_seconds,
            "spill_seconds": spill_seconds, "restore_seconds": restore_seconds,
            "bytes": total, "objects": count, "store_bytes": cfg.store_bytes,
            "bytes_in_spill_dir_after_puts": on_disk,
            "note": "spill rate = bytes put / time of all puts (the first store-full of them "
                    "fit without spilling); restore = bytes / time to get every object in "
                    "random order, checking 6 elements of each"}


def _shared_round(engine, cfg: Config, submit, sampler: MemorySampler | None) -> dict:
    """Put one big array, drop the local copy, have N tasks sum it; marks phases on ``sampler``."""
    mark = sampler.mark if sampler else (lambda phase: None)
    baseline = mark("baseline")
    mark("create")
    arr = _big_array(cfg.big_bytes)
    expected = float(arr.sum())
    mark("put")
    t0 = time.perf_counter()
    ref = engine.put(arr)
    put_seconds = time.perf_counter() - t0
    del arr  # the store's copy is the only one left
    gc.collect()
    mark("tasks")
    t0 = time.perf_counter()
    sums = engine.get([submit(ref) for _ in range(cfg.shared_tasks)])
    task_seconds = time.perf_counter() - t0
    mark("after")
    assert all(s == expected for s in sums), (sums, expected)
    del ref, sums
    gc.collect()
    time.sleep(1.0)
    mark("freed")
    return {"baseline": baseline, "put_seconds": put_seconds, "task_seconds": task_seconds}


def measure_shared_array(engine, cfg: Config) -> dict:
    """One big object passed to N tasks that each sum it: memory growth, then time.

    Two rounds: the first samples memory; the second, unsampled, gives the time (reading
    smaps_rollup of processes that map gigabytes costs milliseconds of kernel time per sample,
    which would otherwise be taken from the engine's two cores, more for engines with more
    processes).
    """
    submit = engine.remote(array_sum)
    engine.get(submit(np.zeros(4)))  # warm the function up on the workers
    gc.collect()
    time.sleep(0.5)
    sampler = MemorySampler()
    sampler.start()
    try:
        time.sleep(0.2)
        sampled = _shared_round(engine, cfg, submit, sampler)
    finally:
        sampler.stop()
    timed = _shared_round(engine, cfg, submit, None)
    baseline = sampled["baseline"]
    growth = {phase: {k: (v - baseline[k]) / GIB for k, v in p.items()}
              for phase, p in sampler.peaks().items()}
    tasks = growth["tasks"]
    other_shm = tasks["devshm"] - tasks["engine_devshm"]
    return {
        "seconds": timed["task_seconds"],
        "put_seconds": timed["put_seconds"],
        "seconds_while_sampling": sampled["task_seconds"],
        "put_seconds_while_sampling": sampled["put_seconds"],
        "tasks": cfg.shared_tasks,
        "bytes": cfg.big_bytes,
        "growth_gib": tasks["total"],
        "growth_gib_by_phase": growth,
        "baseline_bytes": baseline,
        "unattributed_devshm_gib": other_shm,
        "samples": sampler.count,
        "mean_sample_ms": sampler.mean_sample_ms(),
        "definition": "peak during the tasks minus before the array existed, of "
                      "/dev/shm used + sum over driver and descendants of (PSS - PSS of shmem); "
                      "shmem pages are counted once, through /dev/shm, not again in every mapper. "
                      "engine_devshm = /dev/shm files the engine's processes map or hold open.",
    }


# --------------------------------------------------------------------------------------------
# Memory accounting


def memory_sample(pids) -> dict:
    pss = pss_shmem = 0
    for pid in pids:
        try:
            p, s = rollup(pid)
        except (OSError, ValueError):
            continue  # the process ended between listing and reading
        pss += p
        pss_shmem += s
    shm = devshm_used()
    return {"total": shm + pss - pss_shmem, "devshm": shm, "engine_devshm": engine_shm(pids),
            "pss": pss, "pss_shmem": pss_shmem,
            "meminfo_shmem": meminfo_shmem(), "processes": len(pids),
            "literal": shm + pss}  # the naive sum, which counts mapped shmem twice


class MemorySampler(threading.Thread):
    """Samples the engine's memory every ~50 ms and keeps the peak of each phase."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.phase = "baseline"
        self._peaks: dict[str, dict] = {}
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self.count = 0
        self._spent = 0.0
        self._pids: set[int] = set()
        self._pids_at = 0.0

    def _sample(self) -> dict:
        t0 = time.perf_counter()
        if t0 - self._pids_at > 1.0:  # the full /proc scan is the costly part; refresh it rarely
            self._pids, self._pids_at = engine_pids(), t0
        else:
            me = psutil.Process()
            self._pids |= {c.pid for c in me.children(recursive=True)}
        s = memory_sample(self._pids)
        self._spent += time.perf_counter() - t0
        self.count += 1
        return s

    def _record(self, s: dict, phase: str) -> None:
        with self._lock:
            peak = self._peaks.setdefault(phase, dict(s))
            for k, v in s.items():
                peak[k] = max(peak[k], v)

    def run(self) -> None:
        while not self._stop_event.is_set():
            phase = self.phase  # the phase the sample started in
            self._record(self._sample(), phase)
            self._stop_event.wait(self.interval)

    def mark(self, phase: str) -> dict:
        """Start a new phase; returns a fresh sample that also counts towards it."""
        s = self._sample()
        with self._lock:
            self.phase = phase
        self._record(s, phase)
        return s

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peaks(self) -> dict:
        with self._lock:
            return {k: dict(v) for k, v in self._peaks.items()}

    def mean_sample_ms(self) -> float:
        return 1e3 * self._spent / max(1, self.count)


# --------------------------------------------------------------------------------------------
# Child: one engine, one phase, in its own process.

PHASES = {
    "main": [("init", measure_init), ("task_round_trips", measure_task_round_trips),
             ("pipelined_tasks", measure_pipelined_tasks), ("small_put", measure_small_put),
             ("small_get", measure_small_get), ("big_put_get", measure_big_put_get)],
    "shared": [("init", measure_init), ("shared_array", measure_shared_array)],
    "actors": [("init", measure_init), ("actor_calls", measure_actor_calls),
               ("pipelined_actor_calls", measure_pipelined_actor_calls),
               ("n_n_actor_calls", measure_n_n_actor_calls),
               ("async_actor_calls", measure_async_actor_calls)],
    "spill": [("init", measure_init), ("spill_restore", measure_spill_restore)],
}
# --quick runs the phases that share an engine configuration in one subprocess (engine start-up
# is most of a quick run); "a+b" runs a's measurements, then b's except its init.
QUICK_PHASES = ("main+shared+actors", "spill")


def phase_measurements(phase: str) -> list:
    first, *rest = phase.split("+")
    return PHASES[first] + [m for p in rest for m in PHASES[p] if m[0] != "init"]


def run_child(engine_name: str, phase: str, cfg: Config, out: Path) -> None:
    result: dict = {"engine": engine_name, "phase": phase, "measurements": {}}

    def save():
        tmp = out.with_suffix(".part")
        tmp.write_text(json.dumps(result, indent=1, default=str))
        tmp.replace(out)

    engine = make_engine(engine_name)
    t0 = time.perf_counter()
    try:
        result["version"] = engine.load()
    except ImportError as e:
        result["status"] = "missing"
        result["error"] = f"{type(e).__name__}: {e}"
        save()
        return
    result["import_seconds"] = time.perf_counter() - t0
    result["status"] = "running"
    save()
    measurements = phase_measurements(phase)
    for name, fn in measurements:
        result["current"] = name
        save()
        print(f"[{engine_name}/{phase}] {name} ...", file=sys.stderr, flush=True)
        # a hang dumps every thread's stack to the log and ends the child (the parent reports it)
        faulthandler.dump_traceback_later(cfg.measurement_timeout, exit=True)
        try:
            result["measurements"][name] = fn(engine, cfg)
        except NotApplicable as e:  # the whole phase has no counterpart on this engine
            for rest, _ in measurements:
                result["measurements"][rest] = {"na": str(e)}
            result.pop("current", None)
            result["status"] = "ok"
            save()
            return
        except Exception as e:  # noqa: BLE001 - recorded; the next measurement still runs
            import traceback

            traceback.print_exc()
            result["measurements"][name] = {"error": f"{type(e).__name__}: {e}"[:500]}
            if name == "init":
                result["status"] = "error"
                save()
                return
        finally:
            faulthandler.cancel_dump_traceback_later()
        save()
    result.pop("current", None)
    t0 = time.perf_counter()
    try:
        engine.shutdown()
        result["shutdown_seconds"] = time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001
        result["shutdown_error"] = f"{type(e).__name__}: {e}"
    result["status"] = "ok"
    save()


# --------------------------------------------------------------------------------------------
# Parent: run children, clean up after them, report.


def run_engine_phase(engine: str, phase: str, cfg: Config, quick: bool, workdir: Path) -> dict:
    out = workdir / f"{engine}-{phase}.json"
    log = workdir / f"{engine}-{phase}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--phase", phase,
           "--num-cpus", str(cfg.num_cpus), "--result-file", str(out)]
    spill_dir = None
    if phase.startswith("spill"):  # a small store, spilling to a directory shared by all engines
        spill_dir = Path(cfg.spill_dir)
        cmd += ["--object-store-memory", str(cfg.spill_store_bytes), "--spill-dir", str(spill_dir)]
    elif cfg.store_bytes is not None:
        cmd += ["--object-store-memory", str(cfg.store_bytes)]
    if quick:
        cmd.append("--quick")
    result, _ = run_engine_child(cmd, out, log, cfg.child_timeout,
                                 {"engine": engine, "phase": phase}, spill_dir=spill_dir,
                                 env={"RAY_USAGE_STATS_ENABLED": os.environ.get(
                                     "RAY_USAGE_STATS_ENABLED", "0")})  # no network: Ray must not try
    return result


def run_all(engines: list[str], cfg: Config, quick: bool) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="runtime_micro_") as tmp:
        for engine in engines:
            merged: dict = {"status": "ok", "measurements": {}, "phases": {}}
            for phase in (QUICK_PHASES if quick else PHASES):
                print(f"== {engine}: {phase}", file=sys.stderr, flush=True)
                r = run_engine_phase(engine, phase, cfg, quick, Path(tmp))
                merged["phases"][phase] = {k: v for k, v in r.items() if k != "measurements"}
                meas = r.get("measurements", {})
                first = phase.split("+")[0]
                if first != "main":  # a later phase's init is another sample, not the headline
                    again = "init_again" if first == "shared" else f"init_{first}"
                    meas = {again if k == "init" else k: v for k, v in meas.items()}
                merged["measurements"].update(meas)
                merged["version"] = r.get("version", merged.get("version"))
                if r.get("status") == "missing":
                    merged["status"] = "missing"
                    merged["error"] = r.get("error")
                    break
                if r.get("status") != "ok" and merged["status"] == "ok":
                    merged["status"] = "error"
                for line in r.get("log_tail", [])[-15:]:
                    print(f"   | {line}", file=sys.stderr)
                lo = r["leftovers"]
                if lo["processes"] or lo["devshm_files"] or lo["spill_files"]:
                    print(f"   leftovers after {engine}/{phase}: {lo}", file=sys.stderr)
            results[engine] = merged
    return results


# --------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class Row:
    key: str  # measurement name
    field: str  # field inside it
    label: str
    unit: str
    higher_is_better: bool
    goal: str
    min_ratio: float | None = None  # runtime/ray, oriented so that >1 is better for runtime
    max_value: float | None = None  # absolute ceiling for runtime (lower-is-better rows)
    # (key, field, fraction): runtime must reach this fraction of another of its own figures
    min_fraction_of: tuple[str, str, float] | None = None

    @property
    def has_goal(self) -> bool:
        return (self.min_ratio, self.max_value, self.min_fraction_of) != (None, None, None)


def rows(cfg: Config) -> list[Row]:
    size = f"{cfg.big_bytes / GIB:g} GiB"
    mem_cap = 1.1 * cfg.big_bytes / GIB
    spill_total = _size(cfg.spill_total_bytes)
    spill_obj = _size(cfg.spill_object_bytes)
    spill_store = _size(cfg.spill_store_bytes)
    return [
        Row("init", "seconds", "init → first result", "s", False, "≤ 1 s and ≤ ½ Ray", 2.0, 1.0),
        Row("task_round_trips", "per_second", "no-op task round trips", "tasks/s", True,
            "≥ 2× Ray", 2.0),
        Row("pipelined_tasks", "per_second", f"pipelined no-op tasks ({cfg.pipelined_tasks})",
            "tasks/s", True, "≥ 2× Ray", 2.0),
        Row("small_put", "per_second", "small put (100 B)", "puts/s", True, "≥ 4× Ray", 4.0),
        Row("small_get", "per_second", "small get (100 B)", "gets/s", True, "≥ Ray", 1.0),
        Row("big_put_get", "first_put_gb_per_s", f"put {size} float64, first (fresh memory)",
            "GB/s", True, "≥ 1.5× Ray", 1.5),
        Row("big_put_get", "put_gb_per_s", f"put {size} float64, repeated (median of "
            f"{max(1, cfg.big_reps - 1)})", "GB/s", True, "≥ 1.5× Ray", 1.5),
        Row("big_put_get", "get_ms", f"get {size} float64", "ms", False, "≤ 10 ms", None, 10.0),
        Row("shared_array", "seconds", f"{size} object → {cfg.shared_tasks} tasks summing it",
            "s", False, "≤ Ray", 1.0),
        Row("shared_array", "growth_gib", "  memory growth during it", "GiB", False,
            f"< {mem_cap:.2g} GiB", None, mem_cap),
        Row("actor_calls", "per_second", "actor calls, one at a time (submit + get)", "calls/s",
            True, "≥ 1.5× Ray", 1.5),
        Row("pipelined_actor_calls", "per_second",
            f"pipelined actor calls ({cfg.actor_batch} to one actor)", "calls/s", True,
            "≥ 1.5× Ray", 1.5),
        Row("n_n_actor_calls", "per_second",
            f"n:n actor calls ({cfg.num_cpus} caller tasks × {cfg.nn_calls} → "
            f"{cfg.num_cpus} actors)", "calls/s", True, ""),
        Row("async_actor_calls", "per_second",
            f"async actor calls, pipelined ({cfg.actor_batch})", "calls/s", True, ""),
        Row("spill_restore", "disk_gb_per_s", f"disk write, {spill_total} in {spill_obj} files, "
            "fsync each (plain Python)", "GB/s", True, ""),
        Row("spill_restore", "spill_gb_per_s", f"spill: put {spill_total} as {spill_obj} arrays "
            f"into a {spill_store} store", "GB/s", True, "≥ 50% of disk write",
            min_fraction_of=("spill_restore", "disk_gb_per_s", 0.5)),
        Row("spill_restore", "restore_gb_per_s", "restore: get them all back, random order",
            "GB/s", True, ""),
    ]


def _size(nbytes: int) -> str:
    return f"{nbytes / GIB:g} GiB" if nbytes >= GIB else f"{nbytes >> 20} MiB"


def cell_value(results: dict, engine: str, row: Row):
    """(value or None, text for the table)."""
    r = results.get(engine)
    if r is None:
        return None, "not run"
    if r["status"] == "missing":
        return None, "missing"
    m = r["measurements"].get(row.key)
    if m is None:
        return None, "not run"
    if "na" in m:
        return None, "n/a"
    if "error" in m:
        return None, "timeout" if "ended during" in m["error"] else "error"
    v = m[row.field]
    return v, fmt(v)


def fraction_target(results: dict, row: Row) -> float | None:
    """The runtime value a ``min_fraction_of`` row must reach (None: not such a row, or unknown)."""
    if row.min_fraction_of is None:
        return None
    key, field, fraction = row.min_fraction_of
    ref = cell_value(results, "runtime", Row(key, field, "", "", True, ""))[0]
    return None if ref is None else fraction * ref


def judge(row: Row, rt, ray, target: float | None = None) -> tuple[float | None, str]:
    """(runtime/ray ratio oriented >1 = runtime better, goal status text).

    ``target`` is the value a ``min_fraction_of`` row must reach (from ``fraction_target``).
    """
    ratio = None
    if rt is not None and ray is not None and rt > 0 and ray > 0:
        ratio = rt / ray if row.higher_is_better else ray / rt
    if not row.has_goal:
        return ratio, ""
    if rt is None:
        return ratio, "✗ missed (no result)"
    checks = []
    if row.min_fraction_of is not None:
        if target is None:
            return ratio, "✗ missed (no reference measurement)"
        checks.append(rt >= target)
    if row.max_value is not None:
        checks.append(rt < row.max_value if row.key == "shared_array" else rt <= row.max_value)
    if row.min_ratio is not None:
        if ratio is None:
            return ratio, "n/a (no Ray result)"
        checks.append(ratio >= row.min_ratio - 1e-9)
    return ratio, "✓ met" if all(checks) else "✗ missed"


def markdown(results: dict, cfg: Config, meta: dict) -> str:
    lines = [
        "# runtime microbenchmarks vs Ray and dask.distributed",
        "",
        f"{meta['date']} · {meta['machine']['cpu']} · {cfg.num_cpus} CPUs per engine · "
        f"{meta['machine']['memory_gib']:.0f} GiB RAM · Python {meta['machine']['python']} · "
        "object store: " + (f"{cfg.store_bytes / GIB:g} GiB" if cfg.store_bytes
                            else "each engine's default")
        + f" ({_size(cfg.spill_store_bytes)} for the spill rows) · spill directory: "
          f"{Path(cfg.spill_dir).parent if cfg.spill_dir else '—'} "
          f"({meta.get('spill_fs', '?')})",
        "",
        "Versions: " + ", ".join(f"{e} {results[e].get('version') or '—'}" for e in results),
        "",
        "| measurement | unit | runtime | ray | dask | runtime/ray (>1 = runtime better) | goal |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    for row in rows(cfg):
        vals = {e: cell_value(results, e, row) for e in ENGINES}
        target = fraction_target(results, row)
        ratio, status = judge(row, vals["runtime"][0], vals["ray"][0], target)
        if target is not None and vals["runtime"][0] is not None:
            status += f" ({vals['runtime'][0] / (target / row.min_fraction_of[2]):.0%})"
        ratio_s = f"{ratio:.2f}×" if ratio is not None else "—"
        goal = f"{row.goal}: {status}" if status else row.goal
        lines.append(f"| {row.label} | {row.unit} | {vals['runtime'][1]} | {vals['ray'][1]} | "
                     f"{vals['dask'][1]} | {ratio_s} | {goal} |")
    notes = [
        ("Each engine runs in fresh subprocesses, one per phase: tasks and objects, the "
         "shared-object test, actors, spilling. dask uses `submit`/`scatter`/`gather` for "
         "remote/put/get and `submit(cls, actor=True)` for actors (its n:n callers are tasks "
         "too); it has no object-store budget to fill, so the spill rows are n/a for it."),
        ("Actor rows follow Ray's `ray microbenchmark`: a no-op method; one at a time = submit "
         "+ get, repeated for a fixed time; pipelined = submit N to one actor, then get all; "
         f"n:n = {cfg.num_cpus} caller tasks each sending {cfg.nn_calls} calls round robin to "
         f"{cfg.num_cpus} actors (Ray's \"n:n actor calls async\"); async = an `async def` "
         "method, pipelined. Pipelined rows are the median of "
         f"{cfg.pipelined_reps} rounds."),
        (f"Spill rows: runtime and Ray get a {_size(cfg.spill_store_bytes)} store and spill to "
         "the same directory; the script puts "
         f"{cfg.spill_factor}× that in {_size(cfg.spill_object_bytes)} arrays (spill rate = "
         "bytes put / time of all the puts), then gets each back in random order and checks "
         "six elements of it (restore rate). The disk row writes the same bytes in the same "
         "file size to the same directory with plain Python, fsync per file, in the same "
         "subprocess just before and just after (mean of the two); the spill goal compares with runtime's own disk figure "
         "(percentage in brackets). runtime fsyncs every spilled file; Ray's filesystem "
         "spilling does not fsync, so its spills can finish in the page cache."),
        ("Rates run a fixed time after a warm-up; pipelined and big put/get show the median of "
         "repetitions (all repetitions are in the JSON). A put into memory the store has used "
         "before is much faster than the first one (no page faults), hence two rows; the script "
         f"waits {cfg.settle_seconds:g} s after dropping each big object so the engine can free it "
         "before the next put."),
        ("The shared-object time comes from a second, unsampled round (memory sampling reads "
         "smaps of processes that map gigabytes, which costs CPU)."),
        ("Memory growth = peak during the tasks minus the level before the array was made, of "
         "`/dev/shm` used + Σ(PSS − PSS of shmem) over the driver and its descendants. Shared "
         "pages are counted once (through /dev/shm) rather than again in every process that maps "
         "them; the naive sum is in the JSON as `literal`."),
    ]
    lines += ["", "Notes:", *(f"- {n}" for n in notes)]
    problems = []
    for e, r in results.items():
        if r["status"] == "missing":
            problems.append(f"- {e}: missing ({r.get('error')})")
            continue
        for phase, p in r.get("phases", {}).items():
            lo = p.get("leftovers", {})
            if lo.get("processes") or lo.get("devshm_files") or lo.get("spill_files"):
                problems.append(f"- {e}/{phase}: left behind {len(lo.get('processes', []))} "
                                f"process(es), {len(lo.get('devshm_files', []))} /dev/shm "
                                f"file(s) and {len(lo.get('spill_files', []))} spill file(s) "
                                "(cleaned up; see JSON)")
        spill = r["measurements"].get("spill_restore", {})
        if "bytes_in_spill_dir_after_puts" in spill and not spill["bytes_in_spill_dir_after_puts"]:
            problems.append(f"- {e}/spill_restore: nothing was in the spill directory after the "
                            "puts: the engine did not spill there")
        for k, m in r["measurements"].items():
            if isinstance(m, dict) and "error" in m:
                problems.append(f"- {e}/{k}: {m['error']}")
        other = r["measurements"].get("shared_array", {}).get("unattributed_devshm_gib", 0.0)
        if abs(other) > 0.05:
            problems.append(f"- {e}/shared_array: /dev/shm changed by {other:+.2f} GiB outside the "
                            "files the engine's processes map or hold open (other activity on the "
                            "machine, or files nobody keeps mapped); the memory figure includes it")
    busy = {f"{e}/{ph}": p["foreign_cpu_cores"] for e, r in results.items()
            for ph, p in r.get("phases", {}).items() if "foreign_cpu_cores" in p}
    if any(v > 0.2 for v in busy.values()):
        problems.append("- other work on the machine used CPU during the run (cores busy outside "
                        "the benchmark, on average: "
                        + ", ".join(f"{k} {v:.2f}" for k, v in busy.items())
                        + "): figures are noisy")
    if problems:
        lines += ["", "Problems:", *problems]
    return "\n".join(lines) + "\n"


def plot(results: dict, cfg: Config, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    labels, ratios, goals, met = [], [], [], []
    for row in rows(cfg):
        rt = cell_value(results, "runtime", row)[0]
        ray = cell_value(results, "ray", row)[0]
        target = fraction_target(results, row)
        ratio, status = judge(row, rt, ray, target)
        if not row.has_goal:
            continue  # informational row, no goal
        if row.min_ratio is not None:
            goal = row.min_ratio
        elif row.max_value is not None and rt is not None and ray is not None:
            goal = ray / row.max_value  # absolute ceiling, shown as a ratio vs Ray
        elif target is not None and ray:
            goal = target / ray  # a fraction of another runtime figure, shown as a ratio vs Ray
        else:
            goal = None
        labels.append(f"{row.label} ({row.goal})".strip())
        ratios.append(ratio or 0.0)
        goals.append(goal)
        met.append(status.startswith("✓"))
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(labels) + 1.2))
    y = np.arange(len(labels))[::-1]
    colors = ["tab:green" if m else "tab:red" for m in met]
    ax.barh(y, [max(r, 1e-3) for r in ratios], color=colors, alpha=0.8)
    for yi, g in zip(y, goals):
        if g:
            ax.plot([g, g], [yi - 0.4, yi + 0.4], color="black", lw=2)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("runtime vs Ray (>1 = runtime better); black tick = goal")
    ax.set_title(f"runtime microbenchmarks, {cfg.num_cpus} CPUs (green = goal met)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _filesystem(path: Path) -> str:
    """The mount holding ``path``: device and type, so a tmpfs 'disk' shows in the report."""
    best = None
    for part in psutil.disk_partitions(all=True):
        if str(path).startswith(part.mountpoint) and (
                best is None or len(part.mountpoint) > len(best.mountpoint)):
            best = part
    return f"{best.device} {best.fstype} on {best.mountpoint}" if best else "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--num-cpus", type=int, default=2)
    ap.add_argument("--object-store-memory", type=int, default=None,
                    help="bytes for runtime's and Ray's object store (default: each engine's own)")
    ap.add_argument("--quick", action="store_true", help="much shorter smoke run (writes to /tmp)")
    ap.add_argument("--out-dir", type=Path, default=None)
    ap.add_argument("--spill-root", type=Path, default=Path(tempfile.gettempdir()),
                    help="a fresh directory under this one takes every engine's spills "
                         "(default: the temp dir, which is also runtime's default)")
    ap.add_argument("--spill-dir", help=argparse.SUPPRESS)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    store = args.object_store_memory
    cfg = (Config.quick(args.num_cpus, store, args.spill_dir) if args.quick
           else Config(num_cpus=args.num_cpus, store_bytes=store, spill_dir=args.spill_dir))

    if args.child:
        run_child(args.child, args.phase, cfg, args.result_file)
        return 0

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            ap.error(f"unknown engine {e!r}; choose from {', '.join(ENGINES)}")
    out_dir = args.out_dir or (Path(tempfile.gettempdir()) / "runtime_micro_quick" if args.quick
                               else HERE / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine_info(), "config": asdict(cfg), "quick": args.quick,
            "engines_requested": engines}
    t0 = time.perf_counter()
    spill_dir = Path(tempfile.mkdtemp(prefix="runtime_micro_spill_", dir=args.spill_root))
    meta["spill_fs"] = _filesystem(spill_dir)
    cfg = replace(cfg, spill_dir=str(spill_dir))
    meta["config"] = asdict(cfg)
    try:
        results = run_all(engines, cfg, args.quick)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
    meta["total_seconds"] = time.perf_counter() - t0
    md = markdown(results, cfg, meta)
    write_report(out_dir, "runtime_micro", {**meta, "results": results}, md,
                 lambda path: plot(results, cfg, path), meta["total_seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
