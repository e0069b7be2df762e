"""melt, explode, get_dummies and pivot_table: parity with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import NPARTITIONS, assert_same

pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")]


def frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    b = rng.normal(size=n).round(2)
    b[[3, 8]] = np.nan
    s = pd.array([f"s{i}" for i in rng.integers(0, 5, n)], dtype="str")
    s[5] = None
    return pd.DataFrame(
        {
            "k": rng.integers(0, 3, n),
            "j": pd.array([f"j{i}" for i in rng.integers(0, 4, n)], dtype="str"),
            "a": rng.integers(0, 9, n),
            "b": b,
            "s": s,
            "l": [[i, i + 1] if i % 3 else [] for i in range(n)],
            "w": [["x", "y"] if i % 2 else "z" for i in range(n)],
        }
    )


@pytest.mark.parametrize("n", NPARTITIONS)
def test_melt_and_explode(sync, n):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=n)
    assert_same(pdf.melt(id_vars=["k"], value_vars=["a", "b"]),
                df.melt(id_vars=["k"], value_vars=["a", "b"]))
    assert_same(pd.melt(pdf[["k", "a", "s"]], id_vars="k", ignore_index=False),
                dframe.melt(df[["k", "a", "s"]], id_vars="k", ignore_index=False))
    assert_same(pdf[["a", "b"]].melt(var_name="v", value_name="x"),
                df[["a", "b"]].melt(var_name="v", value_name="x"))
    assert_same(pdf.explode("l"), df.explode("l"))
    assert_same(pdf.explode(["w"], ignore_index=True), df.explode(["w"], ignore_index=True))
    assert_same(pdf.l.explode(), df.l.explode())
    assert_same(pdf.iloc[:0].explode("l"), dframe.from_pandas(pdf.iloc[:0], npartitions=n).explode("l"))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_get_dummies_and_pivot_table(sync, n):
    pdf = frame().drop(columns=["l", "w"])
    df = dframe.from_pandas(pdf, npartitions=n)
    assert_same(pd.get_dummies(pdf), dframe.get_dummies(df))
    kwargs = {"columns": ["s", "j"], "dummy_na": True, "drop_first": True, "dtype": int}
    assert_same(pd.get_dummies(pdf, **kwargs), dframe.get_dummies(df, **kwargs))
    assert_same(pd.get_dummies(pdf.s, prefix="p"), dframe.get_dummies(df.s, prefix="p"))
    for kw in [
        {"values": "a", "index": "k", "columns": "j"},
        {"values": ["a", "b"], "index": "k", "columns": "j", "aggfunc": "sum"},
        {"values": "a", "index": ["k"], "columns": ["j", "s"], "aggfunc": ["mean", "max"],
         "fill_value": 0},
        {"index": "k", "columns": "j", "values": "b", "aggfunc": "count"},
        {"index": ["k", "s"], "values": ["a", "b"], "aggfunc": "median"},
    ]:
        assert_same(pdf.pivot_table(**kw), df.pivot_table(**kw))
        assert_same(pd.pivot_table(pdf, **kw), dframe.pivot_table(df, **kw))


def test_reshape_on_runtime(executor):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=7)
    assert_same(pdf.melt(id_vars=["k"], value_vars=["a", "b"]),
                df.melt(id_vars=["k"], value_vars=["a", "b"]))
    assert_same(pdf.explode("l"), df.explode("l"))
    small = pdf.drop(columns=["l", "w"])
    assert_same(pd.get_dummies(small), dframe.get_dummies(dframe.from_pandas(small, npartitions=7)))
    assert_same(small.pivot_table(values="a", index="k", columns="j", aggfunc="sum"),
                dframe.from_pandas(small, npartitions=7).pivot_table(
                    values="a", index="k", columns="j", aggfunc="sum"))


def test_hairy_reshapes_fall_back(sync):
    pdf = frame().drop(columns=["l", "w"])
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning):
        out = df.pivot_table(values="a", index="k", columns="j", aggfunc=np.ptp)
    assert_same(pdf.pivot_table(values="a", index="k", columns="j", aggfunc=np.ptp), out)


@pytest.mark.parametrize("n", NPARTITIONS)
def test_pivot_table_keeps_pandas_dtypes(sync, n):
    # pandas 3 does not downcast an aggregate of integers back to int (a median of 3.0 stays
    # float); an unobserved category's nunique falls back (dframe's groupby says NaN, not 0).
    pdf = pd.DataFrame({"k": [1, 1, 2, 2], "j": [1, 1, 1, 2], "a": [2, 4, 5, 7]})
    df = dframe.from_pandas(pdf, npartitions=n)
    for func in ["median", "mean", "sum", "min"]:
        kw = {"values": "a", "index": "k", "columns": "j", "aggfunc": func}
        assert_same(pdf.pivot_table(**kw), df.pivot_table(**kw))
