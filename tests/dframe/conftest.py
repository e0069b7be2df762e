"""Fixtures for dframe tests: the executor a test runs on, and small data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dframe import config, fallback
from dframe.execution.executors import RuntimeExecutor, SyncExecutor

# Partition counts of the parity suite: one, a few, odd, and more partitions than rows (for data
# of up to 39 rows).
NPARTITIONS = [1, 3, 7, 40]
# The same cases for data of at most 15 rows (``make_frame()``'s 13): 16 partitions still leave
# single rows and empty partitions, at 16/40 of the cost (each partition is a task, empty or not).
SMALL_NPARTITIONS = [1, 3, 7, 16]


def on_executors(npartitions=NPARTITIONS):
    """Parametrize ``(executor, npartitions)``: every count of ``npartitions`` in process, and one
    partition and a few (7) on the runtime, which runs the same tasks in worker processes. More
    partitions than rows, whose plans the in-process runs check, would cost the runtime most
    (each partition is a task); the parity tests of ``tests/dframe/core`` still run them there."""
    pairs = [("sync", n) for n in npartitions] + [("runtime", 1), ("runtime", 7)]
    return pytest.mark.parametrize(("executor", "npartitions"), pairs, indirect=["executor"])


@pytest.fixture(params=["sync", "runtime"])
def executor(request):
    """Run the test with the in-process executor and with ``runtime`` (started once per module
    by the shared ``shared_ray`` fixture, which also checks nothing is left behind)."""
    if request.param == "sync":
        ex = SyncExecutor()
    else:
        request.getfixturevalue("shared_ray")
        ex = RuntimeExecutor()
    with config.override(executor=ex):
        yield ex


@pytest.fixture
def sync():
    ex = SyncExecutor()
    with config.override(executor=ex):
        yield ex


@pytest.fixture(autouse=True)
def _fresh_fallback_warnings():
    # Fallbacks warn once per process; each test must see its own.
    fallback.reset_warnings()
    yield


def make_frame(n: int = 13) -> pd.DataFrame:
    """Small frame with the dtypes users meet: int, float with NaN, bool, str with a missing
    value, datetime."""
    rng = np.random.default_rng(0)
    b = rng.normal(100, 10, n)
    b[[2, 7]] = np.nan
    s = pd.array([f"s{i % 4}" for i in range(n)], dtype="str")
    s[5] = None
    return pd.DataFrame(
        {
            "a": np.arange(n, dtype="int64") * 3 - 7,
            "b": b,
            "flag": np.arange(n) % 3 == 0,
            "s": s,
            "t": pd.date_range("2024-01-01", periods=n, freq="D"),
        }
    )


def assert_same(expected, result) -> None:
    """dframe result equals pandas' exactly (values, dtypes, index, order; floats to 1e-9)."""
    from dframe.core.collection import Collection

    if isinstance(result, Collection):
        result = result.to_pandas()
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected, check_exact=False, rtol=1e-9)
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(result, expected, check_exact=False, rtol=1e-9)
    elif isinstance(expected, pd.Index):
        pd.testing.assert_index_equal(result, expected)
    else:
        assert type(result) is type(expected), (type(result), type(expected))
        if isinstance(expected, float | np.floating) and np.isnan(expected):
            assert np.isnan(result)
        elif isinstance(expected, float | np.floating):
            assert result == pytest.approx(expected, rel=1e-9)
        else:
            assert result == expected


def merge_node(result):
    """The ``Merge`` plan node of a merge's result (under the ``SettleDtypes`` that says a
    left/right/outer merge's dtypes are known once computed)."""
    from dframe.merge.nodes import Merge
    from dframe.plan.value_dtypes import SettleDtypes

    node = result._plan
    node = node.child if isinstance(node, SettleDtypes) else node
    assert isinstance(node, Merge), node
    return node
