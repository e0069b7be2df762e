"""``clip`` at bounds that vary by row (a Series, a frame) or by column (a dframe Series,
``axis=1``), of the same frame or of another source, of the same dtype or floats bounding ints:
native, with pandas' values, dtypes and labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import PandasFallbackWarning

from tests.dframe.conftest import assert_same, product_on_executors

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

FRAME = pd.DataFrame(
    {
        "x": [1, 5, 3, 8, -2, 7, 0],
        "y": [4, 2, 6, 0, 9, -5, 3],
        "f": [0.5, 9.5, np.nan, 3.0, 1.0, 2.0, 6.0],  # (a fraction and a missing value)
        "g": [1.0, 2.0, 2.0, 4.0, 4.0, 9.0, 1.0],  # (integers only)
        "h": [np.nan, 2.5, 1.0, np.nan, 4.5, -1.0, 8.0],
    }
)
# Another source: some of FRAME's labels (shuffled), one it lacks, a missing value.
OTHER = pd.Series([2.0, 3.0, 7.0, np.nan, 1.0, 2.0], index=[6, 0, 2, 4, 1, 11])
OTHER_INTS = pd.Series([2, 3, 7, 1, 4, 0, 5], index=[6, 0, 2, 1, 3, 4, 5])  # (every label)
OTHER_SOME_INTS = pd.Series([2, 3, 7, 1], index=[6, 0, 2, 1])

# Each case: code over ``p`` (the frame) and ``o``/``oi``/``os`` (the other sources).
SAME_SOURCE = {
    "ints_at_floats": "p['y'].clip(lower=p['f'])",
    "ints_at_integral_floats": "p['y'].clip(lower=p['g'])",
    "ints_below_integral_floats": "p['y'].clip(upper=p['g'])",
    "ints_between": "p['y'].clip(p['g'], p['f'])",
    "floats_at_ints": "p['h'].clip(p['x'], p['y'] + 5)",
    "frame_by_rows": "p[['x', 'y']].clip(lower=p['f'], axis=0)",
    "frame_by_integral_rows": "p[['x', 'y']].clip(lower=p['g'], upper=p['g'] + 3, axis=0)",
    "mixed_frame_by_rows": "p[['x', 'y', 'h']].clip(lower=p['g'], axis='index')",
    "frame_by_frame": "p[['x', 'y']].clip(lower=p[['x', 'y']] * 0.5)",
    "frame_by_frame_columns_swapped": "p[['x', 'y']].clip(upper=p[['y', 'x']] * 1.0)",
    "scalar_and_series": "p['y'].clip(lower=1, upper=p['f'])",
    "series_and_scalar": "p['y'].clip(lower=p['h'], upper=4.5)",
    "filtered_bound": "p['y'].clip(lower=p['g'][p['g'] > 1])",
    "sorted_bound": "p['y'].clip(lower=p['y'].sort_values() - 1)",
    "per_column_reduction": "p[['x', 'y']].clip(lower=p[['x', 'y']].max() - 3, axis=1)",
    "per_column_mean": "p[['x', 'f']].clip(upper=p[['x', 'f']].mean(), axis=1)",
}
OTHER_SOURCE = {
    "ints_at_floats_with_a_missing_label": "p['y'].clip(lower=o)",
    "ints_at_ints_with_all_labels": "p['y'].clip(lower=oi)",
    "ints_at_ints_with_missing_labels": "p['y'].clip(upper=os)",
    "floats_between": "p['f'].clip(lower=os, upper=o)",
    "frame_by_rows": "p[['x', 'y']].clip(lower=o, axis=0)",
    "frame_by_int_rows": "p[['x', 'y']].clip(lower=oi, axis='index')",
    "missing_values_only": "p['y'].clip(lower=o * np.nan)",
    "missing_values_only_and_a_scalar": "p['y'].clip(lower=o * np.nan, upper=5)",
    "fractions": "p['y'].clip(lower=oi * 0.5)",
    "float32": "p[['x', 'y']].clip(upper=o.astype('float32'), axis=0)",
    "empty_self": "p['y'].iloc[:0].clip(lower=o)",
    "empty_bound": "p['y'].clip(lower=o.iloc[:0])",
}


def _run(code, frame, other, ints, some):
    return eval(code, {"np": np}, {"p": frame, "o": other, "oi": ints, "os": some})


def _check(code, npartitions, other_partitions=2):
    expected = _run(code, FRAME, OTHER, OTHER_INTS, OTHER_SOME_INTS)
    d = dframe.from_pandas(FRAME, npartitions=npartitions)
    others = [
        dframe.from_pandas(s, npartitions=other_partitions)
        for s in (OTHER, OTHER_INTS, OTHER_SOME_INTS)
    ]
    assert_same(expected, _run(code, d, *others))


@product_on_executors(name=list(SAME_SOURCE))
def test_bounds_of_the_same_frame(executor, npartitions, name):
    _check(SAME_SOURCE[name], npartitions)


@product_on_executors(name=list(OTHER_SOURCE))
def test_bounds_of_another_source(executor, npartitions, name):
    _check(OTHER_SOURCE[name], npartitions)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_pandas_bounds(sync, npartitions):
    d = dframe.from_pandas(FRAME, npartitions=npartitions)
    assert_same(FRAME["y"].clip(lower=OTHER), d["y"].clip(lower=OTHER))
    expected = FRAME[["x", "y"]].clip(upper=OTHER, axis=0)
    assert_same(expected, d[["x", "y"]].clip(upper=OTHER, axis=0))
    bound = FRAME[["x", "y"]] * 0.5
    assert_same(FRAME[["x", "y"]].clip(lower=bound), d[["x", "y"]].clip(lower=bound))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_the_upcast_is_decided_by_every_value_of_the_bound(sync, npartitions):
    """An int column clipped (to integers) in one partition becomes float because the bound
    holds 2.5 in another partition, where nothing is clipped; without a replacement anywhere
    it stays int."""
    pdf = pd.DataFrame({"a": [1, 5, 3, 8], "t": [2.0, 2.0, 2.5, 2.0]})
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf["a"].clip(lower=pdf["t"]), d["a"].clip(lower=d["t"]))
    assert pdf["a"].clip(lower=pdf["t"]).dtype == "float64"
    assert_same(pdf["a"].clip(lower=pdf["t"] - 9), d["a"].clip(lower=d["t"] - 9))
    assert pdf["a"].clip(lower=pdf["t"] - 9).dtype == "int64"


@pytest.mark.parametrize("npartitions", [1, 3])
def test_dates_and_in_place(sync, npartitions):
    pdf = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=6, freq="D")})
    bound = pd.Series(pd.to_datetime(["2024-01-03", "2024-01-09", "2024-01-02"]), index=[0, 5, 4])
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    b = dframe.from_pandas(bound, npartitions=2)
    assert_same(pdf["t"].clip(lower=bound), d["t"].clip(lower=b))
    later, first = pdf["t"] + pd.Timedelta("1h"), pd.Timestamp("2024-01-03")
    assert_same(pdf["t"].clip(first, later), d["t"].clip(first, d["t"] + pd.Timedelta("1h")))
    expected = pdf.copy()
    expected.clip(upper=bound, axis=0, inplace=True)
    d.clip(upper=b, axis=0, inplace=True)
    assert_same(expected, d)


def _runs_on_pandas(code, frame, bound):
    d, b = dframe.from_pandas(frame, npartitions=2), dframe.from_pandas(bound, npartitions=2)
    try:
        expected = eval(code, {}, {"p": frame, "b": bound})
    except Exception as error:  # noqa: BLE001  # pandas' error: dframe raises the same
        with pytest.raises(type(error)), pytest.warns(PandasFallbackWarning):
            eval(code, {}, {"p": d, "b": b})
        return
    with pytest.warns(PandasFallbackWarning):
        assert_same(expected, eval(code, {}, {"p": d, "b": b}))


@pytest.mark.filterwarnings("default::dframe.PandasFallbackWarning")
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
@pytest.mark.parametrize(
    ("code", "frame", "bound"),
    [
        # repeated labels of the frame (pandas aligns by a join: its error here)
        ("p['y'].clip(lower=b)", FRAME.set_axis([0, 0, 1, 2, 3, 4, 5]), OTHER),
        # strings bounded by numbers (pandas' error)
        ("p['s'].clip(lower=b)", pd.DataFrame({"s": ["a", "b"]}), OTHER),
        # a bound lacking a column (pandas fills it with missing values)
        ("p[['x', 'y']].clip(lower=b[['x']] * 1.0)", FRAME, FRAME),
        # dates bounded by missing dates (pandas fills them with infinity, as objects)
        (
            "p['t'].clip(lower=b)",
            pd.DataFrame({"t": pd.date_range("2024-01-01", periods=4)}),
            pd.Series(pd.to_datetime(["2024-01-03", None]), index=[0, 9]),
        ),
    ],
    ids=["repeated_labels", "strings_by_numbers", "missing_column", "missing_dates"],
)
def test_what_runs_on_pandas(sync, code, frame, bound):
    _runs_on_pandas(code, frame, bound)


@pytest.mark.parametrize("npartitions", [1, 3])
def test_stack_after_an_upcasting_clip(sync, npartitions):
    """Found by the differential test: ``stack`` planned with the dtypes before a clip's
    upcast (known once computed) and cut 6.5 to 6; it now asks for the computed ones."""
    pdf = pd.DataFrame({"y": [1, 1, 1, 1], "i": [11, -5, 20, 4]})
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf.clip(upper=pdf * 0.5 + 1).stack(), d.clip(upper=d * 0.5 + 1).stack())
    assert_same(pdf.clip(upper=2.5).stack(), d.clip(upper=2.5).stack())
