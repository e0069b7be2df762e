"""``.str`` and ``.dt`` run pandas' own accessor methods partition by partition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import PandasFallbackWarning
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def frame() -> pd.DataFrame:
    pdf = make_frame()
    pdf["o"] = pd.Series(
        [f" Ab{i}c " if i % 5 else None for i in range(len(pdf))], dtype=object
    )
    t = pdf["t"] + pd.to_timedelta(np.arange(len(pdf)) * 3671, unit="s")
    pdf["t"] = t.where(np.arange(len(pdf)) % 6 != 4)  # NaT
    return pdf


OPS = {
    "upper": lambda d: d.s.str.upper(),
    "lower_object": lambda d: d.o.str.lower(),
    "len": lambda d: d.s.str.len(),
    "len_no_missing": lambda d: d.s.dropna().str.len(),
    "contains": lambda d: d.s.str.contains("1"),
    "contains_regex": lambda d: d.o.str.contains(r"b\d", regex=True, na=False),
    "startswith": lambda d: d.s.str.startswith("s2"),
    "endswith": lambda d: d.o.str.endswith("c "),
    "replace": lambda d: d.s.str.replace("s", "x-"),
    "strip": lambda d: d.o.str.strip(),
    "split": lambda d: d.o.str.split("b"),
    "rsplit_n": lambda d: d.o.str.rsplit("b", n=1),
    "slice": lambda d: d.s.str.slice(0, 1),
    "getitem_slice": lambda d: d.s.str[1:],
    "get": lambda d: d.o.str.get(1),
    "getitem": lambda d: d.s.str[0],
    "pad": lambda d: d.s.str.pad(5, fillchar="_"),
    "extract": lambda d: d.s.str.extract(r"s(\d)"),
    "partition": lambda d: d.s.str.partition("s"),
    "cat_aligned": lambda d: d.s.str.cat(d.s, sep="-"),
    "find": lambda d: d.o.str.find("b"),
    "isdigit": lambda d: d.s.str.isdigit(),
    "year": lambda d: d.t.dt.year,
    "month": lambda d: d.t.dt.month,
    "hour": lambda d: d.t.dt.hour,
    "day_of_week": lambda d: d.t.dt.day_of_week,
    "is_month_start": lambda d: d.t.dt.is_month_start,
    "date": lambda d: d.t.dt.date,
    "floor": lambda d: d.t.dt.floor("h"),
    "ceil": lambda d: d.t.dt.ceil("D"),
    "round": lambda d: d.t.dt.round("2h"),
    "normalize": lambda d: d.t.dt.normalize(),
    "strftime": lambda d: d.t.dt.strftime("%Y-%m-%d %H"),
    "tz": lambda d: d.t.dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo").dt.hour,
    "day_name": lambda d: d.t.dt.day_name(),
    "timedelta": lambda d: (d.t - d.t.min()).dt.total_seconds(),
    "chain": lambda d: d.s.str.upper().str.len() + d.t.dt.day,
}


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
@pytest.mark.parametrize("name", list(OPS))
def test_accessor_parity(name, npartitions, sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    expected, result = OPS[name](pdf), OPS[name](df)
    assert isinstance(result, dframe.Series | dframe.DataFrame)
    assert_same(expected, result)


def test_accessor_parity_on_both_executors(executor):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=7)
    for op in OPS.values():
        assert_same(op(pdf), op(df))


@pytest.mark.parametrize("npartitions", [1, 3, 16])
def test_meta_and_cat_reduction(npartitions, sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert df.s.str.len().dtype == pdf.s.str.len().dtype  # float64: a value is missing
    assert df.t.dt.tz is None
    assert df.t.dt.tz_localize("UTC").dt.tz == pdf.t.dt.tz_localize("UTC").dt.tz
    assert df.s.str.cat(sep=",") == pdf.s.str.cat(sep=",")
    assert df.s.str.cat(sep=",", na_rep="?") == pdf.s.str.cat(sep=",", na_rep="?")
    assert df.s[df.a > 1000].str.cat() == pdf.s[pdf.a > 1000].str.cat()


def test_wrong_dtype_and_unknown_method_raise_like_pandas(sync):
    df = dframe.from_pandas(frame(), npartitions=3)
    with pytest.raises(AttributeError):
        df.a.str.upper()
    with pytest.raises(AttributeError):
        _ = df.s.dt.year
    with pytest.raises(AttributeError):
        _ = df.s.str.no_such_method


@pytest.mark.filterwarnings("default::dframe.PandasFallbackWarning")
def test_value_dependent_methods_fall_back(sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    # (split(expand=True) is native for object and string dtypes: test_str_split.py)
    cat = pdf.s.astype("category")
    with pytest.warns(PandasFallbackWarning, match="Series.str.split"):
        out = df.s.astype("category").str.split("s", expand=True)
        assert_same(cat.str.split("s", expand=True), out)
    with pytest.warns(PandasFallbackWarning, match="Series.str.get_dummies"):
        assert_same(pdf.s.str.get_dummies(), df.s.str.get_dummies())
