"""Fixtures for dframe tests: the executor a test runs on, and small data."""

from __future__ import annotations

import itertools

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


def forms_on_executors(
    forms, npartitions=NPARTITIONS, runtime_npartitions=(1, 7), name="name", ids=None
):
    """Parametrize ``(name, executor, npartitions)``: every form at every count of
    ``npartitions`` in process, and each form once on the runtime, the forms taking the counts of
    ``runtime_npartitions`` in turn (each count runs there with every other form or so). The
    runtime runs the same partition functions as the in-process executor, in worker processes:
    what it adds (tasks, arguments and results through pickle and the store) is what a form
    checks there once; the partition counts are the plan's, which the in-process runs check.
    ``forms`` may hold ``pytest.param``s (their ids and marks are kept); ``ids``: a list of ids
    of the forms, or a function of a form (default: ``str``)."""
    forms = list(forms)
    labels = ids if isinstance(ids, list) else [ids(f) if ids else str(f) for f in forms]
    params = [
        f if isinstance(f, type(pytest.param(None))) else pytest.param(f, id=label)
        for f, label in zip(forms, labels, strict=True)
    ]
    return _on_executors(params, range(len(params)), (name,), npartitions, runtime_npartitions)


def product_on_executors(
    npartitions=NPARTITIONS, runtime_npartitions=(1, 7), count="npartitions", **axes
):
    """``forms_on_executors`` whose forms are the product of ``axes`` (argument name ->
    values): each combination at every count in process and once on the runtime, where each
    value of each axis meets every count of ``runtime_npartitions`` (the counts go by the sum of
    the values' positions, a diagonal through the product). ``count``: the name of the
    partitioning argument (``chunks`` for arrays)."""
    names, lists = tuple(axes), [list(values) for values in axes.values()]
    params, turns = [], []
    for position in itertools.product(*[range(len(values)) for values in lists]):
        values = [axis[i] for axis, i in zip(lists, position)]
        label = "-".join(_label(v, n, i) for v, n, i in zip(values, names, position))
        params.append(pytest.param(*values, id=label))
        turns.append(sum(position))
    return _on_executors(params, turns, names, npartitions, runtime_npartitions, count)


def _label(value, name, i):
    """The id of a parameter: a plain value itself, a tuple or slice of them by its repr, else
    (a function ...) pytest's name and position."""
    if isinstance(value, str | int | float | bool) or value is None:
        return str(value)
    if isinstance(value, tuple | slice) and " at 0x" not in repr(value):
        return repr(value)
    return f"{name}{i}"


def _on_executors(params, turns, names, npartitions, runtime_npartitions, count="npartitions"):
    counts = list(runtime_npartitions)

    def case(form, executor, n):
        return pytest.param(*form.values, executor, n, marks=form.marks,
                            id=f"{form.id}-{executor}-{n}")

    cases = [case(form, "sync", n) for form in params for n in npartitions]
    cases += [case(form, "runtime", counts[t % len(counts)]) for form, t in zip(params, turns)]
    return pytest.mark.parametrize((*names, "executor", count), cases, indirect=["executor"])


def in_turn(forms, npartitions, variants) -> list[tuple]:
    """``(form, npartitions, *variant)`` for every form at every count, the variants (options
    that reach the same partition functions by other paths: a kernel, a strategy) taken in turn:
    with at least one more count than variants, each form meets every variant at a count of
    several partitions, and every count meets every variant, at ``1/len(variants)`` of the
    cost of the whole product."""
    cases = []
    for i, form in enumerate(forms):
        for j, n in enumerate(npartitions):
            variant = variants[(i + j) % len(variants)]
            cases.append((form, n, *(variant if isinstance(variant, tuple) else (variant,))))
    return cases


def pairwise(*axes) -> list[tuple]:
    """A subset of the product of ``axes`` (sequences of values) that holds every pair of
    values of any two axes at least once: the whole product costs the product of the sizes,
    this about the product of the two largest. Deterministic (greedy, first best row), so a
    failure names the same case on every run.

    >>> pairwise([1, 3], ["a", "b"], [True, False])
    [(1, 'a', True), (1, 'b', False), (3, 'a', False), (3, 'b', True)]
    """
    axes = [list(axis) for axis in axes]
    indices = list(itertools.product(*[range(len(axis)) for axis in axes]))
    pairs = list(itertools.combinations(range(len(axes)), 2))
    missing = {(a, row[a], b, row[b]) for row in indices for a, b in pairs}
    chosen = []
    while missing:
        row = max(indices, key=lambda r: sum((a, r[a], b, r[b]) in missing for a, b in pairs))
        missing -= {(a, row[a], b, row[b]) for a, b in pairs}
        chosen.append(row)
    if len(axes) < 2:
        chosen = indices
    return [tuple(axis[i] for axis, i in zip(axes, row)) for row in sorted(chosen)]


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
