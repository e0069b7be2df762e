"""Dtypes pandas picks from the values (a mask leaving NaN in ints, a map with misses, ``dt.day``
over NaT, ``x // s`` by zero, a left merge with misses): the plan stays lazy, every partition
gets the dtype of the whole result, and asking for the dtypes computes them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.optimize.rules import CACHE, optimize, toposort
from dframe.plan import nodes as N
from dframe.plan.node import format_plan
from dframe.plan.value_dtypes import SettleDtypes, unsettled
from tests.dframe.conftest import assert_same, forms_on_executors

PARTITIONS = [1, 3, 7, 20]


def ints() -> pd.DataFrame:
    return pd.DataFrame({"k": [3, 2, 1, 2, 5, 6, 7, 3, 9], "v": np.arange(9.0)})


CASES = {
    "mask leaves NaN in some partitions": lambda d: d["k"].mask(d["k"] == 3),
    "map with a miss": lambda d: d["k"].map({3: 10, 2: 20, 1: 30, 5: 1, 6: 2, 7: 3, 9: 4}),
    "map with misses": lambda d: d["k"].map({3: 10, 2: 20}),
    "floordiv by a column with zero": lambda d: 7 // (d["k"] - 2),
    "fillna of another type": lambda d: d["v"].where(d["k"] > 2).fillna("none"),
}


@forms_on_executors(
    list(CASES), PARTITIONS, runtime_npartitions=PARTITIONS, name="case", ids=list(CASES)
)
def test_every_partition_gets_the_dtype_of_the_whole(case, npartitions, executor):
    pdf = ints()
    f = CASES[case]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    # a part of the result (the last or first partitions only) has the whole column's dtype
    assert_same(f(pdf).tail(2), f(df).tail(2))
    assert_same(f(pdf).head(1), f(df).head(1))
    assert_same(f(pdf)[pdf["v"] > 4], f(df)[df["v"] > 4])
    assert f(df).dtype == f(pdf).dtype


def test_the_plan_stays_lazy_until_asked(sync):
    s = pd.Series(pd.to_datetime(["2024-01-01", None, "2024-03-05"]))
    ds = dframe.from_pandas(s, npartitions=2)
    day = ds.dt.day
    assert isinstance(day._plan, SettleDtypes)
    assert unsettled(day._plan)
    assert day._plan not in CACHE  # nothing computed by building it
    later = (day + 1).rename("d")
    assert unsettled(later._plan)
    assert later.dtype == (s.dt.day + 1).rename("d").dtype == np.float64  # computes now
    assert isinstance(later._plan, N.Materialized) and not unsettled(later._plan)
    assert_same((s.dt.day + 1).rename("d"), later)


def test_a_groupby_over_dtypes_still_to_settle_stays_lazy(sync):
    """A groupby of a left merge (or of ``dt`` fields) plans with the guessed dtypes: computing
    its whole input first, to settle them, stored every column of TPC-H q7's five joins."""
    left = pd.DataFrame({"k": [1, 2, 3, 4], "t": pd.to_datetime(["2024-01-01", None] * 2)})
    right = pd.DataFrame({"k": [1, 2], "v": [1.5, 2.5]})
    joined = dframe.from_pandas(left, npartitions=2).merge(
        dframe.from_pandas(right, npartitions=1), on="k", how="left"
    )
    joined = joined.assign(year=joined.t.dt.year)
    plan = joined._plan
    assert unsettled(plan)
    sums = joined.groupby("year").v.sum()
    assert unsettled(sums._plan) and plan not in CACHE and joined._plan is plan  # none computed
    expected = left.merge(right, on="k", how="left")
    assert_same(expected.assign(year=expected.t.dt.year).groupby("year").v.sum(), sums)


def test_no_value_dependence_no_settling(sync):
    df = dframe.from_pandas(ints(), npartitions=3)
    for result in (df["k"] + 1, df["v"] * 2, df["k"].astype("float64"), df["v"].fillna(0.0)):
        assert not any(isinstance(n, SettleDtypes) for n in toposort(result._plan))


def test_a_result_without_rows_has_the_dtype_of_no_rows(sync):
    pdf = pd.DataFrame({"s": pd.array([], dtype="str")})
    df = dframe.from_pandas(pdf, npartitions=1)
    # (pandas keeps str for a map of no values; with values it would be float64)
    assert df["s"].map({"a": 1.5}).dtype == pdf["s"].map({"a": 1.5}).dtype
    assert not unsettled(df["s"].map({"a": 1.5})._plan)


def test_column_pruning_goes_through(sync):
    pdf = pd.DataFrame({"k": [1, 2, 3], "a": [1, 0, 2], "b": ["x", "y", "z"]})
    df = dframe.from_pandas(pdf, npartitions=2)
    out = df.replace(1, "one")["a"]  # value-dependent over the frame, one column used
    plan = optimize(out._plan)
    (settle,) = [n for n in toposort(plan) if isinstance(n, SettleDtypes)]
    assert "Project(['a'])" in format_plan(settle.child)  # (fused with the replace)
    assert_same(pdf.replace(1, "one")["a"], out)


@pytest.mark.parametrize("how", ["left", "right", "outer"])
def test_merge_dtypes_follow_the_matches(how, executor):
    left = pd.DataFrame({"k": [1, 2, 3], "i": [3, 4, 5], "b": [True, False, True]})
    every = pd.DataFrame({"k": [1, 2, 3], "j": [7, 8, 9]})
    some = pd.DataFrame({"k": [1, 5], "j": [7, 8]})
    for right in (every, some):
        expected = left.merge(right, on="k", how=how)
        result = dframe.from_pandas(left, npartitions=2).merge(
            dframe.from_pandas(right, npartitions=1), on="k", how=how
        )
        assert list(result.dtypes) == list(expected.dtypes)
        assert_same(expected, result)
