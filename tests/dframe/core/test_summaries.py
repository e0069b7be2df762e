"""Exact summaries (median, quantile, describe, value_counts, duplicates ...) match pandas,
including ties, missing values, empty frames and single-row partitions."""

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

NUM = ["a", "b", "k"]


def frame() -> pd.DataFrame:
    pdf = make_frame()
    pdf["k"] = [3, 1, 1, 3, 2, 2, 3, 1, 2, 2, 3, 1, 1]  # ties everywhere
    pdf["f"] = pdf["b"].round(-1)  # ties and NaN
    return pdf


OPS = {
    "median": lambda d: d[NUM].median(),
    "series_median": lambda d: d.b.median(),
    "median_skipna": lambda d: d[NUM].median(skipna=False),
    "median_axis1": lambda d: d[NUM].median(axis=1),
    "quantile": lambda d: d[NUM].quantile(0.3),
    "quantile_list": lambda d: d[NUM].quantile([0.1, 0.5, 0.9]),
    "quantile_nearest": lambda d: d.b.quantile([0.25, 0.75], interpolation="nearest"),
    "series_quantile": lambda d: d.b.quantile(0.37),
    "quantile_datetime": lambda d: d.t.quantile(0.5),
    "nunique": lambda d: d.nunique(),
    "nunique_dropna": lambda d: d.nunique(dropna=False),
    "series_nunique": lambda d: d.f.nunique(),
    "idxmin": lambda d: d[NUM].idxmin(),
    "idxmax": lambda d: d[NUM].idxmax(),
    "series_idxmax": lambda d: d.k.idxmax(),
    "series_idxmin_filtered": lambda d: d.b[d.a > 5].idxmin(),
    "idxmax_str": lambda d: d.s.dropna().idxmax(),
    "sem": lambda d: d[NUM].sem(),
    "series_sem": lambda d: d.b.sem(ddof=0),
    "describe": lambda d: d.describe(),
    "describe_object": lambda d: d[["s"]].describe(),
    "describe_all": lambda d: d.describe(include="all"),
    "describe_percentiles": lambda d: d[NUM].describe(percentiles=[0.05, 0.95]),
    "series_describe": lambda d: d.b.describe(),
    "series_describe_str": lambda d: d.s.describe(),
    "value_counts": lambda d: d.k.value_counts(),
    "value_counts_ascending": lambda d: d.k.value_counts(ascending=True),
    "value_counts_normalize": lambda d: d.f.value_counts(normalize=True, dropna=False),
    "value_counts_unsorted": lambda d: d.s.value_counts(sort=False, dropna=False),
    "value_counts_str": lambda d: d.s.value_counts(),
    "frame_value_counts": lambda d: d[["k", "flag"]].value_counts(),
    "frame_value_counts_norm": lambda d: d.value_counts(
        subset=["k", "f"], normalize=True, dropna=False
    ),
    "duplicated": lambda d: d.k.duplicated(),
    "duplicated_last": lambda d: d.duplicated(subset=["k", "flag"], keep="last"),
    "duplicated_false": lambda d: d.f.duplicated(keep=False),
    "duplicated_rows": lambda d: d.duplicated(),
    "drop_duplicates": lambda d: d.drop_duplicates(subset="k"),
    "drop_duplicates_last": lambda d: d.drop_duplicates(
        subset=["k", "flag"], keep="last"
    ),
    "drop_duplicates_none": lambda d: d.f.drop_duplicates(keep=False),
    "drop_duplicates_ignore_index": lambda d: d.s.drop_duplicates(ignore_index=True),
    "nlargest": lambda d: d.k.nlargest(3),
    "nlargest_last": lambda d: d.k.nlargest(3, keep="last"),
    "nlargest_all": lambda d: d.k.nlargest(3, keep="all"),
    "nsmallest": lambda d: d.nsmallest(4, "k"),
    "nsmallest_last_cols": lambda d: d.nsmallest(4, ["k", "a"], keep="last"),
    "nsmallest_all": lambda d: d.nsmallest(2, "k", keep="all"),
    "nlargest_nan": lambda d: d.f.nlargest(20),
}

SCALARS = {
    "unique": lambda d: d.f.unique(),
    "unique_str": lambda d: d.s.unique(),
    "unique_dt": lambda d: d.t.unique(),
}


def check(expected, result) -> None:
    if pd.api.types.is_integer(expected):
        # A label from a filtered RangeIndex is an int or a numpy int depending on whether
        # pandas kept a RangeIndex, which depends on which rows survived.
        assert pd.api.types.is_integer(result) and result == expected
        return
    if isinstance(
        expected, pd.DataFrame | pd.Series | pd.Index
    ) or pd.api.types.is_scalar(expected):
        assert_same(expected, result)
    else:  # arrays from unique()
        assert type(result) is type(expected)
        pd.testing.assert_extension_array_equal(pd.array(result), pd.array(expected))


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
@pytest.mark.parametrize("name", list(OPS) + list(SCALARS))
def test_summary_parity(name, npartitions, sync):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    op = OPS.get(name) or SCALARS[name]
    check(op(pdf), op(df))


def test_summary_parity_on_both_executors(executor):
    pdf = frame()
    df = dframe.from_pandas(pdf, npartitions=7)
    for op in [*OPS.values(), *SCALARS.values()]:
        check(op(pdf), op(df))


@pytest.mark.parametrize("npartitions", [1, 3])
def test_empty_frames(npartitions, sync):
    pdf = frame().iloc[:0]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for name in (
        "median",
        "quantile_list",
        "nunique",
        "value_counts",
        "frame_value_counts",
        "duplicated",
        "drop_duplicates",
        "nlargest",
        "describe",
        "sem",
    ):
        check(OPS[name](pdf), OPS[name](df))
    with pytest.raises(ValueError):
        df.b.idxmin()


def test_idx_errors_match_pandas(sync):
    s = pd.Series([np.nan, 1.0, np.nan, 0.5, np.nan])
    ds = dframe.from_pandas(s, npartitions=3)
    with pytest.raises(ValueError, match="NA"):
        ds.idxmin(skipna=False)
    with pytest.raises(ValueError, match="all NA"):
        dframe.from_pandas(pd.Series([np.nan, np.nan]), npartitions=2).idxmax()
    assert ds.idxmin() == s.idxmin()


def test_value_counts_ties_keep_first_appearance(sync):
    rng = np.random.default_rng(5)
    s = pd.Series(rng.integers(0, 40, 500))
    for n in (1, 4, 9):
        ds = dframe.from_pandas(s, npartitions=n)
        assert_same(s.value_counts(), ds.value_counts())
        assert_same(s.value_counts(ascending=True), ds.value_counts(ascending=True))
