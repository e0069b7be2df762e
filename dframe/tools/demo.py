"""dframe's half of ``python -m runtime.demo`` (alone: ``python -m dframe.tools.demo [rows]``).

The demo writes a sales table to a Parquet file in a temporary directory, then runs one
notebook-style query -- plain pandas code, :func:`monthly_report` -- twice: with ``pandas`` and
with ``dframe`` in its place. Each run is timed from ``read_parquet`` of the file to the final
pandas result; the two results must be equal (``pandas.testing.assert_frame_equal``).

Both engines first run the query once on a small separate file: that first call pays the
once-per-session costs (imports, pandas' and pyarrow's lazy set-up; for dframe, the runtime's
workers importing pandas, pyarrow and dframe). Its time is printed, not hidden; neither engine
sees the big file before its timed run, and nothing is cached between runs.

Why dframe is faster on this query, on 2 cores:

- the work is split by rows and runs on both cores: ``read_parquet`` reads the file's row
  groups as 4 partitions, in parallel tasks, into the shared-memory store; one fused task per
  partition then filters, assigns (pyarrow string kernels) and aggregates its rows, and only
  the partial aggregates -- a few dozen rows each -- are combined. pandas runs the filter, the
  string slicing and the group-by in one thread (only its Parquet decoding uses threads);
- the optimizer projects the frame to the seven columns the query uses before the filter:
  pandas' boolean mask copies all ten columns, the unused string columns included.

The total CPU time of both is about the same (measured with ``psutil``: pandas 1.2-1.9 s,
dframe's two workers 0.55-0.85 s each on 3M rows), so the gain is the parallelism and needs
two free cores: while other programs keep the cores busy (Linux shares CPU time fairly between
sessions, not processes) it shrinks towards 1x, and the demo says so when the load average is
above the core count. Measured on a 2-core machine shared with other jobs (load average 7-10,
and Linux's autogroup gave this demo's session about a third of a core, however many processes
it ran): 0.75-1.49x, median 1.13x, over 17 runs. With both cores free, the same CPU times
suggest 1.0-1.5x (the busier worker's CPU time against pandas' with its Parquet decoding,
~0.9 s of CPU, spread over two threads or not): not measured, no free machine was at hand.
Rejected while choosing this query (ratios on the same loaded machine): ``read_csv`` versions
(dframe's parallel parsing costs more CPU in total than pandas' one thread: 0.4-1.0x) and
lighter Parquet queries (a filtered ``value_counts``: 0.6-0.9x; a group-by ``agg`` without
string work: 0.7-0.8x, once 1.6x); loading a Parquet file alone is not faster either
(``benchmarks/results/dataframe.md``: pyarrow decodes with threads).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROWS = 3_000_000  # 356 MiB as a pandas frame, 35 MiB of Parquet
WARMUP_ROWS = 20_000

REGIONS = ["north", "south", "east", "west", "central"]
CATEGORIES = ["grocery", "electronics", "toys", "garden", "books", "clothing", "sports",
              "beauty", "home", "auto", "music", "office"]
CHANNELS = ["online", "store", "phone"]


def write_sales(path: Path, rows: int, seed: int = 0) -> None:
    """One order line per row: string keys (date, region, store, category, sku, channel) and
    numbers, in 8 row groups. dframe reads runs of row groups as partitions, so row groups
    bound its parallelism: pyarrow's default (1Mi rows, what ``DataFrame.to_parquet`` writes)
    would cut 3M rows into 3 partitions, one worker reading two of them."""
    rng = np.random.default_rng(seed)

    def pick(values: list[str], idx: np.ndarray) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), pa.array(idx))

    days = list(pandas.date_range("2024-01-01", "2024-12-31").strftime("%Y-%m-%d"))
    stores = [f"store_{i:03d}" for i in range(200)]
    skus = [f"SKU-{i:05d}" for i in range(5000)]
    table = pa.table({
        "order_id": np.arange(1_000_000, 1_000_000 + rows, dtype=np.int64),
        "date": pick(days, rng.integers(0, len(days), rows)),
        "region": pick(REGIONS, rng.integers(0, len(REGIONS), rows)),
        "store": pick(stores, rng.integers(0, len(stores), rows)),
        "category": pick(CATEGORIES, rng.integers(0, len(CATEGORIES), rows)),
        "sku": pick(skus, rng.integers(0, len(skus), rows)),
        "channel": pick(CHANNELS, rng.choice(len(CHANNELS), rows, p=[0.5, 0.4, 0.1])),
        "quantity": rng.integers(1, 10, rows),
        "unit_price": np.round(rng.gamma(2.0, 15.0, rows), 2),
        "discount": rng.choice([0.0, 0.05, 0.1, 0.2], rows),
    })
    pq.write_table(table, path, row_group_size=max(1, -(-rows // 8)))


def monthly_report(pd: Any, path: Path) -> Any:
    """The user's query, written for pandas: revenue and orders per month and region of the
    discounted orders outside the phone channel. ``pd`` is ``pandas`` or ``dframe``."""
    df = pd.read_parquet(path)
    sold = df[(df.discount > 0) & (df.channel != "phone")]
    sold = sold.assign(
        month=sold.date.str.slice(0, 7),
        revenue=sold.quantity * sold.unit_price * (1 - sold.discount),
    )
    return sold.groupby(["month", "region"]).agg(
        revenue=("revenue", "sum"), orders=("order_id", "count")
    )


def _timed(pd: Any, path: Path) -> tuple[pandas.DataFrame, float]:
    """The query's result as a pandas frame, and its seconds from the read to that result."""
    t0 = time.perf_counter()
    result = monthly_report(pd, path)
    if not isinstance(result, pandas.DataFrame):
        result = result.to_pandas()
    return result, time.perf_counter() - t0


def compare(rows: int = ROWS, *, warmup_rows: int = WARMUP_ROWS, seed: int = 0,
            say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run :func:`monthly_report` on pandas and on dframe over ``rows`` generated rows; check
    the results are equal (``AssertionError`` if not) and return the times and both results."""
    import dframe

    # "auto" would run the small warm-up file in this process; the big one runs on the
    # runtime, so warm that. Another configured executor (tests) is used as it is.
    warm_executor = "runtime" if dframe.config.get("executor") == "auto" else None
    with tempfile.TemporaryDirectory(prefix="dframe_demo_") as tmp:
        path, small = Path(tmp) / "sales.parquet", Path(tmp) / "warmup.parquet"
        t0 = time.perf_counter()
        write_sales(path, rows, seed)
        say(f"wrote {rows:,} sales rows to a Parquet file ({path.stat().st_size / 2**20:.0f} "
            f"MiB) in {time.perf_counter() - t0:.1f} s; the query:")
        say("    df = pd.read_parquet(path)\n"
            "    sold = df[(df.discount > 0) & (df.channel != 'phone')]\n"
            "    sold = sold.assign(month=sold.date.str.slice(0, 7),\n"
            "                       revenue=sold.quantity * sold.unit_price"
            " * (1 - sold.discount))\n"
            "    sold.groupby(['month', 'region']).agg(revenue=('revenue', 'sum'), "
            "orders=('order_id', 'count'))")
        first = {}
        with dframe.config.override(progress=False):
            if warmup_rows:
                write_sales(small, warmup_rows, seed + 1)
                first["pandas"] = _timed(pandas, small)[1]
                with dframe.config.override(**({"executor": warm_executor}
                                               if warm_executor else {})):
                    first["dframe"] = _timed(dframe, small)[1]
                say(f"first call on a {warmup_rows:,}-row file (imports, workers' set-up; "
                    f"not in the times below): pandas {first['pandas']:.2f} s, "
                    f"dframe {first['dframe']:.2f} s")
            expected, pandas_s = _timed(pandas, path)
            got, dframe_s = _timed(dframe, path)
    pandas.testing.assert_frame_equal(got, expected)
    ratio = pandas_s / dframe_s
    verdict = f"{ratio:.2f}x faster" if ratio >= 1 else f"{1 / ratio:.2f}x SLOWER"
    say(f"import pandas as pd: {pandas_s:.2f} s | import dframe as pd: {dframe_s:.2f} s | "
        f"dframe {verdict}, same result ({len(expected)} rows)")
    cores, load = os.cpu_count() or 1, os.getloadavg()[0]
    if load > cores + 1:  # the demo itself keeps up to 2 processes busy
        say(f"(load average {load:.1f} on {cores} cores: other programs are competing for the "
            "cores the partitions run on, so the times are noisy and the speed-up smaller)")
    return {"pandas_seconds": pandas_s, "dframe_seconds": dframe_s, "first_call": first,
            "expected": expected, "result": got}


def main(argv: list[str] | None = None) -> None:
    import runtime

    args = sys.argv[1:] if argv is None else argv
    started = not runtime.is_initialized()
    try:
        compare(int(float(args[0])) if args else ROWS)
    finally:
        if started and runtime.is_initialized():
            runtime.shutdown()


if __name__ == "__main__":
    main()
