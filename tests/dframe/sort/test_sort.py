"""sort_values (range partitioning and global ranks), sorted head/tail and rank: parity with
pandas, row order and ties included."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import NPARTITIONS, assert_same

pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")]


def frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    b = rng.normal(size=n).round(1)
    b[[1, 7, 20]] = np.nan
    s = pd.array([f"s{i}" for i in rng.integers(0, 6, n)], dtype="str")
    s[[2, 9]] = None
    return pd.DataFrame(
        {
            "a": rng.integers(0, 4, n),  # many ties
            "b": b,
            "s": s,
            "skew": np.where(rng.random(n) < 0.9, 5, rng.integers(0, 9, n)),
            "t": pd.date_range("2024-01-01", periods=n, freq="h")[rng.permutation(n)],
        },
        index=rng.permutation(n) * 2,
    )


CASES = [
    {"by": "a"},
    {"by": "b"},
    {"by": "b", "ascending": False, "na_position": "first"},
    {"by": ["a", "b"], "ascending": [True, False]},
    {"by": ["s", "a"], "na_position": "first"},
    {"by": "s", "ascending": False},
    {"by": "skew", "kind": "stable"},
    {"by": "a", "kind": "mergesort", "ascending": False},
    {"by": ["skew", "t"], "ignore_index": True},
    {"by": "t"},
]


@pytest.mark.parametrize("n", NPARTITIONS)
def test_sort_values_parity(sync, n):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=n)
    for kwargs in CASES:
        expected = pdf.sort_values(**kwargs)
        assert_same(expected, df.sort_values(**kwargs))
        assert_same(expected.head(7), df.sort_values(**kwargs).head(7))
        assert_same(expected.tail(5), df.sort_values(**kwargs).tail(5))
    assert_same(pdf.b.sort_values(), df.b.sort_values())
    assert_same(pdf.a.sort_values(ascending=False, ignore_index=True),
                df.a.sort_values(ascending=False, ignore_index=True))
    assert_same(pdf.s.sort_values(na_position="first", kind="stable"),
                df.s.sort_values(na_position="first", kind="stable"))


def test_sort_values_on_runtime(executor):
    pdf = frame(200)
    df = dframe.from_pandas(pdf, npartitions=7)
    for kwargs in CASES[:5]:
        assert_same(pdf.sort_values(**kwargs), df.sort_values(**kwargs))
    assert_same(pdf.sort_values("b").head(10), df.sort_values("b").head(10))
    assert_same(pdf.rank(method="first"), df.rank(method="first"))


def test_sort_values_empty_and_errors(sync):
    pdf = frame().iloc[:0]
    df = dframe.from_pandas(pdf, npartitions=3)
    assert_same(pdf.sort_values(["a", "b"]), df.sort_values(["a", "b"]))
    assert_same(pdf.sort_values("a"), df.sort_values("a"))
    with pytest.raises(KeyError):
        df.sort_values("nope")
    with pytest.raises(ValueError):
        df.sort_values(["a", "b"], ascending=[True])


def test_sort_values_inplace_and_plan(sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=4)
    out = df.sort_values("a")
    assert "SortValues" in repr(out._plan.describe())
    assert out.npartitions == 4
    head = out.head(3)
    assert "SortedEnds" in head._plan.describe()  # no full sort for head
    ranged = df.sort_values(["a", "b"]).head(3)
    assert "Reduce" in ranged._plan.describe()


@pytest.mark.parametrize("n", NPARTITIONS)
def test_rank_parity(sync, n):
    pdf = frame()[["a", "b", "s", "t"]]
    df = dframe.from_pandas(pdf, npartitions=n)
    # Every method with every na_option at every count, ascending and descending in turn: each
    # pair meets both directions at several partitions (3 and 7), at half the cost.
    methods = ("average", "min", "max", "first", "dense")
    pairs = itertools.product(methods, ("keep", "top", "bottom"))
    for i, (method, na_option) in enumerate(pairs):
        ascending = (i + NPARTITIONS.index(n)) % 2 == 0
        kwargs = {"method": method, "na_option": na_option, "ascending": ascending}
        assert_same(pdf.rank(**kwargs), df.rank(**kwargs))
        assert_same(pdf.b.rank(pct=True, **kwargs), df.b.rank(pct=True, **kwargs))
    assert_same(pdf.rank(numeric_only=True), df.rank(numeric_only=True))
    assert_same(pdf.iloc[:0].rank(), dframe.from_pandas(pdf.iloc[:0], npartitions=n).rank())
