"""The fixed cost of a computation is its tasks and one wait for the result (issue 12, gate 5).

On a persisted frame, a ``sum``, a filter + ``sum`` and a small groupby each submit their tasks
in one go — one per partition (plus the groupby's combine) — and come back to the driver once,
for the result: no probe, no length query, no puts. The milliseconds are reported by the benchmark
(``benchmarks/dataframe.py``), not asserted here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.execution import executors
from tests.dframe.conftest import assert_same

pytestmark = pytest.mark.timeout(60)

NPARTS = 4


@pytest.fixture
def calls(shared_ray, monkeypatch):
    """Counts of the runtime executor's calls (submit = tasks; get/wait = round trips)."""
    ex = executors.default_runtime()
    counts = dict.fromkeys(("submit", "get", "wait", "put"), 0)
    for name in counts:
        original = getattr(ex, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(ex, name, counting)
    with dframe.config.override(executor="runtime", progress=False):
        yield counts


PDF = pd.DataFrame({"k": np.arange(4000) % 10, "v": np.arange(4000.0)})

QUESTIONS = {
    "sum": lambda d: d.v.sum(),
    "filter_sum": lambda d: d[d.v > 10].v.sum(),
    "groupby_sum": lambda d: d.groupby("k").v.sum(),
}


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_one_round_trip(calls, question):
    frame = dframe.from_pandas(PDF, npartitions=NPARTS).persist()
    for name in calls:
        calls[name] = 0
    result = QUESTIONS[question](frame)
    if hasattr(result, "to_pandas"):
        result = result.to_pandas()
    assert calls == {"submit": calls["submit"], "get": 1, "wait": 0, "put": 0}
    # One task per partition; the driver combines the partials as it fetches them (the
    # groupby's partials are first merged by one task, its finishing step is the driver's).
    assert calls["submit"] == NPARTS + (question == "groupby_sum")
    assert_same(QUESTIONS[question](PDF), result)


def test_a_table_held_in_the_driver_is_put_into_the_store_once(calls):
    """A small table read in process (``executor="auto"``) joined query after query with a
    persisted big one: its partitions go into the runtime's store at the first query only."""
    with dframe.config.override(executor="sync"):
        names = dframe.from_pandas(
            pd.DataFrame({"k": np.arange(10), "name": [f"n{i}" for i in range(10)]}),
            npartitions=2,
        ).persist()
    frame = dframe.from_pandas(PDF, npartitions=NPARTS).persist()
    puts = []
    for _ in range(2):
        calls["put"] = 0
        result = frame.merge(names, on="k").to_pandas()
        puts.append(calls["put"])
        assert_same(PDF.merge(names.to_pandas(), on="k"), result)
    assert puts == [2, 0]
