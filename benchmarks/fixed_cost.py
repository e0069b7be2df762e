"""The fixed cost of a dframe computation (issue 12, gate 5 and its goal "a sum on a small
persisted frame <= 2 ms"): pandas vs dframe on the runtime executor (2 workers) vs dframe's
in-process executor, on a frame of 4,000 rows in 4 partitions persisted first, so what is
measured is planning, lowering, submitting, the tasks and one round trip for the result.

    python benchmarks/fixed_cost.py            # writes benchmarks/results/fixed_cost.{json,md}
    python benchmarks/fixed_cost.py --reps 50

Each question is run once untimed (its result checked against pandas'), then ``--reps`` times;
the table shows medians. ``tests/dframe/execution/test_fixed_cost.py`` checks the task and
round-trip counts; this script reports the milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import HERE, compare, fmt, git_revision, machine_info, timed, write_report

import dframe
import runtime

QUESTIONS = {
    "sum": lambda d: d.v.sum(),
    "filter + sum": lambda d: d[d.v > 10].v.sum(),
    "groupby sum (10 groups)": lambda d: d.groupby("k").v.sum(),
    "mean of a column + 1": lambda d: (d.v + 1).mean(),
}


def _value(result):
    return result.to_pandas() if hasattr(result, "to_pandas") else result


def _measure(frame, reps: int) -> dict[str, dict]:
    out = {}
    for name, question in QUESTIONS.items():
        _value(question(frame))  # warm-up (imports, caches of the first call)
        times = timed(lambda q=question: _value(q(frame)), reps, lambda: None)
        out[name] = {"median_s": statistics.median(times), "min_s": min(times)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = parser.parse_args()
    started = time.perf_counter()

    pdf = pd.DataFrame({"k": np.arange(4000) % 10, "v": np.arange(4000.0)})
    results = {"pandas": _measure(pdf, args.reps)}
    checks = {}
    with dframe.config.override(executor="sync", progress=False):
        frame = dframe.from_pandas(pdf, npartitions=4).persist()
        results["dframe (in-process)"] = _measure(frame, args.reps)
    runtime.init(num_cpus=2)
    try:
        with dframe.config.override(executor="runtime", progress=False):
            frame = dframe.from_pandas(pdf, npartitions=4).persist()
            results["dframe (runtime, 2 workers)"] = _measure(frame, args.reps)
            for name, question in QUESTIONS.items():
                checks[name] = compare(_value(question(frame)), question(pdf))
    finally:
        runtime.shutdown()

    engines = list(results)
    lines = [
        "# Fixed cost of a computation: a small persisted frame (4,000 rows, 4 partitions)",
        "",
        (
            f"{_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')} · {git_revision()} · "
            f"median of {args.reps} runs, milliseconds · goal: a sum on the runtime <= 2 ms"
        ),
        "",
        "| question | " + " | ".join(engines) + " | result |",
        "|---|" + "--:|" * len(engines) + "---|",
    ]
    for name in QUESTIONS:
        cells = [fmt(results[e][name]["median_s"] * 1000) for e in engines]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {checks[name]} |")
    doc = {"machine": machine_info(), "revision": git_revision(), "reps": args.reps,
           "results": results, "checks": checks}  # fmt: skip
    write_report(args.out_dir, "fixed_cost", doc, "\n".join(lines) + "\n",
                 seconds=time.perf_counter() - started)  # fmt: skip


if __name__ == "__main__":
    main()
