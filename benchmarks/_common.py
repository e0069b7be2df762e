"""What the benchmark scripts share (``runtime_micro.py``, ``dataframe.py``, ``h2o.py``, ``tpch.py``).

Paths and constants
    ``HERE``, ``ROOT`` (the repository; put on ``sys.path`` by importing this module), ``GIB``,
    ``TAG_VAR`` (the environment variable that tags an engine subprocess and its descendants),
    ``default_cache_dir()`` (generated data is cached there), ``count_arg`` ("1e7" → 10000000).

Machine and code
    ``machine_info()`` (CPU, cores, RAM, /dev/shm, kernel, Python, numpy, load average) and
    ``git_revision()`` ("git abc1234", "+dirty" when ``dframe/`` or ``runtime/`` has edits).

Memory (all figures from /proc; shared pages counted once)
    ``rollup(pid)`` → (Pss, Pss_Shmem); ``tagged_pids(tag)``; ``engine_pids()`` (this process, its
    descendants and whatever carries our tag); ``shm_roots(pids)`` (/dev/shm paths named on their
    command lines); ``engine_shm(pids, roots=())`` (bytes of the /dev/shm files they map, hold open
    or keep under ``roots``); ``devshm_used()``, ``meminfo_shmem()``, ``tree_bytes(path)``;
    ``PeakMemory`` (a sampler thread, active only between ``resume(phase)`` and ``pause()``,
    keeping the peak of Σ(PSS − PSS of shmem) + the engine's /dev/shm bytes per phase).

Engine subprocesses (parent side)
    ``run_engine_child(cmd, out, log, timeout, default)`` runs one child in its own session with
    a fresh tag, kills it at the time limit, reads the JSON result it left in ``out``, and records the
    exit code, wall time, CPU that other work on the machine used meanwhile (``ForeignCPU``) and
    whatever it left behind (``clean_up``: processes, /dev/shm entries, spill files; removed).
    ``log_errors(text)`` counts the tracebacks in a child's log.

Engine subprocesses (child side)
    ``JsonFile`` (a result file rewritten atomically after each step, so a crash leaves what was
    done), ``warning_names(caught)``, ``timed(fn, reps, settle)``, ``measure_warm(fn, sampler,
    phase)`` (one untimed run with memory sampled and warnings recorded).

Results
    ``compare(got, want, unordered=False)`` (values to a relative 1e-9, dtypes not compared; "ok",
    ``INDEX_ONLY`` + detail, or what differs); ``compare_table(got, want, keys)`` (two tables as
    sets of rows: sorted by ``keys``, exact for every non-float column, floats to a relative 1e-9);
    ``canonical_table(df, keys)`` (the flattened, sorted form ``compare_table`` uses).

Report
    ``fmt(value)`` (3 significant digits), ``write_report(out_dir, name, doc, markdown, plot)``
    (writes ``<name>.json``, ``.md`` and ``.png`` and prints the table), ``busy_note(busy,
    cpus)`` (the "other work used CPU" problem line).

pandas-API engines (adapters: the only engine-specific code of the DataFrame benchmarks)
    ``PandasEngine``, ``DaskEngine`` (LocalCluster, ``num_cpus`` processes × 1 thread),
    ``DframeEngine`` (``runtime.init(num_cpus)``); ``PANDAS_API_ENGINES`` maps names to them.
    Each has load (import; returns the version), start/stop, read_parquet/persist/read,
    compute/compute_many (to pandas in the driver), npartitions, settle (dask: wait until the
    cluster released the last run's results), reset_warnings (dframe's fallback warnings).

h2o db-benchmark data (seeded, as its R generators shape it)
    ``h2o_groupby(rows, seed, k=100)``; ``h2o_join(rows, seed)`` → {"x", "small", "medium", "big"};
    ``h2o_groupby_parquet`` / ``h2o_join_parquet`` (the same, cached as Parquet files with 10 row
    groups each); ``cached(path, write)`` (writes through a temporary name, so an interrupted run never leaves a
    half file that a later run would reuse).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [p for p in (str(HERE), str(ROOT)) if p not in sys.path]

GIB = 1 << 30
TAG_VAR = "DFRAME_BENCH_TAG"


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dframe-bench"


def count_arg(text: str) -> int:
    """A row count from the command line: "1e7" works as well as "10000000"."""
    return int(float(text))


# --------------------------------------------------------------------------------------------
# Machine and code


def machine_info() -> dict:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "logical_cpus": os.cpu_count(),
            "memory_gib": psutil.virtual_memory().total / GIB,
            "devshm_gib": psutil.disk_usage("/dev/shm").total / GIB,
            "kernel": platform.release(), "python": platform.python_version(),
            "numpy": np.__version__, "loadavg": os.getloadavg()}


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "dframe", "runtime"], cwd=ROOT,
                               text=True, capture_output=True, timeout=10, check=False).stdout.strip()
        return f"git {rev}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return "?"


# --------------------------------------------------------------------------------------------
# Memory


def rollup(pid: int) -> tuple[int, int]:
    """(Pss, Pss_Shmem) of a process in bytes, from /proc/<pid>/smaps_rollup."""
    pss = shmem = 0
    with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
        for line in f:
            if line.startswith(b"Pss:"):
                pss = int(line.split()[1]) * 1024
            elif line.startswith(b"Pss_Shmem:"):
                shmem = int(line.split()[1]) * 1024
    return pss, shmem


def meminfo_shmem() -> int:
    with open("/proc/meminfo", "rb") as f:
        for line in f:
            if line.startswith(b"Shmem:"):
                return int(line.split()[1]) * 1024
    return 0


def devshm_used() -> int:
    st = os.statvfs("/dev/shm")
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def tree_bytes(path: str) -> int:
    if not os.path.isdir(path):
        return os.stat(path).st_blocks * 512
    return sum(os.stat(os.path.join(d, f)).st_blocks * 512
               for d, _, files in os.walk(path) for f in files)


def tagged_pids(tag: str) -> set[int]:
    needle = f"{TAG_VAR}={tag}".encode()
    found = set()
    for pid in psutil.pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read():
                    found.add(pid)
        except OSError:
            pass
    return found


def engine_pids() -> set[int]:
    """The driver and every process it started (descendants, plus any that carry our tag)."""
    me = psutil.Process()
    pids = {me.pid} | {c.pid for c in me.children(recursive=True)}
    tag = os.environ.get(TAG_VAR)
    return pids | tagged_pids(tag) if tag else pids


_SHM_PATH = re.compile(r"/dev/shm/[^\s\"',\x00]+")


def shm_roots(pids) -> set[str]:
    """The /dev/shm paths named on these processes' command lines (runtime's store directory:
    a worker writes an object file and closes it, so no process maps it)."""
    roots = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                roots.update(_SHM_PATH.findall(f.read().decode(errors="replace")))
        except OSError:
            pass
    return roots


def engine_shm(pids, roots=()) -> int:
    """Bytes of the /dev/shm files (deleted or not) that these processes map or hold open, or
    that lie under ``roots``; each file counted once."""
    sizes: dict[int, int] = {}

    def add(st) -> None:
        sizes.setdefault(st.st_ino, st.st_blocks * 512)

    for root in roots:
        for d, _, files in os.walk(root):
            for name in files:
                try:
                    add(os.stat(os.path.join(d, name)))
                except OSError:
                    pass
        if os.path.isfile(root):
            try:
                add(os.stat(root))
            except OSError:
                pass
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps") as f:
                for line in f:
                    if "/dev/shm/" in line:
                        try:
                            add(os.stat(f"/proc/{pid}/map_files/{line.split(None, 1)[0]}"))
                        except OSError:
                            pass
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("/dev/shm/"):
                        add(os.stat(f"/proc/{pid}/fd/{fd}"))
                except OSError:
                    pass
        except OSError:
            pass  # the process ended
    return sum(sizes.values())


class PeakMemory(threading.Thread):
    """Samples the engine's memory every ``interval`` s while active; keeps each phase's peak.

    Memory = Σ(PSS − PSS of shmem) over the engine's processes (``engine_pids``) + the /dev/shm
    bytes that are the engine's (``engine_shm``): shared pages count once. Active only between
    ``resume`` and ``pause`` (around warm-up runs): reading smaps of processes that map gigabytes
    costs CPU, which timed runs must not pay.
    """

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.phase = "start"
        self.peaks: dict[str, dict] = {}
        self._active = threading.Event()
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._pids: set[int] = set()
        self._roots: set[str] = set()
        self._pids_at = 0.0
        self.count = 0

    def sample(self) -> dict:
        now = time.perf_counter()
        if now - self._pids_at > 1.0:
            self._pids, self._pids_at = engine_pids(), now
            self._roots = shm_roots(self._pids)
        pss = shmem = 0
        for pid in self._pids:
            try:
                p, s = rollup(pid)
            except (OSError, ValueError):
                continue
            pss, shmem = pss + p, shmem + s
        shm = engine_shm(self._pids, self._roots)
        self.count += 1
        return {"total": pss - shmem + shm, "private": pss - shmem, "devshm": shm,
                "processes": len(self._pids)}

    def _record(self, s: dict) -> None:
        with self._lock:
            peak = self.peaks.setdefault(self.phase, dict(s))
            for k, v in s.items():
                peak[k] = max(peak[k], v)

    def run(self) -> None:
        while not self._halt.is_set():
            if not self._active.wait(0.2):
                continue
            self._record(self.sample())
            self._halt.wait(self.interval)

    def resume(self, phase: str) -> None:
        with self._lock:
            self.phase = phase
        self._pids_at = 0.0  # the engine may have started processes since
        self._record(self.sample())
        self._active.set()

    def pause(self) -> None:
        self._active.clear()
        self._record(self.sample())

    def stop(self) -> None:
        self._active.clear()
        self._halt.set()
        self.join()

    def summary(self) -> dict:
        """What goes into the JSON: the overall peak, each phase's, the number of samples."""
        return {"peak": max((p["total"] for p in self.peaks.values()), default=None),
                "by_phase": self.peaks, "samples": self.count}


# --------------------------------------------------------------------------------------------
# Engine subprocesses: parent side


def shm_entries() -> dict[str, int]:
    out = {}
    for entry in os.scandir("/dev/shm"):
        try:
            out[entry.name] = entry.inode()
        except OSError:
            pass
    return out


def _paths_in_use() -> str:
    """What live processes have open, mapped or name on their command line, as one string.

    The command line counts so that a concurrent session's store directory (named in its
    scheduler's arguments) is never mistaken for a leftover of ours.
    """
    chunks = []
    for pid in psutil.pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                chunks.append(f.read().decode(errors="replace"))
            with open(f"/proc/{pid}/maps") as f:
                chunks.append(f.read())
            fd_dir = f"/proc/{pid}/fd"
            for fd in os.listdir(fd_dir):
                try:
                    chunks.append(os.readlink(f"{fd_dir}/{fd}"))
                except OSError:
                    pass
        except OSError:
            pass
    return "\n".join(chunks)


# Names the engines give their shared-memory files; anything else in /dev/shm is not ours to remove.
ENGINE_SHM_PREFIXES = ("runtime-", "plasma", "ray", "dask", "psm_", "wnsm_")


def clean_up(tag: str, shm_before: dict[str, int], spill_dir: Path | None = None) -> dict:
    """Kill what the child left running, remove /dev/shm entries nobody holds and whatever is
    left in the spill directory; report all three."""
    leftovers: dict = {"processes": [], "devshm_files": [], "spill_files": []}
    deadline = time.monotonic() + 5.0  # give the engine's own teardown a moment
    while (pids := tagged_pids(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    procs = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            leftovers["processes"].append(f"{pid} {' '.join(p.cmdline())[:120]}")
            procs.append(p)
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=3)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=3)
    deadline = time.monotonic() + 2.0
    while (new := [n for n, i in shm_entries().items() if shm_before.get(n) != i]) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    if new:
        in_use = _paths_in_use()
        for name in new:
            path = f"/dev/shm/{name}"
            if path in in_use or not name.startswith(ENGINE_SHM_PREFIXES):
                continue  # someone else's (a concurrent session on this machine): not ours
            try:
                size = tree_bytes(path)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
                leftovers["devshm_files"].append(f"{name} ({size} bytes, removed)")
            except OSError:
                pass
    if spill_dir is not None and spill_dir.exists():
        for d, _, files in os.walk(spill_dir):
            leftovers["spill_files"] += [f"{os.path.join(d, f)} "
                                         f"({os.stat(os.path.join(d, f)).st_size} bytes, removed)"
                                         for f in files]
        for entry in spill_dir.iterdir():  # the directory itself is the parent's: keep it
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return leftovers


class ForeignCPU:
    """CPU the rest of the machine used while a child ran, in cores: to flag noisy figures.

    System-wide busy time minus what the child's process tree (found by its tag, polled every
    second so processes that exit are still counted) and this process used.
    """

    def __init__(self, tag: str):
        self.tag = tag
        self.ours: dict[int, float] = {}
        self.me = psutil.Process()
        self.busy0 = self._busy()
        self.me0 = self._own(self.me)

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return t.user + t.nice + t.system + t.irq + t.softirq

    @staticmethod
    def _own(p: psutil.Process) -> float:
        t = p.cpu_times()
        return t.user + t.system

    def poll(self) -> None:
        for pid in tagged_pids(self.tag):
            try:
                self.ours[pid] = self._own(psutil.Process(pid))
            except psutil.Error:
                pass

    def foreign_cores(self, wall: float) -> float:
        used = self._busy() - self.busy0 - sum(self.ours.values())
        used -= self._own(self.me) - self.me0
        return max(0.0, used) / max(wall, 1e-9)


def run_engine_child(cmd: list[str], out: Path, log: Path, timeout: float, default: dict, *,
              spill_dir: Path | None = None, env: dict | None = None) -> tuple[dict, str]:
    """Run one engine subprocess; return (its result, its log text).

    The child gets a fresh ``TAG_VAR`` (so its descendants can be found), its own session (so a
    kill reaches them all) and ``ROOT`` on ``PYTHONPATH``; it writes its result as JSON to
    ``out`` (``default`` stands in if it wrote nothing). A result still ``"running"`` means the
    child died during ``result["current"]``, which is then recorded as an error.
    """
    tag = uuid.uuid4().hex
    env = {**os.environ, **(env or {}), TAG_VAR: tag}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    shm_before = shm_entries()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    cpu = ForeignCPU(tag)
    with open(log, "wb") as logf:
        proc = subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=str(ROOT))
        rc = None
        while rc is None:
            try:
                rc = proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                cpu.poll()
                if time.perf_counter() - t0 > timeout:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    rc = f"timeout after {timeout:.0f} s (killed)"
    wall = time.perf_counter() - t0
    try:
        result = json.loads(out.read_text())
    except (OSError, ValueError):
        result = {**default, "status": "error", "measurements": {}}
    if result.get("status") == "running":  # the child died mid-measurement
        current = result.pop("current", None)
        result["status"] = "error"
        if current:
            result["measurements"][current] = {"error": f"child ended during it (exit {rc})"}
    result["exit"] = rc
    result["wall_seconds"] = wall
    result["loadavg_before"] = load_before
    result["foreign_cpu_cores"] = cpu.foreign_cores(wall)
    result["leftovers"] = clean_up(tag, shm_before, spill_dir)
    text = log.read_text(errors="replace")
    if result.get("status") != "ok" or rc != 0:
        result["log_tail"] = text.splitlines()[-40:]
    return result, text


def log_errors(text: str) -> dict:
    """Tracebacks in a child's log (a worker that crashed and was replaced still gives a result,
    late: the log tells): {"log_tracebacks": n, "log_errors": [...]} or {"log_tracebacks": 0}."""
    found = {"log_tracebacks": text.count("Traceback (most recent call last)")}
    if found["log_tracebacks"]:
        found["log_errors"] = sorted(set(re.findall(r"^(?:\(pid=\d+\) )?(\w+Error: .{0,120})$",
                                                    text, re.MULTILINE)))[:10]
    return found


# --------------------------------------------------------------------------------------------
# Engine subprocesses: child side


class JsonFile:
    """A child's result, rewritten atomically to ``path`` by ``save()`` after every step."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data = path, data

    def save(self) -> None:
        tmp = self.path.with_suffix(".part")
        tmp.write_text(json.dumps(self.data, indent=1, default=str))
        tmp.replace(self.path)


def warning_names(caught) -> list[str]:
    return sorted({f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught})


def timed(fn, reps: int, settle) -> list[float]:
    """``reps`` timed calls of ``fn``, each after a garbage collection and ``settle()``."""
    times = []
    for _ in range(reps):
        gc.collect()
        settle()
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
        del value
    return times


def measure_warm(fn, sampler: PeakMemory, phase: str, before=None):
    """One untimed run with memory sampled and warnings recorded: (value, seconds, warnings).

    ``before`` runs first, outside the sample (dframe: reset its once-per-process fallback
    warnings, so each operation reports its own).
    """
    if before is not None:
        before()
    sampler.resume(phase)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            value = fn()
            seconds = time.perf_counter() - t0
    finally:
        sampler.pause()
    return value, seconds, warning_names(caught)


# --------------------------------------------------------------------------------------------
# pandas-API engines: the only engine-specific code of the DataFrame benchmarks. ``cfg`` is the
# calling benchmark's configuration (only ``cfg.num_cpus`` is read).


class PandasEngine:
    name = "pandas"

    def load(self) -> str:
        import pandas

        self.pd = pandas
        return pandas.__version__

    def start(self, cfg) -> dict:
        return {}

    def stop(self) -> None:
        pass

    def read_parquet(self, path: Path):
        return self.pd.read_parquet(path)

    def persist(self, x):
        return x

    def read(self, path: Path):
        """``path`` read and materialized (for dask and dframe: in the workers)."""
        return self.persist(self.read_parquet(path))

    def compute(self, obj):
        return obj

    def compute_many(self, objs: list) -> list:
        return list(objs)

    def npartitions(self, x) -> int:
        return 1

    def settle(self, keep) -> None:
        pass

    def reset_warnings(self) -> None:
        pass


class DaskEngine(PandasEngine):
    name = "dask"

    def load(self) -> str:
        import dask
        import dask.dataframe as dd
        import distributed

        self.dask, self.dd, self.distributed = dask, dd, distributed
        return f"{dask.__version__} (distributed {distributed.__version__})"

    def start(self, cfg) -> dict:
        from distributed import Client, LocalCluster

        # A worker fails to start if its spawn semaphore (/dev/shm/sem.mp-*) vanishes meanwhile,
        # which another session's clean-up of /dev/shm can cause on a shared machine: retry.
        errors = []
        for _ in range(3):
            try:
                self.cluster = LocalCluster(n_workers=cfg.num_cpus, threads_per_worker=1,
                                            processes=True, dashboard_address=None)
                break
            except RuntimeError as e:
                errors.append(f"{type(e).__name__}: {e}")
        else:
            raise RuntimeError(f"LocalCluster did not start: {errors}")
        self.client = Client(self.cluster)
        return {"workers": len(self.client.scheduler_info()["workers"]), "failed_starts": errors}

    def stop(self) -> None:
        self.client.close()
        self.cluster.close()

    def read_parquet(self, path: Path):
        # dask's default (row groups merged up to 256 MiB) makes a 1e7-row file ONE partition,
        # i.e. no parallelism at all; one partition per row group gives it 10, as a dask user
        # would.
        return self.dd.read_parquet(str(path), split_row_groups=True)

    def persist(self, x):
        x = x.persist()
        self.distributed.wait(self.distributed.futures_of(x))
        return x

    def compute(self, obj):
        return obj.compute() if hasattr(obj, "compute") else obj

    def compute_many(self, objs: list) -> list:
        return list(self.dask.compute(*objs))

    def npartitions(self, x) -> int:
        return x.npartitions

    def settle(self, keep, timeout: float = 10.0) -> None:
        """Wait until the cluster holds only ``keep``'s partitions (``keep``: one collection, a
        list of them, or None). dask names tasks by content, so a run submitted while the last
        run's results are still being released would find them in memory and skip the work."""
        keep = [] if keep is None else keep if isinstance(keep, list | tuple) else [keep]
        target = sum(len(k.__dask_keys__()) for k in keep)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held = sum(len(keys) for keys in self.client.has_what().values())
            if held <= target:
                return
            time.sleep(0.02)
        print(f"[dask] cluster still holds {held} keys (expected {target})", file=sys.stderr)


class DframeEngine(PandasEngine):
    name = "dframe"

    def __init__(self, executor: str = "runtime"):
        self.executor = executor

    def load(self) -> str:
        import dframe

        self.pd = dframe
        return git_revision()  # dframe.__version__ would be pandas' (forwarded)

    def start(self, cfg) -> dict:
        import runtime

        # A progress bar is display, not computation; the benchmark measures the computation.
        self.pd.config.set(executor=self.executor, progress=False)
        if self.executor == "runtime":
            runtime.init(num_cpus=cfg.num_cpus)
        return {"executor": self.executor}

    def stop(self) -> None:
        import runtime

        if runtime.is_initialized():
            runtime.shutdown()

    def read_parquet(self, path: Path):
        return self.pd.read_parquet(str(path))

    def persist(self, x):
        return x.persist()

    def compute(self, obj):
        return obj.to_pandas() if isinstance(obj, self.pd.DataFrame | self.pd.Series) else obj

    def compute_many(self, objs: list) -> list:
        # dask.compute's counterpart: one computation, reductions of one input share a pass.
        return list(self.pd.compute(*objs))

    def npartitions(self, x) -> int:
        return x.npartitions

    def reset_warnings(self) -> None:
        """dframe's fallbacks warn once per process; each operation must report its own.

        dframe has no public call for this: the module that defines the public
        ``PandasFallbackWarning`` keeps the set of reported fallbacks (wherever dframe's
        internals put it), and its ``reset_warnings`` forgets them."""
        module = sys.modules[self.pd.PandasFallbackWarning.__module__]
        reset = getattr(module, "reset_warnings", None)
        if reset is not None:  # else a fallback is reported by the first operation only
            reset()


PANDAS_API_ENGINES = {"pandas": PandasEngine, "dask": DaskEngine, "dframe": DframeEngine}


# --------------------------------------------------------------------------------------------
# Results

INDEX_ONLY = "same values, other row labels"


def compare(got, want, unordered: bool = False) -> str:
    """"ok", or what differs between two results (frames, series, scalars).

    Values to a relative 1e-9 (integers exactly); dtypes and index types are not compared
    (dask's strings are ``string[pyarrow]``, pandas' ``str``). ``unordered`` sorts both by their
    index first. Equal values under other row labels give ``INDEX_ONLY`` + detail.
    """
    import pandas as pd
    import pandas.testing as pdt

    opts = {"check_dtype": False, "check_index_type": False, "rtol": 1e-9, "atol": 0.0}
    try:
        if unordered and isinstance(want, pd.Series | pd.DataFrame):
            got, want = got.sort_index(), want.sort_index()
        if isinstance(want, pd.DataFrame):
            pdt.assert_frame_equal(got, want, check_column_type=False, **opts)
        elif isinstance(want, pd.Series):
            pdt.assert_series_equal(got, want, **opts)
        elif not np.isclose(float(got), float(want), rtol=1e-9, atol=0):
            return f"{got!r} != {want!r}"
        return "ok"
    except AssertionError as e:
        text = " ".join(str(e).split())
        if isinstance(want, pd.Series | pd.DataFrame) and isinstance(got, type(want)):
            try:  # the values may agree under other row labels (dask numbers each partition)
                same = compare(got.reset_index(drop=True), want.reset_index(drop=True))
            except Exception:  # noqa: BLE001
                same = ""
            if same == "ok":
                return f"{INDEX_ONLY}: {text[:160]}"
        return text[:200]
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"[:200]


def canonical_table(df, keys: list[str]):
    """``df`` as a plain table: the index (group keys of an ``as_index=True`` result) moved into
    columns, column labels flattened ("v3_median"), categorical/string/Arrow columns as Python
    strings or numpy numbers, rows sorted by ``keys`` and numbered from 0."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        df = df.to_frame() if isinstance(df, pd.Series) else pd.DataFrame(df)
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    names = (["_".join(str(p) for p in c if str(p)) for c in df.columns]
             if isinstance(df.columns, pd.MultiIndex) else [str(c) for c in df.columns])
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # SQL results may repeat a name ("id4" from both tables)
        seen[n] = seen.get(n, 0) + 1
        names[i] = n if seen[n] == 1 else f"{n}_{seen[n]}"
    out = {}
    for i, c in enumerate(names):
        s = df.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(s.cat.categories.dtype)
        kind = getattr(s.dtype, "kind", "O")
        if kind in "iub" and not s.isna().any():
            out[c] = s.to_numpy(dtype="int64" if kind != "u" else "uint64")
        elif kind in "iufb":
            out[c] = s.to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = s.astype(object).to_numpy(dtype=object, copy=True)
            values[s.isna().to_numpy()] = None  # one missing value, whatever the engine's
            out[c] = pd.Series(values, dtype=object)  # no inference: None stays None
    flat = pd.DataFrame({k: v if isinstance(v, pd.Series) else pd.Series(v)
                         for k, v in out.items()})
    by = [k for k in keys if k in flat.columns]
    if by:
        flat = flat.sort_values(by, kind="stable", na_position="last")
    return flat.reset_index(drop=True)


def compare_table(got, want, keys: list[str], rtol: float = 1e-9, atol: float = 0.0) -> str:
    """"ok", or the first difference between two tables compared as sets of rows.

    Both are put in ``canonical_table`` form (sorted by ``keys``); then the shapes, the column
    names, every non-float column exactly, floats to ``rtol`` (NaN equal to NaN; ``atol`` for a
    quantity whose exact value is 0 and whose computed value is rounding noise).
    """
    try:
        g, w = canonical_table(got, keys), canonical_table(want, keys)
        if g.shape != w.shape:
            return f"shape {g.shape} != {w.shape}"
        if list(g.columns) != list(w.columns):
            return f"columns {list(g.columns)} != {list(w.columns)}"
        for c in w.columns:
            a, b = g[c].to_numpy(), w[c].to_numpy()
            if a.dtype.kind == "f" or b.dtype.kind == "f":
                if a.dtype == object or b.dtype == object:
                    return f"{c}: numbers vs other values"
                a, b = a.astype("float64"), b.astype("float64")
                bad = ~((a == b) | (np.isnan(a) & np.isnan(b))
                        | (np.abs(a - b) <= rtol * np.abs(b) + atol))
            else:
                bad = np.asarray(a != b, dtype=bool)  # elementwise, also for object arrays
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                row = ", ".join(f"{k}={w[k].iat[i]!r}" for k in keys if k in w.columns)
                return (f"{c}: {int(bad.sum())} of {len(b)} rows differ, e.g. row {i} ({row}): "
                        f"{a[i]!r} != {b[i]!r}")[:300]
        return "ok"
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"[:300]


# --------------------------------------------------------------------------------------------
# Report


def fmt(v: float) -> str:
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if v >= 0.01 else f"{v:.2g}"


def busy_note(busy: dict[str, float], cpus: int) -> str | None:
    """The problem line for a run during which other work used more than 0.2 cores."""
    if not any(v > 0.2 for v in busy.values()):
        return None
    return ("- other work on the machine used CPU during the run (cores busy outside the "
            "benchmark, on average: " + ", ".join(f"{k} {v:.2f}" for k, v in busy.items())
            + f" of {cpus}): figures are noisy")


def write_report(out_dir: Path, name: str, doc: dict, md: str, plot=None,
                 seconds: float | None = None) -> None:
    """Write ``<name>.json`` (``doc``), ``<name>.md`` and, if ``plot(path)`` returns True,
    ``<name>.png`` to ``out_dir``; print the markdown and where it all went."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(doc, indent=1, default=str))
    (out_dir / f"{name}.md").write_text(md)
    plotted = bool(plot and plot(out_dir / f"{name}.png"))
    print(md)
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    print(f"wrote {out_dir}/{name}.json, .md{', .png' if plotted else ''}{took}", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# h2o db-benchmark data


def cached(path: Path, write) -> Path:
    """``path``, after ``write(tmp)`` made it if it did not exist (through a temporary name)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            write(tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def h2o_groupby(rows: int, seed: int, k: int = 100):
    """The h2o db-benchmark groupby table (groupby-datagen.R) as a pyarrow Table.

    id1, id2: "id001".."id100"; id3: "id0000000001".. with rows/k distinct; id4, id5: 1..k;
    id6: 1..rows/k; v1: 1..5; v2: 1..15; v3: uniform [0, 100) rounded to 6 decimals.
    """
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    small = max(1, rows // k)
    ids_k = pa.array([f"id{i:03d}" for i in range(1, k + 1)])
    ids_small = pa.array([f"id{i:010d}" for i in range(1, small + 1)])

    def strings(labels, n):  # dictionary-encode then decode: no Python string per row
        codes = pa.array(rng.integers(0, len(labels), n, dtype=np.int32))
        return pa.DictionaryArray.from_arrays(codes, labels).cast(pa.large_string())

    return pa.table({
        "id1": strings(ids_k, rows),
        "id2": strings(ids_k, rows),
        "id3": strings(ids_small, rows),
        "id4": rng.integers(1, k + 1, rows),
        "id5": rng.integers(1, k + 1, rows),
        "id6": rng.integers(1, small + 1, rows),
        "v1": rng.integers(1, 6, rows),
        "v2": rng.integers(1, 16, rows),
        "v3": np.round(rng.uniform(0, 100, rows), 6),
    })


H2O_DATA_VERSION = 1  # bump when a generator changes, so cached files are not reused


def h2o_groupby_parquet(rows: int, seed: int, cache: Path, k: int = 100) -> Path:
    """The groupby table as one cached Parquet file with 10 row groups (pandas' default row
    group of 1Mi rows gives the same at 1e7 rows; fixing the count keeps small runs parallel)."""
    import pyarrow.parquet as pq

    def write(tmp: Path) -> None:
        pq.write_table(h2o_groupby(rows, seed, k), tmp, row_group_size=max(1, -(-rows // 10)))

    name = f"h2o_groupby_{rows}{'' if k == 100 else f'_k{k}'}_s{seed}_v{H2O_DATA_VERSION}.parquet"
    return cached(cache / name, write)


def h2o_join_parquet(rows: int, seed: int, cache: Path) -> dict[str, Path]:
    """The join tables as cached Parquet files {"x": path, "small": ..., "medium": ..., "big":
    ...}, each with 10 row groups (fewer if it has fewer rows)."""
    import pyarrow.parquet as pq

    stem = f"h2o_join_{rows}_s{seed}_v{H2O_DATA_VERSION}"
    paths = {name: cache / f"{stem}_{name}.parquet" for name in ("x", "small", "medium", "big")}
    if not all(p.exists() for p in paths.values()):
        tables = h2o_join(rows, seed)
        for name, path in paths.items():
            t = tables[name]
            cached(path, lambda tmp, t=t: pq.write_table(
                t, tmp, row_group_size=max(1, -(-t.num_rows // 10))))
    return paths


def h2o_join(rows: int, seed: int) -> dict:
    """The h2o db-benchmark join tables (join-datagen.R) as pyarrow Tables.

    Three key spaces of n = rows/1e6, rows/1e3 and rows keys, each split 0.9 : 0.1 : 0.1 into
    keys on both sides, left only and right only. x (``rows`` rows): id1, id2, id3 drawn so that
    every left key appears; id4, id5, id6 = "id<idN>"; v1 uniform [0, 100) to 6 decimals.
    small (rows/1e6): id1, id4, v2; medium (rows/1e3): id1, id2, id4, id5, v2; big (rows):
    id1..id6, v2; their keys come from the both-sides and right-only sets, so each right-hand
    table's join key (small id1, medium id2, big id3) is unique and about 90% of x finds a
    match. Columns in db-benchmark's order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        """(left keys, right keys): shared 0.9 n, plus 0.1 n on each side only."""
        n = max(1, int(n))
        total = max(n, round(n * 1.1))
        key = rng.permutation(np.arange(1, total + 1, dtype=np.int64))
        shared = max(1, round(n * 0.9))
        return key[:n], np.concatenate([key[:shared], key[n:]])

    def sample_all(keys: np.ndarray, size: int) -> np.ndarray:
        """``size`` draws in which every key appears at least once (when size allows)."""
        extra = rng.choice(keys, max(size - len(keys), 0), replace=True)
        return rng.permutation(np.concatenate([keys, extra]))[:size]

    def label(ids: np.ndarray):
        return pc.binary_join_element_wise("id", pc.cast(pa.array(ids), pa.string()), "")

    def uniform(n: int) -> np.ndarray:
        return np.round(rng.uniform(0, 100, n), 6)

    key1, key2, key3 = split(rows / 1e6), split(rows / 1e3), split(rows)
    n_small, n_medium = max(1, round(rows / 1e6)), max(1, round(rows / 1e3))
    x = {"id1": sample_all(key1[0], rows), "id2": sample_all(key2[0], rows),
         "id3": sample_all(key3[0], rows)}
    small = {"id1": sample_all(key1[1], n_small)}
    medium = {"id1": sample_all(key1[1], n_medium), "id2": sample_all(key2[1], n_medium)}
    big = {"id1": sample_all(key1[1], rows), "id2": sample_all(key2[1], rows),
           "id3": sample_all(key3[1], rows)}
    tables = {}
    for name, cols, value in (("x", x, "v1"), ("small", small, "v2"),
                              ("medium", medium, "v2"), ("big", big, "v2")):
        n = len(next(iter(cols.values())))
        out = {k: pa.array(v) for k, v in cols.items()}
        for src, dst in (("id1", "id4"), ("id2", "id5"), ("id3", "id6")):
            if src in cols:
                out[dst] = label(cols[src])
        out[value] = pa.array(uniform(n))
        tables[name] = pa.table(out)
    return tables
