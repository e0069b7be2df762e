"""h2o db-benchmark, groupby q1–q10 and join q1–q5: pandas vs dask.dataframe vs dframe (issue 5).

Engines: plain pandas (one process), dask.dataframe on a ``distributed.LocalCluster`` (2 worker
processes, 1 thread each) and dframe on ``runtime`` (2 workers); polars and duckdb (2 threads
each) as reference rows. Each engine runs each task (groupby, join) in a fresh subprocess of
this script; after it the script kills whatever it left behind and removes orphaned /dev/shm
files (reported in the JSON as ``leftovers``).

Queries: those of db-benchmark's pandas solution, verbatim (``groupby-pandas.py``,
``join-pandas.py``), run unchanged on pandas and dframe. dask runs db-benchmark's dask solution
(its groupby has no ``as_index``/``sort`` arguments and no ``head``; the joins are the pandas
code); polars and duckdb run the same questions in their own API / SQL. As db-benchmark does,
the load step turns id1..id3 (groupby) and id4..id6 (join) into categoricals (``--no-categorical``
keeps them as strings).

Data: the h2o tables (groupby: id1..id6, v1..v3, K=100; join: x, small, medium, big in
db-benchmark's shapes), seeded, written once to Parquet in a cache directory and reused. Each
query starts from the loaded frame (persisted in the workers for dask and dframe) and is timed
to a computed result in the driver (``compute()`` / ``to_pandas()``; polars' and duckdb's result
tables in the process) and its length: median of 3 after a warm-up (one if the warm-up took
longer than a minute). The warm-up's result is checked against pandas': rows sorted by the
group keys (joins: by x's unique id3), keys and counts exact, floats to a relative 1e-9.

    python benchmarks/h2o.py                       # 1e7 rows, all engines (long: ~1 h)
    python benchmarks/h2o.py --quick               # 1e6 rows, writes to /tmp
    python benchmarks/h2o.py --rows 1e5 --engines pandas,dframe --queries q1,q3,j1

Writes ``benchmarks/results/h2o.{json,md,png}`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import faulthandler
import json
import pickle
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _common import (  # also puts ROOT on sys.path, so `import dframe` works
    GIB,
    PANDAS_API_ENGINES,
    JsonFile,
    PeakMemory,
    busy_note,
    canonical_table,
    compare_table,
    count_arg,
    default_cache_dir,
    fmt,
    h2o_groupby_parquet,
    h2o_join_parquet,
    log_errors,
    machine_info,
    measure_warm,
    run_engine_child,
    timed,
    write_report,
)

ENGINES = ("pandas", "dask", "dframe", "polars", "duckdb")
REFERENCE = ("polars", "duckdb")  # reference rows: no goal, not the subject
TASKS = ("groupby", "join")
CATEGORICAL = {"groupby": {"x": ("id1", "id2", "id3")},
               "join": {"x": ("id4", "id5", "id6"), "small": ("id4",),
                        "medium": ("id4", "id5"), "big": ("id4", "id5", "id6")}}
GOAL_TOTAL = 1.5  # dframe's total ≥ 1.5× faster than pandas
GOAL_MEMORY = 2.0  # dframe's peak memory ≤ 2× pandas'


@dataclass(frozen=True)
class Config:
    rows: int = 10_000_000
    k: int = 100
    seed: int = 108
    num_cpus: int = 2
    reps: int = 3
    slow_seconds: float = 60.0  # a warm-up longer than this: one timed run, not reps
    categorical: bool = True
    persist: bool = True  # False: each query reads the Parquet file itself (timed with it)
    op_timeout: float = 900.0  # a hung query dumps its stack and ends the child
    child_timeout: float = 3600.0


# --------------------------------------------------------------------------------------------
# Queries: db-benchmark's pandas code (pandas, dframe), its dask solution where dask's API
# differs, and the same questions for polars (``pl``) and duckdb (SQL).


def _gb(x, by):
    """db-benchmark's groupby call (every pandas query uses these arguments)."""
    return x.groupby(by, as_index=False, sort=False, observed=True, dropna=False)


def _r2(pd):
    return lambda x: pd.Series({"r2": x.corr()["v1"]["v2"] ** 2})


PANDAS = {
    "q1": lambda t, pd: _gb(t["x"], "id1").agg({"v1": "sum"}),
    "q2": lambda t, pd: _gb(t["x"], ["id1", "id2"]).agg({"v1": "sum"}),
    "q3": lambda t, pd: _gb(t["x"], "id3").agg({"v1": "sum", "v3": "mean"}),
    "q4": lambda t, pd: _gb(t["x"], "id4").agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
    "q5": lambda t, pd: _gb(t["x"], "id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
    "q6": lambda t, pd: _gb(t["x"], ["id4", "id5"]).agg({"v3": ["median", "std"]}),
    "q7": lambda t, pd: (_gb(t["x"], "id3").agg({"v1": "max", "v2": "min"})
                         .assign(range_v1_v2=lambda x: x["v1"] - x["v2"])[["id3", "range_v1_v2"]]),
    "q8": lambda t, pd: (_gb(t["x"][~t["x"]["v3"].isna()][["id6", "v3"]]
                             .sort_values("v3", ascending=False), "id6")
                         .head(2).reset_index(drop=True)),
    "q9": lambda t, pd: _gb(t["x"][["id2", "id4", "v1", "v2"]], ["id2", "id4"]).apply(_r2(pd)),
    "q10": lambda t, pd: _gb(t["x"], ["id1", "id2", "id3", "id4", "id5", "id6"])
    .agg({"v3": "sum", "v1": "size"}),
    "j1": lambda t, pd: t["x"].merge(t["small"], on="id1"),
    "j2": lambda t, pd: t["x"].merge(t["medium"], on="id2"),
    "j3": lambda t, pd: t["x"].merge(t["medium"], how="left", on="id2"),
    "j4": lambda t, pd: t["x"].merge(t["medium"], on="id5"),
    "j5": lambda t, pd: t["x"].merge(t["big"], on="id3"),
}


def _dgb(x, by):
    return x.groupby(by, dropna=False, observed=True)


DASK = {  # db-benchmark's groupby-dask.py (results get their keys back in ``canonical_table``)
    "q1": lambda t, pd: _dgb(t["x"], "id1").agg({"v1": "sum"}),
    "q2": lambda t, pd: _dgb(t["x"], ["id1", "id2"]).agg({"v1": "sum"}),
    "q3": lambda t, pd: _dgb(t["x"], "id3").agg({"v1": "sum", "v3": "mean"}),
    "q4": lambda t, pd: _dgb(t["x"], "id4").agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
    "q5": lambda t, pd: _dgb(t["x"], "id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
    "q6": lambda t, pd: _dgb(t["x"], ["id4", "id5"]).agg({"v3": ["median", "std"]}),
    "q7": lambda t, pd: (_dgb(t["x"], "id3").agg({"v1": "max", "v2": "min"})
                         .assign(range_v1_v2=lambda x: x["v1"] - x["v2"])[["range_v1_v2"]]),
    "q8": lambda t, pd: (_dgb(t["x"][~t["x"]["v3"].isna()][["id6", "v3"]], "id6")
                         .apply(lambda x: x.nlargest(2, columns="v3"),
                                meta={"v3": "float64"})[["v3"]]),  # pandas 3: no id6 in x
    "q9": lambda t, pd: _dgb(t["x"][["id2", "id4", "v1", "v2"]], ["id2", "id4"])
    .apply(_r2(pd), meta={"r2": "float64"}),
    "q10": lambda t, pd: _dgb(t["x"], ["id1", "id2", "id3", "id4", "id5", "id6"])
    .agg({"v3": "sum", "v1": "size"}),
}
# ...and what it does to each computed result, inside the timed region as there.
DASK_AFTER = {**{f"q{i}": lambda a: a.reset_index() for i in range(1, 11)},
              "q8": lambda a: a.reset_index(level="id6").reset_index(drop=True)}


def _polars(pl) -> dict:
    ids = ["id1", "id2", "id3", "id4", "id5", "id6"]
    return {
        "q1": lambda t: t["x"].group_by("id1").agg(pl.col("v1").sum()),
        "q2": lambda t: t["x"].group_by("id1", "id2").agg(pl.col("v1").sum()),
        "q3": lambda t: t["x"].group_by("id3").agg(pl.col("v1").sum(), pl.col("v3").mean()),
        "q4": lambda t: t["x"].group_by("id4").agg(pl.col("v1", "v2", "v3").mean()),
        "q5": lambda t: t["x"].group_by("id6").agg(pl.col("v1", "v2", "v3").sum()),
        "q6": lambda t: t["x"].group_by("id4", "id5").agg(
            pl.col("v3").median().alias("v3_median"), pl.col("v3").std().alias("v3_std")),
        "q7": lambda t: t["x"].group_by("id3").agg(
            (pl.col("v1").max() - pl.col("v2").min()).alias("range_v1_v2")),
        "q8": lambda t: (t["x"].drop_nulls("v3").sort("v3", descending=True).group_by("id6")
                         .agg(pl.col("v3").head(2)).explode("v3")),
        "q9": lambda t: t["x"].group_by("id2", "id4").agg(
            (pl.corr("v1", "v2") ** 2).alias("r2")),
        "q10": lambda t: t["x"].group_by(ids).agg(pl.col("v3").sum(), pl.len().alias("v1")),
        "j1": lambda t: t["x"].join(t["small"], on="id1"),
        "j2": lambda t: t["x"].join(t["medium"], on="id2"),
        "j3": lambda t: t["x"].join(t["medium"], on="id2", how="left"),
        "j4": lambda t: t["x"].join(t["medium"], on="id5"),
        "j5": lambda t: t["x"].join(t["big"], on="id3"),
    }


def _join_sql(right: str, key: str, how: str = "JOIN") -> str:
    return f"SELECT x.*, {right}.* EXCLUDE ({key}) FROM x {how} {right} USING ({key})"


DUCKDB = {
    "q1": "SELECT id1, sum(v1)::BIGINT AS v1 FROM x GROUP BY id1",
    "q2": "SELECT id1, id2, sum(v1)::BIGINT AS v1 FROM x GROUP BY id1, id2",
    "q3": "SELECT id3, sum(v1)::BIGINT AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    "q4": "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    "q5": ("SELECT id6, sum(v1)::BIGINT AS v1, sum(v2)::BIGINT AS v2, sum(v3) AS v3 FROM x "
           "GROUP BY id6"),
    "q6": ("SELECT id4, id5, quantile_cont(v3, 0.5) AS v3_median, stddev(v3) AS v3_std FROM x "
           "GROUP BY id4, id5"),
    "q7": "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    "q8": ("SELECT id6, v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY "
           "v3 DESC) AS r FROM x WHERE v3 IS NOT NULL) WHERE r <= 2"),
    "q9": "SELECT id2, id4, pow(corr(v2, v1), 2) AS r2 FROM x GROUP BY id2, id4",
    "q10": ("SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS v1 FROM x "
            "GROUP BY id1, id2, id3, id4, id5, id6"),
    "j1": _join_sql("small", "id1"),
    "j2": _join_sql("medium", "id2"),
    "j3": _join_sql("medium", "id2", "LEFT JOIN"),
    "j4": _join_sql("medium", "id5"),
    "j5": _join_sql("big", "id3"),
}


@dataclass(frozen=True)
class Query:
    key: str
    task: str
    label: str
    keys: tuple[str, ...]  # what identifies a result row (for sorting before comparing)
    atol: float = 0.0  # absolute tolerance on top of the relative 1e-9 (see q9)


JOIN_KEYS = ("id3",)  # x's id3 is unique and each x row meets at most one right-hand row
QUERIES = [
    Query("q1", "groupby", "q1 sum v1 by id1", ("id1",)),
    Query("q2", "groupby", "q2 sum v1 by id1:id2", ("id1", "id2")),
    Query("q3", "groupby", "q3 sum v1 mean v3 by id3", ("id3",)),
    Query("q4", "groupby", "q4 mean v1:v3 by id4", ("id4",)),
    Query("q5", "groupby", "q5 sum v1:v3 by id6", ("id6",)),
    Query("q6", "groupby", "q6 median v3 sd v3 by id4 id5", ("id4", "id5")),
    Query("q7", "groupby", "q7 max v1 - min v2 by id3", ("id3",)),
    Query("q8", "groupby", "q8 largest two v3 by id6", ("id6", "v3")),
    # r2 ∈ [0, 1]; groups whose true r2 is 0 give rounding noise (1e-33) that differs between
    # algorithms, so an absolute 1e-12 is added to the relative 1e-9
    Query("q9", "groupby", "q9 regression v1 v2 by id2 id4", ("id2", "id4"), atol=1e-12),
    Query("q10", "groupby", "q10 sum v3 count by id1:id6",
          ("id1", "id2", "id3", "id4", "id5", "id6")),
    Query("j1", "join", "j1 small inner on int", JOIN_KEYS),
    Query("j2", "join", "j2 medium inner on int", JOIN_KEYS),
    Query("j3", "join", "j3 medium outer (left) on int", JOIN_KEYS),
    Query("j4", "join", "j4 medium inner on factor", JOIN_KEYS),
    Query("j5", "join", "j5 big inner on int", JOIN_KEYS),
]
BY_KEY = {q.key: q for q in QUERIES}


# --------------------------------------------------------------------------------------------
# Engines: the pandas-API adapters (``_common``) plus polars and duckdb.


class PandasAPI:
    """pandas, dask or dframe: the same pandas code; ``base`` is the ``_common`` adapter."""

    def __init__(self, name: str):
        self.base = PANDAS_API_ENGINES[name]()
        self.name = name
        self.queries = {**PANDAS, **(DASK if name == "dask" else {})}

    def load(self) -> str:
        return self.base.load()

    def start(self, cfg: Config) -> dict:
        return self.base.start(cfg)

    def stop(self) -> None:
        self.base.stop()

    def read(self, paths: dict[str, Path], categorical: dict[str, tuple],
             persist: bool = True) -> dict:
        tables = {}
        for name, path in paths.items():
            t = self.base.read_parquet(path)
            for col in categorical.get(name, ()):
                t[col] = t[col].astype("category")  # as db-benchmark's pandas solution
            tables[name] = self.base.persist(t) if persist else t
        return tables

    def run(self, key: str, tables: dict):
        # ``pd`` in a query is the module the user's script imports as pd: pandas, or dframe
        # (a drop-in replacement); a dask script imports pandas next to dask.
        pd = _pandas() if self.name == "dask" else self.base.pd
        result = self.base.compute(self.queries[key](tables, pd))
        if self.name == "dask" and key in DASK_AFTER:
            result = DASK_AFTER[key](result)
        return result, len(result)

    def to_pandas(self, result):
        return result

    def npartitions(self, tables: dict) -> dict:
        return {k: self.base.npartitions(v) for k, v in tables.items()}

    def settle(self, tables: dict | None) -> None:
        self.base.settle(list(tables.values()) if tables else None)

    def reset_warnings(self) -> None:
        self.base.reset_warnings()


def _pandas():
    import pandas

    return pandas


class PolarsEngine:
    name = "polars"

    def load(self) -> str:
        import polars

        self.pl = polars
        self.queries = _polars(polars)
        return polars.__version__

    def start(self, cfg: Config) -> dict:
        size = getattr(self.pl, "thread_pool_size", None)  # POLARS_MAX_THREADS, set by the parent
        return {"threads": size() if size else None}

    def stop(self) -> None:
        pass

    def read(self, paths: dict[str, Path], categorical: dict[str, tuple],
             persist: bool = True) -> dict:
        pl = self.pl
        tables = {}
        for name, path in paths.items():
            t = pl.read_parquet(path)
            cols = list(categorical.get(name, ())) if set(paths) == {"x"} else []
            if cols:  # groupby only, as db-benchmark; join keys stay strings on both sides
                t = t.with_columns(pl.col(cols).cast(pl.Categorical))
            tables[name] = t
        return tables

    def run(self, key: str, tables: dict):
        result = self.queries[key](tables)
        return result, result.height

    def to_pandas(self, result):
        return result.to_pandas()

    def npartitions(self, tables: dict) -> dict:
        return {}

    def settle(self, tables) -> None:
        pass

    def reset_warnings(self) -> None:
        pass


class DuckdbEngine(PolarsEngine):
    name = "duckdb"

    def load(self) -> str:
        import duckdb

        self.duckdb = duckdb
        return duckdb.__version__

    def start(self, cfg: Config) -> dict:
        self.con = self.duckdb.connect()
        self.con.execute(f"SET threads TO {cfg.num_cpus}")
        return {"threads": cfg.num_cpus}

    def stop(self) -> None:
        self.con.close()

    def read(self, paths: dict[str, Path], categorical: dict[str, tuple],
             persist: bool = True) -> dict:
        for name, path in paths.items():  # in-memory tables; keys stay strings (VARCHAR)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS "
                             f"SELECT * FROM read_parquet('{path}')")
        return {name: name for name in paths}

    @staticmethod
    def _arrow(cursor):
        """The result as a pyarrow Table (``to_arrow_table`` from duckdb 1.5 on)."""
        fetch = getattr(cursor, "to_arrow_table", None) or cursor.fetch_arrow_table
        return fetch()

    def run(self, key: str, tables: dict):
        result = self._arrow(self.con.execute(DUCKDB[key]))
        return result, result.num_rows


def make_engine(name: str):
    if name == "polars":
        return PolarsEngine()
    if name == "duckdb":
        return DuckdbEngine()
    return PandasAPI(name)


# --------------------------------------------------------------------------------------------
# Child: one engine, one task, in its own process.


def run_task(engine, cfg: Config, task: str, paths: dict[str, Path], keys: list[str],
             out_dir: Path, file: JsonFile) -> None:
    result, save = file.data, file.save
    m = result["measurements"]
    t0 = time.perf_counter()
    result["start"] = engine.start(cfg)
    result["start_seconds"] = time.perf_counter() - t0
    sampler = PeakMemory()
    sampler.start()
    sampler.resume("idle after start")
    sampler.pause()
    categorical = CATEGORICAL[task] if cfg.categorical else {}
    holder: dict = {}
    try:
        result["current"] = "load"
        save()
        faulthandler.dump_traceback_later(cfg.op_timeout, exit=True)
        try:
            def load():
                holder["t"] = engine.read(paths, categorical)

            _, seconds, warns = measure_warm(load, sampler, "load", engine.reset_warnings)
            m["load"] = {"seconds": seconds, "warnings": warns,
                         "npartitions": engine.npartitions(holder["t"])}
        except Exception as e:  # noqa: BLE001 - nothing else can run
            import traceback

            traceback.print_exc()
            m["load"] = {"error": f"{type(e).__name__}: {e}"[:500]}
            return
        finally:
            faulthandler.cancel_dump_traceback_later()
        save()
        tables = holder["t"]
        for key in keys:
            result["current"] = key
            save()
            print(f"[{engine.name}] {key} ...", file=sys.stderr, flush=True)
            faulthandler.dump_traceback_later(cfg.op_timeout, exit=True)
            try:
                if cfg.persist:
                    run = lambda key=key: engine.run(key, tables)
                else:  # straight after read_parquet: the read is part of every query
                    run = lambda key=key: engine.run(
                        key, engine.read(paths, categorical, persist=False))
                (value, rows), warm, warns = measure_warm(run, sampler, key,
                                                          engine.reset_warnings)
                reps = cfg.reps if warm <= cfg.slow_seconds else 1
                times = timed(run, reps, lambda: engine.settle(tables))
                path = out_dir / f"{engine.name}-{key}.pkl"
                table = canonical_table(engine.to_pandas(value), list(BY_KEY[key].keys))
                path.write_bytes(pickle.dumps(table, protocol=5))
                del value, table, run
                m[key] = {"seconds": statistics.median(times), "reps": times,
                          "warmup_seconds": warm, "rows": rows, "warnings": warns,
                          "memory_peak": sampler.peaks.get(key, {}).get("total"),
                          "result_file": str(path)}
            except Exception as e:  # noqa: BLE001 - recorded as n/a; the next query still runs
                import traceback

                traceback.print_exc()
                m[key] = {"error": _short(f"{type(e).__name__}: {e}")}
            finally:
                faulthandler.cancel_dump_traceback_later()
            save()
        result.pop("current", None)
        holder.clear()
        tables = None  # the loaded tables go before the engine stops
    finally:
        sampler.stop()
        result["memory"] = sampler.summary()
        t0 = time.perf_counter()
        try:
            engine.stop()
        except Exception as e:  # noqa: BLE001
            result["stop_error"] = f"{type(e).__name__}: {e}"
        result["stop_seconds"] = time.perf_counter() - t0


def run_child(engine_name: str, task: str, cfg: Config, paths: dict[str, Path],
              keys: list[str], out: Path) -> None:
    file = JsonFile(out, {"engine": engine_name, "phase": task, "measurements": {}})
    result = file.data
    engine = make_engine(engine_name)
    t0 = time.perf_counter()
    try:
        result["version"] = engine.load()
    except ImportError as e:
        result.update(status="missing", error=f"{type(e).__name__}: {e}")
        file.save()
        return
    result["import_seconds"] = time.perf_counter() - t0
    result["status"] = "running"
    file.save()
    run_task(engine, cfg, task, paths, keys, out.parent, file)
    result["status"] = "ok" if "error" not in result["measurements"].get("load", {}) else "error"
    file.save()


# --------------------------------------------------------------------------------------------
# Parent: run children, clean up after them, check results.


def run_engine(engine: str, task: str, cfg: Config, paths: dict[str, Path], keys: list[str],
               workdir: Path) -> dict:
    out = workdir / f"{engine}-{task}.json"
    log = workdir / f"{engine}-{task}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--task", task,
           "--paths", json.dumps({k: str(v) for k, v in paths.items()}),
           "--queries", ",".join(keys), "--result-file", str(out),
           "--config", json.dumps(asdict(cfg))]
    env = {"POLARS_MAX_THREADS": str(cfg.num_cpus)} if engine == "polars" else {}
    result, text = run_engine_child(cmd, out, log, cfg.child_timeout,
                                    {"engine": engine, "phase": task}, env=env)
    result["leftovers"].pop("spill_files")  # no spill directory here
    result.update(log_errors(text))
    return result


def check_results(results: dict) -> None:
    """Each engine's result of each query against pandas' (recorded as ``check``).

    polars and duckdb name the columns of a join result their own way (``id4_right``, or
    ``id4`` twice): theirs take pandas' names when the count agrees.
    """
    base = results.get("pandas", {}).get("measurements", {})
    for engine, r in results.items():
        for key, m in r.get("measurements", {}).items():
            if "result_file" not in m:
                continue
            if engine == "pandas":
                m["check"] = "reference"
                continue
            if "result_file" not in base.get(key, {}):
                m["check"] = "no pandas result"
                continue
            got = pickle.loads(Path(m["result_file"]).read_bytes())
            want = pickle.loads(Path(base[key]["result_file"]).read_bytes())
            if engine in REFERENCE and key.startswith("j") and len(got.columns) == len(want.columns):
                got.columns = want.columns
            q = BY_KEY[key]
            m["check"] = compare_table(got, want, list(q.keys), atol=q.atol)
            del got, want


def run_all(engines: list[str], cfg: Config, data: dict, keys: list[str]) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="h2o_bench_") as tmp:
        for engine in engines:
            merged: dict = {"status": "ok", "measurements": {}, "tasks": {}}
            for task in TASKS:
                task_keys = [k for k in keys if BY_KEY[k].task == task]
                if not task_keys:
                    continue
                print(f"== {engine}: {task}", file=sys.stderr, flush=True)
                r = run_engine(engine, task, cfg, data[task], task_keys, Path(tmp))
                merged["tasks"][task] = {k: v for k, v in r.items() if k != "measurements"}
                merged["version"] = r.get("version", merged.get("version"))
                meas = r.get("measurements", {})
                if "load" in meas:
                    meas[f"load_{task}"] = meas.pop("load")
                merged["measurements"].update(meas)
                if r.get("status") == "missing":
                    merged.update(status="missing", error=r.get("error"))
                    break
                if r.get("status") != "ok" and merged["status"] == "ok":
                    merged["status"] = "error"
                for line in r.get("log_tail", [])[-15:]:
                    print(f"   | {line}", file=sys.stderr)
                lo = r["leftovers"]
                if lo["processes"] or lo["devshm_files"]:
                    print(f"   leftovers after {engine}/{task}: {lo}", file=sys.stderr)
            results[engine] = merged
        check_results(results)
        for r in results.values():  # the result files go with the temporary directory
            for m in r.get("measurements", {}).values():
                m.pop("result_file", None)
    return results


# --------------------------------------------------------------------------------------------
# Report


def cell(results: dict, engine: str, key: str) -> tuple[float | None, str]:
    r = results.get(engine)
    if r is None:
        return None, "not run"
    if r.get("status") == "missing":
        return None, "missing"
    m = r["measurements"].get(key)
    if m is None:
        return None, "not run"
    if "error" in m:
        return None, "timeout" if "ended during" in m["error"] else "error"
    text = fmt(m["seconds"])
    if any("PandasFallbackWarning" in w for w in m.get("warnings", [])):
        text += " (fallback)"
    if m.get("check") not in (None, "ok", "reference"):
        text += " ≠"
    return m["seconds"], text


def _ratio(a, b) -> str:
    return f"{a / b:.2f}×" if a and b else "—"


def totals(results: dict, keys: list[str]) -> dict:
    """Per engine: (sum of seconds over ``keys``, number of queries with a time)."""
    out = {}
    for e in ENGINES:
        vals = [cell(results, e, k)[0] for k in keys]
        got = [v for v in vals if v is not None]
        out[e] = (sum(got) if got else None, len(got))
    return out


def peak(results: dict, engine: str, task: str | None = None) -> float | None:
    r = results.get(engine) or {}
    tasks = [task] if task else list(r.get("tasks", {}))
    peaks = [(r.get("tasks", {}).get(t, {}).get("memory") or {}).get("peak") for t in tasks]
    peaks = [p for p in peaks if p]
    return max(peaks) / GIB if peaks else None


def query_goal(results: dict, key: str) -> str:
    p, f = cell(results, "pandas", key)[0], cell(results, "dframe", key)[0]
    m = (results.get("dframe") or {}).get("measurements", {}).get(key, {})
    if f is None:
        return "✗ no result" if "dframe" in results else ""
    missed = []
    if m.get("check") not in (None, "ok"):
        missed.append("wrong result")
    if p is not None and f > p:
        missed.append("slower than pandas")
    return ("✗ " + ", ".join(missed)) if missed else "✓"


def _short(error: str) -> str:
    """An error's first line and, for a remote traceback, its last (the exception)."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    if len(lines) > 1 and not lines[-1].startswith(("File ", "^", "return ")):
        return f"{lines[0]} … {lines[-1]}"[:300]
    return lines[0][:300] if lines else ""


def markdown(results: dict, cfg: Config, meta: dict, keys: list[str]) -> str:
    engines = [e for e in ENGINES if e in results]
    cols = " | ".join(engines)
    lines = [
        "# h2o db-benchmark: dframe vs pandas vs dask.dataframe (polars, duckdb for reference)",
        "",
        (f"{meta['date']} · {meta['machine']['cpu']} · {cfg.num_cpus} CPUs per engine · "
         f"{meta['machine']['memory_gib']:.0f} GiB RAM · Python {meta['machine']['python']} · "
         f"groupby {cfg.rows:,} rows, K={cfg.k}; join x {cfg.rows:,} rows · id columns "
         + ("categorical (as db-benchmark)" if cfg.categorical else "strings")
         + (" · tables persisted once" if cfg.persist
            else " · every query straight after `read_parquet` (the read timed with it)")),
        "",
        "Versions: " + ", ".join(f"{e} {results[e].get('version') or '—'}" for e in engines),
        "",
        f"| query | {cols} | dframe vs pandas | dframe vs polars | goal: ≤ pandas |",
        "|---|" + "--:|" * len(engines) + "--:|--:|---|",
    ]
    for task in TASKS:
        task_keys = [k for k in keys if BY_KEY[k].task == task]
        if not task_keys:
            continue
        load = [cell(results, e, f"load_{task}")[1] for e in engines]
        lines.append(f"| load {task} tables (not in totals) | " + " | ".join(load) + " | | | |")
        for k in task_keys:
            vals = {e: cell(results, e, k) for e in engines}
            p, f = vals.get("pandas", (None,))[0], vals.get("dframe", (None,))[0]
            pl = vals.get("polars", (None,))[0]
            lines.append(f"| {BY_KEY[k].label} | " + " | ".join(vals[e][1] for e in engines)
                         + f" | {_ratio(p, f)} | {_ratio(pl, f)} | {query_goal(results, k)} |")
    tot = totals(results, keys)
    n = len(keys)
    tcells = [(fmt(tot[e][0]) if tot[e][0] is not None else "—")
              + ("" if tot[e][1] == n else f" ({tot[e][1]}/{n})") for e in engines]
    # a ratio of totals only between complete totals (a missing query would flatter one side)
    p_t, f_t, pl_t = ((tot[e][0] if tot[e][1] == n else None)
                      for e in ("pandas", "dframe", "polars"))
    complete = p_t is not None and f_t is not None
    if not complete:
        goal = "✗ missed (queries without a result)"
    else:
        goal = "✓ met" if p_t / f_t >= GOAL_TOTAL - 1e-9 else "✗ missed"
    lines.append("| **total** | " + " | ".join(tcells) + f" | {_ratio(p_t, f_t)} | "
                 f"{_ratio(pl_t, f_t)} | ≥ {GOAL_TOTAL:g}× pandas: {goal} |")
    for task in TASKS:
        if not any(BY_KEY[k].task == task for k in keys):
            continue
        mem = {e: peak(results, e, task) for e in engines}
        p_m, f_m = mem.get("pandas"), mem.get("dframe")
        ok = "" if not (p_m and f_m) else ("✓ met" if f_m <= GOAL_MEMORY * p_m else "✗ missed")
        lines.append(f"| peak memory, {task} (GiB) | "
                     + " | ".join(f"{mem[e]:.2f}" if mem[e] else "n/a" for e in engines)
                     + f" | {_ratio(p_m, f_m)} | {_ratio(mem.get('polars'), f_m)} | "
                     f"≤ {GOAL_MEMORY:g}× pandas: {ok} |")

    mem_lines = ["", "Peak memory per query (GiB; loaded tables included):", "",
                 f"| query | {cols} | dframe / pandas |", "|---|" + "--:|" * (len(engines) + 1)]
    for k in keys:
        vals = {e: (results.get(e) or {}).get("measurements", {}).get(k, {}).get("memory_peak")
                for e in engines}
        p_m, f_m = vals.get("pandas"), vals.get("dframe")
        flag = "" if not (p_m and f_m) else f"{f_m / p_m:.2f}" + (" ✗" if f_m > GOAL_MEMORY * p_m
                                                                   else "")
        mem_lines.append(f"| {k} | " + " | ".join(f"{vals[e] / GIB:.2f}" if vals[e] else "—"
                                                  for e in engines) + f" | {flag} |")
    lines += mem_lines

    parts = {e: "; ".join(f"{t} " + ", ".join(f"{name} {n}" for name, n in got.items())
                          for t in TASKS
                          if (got := (r.get("measurements", {}).get(f"load_{t}")
                                      or {}).get("npartitions")))
             for e, r in results.items()}
    notes = [
        ("Times in seconds, median of 3 after a warm-up (1 if the warm-up took over "
         f"{cfg.slow_seconds:.0f} s); ratios are the other engine's time over dframe's: > 1 "
         "means dframe is faster (for memory, uses less). Totals are sums over the queries "
         "(n/m: only n of the m queries have a time)."),
        ("pandas and dframe run db-benchmark's pandas solution verbatim "
         "(`groupby(..., as_index=False, sort=False, observed=True, dropna=False)`, "
         "`x.merge(small, on='id1')`, ...); dask runs db-benchmark's dask solution for the "
         "groupby questions (no as_index/sort, `apply(nlargest)` for q8, `apply` with meta for "
         "q9; q6, commented out there, as written there); polars and duckdb run the "
         "same questions in their API / SQL with 2 threads (`POLARS_MAX_THREADS`, "
         "`SET threads`), keys as categoricals (polars groupby) or strings (polars joins, "
         "duckdb)."),
        ("Each engine runs each task in a fresh subprocess. dask: `LocalCluster(n_workers=2, "
         "threads_per_worker=1, processes=True)`, Parquet read with `split_row_groups=True`; "
         "dframe: `runtime.init(num_cpus=2)`, executor \"runtime\", progress bar off. The load "
         "step (`read_parquet`, the categorical columns, `persist()`) is timed once and not in "
         "the totals. Partitions after load: "
         + " · ".join(f"{e}: {p}" for e, p in parts.items() if p) + "."),
        (("Every query starts from the loaded tables and is timed" if cfg.persist else
          "Every query reads its tables (`read_parquet` and the categorical columns, no "
          "`persist()`: the load row only checks they load) and is timed")
         + " to its result in the driver: "
         "`compute()` (dask), `to_pandas()` (dframe), the result table (polars, duckdb's "
         "`fetch_arrow_table()`), and its length."),
        ("Results are checked against pandas': index moved into columns, column labels "
         "flattened (`v3_median`), rows sorted by the group keys (q8: id6, v3; joins: x's "
         "unique id3), keys, counts and other non-float columns exact, floats to a relative "
         "1e-9 (q9 also to an absolute 1e-12: r2 of groups with no correlation is rounding "
         "noise of 1e-33 that differs between algorithms; dtypes not compared; polars' and "
         "duckdb's join columns take pandas' names). ≠ marks a mismatch (listed below); (fallback) a query "
         "dframe ran partly on pandas over collected data (`PandasFallbackWarning`)."),
        ("Peak memory: highest sample, every 50 ms during the load and the warm-up runs (the "
         "timed runs are not sampled), of Σ(PSS − PSS of shmem) over the driver and every "
         "process it started, plus the /dev/shm bytes those processes map or hold open or that "
         "sit in their store directory: shared pages count once."),
        ("Goals (issue 5): dframe's total ≥ 1.5× faster than pandas, no query slower than "
         "pandas, equal results, closing on polars' total; memory ≤ 2× pandas'."),
    ]
    lines += ["", "Notes:", *(f"- {t}" for t in notes)]
    problems = []
    for e, r in results.items():
        if r.get("status") == "missing":
            problems.append(f"- {e}: missing ({r.get('error')})")
            continue
        for task, child in r.get("tasks", {}).items():
            if child.get("status") != "ok":
                problems.append(f"- {e}/{task}: child {child.get('status')} "
                                f"(exit {child.get('exit')})")
            if child.get("log_tracebacks"):
                problems.append(f"- {e}/{task}: {child['log_tracebacks']} traceback(s) in the "
                                "log: " + "; ".join(child.get("log_errors", []))[:400])
            lo = child.get("leftovers", {})
            if lo.get("processes") or lo.get("devshm_files"):
                problems.append(f"- {e}/{task}: left behind {len(lo.get('processes', []))} "
                                f"process(es) and {len(lo.get('devshm_files', []))} /dev/shm "
                                "file(s) (cleaned up; see JSON)")
        for k, m in r.get("measurements", {}).items():
            if "error" in m:
                problems.append(f"- {e}/{k}: {_short(m['error'])}")
            elif m.get("check") not in (None, "ok", "reference"):
                problems.append(f"- {e}/{k}: result differs from pandas — {m['check']}")
            for w in m.get("warnings", []):
                if "PandasFallbackWarning" in w:
                    problems.append(f"- {e}/{k}: {w}")
    busy = {f"{e}/{t}": c["foreign_cpu_cores"] for e, r in results.items()
            for t, c in r.get("tasks", {}).items() if "foreign_cpu_cores" in c}
    note = busy_note(busy, meta["machine"]["logical_cpus"])
    if note:
        problems.append(note)
    if problems:
        lines += ["", "Problems:", *problems]
    return "\n".join(lines) + "\n"


def plot(results: dict, cfg: Config, keys: list[str], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    others = [e for e in ENGINES if e != "pandas" and e in results]
    if "pandas" not in results or not others:
        return False
    rows = [*keys, "total"]
    tot = totals(results, keys)
    y = np.arange(len(rows))[::-1]
    h = 0.8 / len(others)
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.5))
    colors = {"dask": "tab:orange", "dframe": "tab:blue", "polars": "tab:grey",
              "duckdb": "tab:olive"}
    for i, e in enumerate(others):
        vals = []
        for k in rows:
            p = tot["pandas"][0] if k == "total" else cell(results, "pandas", k)[0]
            v = tot[e][0] if k == "total" else cell(results, e, k)[0]
            complete = k != "total" or tot[e][1] == tot["pandas"][1] == len(keys)
            vals.append(p / v if p and v and complete else 0.0)
        ys = y + 0.4 - (i + 0.5) * h
        ax.barh(ys, vals, height=h, color=colors.get(e), label=e)
        for yi, v in zip(ys, vals):
            if not v:  # no result (or an incomplete total): say so, draw no bar
                ax.text(1.0, yi, f" {e}: n/a", va="center", fontsize=6, color=colors.get(e))
    ax.axvline(1.0, color="black", ls="--", lw=1)
    ax.plot([GOAL_TOTAL, GOAL_TOTAL], [y[-1] - 0.4, y[-1] + 0.4], color="red", lw=2)
    ax.set_xscale("log")
    ax.set_yticks(y, [BY_KEY[k].label if k in BY_KEY else "total" for k in rows], fontsize=8)
    ax.set_xlabel("pandas time / engine time (>1 = faster than pandas); red tick: dframe's "
                  "total goal")
    ax.legend(fontsize=8)
    ax.set_title(f"h2o db-benchmark, {cfg.rows:,} rows, {cfg.num_cpus} CPUs per engine")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--queries", default=",".join(q.key for q in QUERIES),
                    help="comma-separated: q1..q10 (groupby), j1..j5 (join)")
    ap.add_argument("--rows", type=count_arg, default=None, help="table size (default 1e7)")
    ap.add_argument("--quick", action="store_true", help="1e6 rows, writes to /tmp")
    ap.add_argument("--no-categorical", action="store_true",
                    help="keep the id columns as strings (db-benchmark makes them categorical)")
    ap.add_argument("--no-persist", action="store_true",
                    help="time each query straight after read_parquet (the read included) "
                         "instead of on tables loaded and persisted once")
    ap.add_argument("--num-cpus", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    ap.add_argument("--out-dir", type=Path, default=None)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--task", help=argparse.SUPPRESS)
    ap.add_argument("--paths", help=argparse.SUPPRESS)
    ap.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    keys = [k.strip() for k in args.queries.split(",") if k.strip()]
    for k in keys:
        if k not in BY_KEY:
            ap.error(f"unknown query {k!r}; choose from {', '.join(BY_KEY)}")

    if args.child:
        paths = {k: Path(v) for k, v in json.loads(args.paths).items()}
        run_child(args.child, args.task, Config(**json.loads(args.config)), paths, keys,
                  args.result_file)
        return 0

    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    cfg = Config(rows=rows, num_cpus=args.num_cpus, categorical=not args.no_categorical,
                 persist=not args.no_persist,
                 **({"op_timeout": 300.0, "child_timeout": 1200.0} if args.quick else {}))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            ap.error(f"unknown engine {e!r}; choose from {', '.join(ENGINES)}")
    out_dir = args.out_dir or (Path(tempfile.gettempdir()) / "h2o_bench_quick" if args.quick
                               else HERE / "results")
    t0 = time.perf_counter()
    data = {}
    if any(BY_KEY[k].task == "groupby" for k in keys):
        data["groupby"] = {"x": h2o_groupby_parquet(cfg.rows, cfg.seed, args.cache_dir, cfg.k)}
    if any(BY_KEY[k].task == "join" for k in keys):
        data["join"] = h2o_join_parquet(cfg.rows, cfg.seed, args.cache_dir)
    meta = {"date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine_info(), "config": asdict(cfg), "quick": args.quick,
            "engines_requested": engines, "queries": keys,
            "data": {t: {k: str(v) for k, v in p.items()} for t, p in data.items()},
            "data_mib": {t: {k: v.stat().st_size / 2**20 for k, v in p.items()}
                         for t, p in data.items()},
            "data_seconds": time.perf_counter() - t0}
    results = run_all(engines, cfg, data, keys)
    meta["total_seconds"] = time.perf_counter() - t0
    md = markdown(results, cfg, meta, keys)
    name = "h2o" + ("" if cfg.categorical else "-strings") + ("" if cfg.persist else "-read")
    write_report(out_dir, name, {**meta, "results": results}, md,
                 lambda path: plot(results, cfg, keys, path), meta["total_seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
