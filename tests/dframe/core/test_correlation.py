"""``DataFrame.corr``/``cov`` and ``Series.corr``/``cov`` run natively (a tree reduction of
pairwise co-moments) and match pandas: missing and infinite values, ``min_periods``, ``ddof``,
constant columns, ints and bools, non-numeric columns, no rows, one row. A frame's spearman is
native unless a value is infinite (with missing values each pair of columns is ranked over the
rows both hold, as pandas does), a Series' always; kendall always (counts of pairs of rows, ties
included)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dframe
from tests.dframe.conftest import assert_same, forms_on_executors, on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # numpy's, on NaN and no rows
]


def frame(n: int = 31) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    x = rng.normal(50, 4, n)
    pdf = pd.DataFrame(
        {
            "x": x,
            "y": 0.5 * x + rng.normal(0, 1, n),
            "big": rng.normal(1e6, 3, n),
            "i": rng.integers(0, 4, n),  # ints with ties
            "flag": rng.random(n) > 0.4,
            "const": 5.0,
            "nx": pd.array(rng.integers(-3, 9, n), dtype="Int64"),
        }
    )
    pdf.loc[[2, 9, 10, 25], "x"] = np.nan
    pdf.loc[[0, 9, 17], "y"] = np.nan
    pdf.loc[[4, 5], "nx"] = pd.NA
    pdf.loc[[3, 20], "const"] = np.nan
    return pdf


OPS = {
    "corr": lambda d: d.corr(),
    "corr_min_periods": lambda d: d.corr(min_periods=28),
    "corr_min_periods_0": lambda d: d.corr(min_periods=0),
    "cov": lambda d: d.cov(),
    "cov_ddof": lambda d: d.cov(ddof=0),  # pairwise (missing values): pandas ignores ddof
    "cov_min_periods": lambda d: d.cov(min_periods=28),
    "cov_ddof_none": lambda d: d[["big", "i"]].cov(ddof=None),
    "cov_complete": lambda d: d[["big", "i", "flag", "const"]].dropna().cov(ddof=3),
    "cov_complete_min_periods": lambda d: d[["big", "i"]].cov(min_periods=100),
    "corr_complete": lambda d: d[["big", "i", "flag"]].corr(),
    "corr_no_rows": lambda d: d.iloc[:0].corr(),
    "cov_no_rows": lambda d: d.iloc[:0].cov(),
    "cov_no_rows_min_periods": lambda d: d.iloc[:0].cov(min_periods=1),
    "corr_one_row": lambda d: d.iloc[:1].corr(),
    "cov_one_row": lambda d: d.iloc[1:2].cov(),
    "cov_one_row_missing": lambda d: d.iloc[:1].cov(),
    "corr_filtered": lambda d: d[d.i > 0].corr(),
    "corr_no_columns": lambda d: d[[]].corr(),
    "corr_numeric_only": lambda d: d.assign(s="a").corr(numeric_only=True),
    "cov_numeric_only": lambda d: d.assign(s="a").cov(numeric_only=True),
    "cov_datetime_error": lambda d: d.assign(t=pd.Timestamp("2024-01-01")).cov(),
    "cov_datetime_numeric_only_error": (
        lambda d: d.assign(t=pd.Timestamp("2024-01-01")).cov(numeric_only=True)
    ),
    "corr_method_error": lambda d: d.corr(method="nope"),
    "corr_infinity": lambda d: d.assign(x=d.x.where(d.i != 1, np.inf)).corr(),
    "cov_infinity_pairwise": lambda d: d.assign(x=d.x.where(d.i != 1, np.inf)).cov(),
    "cov_infinity_complete": lambda d: d[["big", "i"]].assign(i=d.i.where(d.i != 1, np.inf)).cov(),
    "corr_duplicate_labels": lambda d: d[["x", "y", "i"]].rename(columns={"y": "x"}).corr(),
    "spearman": lambda d: d[["big", "i", "flag"]].corr(method="spearman"),
    "spearman_ties_constant": (
        lambda d: d[["i", "flag"]].assign(k=1, j=d.i * -2).corr(method="spearman")
    ),
    "spearman_min_periods": lambda d: d[["big", "i"]].corr(method="spearman", min_periods=40),
    "spearman_missing": lambda d: d.corr(method="spearman"),
    "spearman_missing_min_periods": lambda d: d.corr(method="spearman", min_periods=27),
    "spearman_missing_filtered": lambda d: d[d.i > 0][["x", "y", "i"]].corr(method="spearman"),
    "spearman_no_rows": lambda d: d.iloc[:0].corr(method="spearman"),
    "spearman_one_row": lambda d: d.iloc[1:2][["big", "i"]].corr(method="spearman"),
    "series_corr": lambda d: d.x.corr(d.y),
    "series_corr_big": lambda d: d.big.corr(d.i),
    "series_corr_min_periods": lambda d: d.x.corr(d.y, min_periods=25),
    "series_corr_constant": lambda d: d.const.corr(d.x),
    "series_corr_flags": lambda d: d.flag.corr(d.nx),
    "series_corr_self": lambda d: d.x.corr(d.x),
    "series_corr_no_rows": lambda d: (lambda e: e.x.corr(e.y))(d.iloc[:0]),
    "series_corr_one_row": lambda d: (lambda e: e.x.corr(e.y))(d.iloc[1:2]),
    "series_corr_infinity": (
        lambda d: (lambda e: e.x.corr(e.y))(d.assign(x=d.x.where(d.i != 1, np.inf)))
    ),
    "series_spearman": lambda d: d.x.corr(d.y, method="spearman"),
    "series_spearman_ties": lambda d: d.i.corr(d.nx, method="spearman"),
    "series_spearman_infinity": (
        lambda d: (lambda e: e.x.corr(e.y, method="spearman"))(d.assign(x=d.x.fillna(np.inf)))
    ),
    "series_spearman_constant": lambda d: d.const.corr(d.x, method="spearman"),
    "series_spearman_min_periods": lambda d: d.x.corr(d.y, method="spearman", min_periods=26),
    "series_spearman_no_rows": lambda d: (lambda e: e.x.corr(e.y, method="spearman"))(d.iloc[:0]),
    "series_spearman_one_row": lambda d: (lambda e: e.x.corr(e.y, method="spearman"))(d.iloc[1:2]),
    "series_cov": lambda d: d.x.cov(d.y),
    "series_cov_ddof": lambda d: d.big.cov(d.i, ddof=0),
    "series_cov_ddof_none": lambda d: d.x.cov(d.y, ddof=None),
    "series_cov_large_ddof": lambda d: d.x.cov(d.y, ddof=40),
    "series_cov_constant": lambda d: d.const.cov(d.x),
    "series_cov_no_rows": lambda d: (lambda e: e.x.cov(e.y))(d.iloc[:0]),
    "series_cov_min_periods": lambda d: d.x.cov(d.y, min_periods=100),
    "kendall": lambda d: d.corr(method="kendall"),
    "kendall_min_periods": lambda d: d.corr(method="kendall", min_periods=28),
    "kendall_min_periods_0": lambda d: d.iloc[:2].corr(method="kendall", min_periods=0),
    "kendall_infinity": lambda d: d.assign(x=d.x.where(d.i != 1, np.inf)).corr(method="kendall"),
    "kendall_no_rows": lambda d: d.iloc[:0].corr(method="kendall"),
    "kendall_one_row": lambda d: d.iloc[1:2].corr(method="kendall"),
    "kendall_numeric_only": lambda d: d.assign(s="a").corr(method="kendall", numeric_only=True),
    "kendall_filtered": lambda d: d[d.i > 0][["x", "i", "nx"]].corr(method="kendall"),
    "series_kendall": lambda d: d.x.corr(d.y, method="kendall"),
    "series_kendall_ties": lambda d: d.i.corr(d.nx, method="kendall"),
    "series_kendall_infinity": (
        lambda d: (lambda e: e.x.corr(e.y, method="kendall"))(d.assign(x=d.x.fillna(np.inf)))
    ),
    "series_kendall_constant": lambda d: d.const.corr(d.x, method="kendall"),
    "series_kendall_min_periods": lambda d: d.x.corr(d.y, method="kendall", min_periods=26),
    "series_kendall_no_rows": lambda d: (lambda e: e.x.corr(e.y, method="kendall"))(d.iloc[:0]),
    "series_kendall_one_row": (
        lambda d: (lambda e: e.x.corr(e.y, method="kendall"))(d.iloc[1:2])
    ),
}


def _check(op, pdf, npartitions):
    try:
        expected = op(pdf)
    except Exception as error:  # noqa: BLE001 - pandas' error is the expected result
        with pytest.raises(type(error)):
            result = op(dframe.from_pandas(pdf, npartitions=npartitions))
            if isinstance(result, dframe.DataFrame | dframe.Series):
                result.to_pandas()
        return
    assert_same(expected, op(dframe.from_pandas(pdf, npartitions=npartitions)))


@forms_on_executors(OPS)
def test_matches_pandas(name, executor, npartitions):
    _check(OPS[name], frame(), npartitions)


@on_executors()
def test_one_pass_and_no_fallback_on_a_larger_frame(executor, npartitions):
    rng = np.random.default_rng(3)
    pdf = pd.DataFrame(rng.normal(size=(500, 6)), columns=list("abcdef"))
    pdf = pdf.mask(rng.random(pdf.shape) < 0.1)
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf.corr(), df.corr())
    assert_same(pdf.cov(), df.cov())


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.assign(x=d.x.fillna(-np.inf)).corr(method="spearman"),
        lambda d: d.corr(method=lambda a, b: 0.5),
        lambda d: d.assign(o=pd.Series([1, 2.5] * 15 + [3], dtype=object)).corr(),
        lambda d: d.x.corr(pd.Series(np.arange(31.0))),
    ],
)
def test_other_methods_run_on_pandas_with_the_warning(call, sync):
    pdf = frame()
    with pytest.warns(dframe.PandasFallbackWarning):
        result = call(dframe.from_pandas(pdf, npartitions=3))
    assert_same(call(pdf), result)


def test_strings_are_converted_by_pandas(sync):
    """pandas converts the values of string columns (``"1.5"`` is a number): the data decides
    whether it raises, so it runs on pandas."""
    pdf = frame().assign(s="a")
    with pytest.warns(dframe.PandasFallbackWarning), pytest.raises(ValueError):
        dframe.from_pandas(pdf, npartitions=3).corr()


@st.composite
def _frames(draw):
    n = draw(st.integers(0, 25))
    k = draw(st.integers(1, 4))
    values = st.sampled_from([0.0, 1.0, -2.0, 3.5, 0.25, 1e3, np.nan, np.nan, 7.0, -1.5])
    data = {f"c{j}": draw(st.lists(values, min_size=n, max_size=n)) for j in range(k)}
    return pd.DataFrame(data, dtype="float64")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(pdf=_frames(), npartitions=st.integers(1, 6), min_periods=st.sampled_from([None, 0, 3]),
       ddof=st.sampled_from([0, 1, 2]))  # fmt: skip
def test_random_frames_with_missing_values(pdf, npartitions, min_periods, ddof, sync):
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_same(pdf.corr(min_periods=min_periods or 1), df.corr(min_periods=min_periods or 1))
        assert_same(pdf.cov(min_periods=min_periods, ddof=ddof),
                    df.cov(min_periods=min_periods, ddof=ddof))  # fmt: skip
        assert_same(pdf.c0.corr(pdf.iloc[:, -1], min_periods=min_periods),
                    df.c0.corr(df.iloc[:, -1], min_periods=min_periods))  # fmt: skip
        assert_same(pdf.c0.cov(pdf.iloc[:, -1], ddof=ddof), df.c0.cov(df.iloc[:, -1], ddof=ddof))
        assert_same(pdf.c0.corr(pdf.iloc[:, -1], method="spearman", min_periods=min_periods),
                    df.c0.corr(df.iloc[:, -1], method="spearman", min_periods=min_periods))
        assert_same(pdf.corr(method="kendall", min_periods=min_periods or 1),
                    df.corr(method="kendall", min_periods=min_periods or 1))  # fmt: skip
        assert_same(pdf.c0.corr(pdf.iloc[:, -1], method="kendall", min_periods=min_periods),
                    df.c0.corr(df.iloc[:, -1], method="kendall", min_periods=min_periods))
        full = pdf.fillna(0.5)
        assert_same(full.corr(method="spearman"),
                    dframe.from_pandas(full, npartitions=npartitions).corr(method="spearman"))


_GROUPED = pd.DataFrame(
    {
        "k": np.random.default_rng(3).integers(0, 3, 30),
        "a": np.random.default_rng(4).normal(size=30),
        "b": np.random.default_rng(5).normal(size=30),
        "c": np.random.default_rng(6).integers(0, 5, 30),
    }
)
_GROUPED.loc[3, "a"] = np.nan


@forms_on_executors(
    {
        "corr": lambda g: g.corr(),
        "cov": lambda g: g.cov(),
        "spearman": lambda g: g.corr(method="spearman", min_periods=3),
        "cov ddof": lambda g: g.cov(ddof=0),
        "selected": lambda g: g[["a", "b"]].corr(),
        "kendall": lambda g: g[["a", "b", "c"]].corr(method="kendall"),
        "kendall min_periods": lambda g: g.corr(method="kendall", min_periods=9),
    }.items(),
    name="case",
    ids=lambda c: c[0],
)
def test_groupby_corr_and_cov(executor, npartitions, case):
    _, fn = case
    d = dframe.from_pandas(_GROUPED, npartitions=npartitions)
    assert_same(fn(_GROUPED.groupby("k")), fn(d.groupby("k")))
