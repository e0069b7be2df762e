"""Everyday methods made native by issue 13, against pandas and dask on the same data:

- ``read_csv`` of a ~1 GB file with options (``usecols``, ``dtype``, ``parse_dates``,
  ``na_values``, ``index_col``);
- ``to_datetime`` (with a format) + ``cut`` + ``value_counts`` on 10M rows;
- ``merge_asof`` of 10M x 1M rows (by a key, backward, with a tolerance).

    python benchmarks/everyday.py                 # writes benchmarks/results/everyday.{json,md}
    python benchmarks/everyday.py --rows 200000   # a quick run on smaller data

Every engine runs each question ``--reps`` times on the same inputs (the CSV file; for the other
two questions the input loaded first, untimed: pandas in memory, dask and dframe persisted in
their workers). A question is timed until its result is computed and held where the engine
keeps data (pandas: in the process; dask and dframe: persisted in their workers, as a user goes
on with it); collecting big results into the driver is not timed (it would measure the transfer
of 10M rows, not the method). Each result is then collected and checked against pandas'. The
table shows the best time and the ratio to pandas (x faster). dframe runs on its runtime with 2
workers, dask on a local distributed cluster with 2 single-threaded worker processes.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import (
    HERE,
    cached,
    compare,
    default_cache_dir,
    fmt,
    git_revision,
    machine_info,
    write_report,
)

CSV_OPTIONS = {
    "usecols": ["id", "when", "amount", "city", "qty"],
    "dtype": {"qty": "float64", "city": "str"},
    "parse_dates": ["when"],
    "na_values": ["?"],
    "index_col": "id",
}


def make_csv(rows: int, path: Path) -> None:
    rng = np.random.default_rng(13)
    chunk = 1_000_000
    with open(path, "w") as f:
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            frame = pd.DataFrame(
                {
                    "id": np.arange(lo, lo + n),
                    "when": pd.Timestamp("2020-01-01")
                    + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s"),
                    "amount": rng.normal(100, 30, n).round(2),
                    "city": rng.choice(["Paris", "Lyon", "Nantes", "Lille", "?"], n),
                    "qty": rng.integers(0, 100, n),
                    "note": rng.choice(["fast", "slow", "returned", ""], n),
                    "score": rng.random(n),
                }
            )
            frame.to_csv(f, index=False, header=lo == 0)


def make_inputs(rows: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(14)
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, rows), unit="D")
    series = pd.DataFrame({"day": dates.strftime("%Y-%m-%d"), "x": rng.normal(0, 1, rows)})
    left = pd.DataFrame(
        {
            "t": np.sort(rng.integers(0, rows * 10, rows)),
            "k": rng.integers(0, 100, rows),
            "v": rng.random(rows),
        }
    )
    small = max(1, rows // 10)
    right = pd.DataFrame(
        {
            "t": np.sort(rng.integers(0, rows * 10, small)),
            "k": rng.integers(0, 100, small),
            "w": rng.random(small),
        }
    )
    return series, left, right


def dates_cut_counts(lib, frame, cut):
    when = lib.to_datetime(frame["day"], format="%Y-%m-%d")
    months = when.dt.month.value_counts()
    bins = cut(frame["x"]).value_counts()
    return months, bins


def asof(lib, left, right):
    return lib.merge_asof(left, right, on="t", by="k", tolerance=50, direction="backward")


class Pandas:
    name = "pandas"

    def start(self):
        import pandas

        self.lib = pandas

    def stop(self):
        pass

    def load(self, frame):
        return frame

    def value(self, obj):
        return obj

    def ready(self, obj):
        """``obj`` computed and kept where the engine keeps data."""
        return obj

    def read_csv(self, path):
        return self.lib.read_csv(path, **CSV_OPTIONS)

    def cut(self, x):
        return self.lib.cut(x, 10)


class Dask(Pandas):
    name = "dask"

    def start(self):
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
        self.client = Client(self.cluster)
        self.lib = dd

    def stop(self):
        self.client.close()
        self.cluster.close()

    def load(self, frame):
        return self.lib.from_pandas(frame, npartitions=8).persist()

    def value(self, obj):
        return obj.compute()

    def ready(self, obj):
        if hasattr(obj, "persist"):
            obj = obj.persist()
            from distributed import wait

            wait(obj)
        return obj

    def read_csv(self, path):
        opts = {k: v for k, v in CSV_OPTIONS.items() if k != "index_col"}
        return self.lib.read_csv(path, **opts).set_index("id", sorted=True)

    def cut(self, x):
        # dask has no cut: the edges from the global min/max, as pandas computes them
        lo, hi = self.lib.compute(x.min(), x.max())
        _, edges = pd.cut(pd.Series([lo, hi]), 10, retbins=True)
        return x.map_partitions(pd.cut, edges, meta=("x", "category"))


class Dframe(Pandas):
    name = "dframe"

    def start(self):
        import dframe
        import runtime

        runtime.init(num_cpus=2)
        self.runtime, self.lib = runtime, dframe
        self.override = dframe.config.override(executor="runtime", progress=False)
        self.override.__enter__()

    def stop(self):
        self.override.__exit__(None, None, None)
        self.runtime.shutdown()

    def load(self, frame):
        return self.lib.from_pandas(frame).persist()

    def value(self, obj):
        return obj.to_pandas() if hasattr(obj, "to_pandas") else obj

    def ready(self, obj):
        return obj.persist() if hasattr(obj, "persist") else obj


def _each(fn, result):
    return tuple(fn(r) for r in result) if isinstance(result, tuple) else fn(result)


def run(engine, csv_path: Path, inputs, reps: int) -> dict:
    series, left, right = inputs
    engine.start()
    out: dict = {}
    fallbacks: list[str] = []
    try:
        x = engine.load(series)
        lft, rgt = engine.load(left), engine.load(right)
        questions = {
            "read_csv 1 GB with options": lambda: engine.read_csv(csv_path),
            "to_datetime + cut + value_counts": lambda: dates_cut_counts(engine.lib, x, engine.cut),
            "merge_asof": lambda: asof(engine.lib, lft, rgt),
        }
        for name, question in questions.items():
            times, value = [], None
            try:
                for _ in range(reps):
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        t0 = time.perf_counter()
                        kept = _each(engine.ready, question())
                        times.append(time.perf_counter() - t0)
                        value = _each(engine.value, kept)  # (the check's copy: not timed)
                        del kept
                    fallbacks += [str(w.message).split(" is not")[0] for w in caught
                                  if type(w.message).__name__ == "PandasFallbackWarning"]  # fmt: skip
            except Exception as error:  # noqa: BLE001  # a peer's failure is a result too
                out[name] = {"error": f"{type(error).__name__}: {str(error)[:120]}"}
                continue
            out[name] = {"best_s": min(times), "times_s": times, "value": value}
    finally:
        engine.stop()
    out["fallbacks"] = sorted(set(fallbacks))
    return out


def _check(got, want) -> str:
    if isinstance(want, tuple):
        checks = [_check(g, w) for g, w in zip(got, want, strict=True)]
        return next((c for c in checks if c != "ok"), "ok")
    return compare(got, want, unordered=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--csv-rows", type=int, default=16_000_000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--engines", default="pandas,dframe,dask")
    parser.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = parser.parse_args()
    started = time.perf_counter()
    csv_path = cached(default_cache_dir() / f"everyday_{args.csv_rows}.csv",
                      lambda p: make_csv(args.csv_rows, p))  # fmt: skip
    inputs = make_inputs(args.rows)
    engines = {"pandas": Pandas, "dframe": Dframe, "dask": Dask}
    results = {e: run(engines[e](), csv_path, inputs, args.reps) for e in args.engines.split(",")}
    questions = [q for q in results["pandas"] if q != "fallbacks"]
    names = list(results)
    lines = [
        "# Everyday methods (issue 13): pandas vs dframe vs dask",
        "",
        (
            f"{_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')} · {git_revision()} · "
            f"CSV {csv_path.stat().st_size / 2**30:.2f} GiB ({args.csv_rows:,} rows); "
            f"{args.rows:,} rows (merge_asof: x {args.rows // 10:,}); best of {args.reps}; "
            "seconds, and x faster than pandas · goal: dframe >= 1.6x pandas"
        ),
        "",
        "| question | " + " | ".join(names) + " | checks |",
        "|---|" + "--:|" * len(names) + "---|",
    ]
    doc_results: dict = {}
    for q in questions:
        base = results["pandas"][q]["best_s"]
        cells, checks = [], []
        for e in names:
            got = results[e][q]
            doc_results.setdefault(e, {})[q] = {k: v for k, v in got.items() if k != "value"}
            if "error" in got:
                cells.append("failed")
                checks.append(f"{e}: {got['error']}")
                continue
            t = got["best_s"]
            cells.append(fmt(t) + ("" if e == "pandas" else f" ({base / t:.2f}x)"))
            if e != "pandas":
                checks.append(f"{e}: {_check(got['value'], results['pandas'][q]['value'])}")
        lines.append(f"| {q} | " + " | ".join(cells) + f" | {'; '.join(checks)} |")
    for e in names:
        if results[e]["fallbacks"]:
            lines.append(f"\n{e} fell back to pandas for: {', '.join(results[e]['fallbacks'])}")
    doc = {"machine": machine_info(), "revision": git_revision(), "rows": args.rows,
           "csv_rows": args.csv_rows, "reps": args.reps, "results": doc_results,
           "fallbacks": {e: results[e]["fallbacks"] for e in names}}  # fmt: skip
    write_report(args.out_dir, "everyday", doc, "\n".join(lines) + "\n",
                 seconds=time.perf_counter() - started)  # fmt: skip


if __name__ == "__main__":
    main()
