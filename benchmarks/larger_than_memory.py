"""Data larger than the object store (issue 5): an h2o groupby and an h2o join over a Parquet
dataset several times ``object_store_memory``, the join written with ``to_parquet``.

Data (generated once into a cache directory, one file at a time, so the generator holds one
file's rows — ``--rows-per-file``, 1e6 by default — never the dataset): ``x/part-*.parquet``,
h2o-shaped, with the columns both queries read —

    id1  str    "id001".."id100"
    id2  int64  1..1.1*rows/1e3   (the join key; ~91 % of rows find a partner in ``medium``)
    id3  str    "id0000000001"..  (rows/100 distinct: the groupby key of h2o q3)
    v1   int64  1..5
    v3   float  [0, 100), 6 decimals

— 57 bytes a row in pandas, so 6e7 rows are about 3.2 GiB in memory; and ``medium.parquet``,
the h2o medium join table (rows/1e3 rows: id1, id2 unique, id4, id5, v2).

Queries, identical for every engine:

    groupby  x.groupby("id3", dropna=False, observed=True).agg({"v1": "sum", "v3": "mean"})
             (h2o groupby q3; the result, rows/100 rows, is collected)
    join     x.merge(medium, on="id2").to_parquet(<directory>)   (h2o join q2's shape; written,
             never collected)

Engines, each in a fresh subprocess: dframe on ``runtime`` with ``object_store_memory`` = the
budget (1 GiB) and 2 workers; plain pandas and dask.dataframe (``distributed.LocalCluster``, 2
worker processes) for reference. Memory is sampled every 50 ms: the processes' PSS (shared
memory not counted twice) plus the engine's /dev/shm files, the issue's definition; dframe's
goal is a peak under budget + 2 GiB. Results are checked across engines: the groupby result
exactly (floats to a relative 1e-9), the written join by row count and column sums.

    python benchmarks/larger_than_memory.py            # 6e7 rows, 1 GiB budget (~20 min)
    python benchmarks/larger_than_memory.py --quick    # 6e6 rows, 256 MiB, writes to /tmp
    python benchmarks/larger_than_memory.py --rows 2e7 --engines dframe

Writes ``benchmarks/results/larger_than_memory.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import faulthandler
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    GIB,
    HERE,
    JsonFile,
    PeakMemory,
    compare_table,
    count_arg,
    default_cache_dir,
    git_revision,
    machine_info,
    run_engine_child,
)

MIB = 1 << 20
ENGINES = ("dframe", "pandas", "dask")
DATA_VERSION = 1  # bump when the generator changes, so cached datasets are not reused
HEADROOM = 2 * GIB  # the allowance above the object store budget


@dataclass(frozen=True)
class Config:
    rows: int = 60_000_000
    budget: int = GIB
    rows_per_file: int = 1_000_000
    seed: int = 108
    num_cpus: int = 2
    child_timeout: float = 3600.0


# --------------------------------------------------------------------------------------------
# Data


def _x_file(rows: int, total: int, seed: int, index: int):
    """One file of ``x``: its own seeded generator, so files can be made one at a time."""
    import pyarrow as pa

    rng = np.random.default_rng([seed, index])
    groups, medium = max(1, total // 100), max(1, total // 1000)

    def strings(fmt: str, count: int, n: int):  # dictionary-decode: no Python string per row
        labels = pa.array([fmt % i for i in range(1, count + 1)])
        codes = pa.array(rng.integers(0, count, n, dtype=np.int32))
        return pa.DictionaryArray.from_arrays(codes, labels).cast(pa.large_string())

    return pa.table({
        "id1": strings("id%03d", 100, rows),
        "id2": rng.integers(1, int(medium * 1.1) + 1, rows, endpoint=True),
        "id3": strings("id%010d", groups, rows),
        "v1": rng.integers(1, 6, rows),
        "v3": np.round(rng.uniform(0, 100, rows), 6),
    })


def _medium(total: int, seed: int):
    """The h2o medium join table: rows/1e3 rows, id2 unique (in shuffled order)."""
    import pyarrow as pa

    rng = np.random.default_rng([seed, 1 << 30])
    n = max(1, total // 1000)
    id2 = rng.permutation(np.arange(1, n + 1))
    id1 = rng.integers(1, max(2, total // 1_000_000) + 1, n)
    return pa.table({
        "id1": id1,
        "id2": id2,
        "id4": pa.array([f"id{i}" for i in id1]),
        "id5": pa.array([f"id{i}" for i in id2]),
        "v2": np.round(rng.uniform(0, 100, n), 6),
    })


def dataset(cfg: Config, cache: Path) -> Path:
    """The dataset directory (``x/`` and ``medium.parquet``), generated once and cached."""
    import pyarrow.parquet as pq

    path = cache / f"ltm_h2o_{cfg.rows}_f{cfg.rows_per_file}_s{cfg.seed}_v{DATA_VERSION}"
    if path.exists():
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "x").mkdir(parents=True)
    try:
        nfiles = -(-cfg.rows // cfg.rows_per_file)
        for k in range(nfiles):
            n = min(cfg.rows_per_file, cfg.rows - k * cfg.rows_per_file)
            pq.write_table(_x_file(n, cfg.rows, cfg.seed, k), tmp / "x" / f"part-{k:05d}.parquet",
                           row_group_size=min(n, 1 << 20))
        pq.write_table(_medium(cfg.rows, cfg.seed), tmp / "medium.parquet")
        tmp.rename(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


# --------------------------------------------------------------------------------------------
# Engines (in the child)


class Engine:
    name = ""

    def start(self, cfg: Config) -> None: ...
    def stop(self) -> None: ...
    def store(self) -> dict: return {}


class PandasEngine(Engine):
    name = "pandas"

    def start(self, cfg: Config) -> None:
        import pandas as pd

        self.pd = pd

    def groupby(self, data: Path):
        x = self.pd.read_parquet(data / "x", columns=["id3", "v1", "v3"])
        return x.groupby("id3", dropna=False, observed=True).agg({"v1": "sum", "v3": "mean"})

    def join(self, data: Path, out: Path) -> None:
        x = self.pd.read_parquet(data / "x")
        medium = self.pd.read_parquet(data / "medium.parquet")
        out.mkdir(parents=True, exist_ok=True)
        x.merge(medium, on="id2").to_parquet(out / "part-0.parquet")


class DframeEngine(Engine):
    name = "dframe"

    def start(self, cfg: Config) -> None:
        import dframe
        import runtime
        from dframe import config

        self.runtime, self.dpd = runtime, dframe
        runtime.init(num_cpus=cfg.num_cpus, object_store_memory=cfg.budget)
        self._override = config.override(executor="runtime", progress=False)
        self._override.__enter__()

    def stop(self) -> None:
        self._override.__exit__(None, None, None)
        self.runtime.shutdown()

    def store(self) -> dict:
        from runtime import protocol

        _, totals = self.runtime.api.client().request(protocol.MEMORY)  # memory_summary's totals
        return totals

    def groupby(self, data: Path):
        x = self.dpd.read_parquet(data / "x")
        self.npartitions = x.npartitions
        g = x.groupby("id3", dropna=False, observed=True).agg({"v1": "sum", "v3": "mean"})
        return g.to_pandas()

    def join(self, data: Path, out: Path) -> None:
        x = self.dpd.read_parquet(data / "x")
        medium = self.dpd.read_parquet(data / "medium.parquet")
        x.merge(medium, on="id2").to_parquet(f"{out}/")


class DaskEngine(Engine):
    name = "dask"

    def start(self, cfg: Config) -> None:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        self.dd = dd
        self.cluster = LocalCluster(n_workers=cfg.num_cpus, threads_per_worker=1,
                                    processes=True, dashboard_address=None)
        self.client = Client(self.cluster)

    def stop(self) -> None:
        self.client.close()
        self.cluster.close()

    def groupby(self, data: Path):
        x = self.dd.read_parquet(str(data / "x"))
        g = x.groupby("id3", dropna=False, observed=True).agg({"v1": "sum", "v3": "mean"})
        return g.compute()

    def join(self, data: Path, out: Path) -> None:
        x = self.dd.read_parquet(str(data / "x"))
        medium = self.dd.read_parquet(str(data / "medium.parquet"))
        x.merge(medium, on="id2").to_parquet(str(out), write_index=False)


def make_engine(name: str) -> Engine:
    return {"pandas": PandasEngine, "dframe": DframeEngine, "dask": DaskEngine}[name]()


def run_child(engine_name: str, cfg: Config, data: Path, work: Path, out: Path) -> None:
    file = JsonFile(out, {"engine": engine_name, "status": "running", "measurements": {}})
    result, save = file.data, file.save

    engine = make_engine(engine_name)
    try:
        engine.start(cfg)
    except ImportError as e:
        result.update(status="missing", error=f"{type(e).__name__}: {e}")
        save()
        return
    save()
    sampler = PeakMemory()
    sampler.start()
    try:
        for phase in ("groupby", "join"):
            result["current"] = phase
            save()
            print(f"[{engine_name}] {phase} ...", file=sys.stderr, flush=True)
            faulthandler.dump_traceback_later(cfg.child_timeout, exit=True)
            before = engine.store()
            sampler.resume(phase)
            t0 = time.perf_counter()
            if phase == "groupby":
                value = engine.groupby(data)
                seconds = time.perf_counter() - t0
                path = work / f"{engine_name}-groupby.parquet"
                value.to_parquet(path)
                extra = {"rows": len(value), "result_file": str(path)}
                del value
            else:
                target = work / f"{engine_name}-join"
                shutil.rmtree(target, ignore_errors=True)
                engine.join(data, target)
                seconds = time.perf_counter() - t0
                extra = {"output": str(target)}
            sampler.pause()
            faulthandler.cancel_dump_traceback_later()
            m = result["measurements"][phase] = {"seconds": seconds,
                                                 "memory": sampler.peaks[phase], **extra}
            if getattr(engine, "npartitions", None):
                m["npartitions"] = engine.npartitions
            after = engine.store()
            if after:  # the scheduler's own figures: its high-water mark, bytes written to disk
                m["store"] = {"budget": after["budget"], "peak_used": after["peak_used"],
                              "spilled": after["spilled_total"] - before["spilled_total"]}
            save()
        result.pop("current")
        result["status"] = "ok"
    finally:
        sampler.stop()
        save()
        engine.stop()


# --------------------------------------------------------------------------------------------
# Parent


def run_engine(engine: str, cfg: Config, data: Path, work: Path) -> dict:
    out, log = work / f"{engine}.json", work / f"{engine}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--data", str(data),
           "--work", str(work), "--result-file", str(out), "--config", json.dumps(asdict(cfg))]
    result, _ = run_engine_child(cmd, out, log, cfg.child_timeout, {"engine": engine})
    return result


def join_fingerprint(directory: Path) -> dict:
    """Row count and column sums of a written join, read one batch at a time."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    cols = ["id2", "v1", "v2", "v3"]
    rows, sums = 0, dict.fromkeys(cols, 0.0)
    for batch in ds.dataset(str(directory), format="parquet").to_batches(columns=cols):
        rows += batch.num_rows
        for c in cols:
            sums[c] += float(pc.sum(batch.column(c)).as_py() or 0)
    return {"rows": rows, **sums}


def check(results: dict) -> None:
    import pandas as pd

    fingerprints = {}
    for r in results.values():
        join = r.get("measurements", {}).get("join", {})
        if "output" in join:
            join["fingerprint"] = fingerprints[r["engine"]] = join_fingerprint(Path(join["output"]))
    ref = next((e for e in ("pandas", "dask", "dframe") if e in results
                and "result_file" in results[e]["measurements"].get("groupby", {})), None)
    for engine, r in results.items():
        g, j = r["measurements"].get("groupby", {}), r["measurements"].get("join", {})
        if "result_file" in g:
            if engine == ref:
                g["check"] = "reference"
            else:
                want = results[ref]["measurements"]["groupby"]["result_file"]
                g["check"] = compare_table(pd.read_parquet(g["result_file"]),
                                           pd.read_parquet(want), ["id3"])
        if "fingerprint" in j:
            want = fingerprints.get(ref)
            if engine == ref or want is None:
                j["check"] = "reference"
            else:
                got = j["fingerprint"]
                bad = [k for k in want if not np.isclose(got[k], want[k], rtol=1e-9, atol=0)]
                j["check"] = "ok" if not bad else f"differs in {', '.join(bad)}"


def _mib(v) -> str:
    return "n/a" if v is None else f"{v / MIB:,.0f}"


def markdown(report: dict) -> str:
    cfg = report["config"]
    budget = cfg["budget"]
    lines = [
        "# Larger than memory: h2o groupby q3 and join → to_parquet",
        "",
        (f"{cfg['rows']:,} rows ({report['data']['memory_bytes'] / GIB:.2f} GiB in pandas, "
         f"{report['data']['files']} Parquet files, {report['data']['disk_bytes'] / GIB:.2f} GiB "
         f"on disk); dframe's object store budget {_mib(budget)} MiB, so the goal is a peak under "
         f"{_mib(budget + HEADROOM)} MiB. {report['machine']['logical_cpus']} CPUs, "
         f"{report['machine']['memory_gib']:.0f} GiB RAM; {report['date']}, {report['git']}."),
        "",
        ("Peak = Σ PSS of the engine's processes (shared memory counted once) + its /dev/shm "
         "files, sampled every 50 ms. Store high-water = the most the object store held (its "
         "budget bounds it); spilled = what it wrote to disk during the phase."),
        "",
        ("| engine | phase | seconds | peak MiB | of which /dev/shm | store high-water MiB "
         "| spilled MiB | check |"),
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for engine, r in report["results"].items():
        if r.get("status") == "missing":
            lines.append(f"| {engine} | – | not installed | | | | | |")
            continue
        for phase in ("groupby", "join"):
            p = r["measurements"].get(phase)
            if p is None:
                continue
            if "error" in p:
                lines.append(f"| {engine} | {phase} | error: {p['error'][:80]} | | | | | |")
                continue
            store = p.get("store", {})
            lines.append(
                f"| {engine} | {phase} | {p['seconds']:.1f} | {_mib(p['memory']['total'])} | "
                f"{_mib(p['memory']['devshm'])} | {_mib(store.get('peak_used'))} | "
                f"{_mib(store.get('spilled'))} | {p.get('check', '')} |")
    d = report["results"].get("dframe", {})
    if d.get("status") == "ok":
        peak = max(p["memory"]["total"] for p in d["measurements"].values())
        verdict = "met" if peak <= budget + HEADROOM else "MISSED"
        lines += ["", (f"dframe peak {_mib(peak)} MiB vs goal {_mib(budget + HEADROOM)} MiB: "
                       f"**{verdict}**.")]
    for engine, r in report["results"].items():
        left = r.get("leftovers", {})
        if any(left.values()):
            lines.append(f"\n{engine} left behind: {left}")
        if r.get("status") not in ("ok", "missing"):
            lines += ["", f"{engine} failed (exit {r.get('exit')}):", "```",
                      *r.get("log_tail", [])[-15:], "```"]
    return "\n".join(lines) + "\n"


def _memory_bytes(sample: Path, rows: int) -> int:
    """The dataset's size in pandas, extrapolated from one file."""
    import pandas as pd

    part = pd.read_parquet(sample)
    return int(part.memory_usage(deep=True, index=False).sum() / max(1, len(part)) * rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=count_arg, default=60_000_000)
    ap.add_argument("--budget-mib", type=int, default=1024, help="dframe's object_store_memory")
    ap.add_argument("--rows-per-file", type=count_arg, default=1_000_000)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--quick", action="store_true",
                    help="6e6 rows, 256 MiB budget; results to /tmp")
    ap.add_argument("--cache-dir", type=Path,
                    default=default_cache_dir())
    ap.add_argument("--out-dir", type=Path, default=None)
    ap.add_argument("--keep-outputs", action="store_true", help="keep the written joins")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        run_child(args.child, Config(**json.loads(args.config)), args.data, args.work,
                  args.result_file)
        return 0

    if args.quick:
        args.rows, args.budget_mib = min(args.rows, 6_000_000), min(args.budget_mib, 256)
        args.rows_per_file = min(args.rows_per_file, 500_000)
    cfg = Config(rows=int(args.rows), budget=args.budget_mib * MIB,
                 rows_per_file=int(args.rows_per_file))
    out_dir = args.out_dir or (Path(tempfile.gettempdir()) / "dframe-bench-results" if args.quick
                               else HERE / "results")
    out_dir.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    data = dataset(cfg, args.cache_dir)
    print(f"data: {data} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    import pyarrow.parquet as pq

    files = sorted((data / "x").glob("*.parquet"))
    meta = [pq.ParquetFile(f).metadata for f in files]
    info = {"path": str(data), "files": len(files),
            "disk_bytes": sum(f.stat().st_size for f in files),
            "memory_bytes": _memory_bytes(files[0], cfg.rows),
            "row_groups": sum(m.num_row_groups for m in meta)}

    report = {"config": asdict(cfg), "data": info, "machine": machine_info(),
              "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "git": git_revision(), "results": {}}
    work = Path(tempfile.mkdtemp(prefix="ltm-", dir=str(args.cache_dir)))
    try:
        for engine in args.engines.split(","):
            print(f"[{engine}] ...", file=sys.stderr, flush=True)
            report["results"][engine] = run_engine(engine, cfg, data, work)
        check(report["results"])
    finally:
        if not args.keep_outputs:
            shutil.rmtree(work, ignore_errors=True)
    (out_dir / "larger_than_memory.json").write_text(json.dumps(report, indent=1, default=str))
    text = markdown(report)
    (out_dir / "larger_than_memory.md").write_text(text)
    print(text)
    print(f"wrote {out_dir}/larger_than_memory.{{json,md}}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
