"""Arrays: NumPy, dask.array and dframe.numpy on the same work, in the same run.

Measurements (issue 14's benchmark): an element-wise chain over a 1 GiB float64 array reduced
to one number; ``sum``/``mean``/``std`` along each axis of a 2-D 1 GiB array; a blocked
4096×4096 float64 ``matmul``. Each engine runs in its own subprocess (``_common.run_engine_child``)
with ``--cpus`` cores (dask: the threaded scheduler with that many threads; dframe: the
runtime with that many workers); inputs are made from the same seed and put where each engine
keeps data (dask: ``from_array``; dframe: ``asarray(...).persist()``) before the clock starts.
Each measurement: one warm-up with peak memory sampled (PSS + the engine's /dev/shm, shared
pages once), then timed repetitions (median). Results are checked against NumPy's.

    python benchmarks/arrays.py            # full size (~5 min on 2 cores)
    python benchmarks/arrays.py --quick    # 1/16 of the data, 1024² matmul, writes to /tmp

Writes ``benchmarks/results/arrays.{json,md}`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C

ENGINES = ("numpy", "dask", "dframe")
WORK = ("chain", "sum axis 0", "sum axis 1", "mean axis 0", "mean axis 1", "std axis 0",
        "std axis 1", "matmul")  # fmt: skip


def _work(xp, x2, y, z):
    """The measured operations for namespace ``xp`` (NumPy's API); each returns a value."""
    return {
        "chain": lambda: (xp.sin(y) ** 2 + xp.cos(y) ** 2 - y * 0.5 + 1).sum(),
        "sum axis 0": lambda: x2.sum(axis=0), "sum axis 1": lambda: x2.sum(axis=1),
        "mean axis 0": lambda: x2.mean(axis=0), "mean axis 1": lambda: x2.mean(axis=1),
        "std axis 0": lambda: x2.std(axis=0), "std axis 1": lambda: x2.std(axis=1),
        "matmul": lambda: z @ z,
    }  # fmt: skip


def _finished(finish, op):
    return finish(op())


def child(args) -> None:
    out = C.JsonFile(Path(args.out), {"status": "running", "measurements": {}})
    n = (2**27) // (16 if args.quick else 1)  # float64: 1 GiB at full size
    side = 1024 if args.quick else 4096
    rng = np.random.default_rng(0)
    y_np = rng.random(n)
    x2_np = y_np.reshape(n // 8192, 8192)
    z_np = rng.random((side, side))
    if args.engine == "numpy":
        out.data["version"] = np.__version__
        y, x2, z = y_np, x2_np, z_np
        finish, settle = (lambda v: v), (lambda: None)
        np_ = np
    elif args.engine == "dask":
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads", num_workers=args.cpus)
        out.data["version"] = dask.__version__
        y, x2 = da.from_array(y_np, chunks=2**23).persist(), da.from_array(x2_np).persist()
        z = da.from_array(z_np, chunks=side // 2).persist()
        finish, settle = (lambda v: v.compute()), (lambda: None)
        np_ = da
    else:
        import dframe.numpy as dnp
        import runtime
        from dframe import config

        runtime.init(num_cpus=args.cpus)
        config.set(executor="runtime")
        out.data["version"] = "dframe " + C.git_revision()
        y, x2, z = (dnp.asarray(a).persist() for a in (y_np, x2_np, z_np))
        finish, settle = (
            (lambda v: v.compute() if isinstance(v, dnp.ndarray) else v),
            (lambda: None),
        )
        np_ = dnp
    xp = np_
    del y_np, x2_np, z_np
    work = _work(xp, x2, y, z)
    sampler = C.PeakMemory()
    sampler.start()
    out.save()
    for name in WORK:
        out.data["current"] = name
        run = functools.partial(_finished, finish, work[name])
        value, first, warned = C.measure_warm(run, sampler, name)
        times = C.timed(run, args.reps, settle)
        path = Path(args.out).with_suffix(f".{WORK.index(name)}.npy")
        np.save(path, np.asarray(value))
        out.data["measurements"][name] = {"seconds": statistics.median(times), "times": times,
                                          "first": first, "warnings": warned,
                                          "peak_bytes": sampler.peaks[name]["total"],
                                          "value": str(path)}  # fmt: skip
        out.save()
    sampler.stop()
    out.data.pop("current", None)
    out.data["status"] = "ok"
    out.save()
    if args.engine == "dframe":
        runtime.shutdown()


def _ratio(secs: dict, a: str, b: str) -> str:
    return f"{secs[a] / secs[b]:.2f}×" if secs[a] and secs[b] else "—"


def parent(args) -> None:
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="arrays-bench-"))
    results = {}
    for engine in ENGINES:
        cmd = [sys.executable, __file__, "--child", "--engine", engine, "--cpus", str(args.cpus),
               "--reps", str(args.reps), "--out", str(tmp / f"{engine}.json")]  # fmt: skip
        if args.quick:
            cmd.append("--quick")
        results[engine], _ = C.run_engine_child(cmd, tmp / f"{engine}.json", tmp / f"{engine}.log",
                                                args.timeout, {"engine": engine})  # fmt: skip
    base = results["numpy"]["measurements"]
    for engine, r in results.items():  # values against NumPy's
        for name, m in r.get("measurements", {}).items():
            if "value" in m and name in base:
                got, want = np.load(m["value"]), np.load(base[name]["value"])
                m["check"] = "ok" if np.allclose(got, want, rtol=1e-9, atol=0) else "DIFFERS"
    lines = [
        f"# Arrays: NumPy vs dask.array vs dframe.numpy ({args.cpus} cores{', quick' if args.quick else ''})",
        "", f"Machine: {C.machine_info()}", "",
        "| work | " + " | ".join(f"{e} s" for e in ENGINES) + " | dframe vs NumPy | dframe vs dask | peak MiB (numpy / dask / dframe) | checks |",
        "|---|" + "---|" * (len(ENGINES) + 4),
    ]  # fmt: skip
    for name in WORK:
        row = {e: results[e].get("measurements", {}).get(name, {}) for e in ENGINES}
        secs = {e: row[e].get("seconds") for e in ENGINES}
        peaks = " / ".join(
            f"{row[e]['peak_bytes'] / 2**20:.0f}" if row[e].get("peak_bytes") else "—"
            for e in ENGINES
        )
        checks = ", ".join(f"{e} {row[e].get('check', '—')}" for e in ENGINES if e != "numpy")
        cells = " | ".join(C.fmt(secs[e]) if secs[e] else "error" for e in ENGINES)
        lines.append(
            f"| {name} | {cells} | {_ratio(secs, 'numpy', 'dframe')} | {_ratio(secs, 'dask', 'dframe')} | {peaks} | {checks} |"
        )
    busy = {e: results[e].get("foreign_cpu_cores", 0.0) for e in ENGINES}
    note = C.busy_note(busy, args.cpus)
    lines += ["", "Ratios are speed-ups (> 1: dframe faster)."] + ([note] if note else [])
    shutil.rmtree(tmp, ignore_errors=True)  # the values were checked; results are in the JSON
    out_dir = Path(tempfile.gettempdir()) / "bench" if args.quick else C.HERE / "results"
    C.write_report(out_dir, "arrays", {"results": results, "quick": args.quick}, "\n".join(lines) + "\n",
                   seconds=time.perf_counter() - t0)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--engine", choices=ENGINES)
    ap.add_argument("--out")
    args = ap.parse_args()
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
