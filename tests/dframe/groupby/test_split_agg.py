"""Groupby with many groups keeps them spread (issue 12, gate 2): partial aggregation before the
shuffle, groups range-partitioned into pandas' order, and no task that sees every group.

The gate is checked on the in-process executor, where a task's arguments are the partitions
themselves: no task may receive more than a share of the groups (with unique keys the groups
are the rows), and the result must still be pandas' own at every partition count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
import dframe.execution.executors as executors
import dframe.groupby.nodes as gb
from dframe.groupby import split_agg
from tests.dframe.conftest import assert_same, in_turn

pytestmark = pytest.mark.timeout(120)


def _rows(value) -> int:
    if isinstance(value, pd.DataFrame | pd.Series | split_agg._Groups):
        return len(value)
    if isinstance(value, tuple | list):
        return sum(_rows(v) for v in value)
    return 0


@pytest.fixture
def biggest_task_input(monkeypatch):
    """The most rows any one task received, over every task run in the test."""
    seen = [0]
    original = executors.run_task

    def recording(fn, *args):
        seen[0] = max(seen[0], sum(_rows(a) for a in args))
        return original(fn, *args)

    monkeypatch.setattr(executors, "run_task", recording)
    return seen


def _frame(rows: int, groups: int | None, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keys = rng.permutation(rows) if groups is None else rng.integers(0, groups, rows)
    return pd.DataFrame(
        {
            "k": keys,
            "s": pd.array([f"id{k:06d}" for k in keys], dtype="str"),
            "v": rng.normal(size=rows),
            "i": rng.integers(0, 50, rows),
        }
    )


QUESTIONS = {
    "sum": lambda d, sort: d.groupby("k", sort=sort).v.sum(),
    "named": lambda d, sort: d.groupby("s", sort=sort, as_index=False).agg(
        total=("v", "sum"), n=("i", "count"), top=("i", "max")
    ),
    "moments": lambda d, sort: d.groupby(["i", "k"], sort=sort)[["v"]].agg(["mean", "std"]),
    "median": lambda d, sort: d.groupby("k", sort=sort).v.median(),  # no tree: rows shuffle
}


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_no_task_sees_every_group(sync, biggest_task_input, question, sort):
    rows, nparts = 8_000, 4
    pdf = _frame(rows, None)
    ask = QUESTIONS[question]
    expected = ask(pdf, sort)
    biggest_task_input[0] = 0
    with dframe.config.override(groupby_strategy="shuffle"):  # (test_strategy: auto picks it)
        got = ask(dframe.from_pandas(pdf, nparts), sort)
        assert got.npartitions == nparts
        assert_same(expected, got)
    # An input partition is a quarter of the rows; every later task gets about a quarter of
    # the groups (the exchange pieces add up to one partition's share, plus sampling noise).
    assert biggest_task_input[0] <= 0.4 * rows


# Every question at every count, sorted and not in turn: each both ways at several partitions.
@pytest.mark.parametrize(
    ("question", "nparts", "sort"), in_turn(sorted(QUESTIONS), [1, 3, 7, 40], [True, False])
)
def test_same_answer_at_any_partition_count(sync, question, sort, nparts):
    pdf = _frame(30, 12, seed=nparts)
    pdf.loc[::7, "v"] = np.nan
    with dframe.config.override(groupby_strategy="shuffle"):
        got = QUESTIONS[question](dframe.from_pandas(pdf, nparts), sort)
        assert_same(QUESTIONS[question](pdf, sort), got)


@pytest.mark.parametrize("sort", [True, False])
def test_missing_keys_kept_last_or_in_place(sync, sort):
    pdf = pd.DataFrame(
        {"k": [3.0, np.nan, 1.0, 2.0, np.nan, 1.0, 5.0, 4.0] * 5, "v": np.arange(40.0)}
    )
    with dframe.config.override(groupby_strategy="shuffle"):
        d = dframe.from_pandas(pdf, 3)
        assert_same(
            pdf.groupby("k", sort=sort, dropna=False).v.sum(),
            d.groupby("k", sort=sort, dropna=False).v.sum(),
        )
        assert_same(
            pdf.groupby("k", sort=sort, dropna=False).v.median(),
            d.groupby("k", sort=sort, dropna=False).v.median(),
        )


def test_categorical_keys_in_category_order(sync):
    cats = pd.CategoricalDtype(["z", "b", "m", "a"])
    pdf = pd.DataFrame({"c": pd.Series(list("abzmzb" * 6), dtype=cats), "v": np.arange(36)})
    with dframe.config.override(groupby_strategy="shuffle"):
        got = dframe.from_pandas(pdf, 4).groupby("c", observed=True).v.sum()
        assert_same(pdf.groupby("c", observed=True).v.sum(), got)


def test_few_groups_keep_one_full_partition(sync, monkeypatch):
    """The tree chosen at run time: its one result partition, then empty ones."""
    monkeypatch.setattr(gb, "choose_strategy", lambda *a: "tree")
    pdf = _frame(1_000, 5)
    with dframe.config.override(groupby_strategy="shuffle"):  # the plan allows the spread
        got = dframe.from_pandas(pdf, 4).groupby("k", as_index=False).v.sum()
        assert got.npartitions == 4
        assert_same(pdf.groupby("k", as_index=False).v.sum(), got)
        assert_same(pdf.groupby("k", as_index=False).v.sum().head(3), got.head(3))


@pytest.mark.timeout(60)
def test_on_the_runtime(shared_ray):
    pdf = _frame(2_000, None)
    with dframe.config.override(executor="runtime", groupby_strategy="shuffle"):
        d = dframe.from_pandas(pdf, 3)
        for sort in (True, False):
            for question in ("named", "median"):
                assert_same(QUESTIONS[question](pdf, sort), QUESTIONS[question](d, sort))


def test_first_rows_from_pandas_group_numbers():
    """Shuffled aggregations with ``sort=False`` order groups by their first row, read from
    pandas' own ``ngroup`` numbers (first-appearance order) instead of grouping again."""
    from dframe.groupby.grouped import first_rows

    positions = np.arange(7) * 10
    numbers = np.array([0, 1, -1, 0, 2, 1, -1])  # -1: a row whose key pandas drops
    assert first_rows(numbers, positions, 3).tolist() == [0, 10, 40]
    assert first_rows(np.array([1, 0, 1]), positions[:3], 2) is None  # another order: regroup
    assert first_rows(np.zeros(0, np.int64), positions[:0], 0).tolist() == []


@pytest.mark.parametrize("dropna", [True, False])
@pytest.mark.parametrize("npartitions", [1, 3, 7, 16])
def test_unsorted_shuffled_groups_in_order_of_first_rows(sync, npartitions, dropna):
    keys = np.random.default_rng(3).integers(0, 40, 600)
    pdf = pd.DataFrame(
        {"a": np.where(keys % 11 == 0, np.nan, keys % 7), "b": keys % 5, "v": np.arange(600.0)}
    )
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    with dframe.config.override(groupby_strategy="shuffle"):
        got = df.groupby(["a", "b"], sort=False, dropna=dropna).agg({"v": ["sum", "median"]})
    assert_same(pdf.groupby(["a", "b"], sort=False, dropna=dropna).agg({"v": ["sum", "median"]}), got)
