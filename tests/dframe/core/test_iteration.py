"""Iteration (``itertuples``, ``iterrows``, ``items``, ``Series.__iter__``/``items``) yields what
pandas yields — values, their types, labels, order — without falling back, and streams: the
partitions a loop has not reached are not computed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.core import iteration
from dframe.execution.executors import RuntimeExecutor, SyncExecutor
from tests.dframe.conftest import make_frame, on_executors, product_on_executors

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def assert_identical(expected, got) -> None:
    """``got == expected`` element by element, also in type (a namedtuple's class name and
    fields, int vs float, Timestamp ...), NaN equal to NaN; Series and frames by pandas."""
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected)
        return
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected)
        return
    assert type(got).__name__ == type(expected).__name__, (type(got), type(expected))
    if isinstance(expected, tuple) and hasattr(expected, "_fields"):
        assert got._fields == expected._fields
    if isinstance(expected, list | tuple):
        assert len(got) == len(expected), (got, expected)
        for e, g in zip(expected, got, strict=True):
            assert_identical(e, g)
    elif isinstance(expected, dict):
        assert list(got) == list(expected) or (
            str(list(got)) == str(list(expected))  # NaN keys
        ), (list(got), list(expected))
        assert type(got) is type(expected)
        for e, g in zip(expected.values(), got.values(), strict=True):
            assert_identical(e, g)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    elif expected is pd.NaT or expected is pd.NA or expected is None:
        assert got is expected
    else:
        assert got == expected, (got, expected)


def inputs() -> dict[str, pd.DataFrame]:
    """make_frame()'s dtypes (int, float with NaN, bool, str with a missing value, datetime),
    without rows, with repeated row labels (ties), with repeated column labels, and with no
    columns."""
    pdf = make_frame()
    ties = pdf.assign(k=[3, 1, 1, 3, 2, 2, 3, 1, 2, 2, 3, 1, 1]).set_index("k")
    repeated = pdf[["a", "b", "s"]].copy()
    repeated.columns = ["x", "y", "x"]
    return {
        "mixed": pdf,
        "empty": pdf.iloc[:0],
        "ties": ties,
        "repeated_columns": repeated,
        "no_columns": pd.DataFrame(index=pd.RangeIndex(4)),
    }


NAMES = list(inputs())


@product_on_executors(name=NAMES)
def test_itertuples(executor, npartitions, name):
    pdf = inputs()[name]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for kwargs in ({}, {"index": False}, {"name": None}, {"name": "Row", "index": False}):
        assert_identical(list(pdf.itertuples(**kwargs)), list(df.itertuples(**kwargs)))


@product_on_executors(name=NAMES)
def test_iterrows_and_items(executor, npartitions, name):
    pdf = inputs()[name]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_identical(list(pdf.iterrows()), list(df.iterrows()))
    assert_identical(list(pdf.items()), list(df.items()))


@product_on_executors(column=["a", "b", "flag", "s", "t"])
def test_series_iteration(executor, npartitions, column):
    ps = inputs()["ties"][column]
    s = dframe.from_pandas(ps, npartitions=npartitions)
    assert_identical(list(ps), list(s))
    assert_identical(list(ps.items()), list(s.items()))
    # A filter, a map whose dtype pandas picks from the values, a sort (every partition needs
    # every other one): the same values as pandas'.
    assert_identical(list(ps[ps.notna()]), list(s[s.notna()]))
    assert_identical(list(ps.sort_values(kind="stable")), list(s.sort_values(kind="stable")))


@on_executors()
def test_iteration_of_derived_frames(executor, npartitions):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    # a dict map that misses some values: float where they miss, decided by all the rows
    mapping = {"s0": 1, "s1": 2}
    assert_identical(list(pdf.s.map(mapping)), list(df.s.map(mapping)))
    assert_identical(
        list(pdf[pdf.a > 0].itertuples()), list(df[df.a > 0].itertuples())
    )
    ordered = pdf.sort_values("b", kind="stable")
    assert_identical(
        list(ordered.itertuples()), list(df.sort_values("b", kind="stable").itertuples())
    )
    assert_identical(list(ordered.items()), list(df.sort_values("b", kind="stable").items()))


def test_bad_itertuples_name_raises_at_the_call(sync):
    df = dframe.from_pandas(make_frame(), npartitions=3)
    for name in ("1bad", "not valid"):
        with pytest.raises(ValueError):
            make_frame().itertuples(name=name)
        with pytest.raises(ValueError):
            df.itertuples(name=name)


def _numbers(n: int = 80) -> pd.DataFrame:
    return pd.DataFrame({"a": np.arange(n), "b": np.arange(n) * 0.5})


def test_iteration_streams_partition_by_partition():
    ex = SyncExecutor()
    with config.override(executor=ex):
        df = dframe.from_pandas(_numbers(), npartitions=40) * 2
        loops = {
            "itertuples": lambda: df.itertuples(),
            "iterrows": lambda: df.iterrows(),
            "series": lambda: iter(df.a),
            "series_items": lambda: df.b.items(),
        }
        for name, loop in loops.items():
            before = ex.tasks_submitted
            rows = loop()
            next(rows)
            # One task computed the first partition (an in-process run reads nothing ahead).
            assert ex.tasks_submitted - before == 1, name
            next(rows)  # the first partition's second row: nothing computed
            assert ex.tasks_submitted - before == 1, name
            rest = list(rows)
            assert len(rest) == 78, name
            assert ex.tasks_submitted - before == 40, name


def test_items_computes_one_column_at_a_time():
    ex = SyncExecutor()
    with config.override(executor=ex):
        df = dframe.from_pandas(_numbers(), npartitions=5)
        columns = df.items()
        before = ex.tasks_submitted
        label, first = next(columns)
        assert label == "a" and len(first) == 80
        assert ex.tasks_submitted - before == 5  # one task per partition, for one column
        # A frame still to be computed is computed once (5 tasks), not once per column; each
        # column is then selected from its stored partitions (5 tasks each).
        derived = df * 2
        before = ex.tasks_submitted
        pairs = list(derived.items())
        assert [label for label, _ in pairs] == ["a", "b"]
        assert ex.tasks_submitted - before == 5 + 2 * 5
        assert_identical(list((_numbers() * 2).items()), pairs)


@pytest.mark.usefixtures("shared_ray")
def test_runtime_reads_only_a_few_partitions_ahead():
    ex = RuntimeExecutor()
    with config.override(executor=ex):
        df = dframe.from_pandas(_numbers(), npartitions=20) * 2
        df.a.sum()  # the runtime is up and the tasks' function registered
        before = ex.tasks_submitted
        rows = df.itertuples(index=False, name=None)
        assert next(rows) == (0, 0.0)
        # the first partition's task and those of the partitions computed ahead, no more
        assert ex.tasks_submitted - before == 1 + iteration.AHEAD
        assert len(list(rows)) == 79


def test_a_plan_that_needs_every_partition_is_computed_once():
    ex = SyncExecutor()
    with config.override(executor=ex):
        df = dframe.from_pandas(_numbers(), npartitions=8).sort_values("b", ascending=False)
        rows = list(df.itertuples(name=None))
        assert rows == list(_numbers().sort_values("b", ascending=False).itertuples(name=None))
        before = ex.tasks_submitted
        assert len(list(df.iterrows())) == 80
        assert ex.tasks_submitted == before  # the sorted partitions were kept, not sorted again


@on_executors([1, 3, 7])
@pytest.mark.parametrize(
    "pdf",
    [
        pd.DataFrame({"nb": pd.array([True] * 6 + [None], dtype="boolean")}),
        pd.DataFrame({"i": pd.array([1, 2, 3, None], dtype="Int64"), "s": list("abcd")}),
        pd.DataFrame({"i": pd.array([1, 2, 3, None], dtype="Int64")}),
    ],
    ids=["boolean", "Int64 and str", "Int64"],
)
def test_iterrows_rows_have_the_whole_frames_values_dtype(executor, npartitions, pdf):
    """Found by the long differential run (seed 9010, session 11): a nullable column's values
    are object (Int64: float) only where a value is missing; pandas gives every row the whole
    frame's dtype, partitions without the missing value gave bool (int)."""
    expected = list(pdf.iterrows())
    result = list(dframe.from_pandas(pdf, npartitions=npartitions).iterrows())
    assert [k for k, _ in result] == [k for k, _ in expected]
    for (_, want), (_, got) in zip(expected, result, strict=True):
        pd.testing.assert_series_equal(got, want)
