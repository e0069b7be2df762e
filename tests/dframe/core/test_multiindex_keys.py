"""``xs`` and label keys on a MultiIndex — ``df.xs("a")``, ``df.xs(3, level="y")``,
``df.xs("a", axis=1)``, ``df.loc[("a", 5)]``, ``df.loc["a"]``, ``df.loc[("a", 5), "x"]``,
``df.loc[pd.IndexSlice["a", :], :]``, ``series.loc[...]``, ``df["a"]`` on MultiIndex columns —
match pandas natively (results, the Series/scalar a whole unique key gives, errors, pandas'
PerformanceWarning) at every partition count; a partition without the key never raises."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.errors import PerformanceWarning

import dframe
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, forms_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

IDX = pd.IndexSlice


def _base() -> pd.DataFrame:
    """Repeated labels ("b", 1 twice), unsorted; float values with NaN, a str column."""
    return pd.DataFrame(
        {
            "k": list("aabbcabdbc"),
            "y": [1, 2, 1, 3, 1, 2, 1, 4, 3, 5],
            "w": [0, 1, 0, 1, 0, 1, 0, 1, 1, 0],
            "x": [1.5, np.nan, 3.0, 4.0, 5.0, 6.0, np.nan, 8.0, 9.0, 10.0],
            "s": pd.array(list("pqrstuvwxy"), dtype="str"),
        }
    )


def two_levels() -> pd.DataFrame:
    return _base().set_index(["k", "y"])


def sorted_levels() -> pd.DataFrame:
    return two_levels().sort_index()


def three_levels() -> pd.DataFrame:
    return _base().set_index(["k", "y", "w"])


def int_levels() -> pd.DataFrame:
    """Int levels (one named by another level's number) and a unique index."""
    d = _base().assign(k=lambda d: np.arange(len(d)) // 2 * 10)
    return d.set_index(["k", "y"]).rename_axis([1, "y"])


def nan_levels() -> pd.DataFrame:
    d = _base()
    d["k"] = pd.array(["a", None, "b", "a", None, "c", "b", "a", "c", None], dtype="str")
    d["y"] = [1.0, 2.0, np.nan, 1.0, 2.0, np.nan, 3.0, 1.0, 2.0, np.nan]
    return d.set_index(["k", "y"])


def dated_levels() -> pd.DataFrame:
    d = _base()
    d["t"] = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01"] * 3 + [None])
    return d.set_index(["k", "t"])


def category_levels() -> pd.DataFrame:
    """A categorical level with a category no row has (pandas: KeyError, as for any label)."""
    d = _base()
    d["k"] = pd.Categorical(d["k"], categories=["d", "c", "b", "a", "unused"])
    return d.set_index(["k", "y"])


def empty_levels() -> pd.DataFrame:
    return two_levels().iloc[:0]


def flat() -> pd.DataFrame:
    return _base().set_index("k")


def column_levels() -> pd.DataFrame:
    d = _base()[["x", "y", "w", "s"]]
    d.columns = pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "w"), ("c", "s")])
    return d


DATA = {
    f.__name__: f
    for f in (
        two_levels, sorted_levels, three_levels, int_levels, nan_levels, dated_levels,
        category_levels, empty_levels, flat, column_levels,
    )
}

# name -> (data, operation)
OPS = {
    # xs along the rows
    "xs_first_level": ("two_levels", lambda d: d.xs("a")),
    "xs_first_level_keep": ("two_levels", lambda d: d.xs("b", drop_level=False)),
    "xs_level_name": ("two_levels", lambda d: d.xs(1, level="y")),
    "xs_level_number": ("two_levels", lambda d: d.xs(3, level=1)),
    "xs_level_keep": ("two_levels", lambda d: d.xs(1, level="y", drop_level=False)),
    "xs_whole_key_unique": ("two_levels", lambda d: d.xs(("d", 4))),
    "xs_whole_key_unique_keep": ("two_levels", lambda d: d.xs(("c", 5), drop_level=False)),
    "xs_whole_key_repeated": ("two_levels", lambda d: d.xs(("a", 2))),
    "xs_whole_key_repeated_keep": ("two_levels", lambda d: d.xs(("b", 1), drop_level=False)),
    "xs_level_list": ("two_levels", lambda d: d.xs(("b", 3), level=["k", "y"])),
    "xs_level_list_reversed": ("three_levels", lambda d: d.xs((1, "b"), level=[2, 0])),
    "xs_level_list_never_together": ("two_levels", lambda d: d.xs(("c", 3), level=[0, 1])),
    "xs_level_list_missing": ("two_levels", lambda d: d.xs(("c", 9), level=[0, 1])),
    "xs_level_list_wrong_length": ("two_levels", lambda d: d.xs(("c",), level=[0, 1])),
    "xs_missing": ("two_levels", lambda d: d.xs("zz")),
    "xs_missing_whole": ("two_levels", lambda d: d.xs(("a", 9))),
    "xs_missing_level": ("two_levels", lambda d: d.xs(9, level="y")),
    "xs_key_too_long": ("two_levels", lambda d: d.xs(("a", 1, 0))),
    "xs_list_key": ("two_levels", lambda d: d.xs(["a"])),
    "xs_unknown_level": ("two_levels", lambda d: d.xs("a", level="nope")),
    "xs_partial_tuple": ("three_levels", lambda d: d.xs(("b", 1))),
    "xs_partial_tuple_keep": ("three_levels", lambda d: d.xs(("b", 3), drop_level=False)),
    "xs_one_tuple": ("two_levels", lambda d: d.xs(("c",))),
    "xs_three_whole": ("three_levels", lambda d: d.xs(("b", 3, 1))),
    "xs_three_middle": ("three_levels", lambda d: d.xs(1, level=1)),
    "xs_sorted": ("sorted_levels", lambda d: d.xs("b")),
    "xs_sorted_whole": ("sorted_levels", lambda d: d.xs(("b", 1))),
    "xs_int_levels": ("int_levels", lambda d: d.xs(10)),
    "xs_int_level_named_by_number": ("int_levels", lambda d: d.xs(1, level=1)),
    "xs_int_whole": ("int_levels", lambda d: d.xs((20, 2))),
    "xs_nan_first": ("nan_levels", lambda d: d.xs(np.nan)),
    "xs_nan_level": ("nan_levels", lambda d: d.xs(np.nan, level="y")),
    "xs_nan_whole": ("nan_levels", lambda d: d.xs(("a", 1.0))),
    "xs_on_nan_levels": ("nan_levels", lambda d: d.xs("b")),
    "xs_date_level": ("dated_levels", lambda d: d.xs(pd.Timestamp("2024-01-02"), level="t")),
    "xs_date_whole": ("dated_levels", lambda d: d.xs(("b", pd.Timestamp("2024-02-01")))),
    "xs_date_missing": ("dated_levels", lambda d: d.xs(pd.NaT, level=1)),
    "loc_text_on_dates": ("dated_levels", lambda d: d.loc["a", "x"]),
    "xs_category": ("category_levels", lambda d: d.xs("b")),
    "xs_category_unused": ("category_levels", lambda d: d.xs("unused")),
    "loc_category_whole": ("category_levels", lambda d: d.loc[("c", 5)]),
    "xs_empty": ("empty_levels", lambda d: d.xs("a")),
    "xs_empty_level_list": ("empty_levels", lambda d: d.xs(("a", 1), level=[0, 1])),
    "xs_flat_repeated": ("flat", lambda d: d.xs("a")),
    "xs_flat_unique": ("flat", lambda d: d.xs("d")),
    "xs_flat_missing": ("flat", lambda d: d.xs("zz")),
    "xs_flat_level": ("flat", lambda d: d.xs("a", level=0)),
    "series_xs": ("two_levels", lambda d: d.x.xs("b")),
    "series_xs_whole_unique": ("two_levels", lambda d: d.s.xs(("c", 1))),
    "series_xs_whole_unique_keep": ("two_levels", lambda d: d.x.xs(("d", 4), drop_level=False)),
    "series_xs_whole_repeated": ("two_levels", lambda d: d.x.xs(("b", 1))),
    "series_xs_level": ("three_levels", lambda d: d.s.xs(0, level="w")),
    "series_xs_flat_unique": ("flat", lambda d: d.x.xs("d")),
    "series_xs_missing": ("two_levels", lambda d: d.x.xs("zz")),
    "xs_after_filter": ("two_levels", lambda d: d[d.x > 3].xs("b")),
    # xs along the columns
    "xs_columns": ("column_levels", lambda d: d.xs("a", axis=1)),
    "xs_columns_whole": ("column_levels", lambda d: d.xs(("b", "w"), axis=1)),
    "xs_columns_level": ("column_levels", lambda d: d.xs("x", axis=1, level=1)),
    "xs_columns_keep": ("column_levels", lambda d: d.xs("a", axis="columns", drop_level=False)),
    "xs_columns_missing": ("column_levels", lambda d: d.xs("zz", axis=1)),
    "xs_flat_columns": ("flat", lambda d: d.xs("x", axis=1)),
    "xs_flat_columns_keep": ("flat", lambda d: d.xs("x", axis=1, drop_level=False)),
    "series_xs_columns": ("flat", lambda d: d.x.xs("a", axis=1)),
    # loc on MultiIndex rows
    "loc_whole_key": ("two_levels", lambda d: d.loc[("a", 1)]),
    "loc_whole_key_repeated": ("two_levels", lambda d: d.loc[("b", 1)]),
    "loc_one_tuple": ("two_levels", lambda d: d.loc[("a",)]),
    "loc_first_level": ("two_levels", lambda d: d.loc["a"]),
    "loc_first_level_sorted": ("sorted_levels", lambda d: d.loc["b"]),
    "loc_list_of_tuples": ("two_levels", lambda d: d.loc[[("a", 2), ("b", 1)]]),
    "loc_list_of_labels": ("two_levels", lambda d: d.loc[["c", "a"]]),
    "loc_whole_key_column": ("two_levels", lambda d: d.loc[("c", 5), "x"]),
    "loc_whole_key_column_repeated": ("two_levels", lambda d: d.loc[("a", 2), "x"]),
    "loc_whole_key_columns": ("two_levels", lambda d: d.loc[("b", 1), ["s", "x"]]),
    "loc_label_column": ("two_levels", lambda d: d.loc["a", "x"]),
    "loc_label_columns": ("two_levels", lambda d: d.loc["b", ["s"]]),
    "loc_index_slice": ("two_levels", lambda d: d.loc[IDX["a", :], :]),
    "loc_index_slice_inner": ("two_levels", lambda d: d.loc[IDX[:, 1], :]),
    "loc_index_slice_lists": ("two_levels", lambda d: d.loc[IDX[["a", "b"], 1], "x"]),
    "loc_index_slice_lists_no_slice": ("two_levels", lambda d: d.loc[(["a", "c"], 1), :]),
    "loc_index_slice_sorted": ("sorted_levels", lambda d: d.loc[IDX["a":"b", 2:3], :]),
    "loc_index_slice_unsorted": ("two_levels", lambda d: d.loc[IDX["a":"b", :], :]),
    "loc_slice_unsorted": ("two_levels", lambda d: d.loc["a":"b"]),
    "loc_slice_sorted": ("sorted_levels", lambda d: d.loc["b":"c"]),
    "loc_missing": ("two_levels", lambda d: d.loc["zz"]),
    "loc_missing_whole": ("two_levels", lambda d: d.loc[("a", 9)]),
    "loc_missing_three": ("three_levels", lambda d: d.loc[("a", 9, 0)]),
    "loc_too_many": ("two_levels", lambda d: d.loc[("a", 1, 0)]),
    "loc_missing_column": ("two_levels", lambda d: d.loc["a", "zz"]),
    "loc_partial_three": ("three_levels", lambda d: d.loc[("b", 1)]),
    "loc_whole_three": ("three_levels", lambda d: d.loc[("b", 3, 1)]),
    "loc_partial_three_column": ("three_levels", lambda d: d.loc[("b", 3), "s"]),
    "loc_int_levels": ("int_levels", lambda d: d.loc[(10, 3)]),
    "loc_int_levels_missing": ("int_levels", lambda d: d.loc[(10, 2)]),
    "loc_int_label_text": ("int_levels", lambda d: d.loc[10, "s"]),
    "loc_int_first": ("int_levels", lambda d: d.loc[20]),
    "loc_nan_first": ("nan_levels", lambda d: d.loc[np.nan]),
    "loc_nan_whole": ("nan_levels", lambda d: d.loc[("b", np.nan)]),
    "loc_empty": ("empty_levels", lambda d: d.loc["a"]),
    "loc_empty_list": ("empty_levels", lambda d: d.loc[[]]),
    "loc_mask": ("two_levels", lambda d: d.loc[d.x > 3, "s"]),
    "loc_callable": ("two_levels", lambda d: d.loc[lambda f: f.x > 3]),
    "loc_all": ("two_levels", lambda d: d.loc[:, ["x"]]),
    "series_loc_label": ("two_levels", lambda d: d.x.loc["b"]),
    "series_loc_whole": ("two_levels", lambda d: d.x.loc[("d", 4)]),
    "series_loc_two_labels": ("two_levels", lambda d: d.s.loc["a", 2]),
    "series_loc_whole_repeated": ("two_levels", lambda d: d.x.loc["b", 1]),
    "series_loc_label_slice": ("two_levels", lambda d: d.x.loc["a", :]),
    "series_loc_index_slice": ("two_levels", lambda d: d.x.loc[IDX[:, 1]]),
    "series_loc_list": ("two_levels", lambda d: d.x.loc[["c", "a"]]),
    "series_loc_missing": ("two_levels", lambda d: d.x.loc[("a", 9)]),
    "series_loc_too_many": ("two_levels", lambda d: d.x.loc[("a", 1, 0)]),
    "series_loc_three_partial": ("three_levels", lambda d: d.s.loc["b", 1]),
    "series_loc_nan": ("nan_levels", lambda d: d.x.loc[np.nan]),
    # MultiIndex columns
    "columns_whole_label": ("column_levels", lambda d: d[("a", "x")]),
    "columns_first_level": ("column_levels", lambda d: d["a"]),
    "columns_loc": ("column_levels", lambda d: d.loc[:, "a"]),
}


def _outcome(fn, data):
    """The result or the exception, and the PerformanceWarnings raised on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", dframe.PandasFallbackWarning)
        try:
            out = fn(data)
            if isinstance(out, dframe.DataFrame | dframe.Series):
                out = out.to_pandas()
        except Exception as err:  # noqa: BLE001  # compared with pandas' own
            out = err
    warned = sorted({w.category.__name__ for w in caught if w.category is PerformanceWarning})
    return out, warned


# (frames of at most 10 rows: 16 partitions leave single rows and empty ones, as 40 did)
@forms_on_executors(list(OPS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS)
def test_multiindex_key(name, executor, npartitions):
    data, fn = OPS[name]
    pdf = DATA[data]()
    expected, pandas_warned = _outcome(fn, pdf)
    result, warned = _outcome(fn, dframe.from_pandas(pdf, npartitions=npartitions))
    if isinstance(expected, Exception):
        assert type(result) is type(expected), (result, expected)
        assert str(result) == str(expected)
    else:
        assert_same(expected, result)
    assert warned == pandas_warned


def test_a_whole_unique_key_is_the_row(sync):
    """A key on every level that finds one row: pandas' row Series (named by the key, the
    columns' common dtype), from a one-row selection; two rows keep the frame."""
    pdf = two_levels()
    df = dframe.from_pandas(pdf, npartitions=4)
    row = df.xs(("d", 4))
    assert isinstance(row, dframe.Series)
    assert_same(pdf.xs(("d", 4)), row)
    assert isinstance(df.xs(("a", 2)), dframe.DataFrame)
    assert isinstance(df.x.xs(("d", 4)), float)


def test_the_selection_is_computed_once(sync):
    """The rows at the key are computed to count them; the result is that computation."""
    pdf = two_levels()
    df = dframe.from_pandas(pdf, npartitions=3)
    out = df.xs("b")
    from dframe.optimize import optimize
    from dframe.plan import nodes as N

    assert isinstance(optimize(out._plan), N.Materialized)


def object_levels() -> pd.DataFrame:
    return _base().astype({"k": object}).set_index(["k", "y"])


@pytest.mark.parametrize(
    ("data", "fn"),
    [
        (dated_levels, lambda d: d.xs("2024-01", level="t")),  # a partial date: a range
        (dated_levels, lambda d: d.loc[("a", "2024-01-02")]),
        (object_levels, lambda d: d.xs(("a", 2))),  # a tuple may be one label of the level
    ],
)
def test_pandas_decides_what_dframe_cannot_read(sync, data, fn):
    """Partial dates on datetime levels and tuples on an object level run on pandas (one
    warning), with pandas' answer."""
    pdf = data()
    df = dframe.from_pandas(pdf, npartitions=3)
    expected, _ = _outcome(fn, pdf)
    with pytest.warns(dframe.PandasFallbackWarning):
        result = fn(df)
    assert_same(expected, result)
