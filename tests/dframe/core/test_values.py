"""Element-wise value methods (where, clip, map, apply, query, ffill ...) match pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

NUM = ["a", "b"]


def frame() -> pd.DataFrame:
    pdf = make_frame()
    pdf.loc[[0, 1, 9, 10, 11, 12], "b"] = (
        np.nan
    )  # gaps at both ends and across partitions
    pdf["c"] = pd.Series([np.nan, 2.0, np.nan, np.nan, 5.0] + [np.nan] * 8)
    return pdf


LIMIT = 4

OPS = {
    "where": lambda d: d.a.where(d.a > 0),
    "where_all_true": lambda d: d.a.where(d.a > -100),
    "where_frame_other": lambda d: d[NUM].where(d[NUM] > 0, -1),
    "where_callable": lambda d: d[NUM].where(lambda x: x > 0, lambda x: -x),
    "mask_series_other": lambda d: d.b.mask(d.a > 5, d.a),
    "clip": lambda d: d[NUM].clip(0, 20),
    "clip_lower": lambda d: d.b.clip(lower=100),
    "clip_series": lambda d: d.b.clip(d.a, d.a + 100),
    "round": lambda d: d[NUM].round(1),
    "round_dict": lambda d: d[NUM].round({"b": -1}),
    "abs": lambda d: d[NUM].abs(),
    "replace": lambda d: d.replace({"s": {"s1": "x"}, "a": {2: 200}}),
    "replace_scalar": lambda d: d.s.replace("s1", "one"),
    "isin_list": lambda d: d.s.isin(["s1", "s3"]),
    "isin_dict": lambda d: d.isin({"a": [2, 5], "s": ["s0"]}),
    "isin_dframe_values": lambda d: d.a.isin(d.a[d.a > 20]),
    "between": lambda d: d.a.between(0, 10),
    "between_neither": lambda d: d.b.between(95, 105, inclusive="neither"),
    "map_dict": lambda d: d.a.map({-7: 1, 2: 3}),
    "map_func": lambda d: d.s.map(lambda x: x * 2, na_action="ignore"),
    "frame_map": lambda d: d[NUM].map(lambda x: x * 2),
    "apply": lambda d: d.a.apply(lambda x: x + 1),
    "apply_axis1": lambda d: d.apply(
        lambda r: r["a"] + (r["b"] if r["b"] == r["b"] else 0), axis=1
    ),
    "apply_axis1_frame": lambda d: d[NUM].apply(lambda r: r * 2, axis=1),
    "query": lambda d: d.query("a > 3 and b < 110"),
    "query_local": lambda d: d.query("a < @LIMIT"),
    "query_empty": lambda d: d.query("a > 1000"),
    "eval_assign": lambda d: d.eval("e = a + b"),
    "eval_expr": lambda d: d.eval("a * 2 - b"),
    "ffill": lambda d: d.ffill(),
    "bfill": lambda d: d.bfill(),
    "series_ffill": lambda d: d.b.ffill(),
    "series_bfill": lambda d: d.c.bfill(),
    "ffill_filtered": lambda d: d[d.a % 2 == 0].ffill(),
    "ffill_axis1": lambda d: d[["b", "c"]].ffill(axis=1),
    "ffill_then_add": lambda d: d.b.ffill() + d.a,
}


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
@pytest.mark.parametrize("name", list(OPS))
def test_value_parity(name, npartitions, sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    expected, result = OPS[name](pdf), OPS[name](df)
    assert isinstance(result, dframe.Series | dframe.DataFrame)
    assert_same(expected, result)


def test_value_parity_on_both_executors(executor):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=7)
    for op in OPS.values():
        assert_same(op(pdf), op(df))


@pytest.mark.filterwarnings(
    "ignore::pandas.errors.Pandas4Warning"
)  # inplace is deprecated
@pytest.mark.parametrize("npartitions", [1, 3, 16])
def test_inplace_and_empty(npartitions, sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for d in (pdf, df):
        d.query("a > 0", inplace=True)
        d.ffill(inplace=True)
    assert_same(pdf, df)
    empty = pdf.iloc[:0]
    de = dframe.from_pandas(empty, npartitions=npartitions)
    for name in ("where", "clip", "ffill", "bfill", "query", "isin_list", "round"):
        assert_same(OPS[name](empty), OPS[name](de))


def test_ffill_runs_partitions_in_parallel(sync):
    df = dframe.from_pandas(frame(), npartitions=5)
    before = sync.tasks_submitted
    df.ffill().to_pandas()
    # summarize, one gather, fill: 5 + 1 + 5 tasks (the source is put, not computed)
    assert sync.tasks_submitted - before == 11


def test_errors_at_the_users_line(sync):
    df = dframe.from_pandas(frame(), npartitions=3)
    with pytest.raises(Exception, match="nope"):
        df.query("nope > 1")
    with pytest.raises(ValueError):
        df.ffill(axis=5)
