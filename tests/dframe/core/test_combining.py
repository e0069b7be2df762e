"""``DataFrame.update`` with an ``other`` of another source and ``DataFrame.combine_first`` /
``Series.combine_first`` run natively and match pandas: values, dtypes, labels, column order,
errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import assert_same, on_executors, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.ChainedAssignmentError"),
]

LEFT = pd.DataFrame(
    {
        "a": [1, 2, 3, 4, 5, 6, 7],
        "b": [1.5, np.nan, 3, np.nan, 5, np.nan, 7],
        "s": pd.array(["x", None, "z", "w", None, "y", "y"], dtype="str"),
        "t": pd.date_range("2024-01-01", periods=7, freq="D"),
        "f": [True, False, True, False, True, False, True],
    }
)
# Some of LEFT's labels (shuffled) and some others; a missing value in each column; a column
# LEFT lacks.
RIGHT = pd.DataFrame(
    {
        "a": [10, 20, 30, 40, 50],
        "b": [9.0, 8, np.nan, 6, 5],
        "s": pd.array(["p", None, "r", "t", "u"], dtype="str"),
        "t": pd.to_datetime(["2020-01-01", None, "2020-01-03", "2020-01-04", "2020-01-05"]),
        "z": [1, 2, 3, 4, 5],
    },
    index=[4, 2, 0, 9, 6],
)
SHORT = RIGHT.reset_index(drop=True).iloc[:3]  # by position: fewer rows than LEFT
LONG = pd.concat([RIGHT, RIGHT.iloc[:4]]).reset_index(drop=True)  # more rows than LEFT
DUPLICATE_LABELS = LEFT.set_axis([0, 0, 1, 2, 2, 2, 4], axis=0)
TEXT_LABELS = LEFT.set_axis(list("gfedcba"), axis=0)
OTHERS = {
    "label": RIGHT,
    "short": SHORT,
    "long": LONG,
    "columns": RIGHT[["b", "s"]],
    "text": RIGHT.set_axis(list("xcazb"), axis=0),
}


def _frames(left, right, n):
    return dframe.from_pandas(left, npartitions=n), dframe.from_pandas(right, npartitions=2)


def _updated(pdf, other, **options):
    out = pdf.copy()
    out.update(other, **options)
    return out


# -- update --------------------------------------------------------------------------------------


@product_on_executors(name=list(OTHERS))
def test_update_from_another_source(executor, npartitions, name):
    left = TEXT_LABELS if name == "text" else LEFT
    df, other = _frames(left, OTHERS[name], npartitions)
    assert df.update(other) is None
    assert_same(_updated(left, OTHERS[name]), df)


@on_executors()
@pytest.mark.parametrize(
    "options",
    [{"overwrite": False}, {"filter_func": lambda x: x > 3}, {"errors": "raise"}],
    ids=["overwrite", "filter_func", "errors"],
)
def test_update_options(executor, npartitions, options):
    right = RIGHT[["a", "b"]]
    if options.get("errors"):  # (values only where LEFT misses them: no overlap)
        right = pd.DataFrame({"b": [8.0, np.nan, 6.0]}, index=[1, 0, 9])
    df, other = _frames(LEFT, right, npartitions)
    df.update(other, **options)
    assert_same(_updated(LEFT, right, **options), df)


@on_executors()
def test_update_with_a_series_and_duplicate_labels(executor, npartitions):
    series = RIGHT["s"].rename("s")
    df, other = _frames(LEFT, series, npartitions)
    df.update(other)
    assert_same(_updated(LEFT, series), df)
    df, other = _frames(DUPLICATE_LABELS, RIGHT.iloc[:3], npartitions)
    df.update(other)
    assert_same(_updated(DUPLICATE_LABELS, RIGHT.iloc[:3]), df)


@on_executors([1, 3, 7])
def test_update_leaves_other_objects_alone_and_series_update(executor, npartitions):
    df, other = _frames(LEFT, RIGHT, npartitions)
    before = df.copy()
    column = df["a"]
    df.update(other)
    assert_same(LEFT, before)
    assert_same(LEFT["a"], column)
    s, o = _frames(LEFT["b"], RIGHT["b"], npartitions)
    s.update(o)
    expected = LEFT["b"].copy()
    expected.update(RIGHT["b"])
    assert_same(expected, s)


@on_executors([1, 3, 7])
def test_update_with_no_common_label_or_no_rows(executor, npartitions):
    far = RIGHT.set_axis([100, 101, 102, 103, 104], axis=0)
    for right in (far, RIGHT.iloc[:0]):
        df, other = _frames(LEFT, right, npartitions)
        df.update(other)
        assert_same(_updated(LEFT, right), df)
    df, other = _frames(LEFT.iloc[:0], RIGHT, npartitions)
    df.update(other)
    assert_same(_updated(LEFT.iloc[:0], RIGHT), df)


def test_update_errors_like_pandas(sync):
    duplicated = RIGHT.set_axis([0, 0, 1, 2, 3], axis=0)
    df, other = _frames(LEFT, duplicated, 3)
    with pytest.raises(ValueError, match="duplicate indexes"):
        _updated(LEFT, duplicated)
    with pytest.raises(ValueError, match="duplicate indexes"):
        df.update(other)
    df, other = _frames(LEFT, RIGHT, 3)
    with pytest.raises(ValueError, match="Data overlaps"):
        _updated(LEFT, RIGHT, errors="raise")
    with pytest.raises(ValueError, match="Data overlaps"):
        df.update(other, errors="raise")
        df.to_pandas()
    with pytest.raises(ValueError, match="errors must be either"):
        df.update(other, errors="bad")


# -- combine_first ---------------------------------------------------------------------------------

PAIRS = {
    "label": (LEFT, RIGHT),
    "label_flipped": (RIGHT, LEFT),
    "position": (LEFT, SHORT),
    "position_flipped": (SHORT, LEFT),
    "longer": (LEFT, LONG),
    "reversed": (LEFT.iloc[::-1], RIGHT),
    "text": (TEXT_LABELS, OTHERS["text"]),
    "duplicates": (DUPLICATE_LABELS, RIGHT.iloc[:3]),
    "ints_and_bools": (LEFT[["a", "f"]], SHORT[["a", "b"]].rename(columns={"b": "f"})),
    "int_with_float": (LEFT[["a", "s"]], RIGHT[["a", "z"]].astype({"a": float})),
    "empty_self": (LEFT.iloc[:0], RIGHT),
    "empty_other": (LEFT, RIGHT.iloc[:0][["a", "b", "s", "t"]]),
    "all_missing_new_column": (LEFT, RIGHT.assign(z=np.nan)),
}


@product_on_executors(name=list(PAIRS))
def test_combine_first_like_pandas(executor, npartitions, name):
    left, right = PAIRS[name]
    df, other = _frames(left, right, npartitions)
    assert_same(left.combine_first(right), df.combine_first(other))


@on_executors([1, 3, 7])
def test_combine_first_with_a_pandas_frame_and_chained(executor, npartitions):
    df = dframe.from_pandas(LEFT, npartitions=npartitions)
    out = df.combine_first(RIGHT)
    assert_same(LEFT.combine_first(RIGHT), out)
    assert_same(LEFT.combine_first(RIGHT).a.sum(), out.a.sum())
    assert_same(LEFT.combine_first(RIGHT)["z"] + 1, out["z"] + 1)


@pytest.mark.parametrize("npartitions", [1, 3])
def test_combine_first_with_columns_labelled_true_and_false(sync, npartitions):
    """Found by the differential test (a pivot by a bool column): the columns only ``other``
    has are looked at by position (a list of booleans would select rows)."""
    left = pd.DataFrame({"k": [0, 1, 2]})
    right = pd.DataFrame({False: [1.0, np.nan], True: [np.nan, np.nan], "k": [5, 6]})
    df, other = _frames(left, right, npartitions)
    assert_same(left.combine_first(right), df.combine_first(other))


def test_combine_first_error_like_pandas(sync):
    left, right = LEFT[["a"]], RIGHT[["z"]].iloc[:0]  # pandas casts z's missing values to int
    df, other = _frames(left, right, 3)
    with pytest.raises(ValueError) as expected:
        left.combine_first(right)
    with pytest.raises(type(expected.value)):
        df.combine_first(other).to_pandas()


# -- Series.combine_first ----------------------------------------------------------------------


def _series(values, index=None, dtype=None, name="x"):
    return pd.Series(values, index=index, dtype=dtype, name=name)


SERIES_PAIRS = {
    "columns": (LEFT["b"], RIGHT["b"]),
    "int_with_float": (LEFT["a"], RIGHT["b"]),
    "float_with_int": (LEFT["b"], RIGHT["a"]),
    "ints_nothing_taken": (_series([1, 2], [0, 1]), _series([9.5], [0])),
    "floats_into_ints": (_series([1.0, np.nan], [0, 1]), _series([7], [1])),
    "big_ints_kept_exact": (_series([2**60 + 1, 3], [3, 1]), _series([1.5, 2.5], [1, 7])),
    "same_labels_and_dtype": (LEFT["b"], LEFT["b"].iloc[::-1].sort_index() * 2),
    "same_labels_other_dtype": (LEFT["b"], LEFT["a"]),
    "positions": (LEFT["b"], _series(np.arange(9.0), name="y")),
    "strings_by_text_labels": (TEXT_LABELS["s"], OTHERS["text"]["s"]),
    "bools_with_ints": (LEFT["f"], RIGHT["a"]),
    "dates": (RIGHT["t"], LEFT["t"]),
    "categories": (
        _series(pd.Categorical(["a", None, "b", None])),
        _series(pd.Categorical(["b", "a", "a", "b", "a"])),
    ),
    "unlike_categories": (_series(pd.Categorical(["a", None])), _series(pd.Categorical(["c"]))),
    "nullable": (_series([1, None, 3], dtype="Int64"), _series([1.5, 2.5], dtype="Float64")),
    "object_missing_kept": (_series([True, None], dtype=object), _series([7], [5])),
    "mixed_labels": (_series([1, np.nan], ["b", "a"]), _series([5, 6], [1, "a"])),
    "pairs": (
        _series([1, np.nan, 3], pd.MultiIndex.from_tuples([(1, "a"), (1, "b"), (2, "a")])),
        _series([9, 8], pd.MultiIndex.from_tuples([(1, "b"), (3, "z")])),
    ),
    "empty_self": (LEFT["a"].iloc[:0], RIGHT["b"]),
    "empty_other": (LEFT["a"], RIGHT["b"].iloc[:0]),
    "both_empty": (LEFT["a"].iloc[:0], RIGHT["a"].iloc[:0]),
    "duplicates_self_unused": (_series([1, 2, 3], [1, 1, 2]), _series([5, 6], [3, 4])),
    "duplicates_other": (_series([1, np.nan], [1, 2]), _series([5, 6, 7], [2, 3, 3])),
}


@product_on_executors(name=list(SERIES_PAIRS))
def test_series_combine_first_like_pandas(executor, npartitions, name):
    left, right = SERIES_PAIRS[name]
    s, other = _frames(left, right, npartitions)
    _same_or_same_error(lambda: left.combine_first(right), lambda: s.combine_first(other))
    _same_or_same_error(lambda: right.combine_first(left), lambda: other.combine_first(s))
    # (a pandas Series)
    _same_or_same_error(lambda: left.combine_first(right), lambda: s.combine_first(right))


def _same_or_same_error(expected, result):
    try:
        value = expected()
    except ValueError as error:
        with pytest.raises(type(error)):
            result().to_pandas()
        return
    assert_same(value, result())


@on_executors([1, 3, 7])
def test_series_combine_first_lined_up(executor, npartitions):
    """Two Series of one frame: ``mask`` partition by partition (or the labels' path for
    another dtype)."""
    pdf = LEFT.assign(c=[np.nan, 1.0, np.nan, 2.0, 3.0, np.nan, np.nan])
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf["b"].combine_first(pdf["c"]), df["b"].combine_first(df["c"]))
    assert_same(pdf["b"].combine_first(pdf["a"]), df["b"].combine_first(df["a"]))
    kept = pdf["b"] > 2
    assert_same(pdf["c"][kept].combine_first(pdf["b"]), df["c"][df["b"] > 2].combine_first(df["b"]))
    out = df["b"].combine_first(df["c"] * 10)
    assert_same(pdf["b"].combine_first(pdf["c"] * 10).cumsum(), out.cumsum())


@pytest.mark.parametrize("npartitions", [1, 3])
def test_series_combine_first_errors_like_pandas(sync, npartitions):
    """Repeated labels pandas cannot reindex: its error, at the call."""
    left, right = _series([1, np.nan, 3], [1, 1, 2]), _series([5, 6], [2, 3])
    s, other = _frames(left, right, npartitions)
    with pytest.raises(ValueError) as expected:
        left.combine_first(right)
    with pytest.raises(type(expected.value), match="duplicate"):
        s.combine_first(other)


@pytest.mark.filterwarnings("default::dframe.PandasFallbackWarning")
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_series_combine_first_of_dates_with_numbers_falls_back(sync):
    """pandas casts numbers to dates here (deprecated): it runs on pandas."""
    left, right = RIGHT["t"], _series([1, 2, 3])
    s, other = _frames(left, right, 3)
    with pytest.warns(dframe.PandasFallbackWarning, match="combine_first"):
        out = s.combine_first(other)
    assert_same(left.combine_first(right), out)
