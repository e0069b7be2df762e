"""Row selection and the row index — ``iloc``/``loc`` reads and writes, ``set_index``,
``reset_index``, ``sort_index`` — match pandas natively at every partition count."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.optimize import optimize
from dframe.optimize.rules import toposort
from dframe.plan import nodes as N
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, forms_on_executors, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

OPS = {
    "iloc_int": lambda d: d.iloc[4],
    "iloc_negative": lambda d: d.iloc[-1],
    "iloc_scalar": lambda d: d.b.iloc[7],
    "iloc_cell": lambda d: d.iloc[3, 1],
    "iloc_slice": lambda d: d.iloc[2:9],
    "iloc_prefix": lambda d: d.iloc[:5],
    "iloc_step_reverse": lambda d: d.iloc[::-3],
    "iloc_empty_slice": lambda d: d.iloc[5:5],
    "iloc_list_unordered": lambda d: d.iloc[[5, 0, 12, 5, -2]],
    "iloc_bool_array": lambda d: d.iloc[np.arange(13) % 4 == 1],
    "iloc_rows_cols": lambda d: d.iloc[1:4, [0, 2]],
    "iloc_rows_col": lambda d: d.iloc[[2, 3], 1],
    "iloc_series": lambda d: d.a.iloc[3:11:2],
    "iloc_after_filter": lambda d: d[d.a > 0].iloc[1:4],
    "loc_slice_range_index": lambda d: d.loc[3:8, "b"],
    "loc_label_row": lambda d: d.loc[6],
    "loc_cell": lambda d: d.loc[6, "s"],
    "loc_list": lambda d: d.loc[[8, 1, 1], ["a", "s"]],
    "loc_mask": lambda d: d.loc[d.a > 3, ["a", "s"]],
    "loc_mask_series": lambda d: d.b.loc[d.flag],
    "loc_callable": lambda d: d.loc[lambda x: x.b > 100],
    "loc_bool_list": lambda d: d.loc[list(np.arange(13) % 3 == 0)],
    "loc_datetime_slice": lambda d: d.set_index("t").loc["2024-01-03":"2024-01-07"],
    "loc_str_duplicates": lambda d: d.set_index("s").loc["s1"],
    "loc_str_unique": lambda d: d.set_index("a").loc[[-1, 5]],
    "loc_slice_sorted_float": lambda d: (
        d.dropna().set_index("b").sort_index().loc[95:105]
    ),
    "set_index": lambda d: d.set_index("a"),
    "set_index_keep": lambda d: d.set_index("s", drop=False),
    "set_index_two": lambda d: d.set_index(["s", "a"]),
    "reset_index": lambda d: d[d.a > 0].reset_index(),
    "reset_index_drop": lambda d: d[d.a > 0].reset_index(drop=True),
    "reset_index_named": lambda d: d.set_index("t").reset_index(),
    "series_reset_index": lambda d: d.b.reset_index(name="v"),
    "series_reset_index_drop": lambda d: d.b[d.flag].reset_index(drop=True),
    "reset_then_arith": lambda d: d[d.a > 0].reset_index(drop=True).a * 2,
    "sort_index": lambda d: d.set_index("b").sort_index(),
    "sort_index_desc": lambda d: d.set_index("b").sort_index(
        ascending=False, na_position="first"
    ),
    "sort_index_sorted": lambda d: d.set_index("t").sort_index(),
    "sort_index_ignore": lambda d: d.set_index("s").sort_index(ignore_index=True),
    "sort_index_range": lambda d: d.sort_index(),
}


@forms_on_executors(list(OPS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS)
def test_indexing_op(name, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(OPS[name](pdf), OPS[name](df))


SETTERS = {
    "iloc_rows_col": lambda d: d.iloc.__setitem__((slice(2, 9), 1), -1.0),
    "iloc_list_cols": lambda d: d.iloc.__setitem__(([0, 12, 4], [0, 1]), 0),
    "loc_mask_col": lambda d: d.loc.__setitem__((d.a > 3, "b"), 0.5),
    "loc_slice_cols": lambda d: d.loc.__setitem__((slice(3, 6), ["a", "b"]), 9),
    "loc_all_rows": lambda d: d.loc.__setitem__((slice(None), "b"), np.nan),
    "at": lambda d: d.at.__setitem__((5, "s"), "zz"),
}


@forms_on_executors(list(SETTERS), [1, 3, 16], runtime_npartitions=[1, 3, 16])
def test_setting_values(name, npartitions, executor):
    pdf = make_frame()[["a", "b", "flag", "s"]]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    before = df
    SETTERS[name](pdf)
    SETTERS[name](df)
    assert before is df  # same wrapper, new plan
    assert_same(pdf, df)


@pytest.mark.parametrize("npartitions", [1, 3, 16])
def test_setting_whole_rows(npartitions, executor):
    pdf = make_frame()[["a", "b"]]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for d in (pdf, df):
        d.loc[d.a > 5] = 7
        d.iloc[[1, 2]] = -1
    assert_same(pdf, df)


def test_series_setitem_through_loc(sync):
    ps = make_frame().b
    s = dframe.from_pandas(ps, npartitions=3)
    for obj in (ps, s):
        obj.loc[obj > 100] = 0.0
        obj.iloc[-1] = 2.0
    assert_same(ps, s)


def test_errors_match_pandas(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.raises(IndexError):
        df.iloc[13]
    with pytest.raises(IndexError):
        df.iloc[[0, 20]]
    with pytest.raises(KeyError):
        df.loc[99]
    with pytest.raises(KeyError):
        df.set_index("s").loc[["s1", "nope"]]
    with pytest.raises(KeyError):
        df.loc[:, "zz"]
    with pytest.raises(TypeError):
        df.loc[df.a > 0, "a"] = "text"  # pandas 3 refuses to upcast int to str


def test_empty_frame(sync):
    pdf = make_frame().iloc[:0]
    df = dframe.from_pandas(pdf, npartitions=3)
    assert_same(pdf.iloc[0:3], df.iloc[0:3])
    assert_same(pdf.reset_index(), df.reset_index())
    assert_same(pdf.set_index("a"), df.set_index("a"))
    assert_same(pdf.set_index("b").sort_index(), df.set_index("b").sort_index())


def test_iloc_reads_only_the_partitions_it_needs(sync):
    df = dframe.from_pandas(make_frame(), npartitions=7)
    before = sync.tasks_submitted
    df.iloc[0:2].to_pandas()
    assert sync.tasks_submitted - before == 1  # the first partition holds both rows


def test_sorted_index_is_not_moved(sync):
    pdf = make_frame().set_index("t")
    df = dframe.from_pandas(pdf, npartitions=4)
    out = df.sort_index()
    assert not [
        n for n in toposort(optimize(out._plan)) if isinstance(n, N.Repartition)
    ]
    assert_same(pdf.sort_index(), out)


def test_reset_index_numbers_rows_without_collecting(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=5)
    out = df[df.a > 0].reset_index(drop=True)
    assert out._plan.range_index
    assert_same(pdf[pdf.a > 0].reset_index(drop=True).index, out.index)


@pytest.mark.filterwarnings(
    "ignore::pandas.errors.Pandas4Warning"
)  # pandas' inplace deprecation
def test_inplace_index_methods(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    for d in (pdf, df):
        d.set_index("s", inplace=True)
        d.sort_index(inplace=True)
        d.reset_index(inplace=True)
    assert_same(pdf, df)


@pytest.mark.parametrize("npartitions", [1, 2, 4])
@pytest.mark.parametrize(
    "key", [(1, "y"), (1, "a"), ((1, "y"), "a"), (slice(None), "b"), 1, [1], slice(1, 2)]
)
def test_loc_tuple_keys_with_a_multiindex_of_rows(sync, npartitions, key):
    """Found in session 11: ``df.loc[(1, "y")]`` with MultiIndex rows is one row label in
    pandas; dframe read it as (rows, columns) and raised KeyError 'y'. ``df.loc[1]`` drops
    the level it matched in pandas; dframe kept it (a wrong index)."""
    pdf = pd.DataFrame({"a": [1.0, 5, 3, 8], "b": [2.0, 0, 9, 4]})
    pdf = pdf.set_index([pd.Index([1, 1, 2, 2]), pd.Index(list("xyxy"))])
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dframe.PandasFallbackWarning)
        result = d.loc[key]
    assert_same(pdf.loc[key], result)
