"""dframe vs pandas vs dask.dataframe on the h2o groupby data (issue 4).

Engines: plain pandas (one process), dask.dataframe on a ``distributed.LocalCluster`` (2 worker
processes, 1 thread each) and dframe on ``runtime`` (2 workers). Each engine runs in a fresh
subprocess of this script; after it the script kills whatever it left behind and removes orphaned
/dev/shm files (both reported in the JSON as ``leftovers``).

Data: the h2o db-benchmark groupby table (id1..id6, v1..v3), seeded, written once to a Parquet
file in a cache directory and reused. Every operation starts from the loaded frame (persisted
in the engine's workers for dask and dframe), builds its expression afresh — no result of an
earlier run is reused — and is timed to a computed pandas result in the driver: median of 3
after a warm-up. The warm-up's result is checked against pandas'. A second, fixed ETL script
on 10,000 CSV rows is timed on pandas and on dframe's default (in-process) executor.

    python benchmarks/dataframe.py                 # 1e7 rows, all engines (~10 min)
    python benchmarks/dataframe.py --quick         # 1e6 rows, writes to /tmp (~2 min)
    python benchmarks/dataframe.py --rows 5e6 --engines pandas,dframe

Writes ``benchmarks/results/dataframe.{json,md,png}`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import faulthandler
import gc
import json
import pickle
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

# Process bookkeeping, memory sampling, result checks and the data generator are shared with the
# other benchmarks.
from _common import (  # also puts ROOT on sys.path, so `import dframe` works
    GIB,
    INDEX_ONLY,
    PANDAS_API_ENGINES,
    JsonFile,
    PeakMemory,
    cached,
    count_arg,
    default_cache_dir,
    fmt,
    h2o_groupby,
    h2o_groupby_parquet,
    log_errors,
    machine_info,
    measure_warm,
    run_engine_child,
    timed,
    warning_names,
    write_report,
)
from _common import compare as compare_values

ENGINES = ("pandas", "dask", "dframe")
DATA_VERSION = 1  # bump when the generator changes, so cached files are not reused


@dataclass(frozen=True)
class Config:
    rows: int = 10_000_000
    seed: int = 108
    num_cpus: int = 2
    reps: int = 3
    etl_rows: int = 10_000
    etl_reps: int = 7
    op_timeout: float = 600.0  # a hung operation dumps its stack and ends the child
    child_timeout: float = 1800.0


# --------------------------------------------------------------------------------------------
# Data


def parquet_data(cfg: Config, cache: Path) -> Path:
    return h2o_groupby_parquet(cfg.rows, cfg.seed, cache)


def csv_data(cfg: Config, cache: Path) -> Path:
    import pyarrow.csv as pc

    def write(tmp: Path) -> None:
        pc.write_csv(h2o_groupby(cfg.etl_rows, cfg.seed + 1), tmp)

    return cached(cache / f"h2o_groupby_{cfg.etl_rows}_s{cfg.seed + 1}_v{DATA_VERSION}.csv", write)


# --------------------------------------------------------------------------------------------
# Engines: the adapters (``_common``) are the only engine-specific code.


def make_engine(name: str):
    return PANDAS_API_ENGINES[name]()


# --------------------------------------------------------------------------------------------
# Operations: pandas code, run unchanged on every engine; ``e.compute`` is the only difference.


def op_filter_assign(x, e):
    return e.compute(x[x.v1 > 2].assign(w=x.v3 * x.v2)[["id1", "w"]])


def op_reductions(x, e):
    cols = x[["v1", "v2", "v3"]]
    sums, means, mins, maxs = e.compute_many([cols.sum(), cols.mean(), cols.min(), cols.max()])
    return {"sum": sums, "mean": means, "min": mins, "max": maxs}


def op_value_counts(x, e):
    return e.compute(x.id1.value_counts())


def op_cumsum(x, e):
    return e.compute(x.v3.cumsum())


def op_str_len(x, e):
    return e.compute(x.id3.str.upper().str.len().sum())


def op_str_contains(x, e):
    return e.compute(x.id3.str.contains("9").sum())


def op_describe(x, e):
    return e.compute(x.describe())


@dataclass(frozen=True)
class Op:
    key: str
    label: str
    fn: object = None
    parallel: bool = False  # parallel-friendly: goal ≥ 1.6× pandas
    unordered: bool = False  # compare after sorting the index (row order is not the contract)


OPS = [
    Op("load", "load (read_parquet → materialized)"),
    Op("filter_assign", 'x[x.v1 > 2].assign(w=x.v3 * x.v2)[["id1", "w"]]', op_filter_assign, True),
    Op("reductions", "sum/mean/min/max of v1, v2, v3", op_reductions, True),
    Op("value_counts", "id1.value_counts()", op_value_counts, unordered=True),
    Op("cumsum", "v3.cumsum()", op_cumsum, True),
    Op("str_len", "id3.str.upper().str.len().sum()", op_str_len, True),
    Op("str_contains", 'id3.str.contains("9").sum()', op_str_contains, True),
    Op("describe", "describe()", op_describe),
]
PANDAS_GOAL_PARALLEL = 1.6


def fingerprint(x, e) -> dict:
    """What the loaded frame must agree on across engines (the other ops check the values)."""
    return {"len": len(x), "columns": [str(c) for c in x.columns],
            "dtypes": [str(d) for d in x.dtypes], "head": e.compute(x.head(1000)),
            "tail": e.compute(x.tail(1000))}


# --------------------------------------------------------------------------------------------
# Child: one engine in its own process.


def run_ops(engine, cfg: Config, data: Path, out_dir: Path, result: dict, save) -> None:
    m = result["measurements"]
    t0 = time.perf_counter()
    result["start"] = engine.start(cfg)
    result["start_seconds"] = time.perf_counter() - t0
    sampler = PeakMemory()
    sampler.start()
    sampler.resume("idle after start")
    sampler.pause()
    holder: dict = {}

    def load():
        holder["x"] = engine.read(data)
        return holder["x"]

    def drop_and_settle():
        holder.pop("x", None)
        gc.collect()
        engine.settle(None)

    def settle():
        engine.settle(holder.get("x"))

    try:
        for op in OPS:
            result["current"] = op.key
            save()
            print(f"[{engine.name}] {op.key} ...", file=sys.stderr, flush=True)
            faulthandler.dump_traceback_later(cfg.op_timeout, exit=True)
            try:
                if op.key == "load":
                    warm_x, warm, warns = measure_warm(load, sampler, op.key, engine.reset_warnings)
                    del warm_x  # or dask would find its partitions in memory and skip the read
                    times = timed(load, cfg.reps, drop_and_settle)
                    value = fingerprint(holder["x"], engine)
                    extra = {"npartitions": engine.npartitions(holder["x"])}
                else:
                    x = holder["x"]
                    run = lambda fn=op.fn, x=x: fn(x, engine)
                    value, warm, warns = measure_warm(run, sampler, op.key, engine.reset_warnings)
                    times = timed(run, cfg.reps, settle)
                    del x, run
                    extra = {}
                path = out_dir / f"{engine.name}-{op.key}.pkl"
                path.write_bytes(pickle.dumps(value, protocol=5))
                del value
                m[op.key] = {"seconds": statistics.median(times), "reps": times,
                             "warmup_seconds": warm, "warnings": warns, "result_file": str(path),
                             **extra}
            except Exception as e:  # noqa: BLE001 - recorded as n/a; the next op still runs
                import traceback

                traceback.print_exc()
                m[op.key] = {"error": f"{type(e).__name__}: {e}"[:500]}
                if op.key == "load":
                    break
            finally:
                faulthandler.cancel_dump_traceback_later()
            save()
        result.pop("current", None)
        holder.clear()
    finally:
        sampler.stop()
    result["memory"] = sampler.summary()
    t0 = time.perf_counter()
    engine.stop()
    result["stop_seconds"] = time.perf_counter() - t0


def etl_script(pd, src: Path, dst: Path):
    """A small ETL script, written for pandas; ``pd`` is pandas or dframe."""
    df = pd.read_csv(src)
    df = df[(df.v1 > 2) & (df.id4 <= 50)]
    df = df.assign(w=df.v3 * df.v2, big=df.v3 > 50)
    summary = {"rows": len(df), "w_sum": df.w.sum(), "v3_mean": df.v3.mean(),
               "v2_max": df.v2.max(), "big": df.big.sum(), "id6_min": df.id6.min()}
    counts = df.id1.value_counts()
    top = counts.head(10)
    top = top.to_pandas() if hasattr(top, "to_pandas") else top  # dframe: compute it now
    df.to_csv(dst, index=False)
    return summary, top


def run_etl(engine, cfg: Config, src: Path, out_dir: Path, result: dict, save) -> None:
    if engine.name == "dframe":
        engine.pd.config.set(progress=False)  # executor left at its default ("auto")
        result["executor"] = engine.pd.config.get("executor")
    pd = engine.pd
    dst = out_dir / f"{engine.name}-etl-out.csv"
    faulthandler.dump_traceback_later(cfg.op_timeout, exit=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            value = etl_script(pd, src, dst)
            first = time.perf_counter() - t0
        times = timed(lambda: etl_script(pd, src, dst), cfg.etl_reps, lambda: None)
    finally:
        faulthandler.cancel_dump_traceback_later()
    path = out_dir / f"{engine.name}-etl.pkl"
    path.write_bytes(pickle.dumps({"value": value, "csv": dst.read_bytes()}, protocol=5))
    dst.unlink()
    result["measurements"]["etl"] = {"seconds": statistics.median(times), "reps": times,
                                     "first_seconds": first, "warnings": warning_names(caught),
                                     "result_file": str(path)}


def run_child(engine_name: str, phase: str, cfg: Config, data: Path, out: Path) -> None:
    file = JsonFile(out, {"engine": engine_name, "phase": phase, "measurements": {}})
    result, save = file.data, file.save
    engine = make_engine(engine_name)
    t0 = time.perf_counter()
    try:
        result["version"] = engine.load()
    except ImportError as e:
        result.update(status="missing", error=f"{type(e).__name__}: {e}")
        save()
        return
    result["import_seconds"] = time.perf_counter() - t0
    result["status"] = "running"
    save()
    if phase == "etl":
        run_etl(engine, cfg, data, out.parent, result, save)
    else:
        run_ops(engine, cfg, data, out.parent, result, save)
    result["status"] = "ok"
    save()


# --------------------------------------------------------------------------------------------
# Parent: run children, clean up after them, check results, report.


def run_engine(engine: str, phase: str, cfg: Config, data: Path, workdir: Path) -> dict:
    out = workdir / f"{engine}-{phase}.json"
    log = workdir / f"{engine}-{phase}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--phase", phase,
           "--data", str(data), "--result-file", str(out), "--config", json.dumps(asdict(cfg))]
    result, text = run_engine_child(cmd, out, log, cfg.child_timeout,
                                    {"engine": engine, "phase": phase})
    result["leftovers"].pop("spill_files")  # no spill directory here
    result.update(log_errors(text))
    return result


def _load(m: dict):
    return pickle.loads(Path(m["result_file"]).read_bytes())


def _as_pandas(value):
    import pandas as pd

    if isinstance(value, dict):  # reductions: one column per statistic
        return pd.DataFrame(value)
    return value


def compare(key: str, got, want, unordered: bool) -> str:
    """"ok", or what differs (``_common.compare``, plus what the load, ETL and describe
    results need)."""
    import pandas as pd
    import pandas.testing as pdt

    try:
        if key == "load":
            if (got["len"], got["columns"]) != (want["len"], want["columns"]):
                return f"len/columns differ: {got['len']} {got['columns']}"
            for part in ("head", "tail"):
                status = compare(part, got[part], want[part], False)
                if status != "ok":
                    return f"{part}: {status}" if not status.startswith(INDEX_ONLY) else status
            return "ok"
        if key == "etl":
            if got["csv"] != want["csv"]:
                return "CSV output differs"
            (gs, gt), (ws, wt) = got["value"], want["value"]
            for k in ws:
                if not np.isclose(float(gs[k]), float(ws[k]), rtol=1e-9, atol=0):
                    return f"{k}: {gs[k]} != {ws[k]}"
            pdt.assert_series_equal(gt, wt, check_dtype=False, check_index_type=False,
                                    rtol=1e-9, atol=0.0)
            return "ok"
        got, want = _as_pandas(got), _as_pandas(want)
        status = compare_values(got, want, unordered)
        if status in ("ok",) or status.startswith(INDEX_ONLY):
            return status
        if key == "describe" and isinstance(want, pd.DataFrame):
            bad = [i for i in want.index
                   if not np.allclose(got.loc[i].to_numpy(float), want.loc[i].to_numpy(float),
                                      rtol=1e-9, atol=0)]
            if bad:
                return f"rows {', '.join(map(str, bad))} differ"
        return status
    except AssertionError as e:
        return " ".join(str(e).split())[:200]
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"[:200]


def check_results(results: dict) -> None:
    """Each engine's result of each op against pandas' (recorded as ``check``)."""
    base = results.get("pandas", {}).get("measurements", {})
    for engine, r in results.items():
        for key, m in r.get("measurements", {}).items():
            if "error" in m or "result_file" not in m:
                continue
            if engine == "pandas":
                m["check"] = "reference"
            elif "result_file" not in base.get(key, {}):
                m["check"] = "no pandas result"
            else:
                op = next((o for o in OPS if o.key == key), Op(key, key))
                m["check"] = compare(key, _load(m), _load(base[key]), op.unordered)


def run_all(engines: list[str], cfg: Config, data: Path, csv: Path) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="dframe_bench_") as tmp:
        for engine in engines:
            print(f"== {engine}", file=sys.stderr, flush=True)
            r = run_engine(engine, "ops", cfg, data, Path(tmp))
            results[engine] = r
            if engine in ("pandas", "dframe") and r.get("status") != "missing":
                print(f"== {engine}: etl", file=sys.stderr, flush=True)
                etl = run_engine(engine, "etl", cfg, csv, Path(tmp))
                r["etl_child"] = {k: v for k, v in etl.items() if k != "measurements"}
                if "etl" in etl.get("measurements", {}):
                    r["measurements"]["etl"] = etl["measurements"]["etl"]
            for line in r.get("log_tail", [])[-15:]:
                print(f"   | {line}", file=sys.stderr)
            lo = r["leftovers"]
            if lo["processes"] or lo["devshm_files"]:
                print(f"   leftovers after {engine}: {lo}", file=sys.stderr)
        check_results(results)
        for r in results.values():  # the result files go with the temporary directory
            for m in r.get("measurements", {}).values():
                m.pop("result_file", None)
    return results


# --------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    pandas_goal: float | None  # minimum dframe-vs-pandas ratio (>1 = dframe better)
    beat_dask: bool


def rows(cfg: Config) -> list[Row]:
    out = []
    for op in OPS:
        goal = 1.0 if op.key == "load" else PANDAS_GOAL_PARALLEL if op.parallel else None
        out.append(Row(op.key, op.label, "s", goal, True))
    out.append(Row("memory", "peak memory (PSS, shared counted once)", "GiB", 0.5, False))
    out.append(Row("etl", f"ETL script on {cfg.etl_rows:,} CSV rows (dframe default executor)",
                   "s", 0.5, False))
    return out


def cell(results: dict, engine: str, row: Row) -> tuple[float | None, str, str]:
    """(value, text, check) for one engine's cell."""
    r = results.get(engine)
    if r is None:
        return None, "—" if row.key == "etl" and engine == "dask" else "not run", ""
    if r.get("status") == "missing":
        return None, "missing", ""
    if row.key == "memory":
        peak = (r.get("memory") or {}).get("peak")
        return (peak / GIB, f"{peak / GIB:.2f}", "") if peak else (None, "n/a", "")
    m = r["measurements"].get(row.key)
    if m is None:
        return None, "—" if row.key == "etl" and engine == "dask" else "not run", ""
    if "error" in m:
        return None, "n/a", ""
    text = fmt(m["seconds"])
    if any("PandasFallbackWarning" in w for w in m.get("warnings", [])):
        text += " (fallback)"
    check = m.get("check", "")
    if check.startswith(INDEX_ONLY):
        text += " (labels ≠)"
    elif check not in ("", "ok", "reference"):
        text += " ≠"
    return m["seconds"], text, check


def judge(row: Row, p, d, f, check: str) -> tuple[float | None, float | None, str]:
    rp = p / f if p and f else None
    rd = d / f if d and f else None
    if row.pandas_goal is None and not row.beat_dask:
        return rp, rd, ""
    if f is None:
        return rp, rd, "✗ missed (no result)"
    missed = []
    if check not in ("", "ok"):
        missed.append("wrong result")
    if row.pandas_goal is not None and (rp is None or rp < row.pandas_goal - 1e-9):
        missed.append(f"< {row.pandas_goal:g}× pandas")
    if row.beat_dask and rd is not None and rd <= 1.0:
        missed.append("not faster than dask")
    return rp, rd, ("✗ missed: " + ", ".join(missed)) if missed else "✓ met"


def goal_text(row: Row) -> str:
    if row.key == "memory":
        return "≤ 2× pandas"
    if row.key == "etl":
        return "within 2× pandas"
    parts = []
    if row.pandas_goal == 1.0:
        parts.append("≥ pandas")
    elif row.pandas_goal:
        parts.append(f"≥ {row.pandas_goal:g}× pandas")
    if row.beat_dask:
        parts.append("> dask")
    return ", ".join(parts)


def table_rows(results: dict, cfg: Config) -> list[dict]:
    out = []
    for row in rows(cfg):
        vals = {e: cell(results, e, row) for e in ENGINES}
        rp, rd, status = judge(row, vals["pandas"][0], vals["dask"][0], vals["dframe"][0],
                               vals["dframe"][2])
        out.append({"row": row, "vals": vals, "rp": rp, "rd": rd, "status": status})
    return out


def markdown(results: dict, cfg: Config, meta: dict) -> str:
    def ratio(v):
        return f"{v:.2f}×" if v is not None else "—"

    lines = [
        "# dframe vs pandas vs dask.dataframe: h2o groupby data",
        "",
        (f"{meta['date']} · {meta['machine']['cpu']} · {cfg.num_cpus} CPUs per engine · "
         f"{meta['machine']['memory_gib']:.0f} GiB RAM · Python {meta['machine']['python']} · "
         f"{cfg.rows:,} rows ({meta['data_mib']:.0f} MiB Parquet, 10 row groups)"),
        "",
        "Versions: " + ", ".join(f"{e} {results[e].get('version') or '—'}" for e in results),
        "",
        "| op | pandas | dask | dframe | dframe vs pandas | dframe vs dask | goal |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for t in table_rows(results, cfg):
        row, vals = t["row"], t["vals"]
        goal = goal_text(row) + (f": {t['status']}" if t["status"] else "")
        unit = " (GiB)" if row.unit == "GiB" else ""
        lines.append(f"| {row.label}{unit} | {vals['pandas'][1]} | {vals['dask'][1]} | "
                     f"{vals['dframe'][1]} | {ratio(t['rp'])} | {ratio(t['rd'])} | {goal} |")
    parts = {e: r["measurements"].get("load", {}).get("npartitions")
             for e, r in results.items() if r.get("measurements")}
    notes = [
        ("Times in seconds, median of 3 after a warm-up; ratios are pandas' (or dask's) time over "
         "dframe's: > 1 means dframe is faster (for memory, uses less)."),
        "Each engine runs in a fresh subprocess. dask: `LocalCluster(n_workers=2, "
        "threads_per_worker=1, processes=True)`; dframe: `runtime.init(num_cpus=2)`, "
        "executor \"runtime\", progress bar off. dask reads with `split_row_groups=True` (its "
        "default merges this file's row groups into one partition). Partitions after load: "
        + ", ".join(f"{e} {n}" for e, n in parts.items() if n is not None) + ".",
        ("Load times `read_parquet` to a materialized frame (dask and dframe: `persist()`, data "
         "in the workers). Every other op starts from that loaded frame, builds its expression "
         "afresh and is timed to a pandas result in the driver (`compute()` / `to_pandas()`; "
         "the four reductions as one computation: `dask.compute(...)` / `dframe.compute(...)`)."),
        ("Results are checked against pandas' (values to rtol 1e-9; dtypes are not compared: "
         "dask reads strings as `string[pyarrow]`); ≠ marks a mismatch, listed below; "
        "(labels ≠) equal values under other row labels (dask numbers each partition from 0). "
         "(fallback) marks an op dframe ran on pandas over collected data "
         "(`PandasFallbackWarning`)."),
        ("Peak memory: highest sample, taken every 50 ms during the warm-up runs (the timed runs "
         "are not sampled, so sampling takes no CPU from them), of Σ(PSS − PSS of shmem) over "
         "the driver and every process it started, plus the /dev/shm bytes those processes map "
         "or hold open or that sit in their store directory: shared pages count once."),
        (f"ETL: the same pandas script (read_csv, filter, assign, 5 reductions, value_counts, "
         f"to_csv) on {cfg.etl_rows:,} rows, in fresh processes, median of {cfg.etl_reps} after a "
         "first run; dframe uses its default executor (small input: in-process). Its CSV output "
         "must equal pandas' byte for byte."),
    ]
    lines += ["", "Notes:", *(f"- {n}" for n in notes)]
    problems = []
    for e, r in results.items():
        if r.get("status") == "missing":
            problems.append(f"- {e}: missing ({r.get('error')})")
            continue
        if r.get("status") != "ok":
            problems.append(f"- {e}: child {r.get('status')} (exit {r.get('exit')})")
        for k, m in r.get("measurements", {}).items():
            if "error" in m:
                problems.append(f"- {e}/{k}: n/a — {m['error']}")
            elif m.get("check") not in (None, "ok", "reference"):
                problems.append(f"- {e}/{k}: result differs from pandas — {m['check']}")
            for w in m.get("warnings", []):
                if "PandasFallbackWarning" in w:
                    problems.append(f"- {e}/{k}: {w}")
        for child in (r, r.get("etl_child") or {}):
            if child.get("log_tracebacks"):
                problems.append(f"- {e}: {child['log_tracebacks']} traceback(s) in the engine's "
                                "log (crashed or failed tasks, retried; times include them): "
                                + "; ".join(child.get("log_errors", []))[:400])
            lo = child.get("leftovers", {})
            if lo.get("processes") or lo.get("devshm_files"):
                problems.append(f"- {e}: left behind {len(lo.get('processes', []))} process(es) "
                                f"and {len(lo.get('devshm_files', []))} /dev/shm file(s) "
                                "(cleaned up; see JSON)")
    busy = {e: r["foreign_cpu_cores"] for e, r in results.items() if "foreign_cpu_cores" in r}
    if any(v > 0.2 for v in busy.values()):
        problems.append("- other work on the machine used CPU during the run (cores busy outside "
                        "the benchmark, on average: "
                        + ", ".join(f"{k} {v:.2f}" for k, v in busy.items())
                        + f" of {meta['machine']['logical_cpus']}): figures are noisy")
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
    rows_ = table_rows(results, cfg)
    labels = [t["row"].label if len(t["row"].label) < 45 else t["row"].key for t in rows_]
    y = np.arange(len(rows_))[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(rows_) + 1.5), sharey=True)
    for ax, which, title in ((axes[0], "rp", "dframe vs pandas"), (axes[1], "rd", "dframe vs dask")):
        for yi, t in zip(y, rows_):
            row, v = t["row"], t[which]
            goal = row.pandas_goal if which == "rp" else (1.0 if row.beat_dask else None)
            ok = v is not None and (goal is None or v > goal or (which == "rp" and v >= goal))
            color = "tab:grey" if goal is None else "tab:green" if ok else "tab:red"
            if v is not None:
                ax.barh(yi, v, color=color, alpha=0.8)
            else:
                ax.text(1.0, yi, " n/a", va="center", fontsize=8)
            if goal:
                ax.plot([goal, goal], [yi - 0.4, yi + 0.4], color="black", lw=2)
        ax.axvline(1.0, color="grey", ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel(f"{title} (>1 = dframe better); black tick = goal")
    axes[0].set_yticks(y, labels, fontsize=8)
    fig.suptitle(f"dframe on h2o groupby data, {cfg.rows:,} rows, {cfg.num_cpus} CPUs "
                 "(green = goal met, red = missed, grey = no goal)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--rows", type=count_arg, default=None, help="table size (default 1e7)")
    ap.add_argument("--quick", action="store_true", help="1e6 rows, writes to /tmp")
    ap.add_argument("--num-cpus", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    ap.add_argument("--out-dir", type=Path, default=None)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        run_child(args.child, args.phase, Config(**json.loads(args.config)), args.data,
                  args.result_file)
        return 0

    rows_ = args.rows or (1_000_000 if args.quick else 10_000_000)
    cfg = Config(rows=rows_, num_cpus=args.num_cpus,
                 **({"op_timeout": 120.0, "child_timeout": 600.0} if args.quick else {}))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            ap.error(f"unknown engine {e!r}; choose from {', '.join(ENGINES)}")
    out_dir = args.out_dir or (Path(tempfile.gettempdir()) / "dframe_bench_quick" if args.quick
                               else HERE / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    data = parquet_data(cfg, args.cache_dir)
    csv = csv_data(cfg, args.cache_dir)
    meta = {"date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine_info(), "config": asdict(cfg), "quick": args.quick,
            "engines_requested": engines, "data": str(data), "etl_csv": str(csv),
            "data_mib": data.stat().st_size / 2**20,
            "data_seconds": time.perf_counter() - t0}
    results = run_all(engines, cfg, data, csv)
    meta["total_seconds"] = time.perf_counter() - t0
    md = markdown(results, cfg, meta)
    write_report(out_dir, "dataframe", {**meta, "results": results}, md,
                 lambda path: plot(results, cfg, path), meta["total_seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
