"""Mutation follows pandas 3's Copy-on-Write: every in-place form changes exactly the object it
is called on — never a ``copy()`` of it, a frame derived from it before, or the frame a Series
was taken from — and gives pandas' result at every partition count, on both executors.

Each form runs on a pandas frame and on a dframe frame over the same data. The check: the
changed object equals pandas'; what it returned equals pandas'; a ``copy()`` (computed before
the change, so its result is cached) and a derived frame still equal the original data; the
warnings are pandas' (the inplace deprecation, ChainedAssignmentError) — and for a form that
runs on pandas, one ``PandasFallbackWarning`` more. Native forms turn a fallback into an error.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.errors import ChainedAssignmentError, Pandas4Warning

import dframe
from tests.dframe.conftest import (
    NPARTITIONS,
    SMALL_NPARTITIONS,
    assert_same,
    forms_on_executors,
    make_frame,
)

pytestmark = pytest.mark.timeout(120)

NATIVE = pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning")


class Side:
    """What a form needs to build its values on one side: pandas, or dframe (``of`` turns a
    pandas object into a dframe object of another source, two partitions)."""

    def __init__(self, is_dframe: bool) -> None:
        self.is_dframe = is_dframe

    def of(self, value: Any) -> Any:
        return dframe.from_pandas(value, npartitions=2) if self.is_dframe else value


Form = Callable[[Any, Side], Any]
N = 13  # rows of make_frame()

# -- DataFrame forms: (the mutation, native?) ------------------------------------------------------

FRAME_FORMS: dict[str, tuple[Form, bool]] = {
    "setitem_scalar_new": (lambda d, x: d.__setitem__("c", 1.5), True),
    "setitem_scalar_existing": (lambda d, x: d.__setitem__("a", 0), True),
    "setitem_numpy": (lambda d, x: d.__setitem__("c", np.arange(N) * 2), True),
    "setitem_numpy_existing": (lambda d, x: d.__setitem__("b", np.linspace(0, 1, N)), True),
    "setitem_list": (lambda d, x: d.__setitem__("c", [i % 5 for i in range(N)]), True),
    "setitem_list_of_str": (lambda d, x: d.__setitem__("c", [f"v{i}" for i in range(N)]), True),
    "setitem_categorical": (
        lambda d, x: d.__setitem__("c", pd.Categorical([f"k{i % 3}" for i in range(N)])),
        True,
    ),
    "setitem_index": (lambda d, x: d.__setitem__("c", pd.Index(np.arange(N) + 0.5)), True),
    "setitem_series_same_frame": (lambda d, x: d.__setitem__("c", d.a * 2 + d.b), True),
    "setitem_series_filtered": (lambda d, x: d.__setitem__("c", d.b[d.a > 0]), True),
    "setitem_series_other_frame": (
        lambda d, x: d.__setitem__("c", x.of(pd.Series(np.arange(N) * 1.5))),
        True,
    ),
    "setitem_series_other_labels": (
        lambda d, x: d.__setitem__("c", x.of(pd.Series(np.arange(8.0), index=range(10, 2, -1)))),
        True,
    ),
    "setitem_pandas_series": (
        lambda d, x: d.__setitem__("c", pd.Series([1.0, 2.0], index=[4, 1])),
        True,
    ),
    "setitem_frame_to_columns": (
        lambda d, x: d.__setitem__(
            ["a", "b"], x.of(pd.DataFrame({"x": np.arange(N), "y": np.arange(N) / 2}))
        ),
        True,
    ),
    "setitem_same_frame_swapped": (lambda d, x: d.__setitem__(["a", "b"], d[["b", "a"]]), True),
    "setitem_pandas_frame_new_columns": (
        lambda d, x: d.__setitem__(
            ["b", "c"], pd.DataFrame({"x": np.ones(N), "y": np.zeros(N)}, index=range(N)[::-1])
        ),
        True,
    ),
    "setitem_list_scalar": (lambda d, x: d.__setitem__(["b", "c"], 0), True),
    "setitem_2d_array": (lambda d, x: d.__setitem__(["a", "c"], np.ones((N, 2))), True),
    "delitem": (lambda d, x: d.__delitem__("s"), True),
    "loc_mask_column": (lambda d, x: d.loc.__setitem__((d.a > 0, "b"), 0.5), True),
    "loc_mask_new_column": (lambda d, x: d.loc.__setitem__((d.a > 0, "c"), 1.0), False),
    "loc_label": (lambda d, x: d.loc.__setitem__((3, "b"), -1.0), True),
    "loc_new_row": (lambda d, x: d.loc.__setitem__((N + 5, "a"), 1), False),
    "iloc_cell": (lambda d, x: d.iloc.__setitem__((2, 1), 7.0), True),
    "iloc_rows_array": (lambda d, x: d.iloc.__setitem__((slice(0, 3), 0), [1, 2, 3]), False),
    "update_same_source": (lambda d, x: d.update(d[["b"]] * 2 - 1), True),
    "update_filtered_same_source": (lambda d, x: d.update(d[d.a > 0][["a", "b"]] * 0), True),
    "update_other_source": (
        lambda d, x: d.update(x.of(pd.DataFrame({"a": [10, 20], "b": [np.nan, 1.5]}))),
        True,
    ),
    "insert_series": (lambda d, x: d.insert(1, "c", d.a * 2), True),
    "insert_scalar_first": (lambda d, x: d.insert(0, "z", 5), True),
    "insert_array_last": (lambda d, x: d.insert(5, "z", np.arange(N)), True),
    "pop": (lambda d, x: d.pop("s"), True),
    "index_setter": (lambda d, x: setattr(d, "index", [f"r{i}" for i in range(N)]), True),
    "columns_setter": (lambda d, x: setattr(d, "columns", list("ABCDE")), True),
    "column_attribute": (lambda d, x: setattr(d, "a", np.arange(N) * 3), True),
    "fillna_inplace": (lambda d, x: d.fillna({"b": 0.0}, inplace=True), True),
    "fillna_limit_inplace": (lambda d, x: d.fillna({"b": 0.0}, limit=1, inplace=True), False),
    "replace_inplace": (lambda d, x: d.replace(-7, 70, inplace=True), True),
    "mask_inplace": (lambda d, x: d.mask(d.isna(), inplace=True), True),
    "drop_columns_inplace": (lambda d, x: d.drop(columns=["s"], inplace=True), True),
    "drop_rows_inplace": (lambda d, x: d.drop(index=[0, 5], inplace=True), False),
    "drop_rows": (lambda d, x: d.drop(index=[0, 5]), False),  # no inplace, no deprecation
    "rename_inplace": (lambda d, x: d.rename(columns={"a": "A"}, inplace=True), True),
    "rename_index_inplace": (lambda d, x: d.rename(index={0: 100}, inplace=True), False),
    "set_index_inplace": (lambda d, x: d.set_index("s", inplace=True), True),
    "set_index_append_inplace": (lambda d, x: d.set_index("s", append=True, inplace=True), False),
    "reset_index_inplace": (lambda d, x: d.reset_index(inplace=True), True),
    "sort_values_inplace": (lambda d, x: d.sort_values("b", inplace=True), True),
    "sort_values_key_inplace": (lambda d, x: d.sort_values("a", key=abs, inplace=True), False),
    "sort_index_inplace": (lambda d, x: d.sort_index(ascending=False, inplace=True), True),
    "dropna_inplace": (lambda d, x: d.dropna(inplace=True), True),
    "drop_duplicates_inplace": (lambda d, x: d.drop_duplicates(["flag"], inplace=True), True),
    "query_inplace": (lambda d, x: d.query("a > 0", inplace=True), True),
    "eval_inplace": (lambda d, x: d.eval("c = a * 2", inplace=True), True),
    "inplace_false_passed": (lambda d, x: d.drop(columns=["s"], inplace=False), True),
}

# -- Series forms: the Series is column "b" of the frame ---------------------------------------

SERIES_FORMS: dict[str, tuple[Form, bool]] = {
    "mask_setitem": (lambda s, x: s.__setitem__(s < 100, 0.0), True),
    "mask_setitem_other_mask": (lambda s, x: s.__setitem__(s.isna(), -1.0), True),
    "label_setitem": (lambda s, x: s.__setitem__(3, 1.0), True),
    "new_label_setitem": (lambda s, x: s.__setitem__(99, 1.0), False),
    "list_setitem": (lambda s, x: s.__setitem__([1, 4], 0.0), False),
    "loc_label": (lambda s, x: s.loc.__setitem__(4, 2.5), True),
    "loc_new_label": (lambda s, x: s.loc.__setitem__(50, 2.5), False),
    "loc_mask": (lambda s, x: s.loc.__setitem__(s > 100, 1.0), True),
    "iloc_position": (lambda s, x: s.iloc.__setitem__(-1, 3.0), True),
    "iloc_slice": (lambda s, x: s.iloc.__setitem__(slice(2, 5), 3.0), True),
    "update_same_source": (lambda s, x: s.update(s.where(s > 100) * 0), True),
    "update_other_source": (
        lambda s, x: s.update(x.of(pd.Series([5.0, np.nan, 6.0], index=[0, 1, 7]))),
        True,
    ),
    "delitem": (lambda s, x: s.__delitem__(2), False),
    "index_setter": (lambda s, x: setattr(s, "index", np.arange(N) * 10), True),
    "name_setter": (lambda s, x: setattr(s, "name", "z"), True),
    "fillna_inplace": (lambda s, x: s.fillna(0.0, inplace=True), True),
    "clip_inplace": (lambda s, x: s.clip(95, 105, inplace=True), True),
    "where_inplace": (lambda s, x: s.where(s > 100, 0.0, inplace=True), True),
    "rename_inplace": (lambda s, x: s.rename("z", inplace=True), True),
    "sort_values_inplace": (lambda s, x: s.sort_values(inplace=True), True),
    "reset_index_inplace": (lambda s, x: s.reset_index(drop=True, inplace=True), True),
    "dropna_inplace": (lambda s, x: s.dropna(inplace=True), True),
    "drop_inplace": (lambda s, x: s.drop([0, 3], inplace=True), False),
}


def _params(forms: dict[str, tuple[Form, bool]]) -> list[Any]:
    return [
        pytest.param(name, marks=[NATIVE] if native else [], id=name)
        for name, (_, native) in forms.items()
    ]


def _run(form: Form, obj: Any, side: Side) -> tuple[Any, list[tuple[type, str]], int]:
    """``form(obj)``: what it returned, the warnings other than fallbacks, the fallbacks."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", category=Pandas4Warning)
        warnings.filterwarnings("always", category=ChainedAssignmentError)
        result = form(obj, side)
    others = [
        (w.category, str(w.message))
        for w in caught
        if not issubclass(w.category, dframe.PandasFallbackWarning)
    ]
    fallbacks = sum(issubclass(w.category, dframe.PandasFallbackWarning) for w in caught)
    return result, others, fallbacks


def _check(name: str, forms: dict[str, tuple[Form, bool]], npartitions: int, series: bool):
    form, native = forms[name]
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    base = df.copy()
    derived = df[["a", "b"]] * 2
    assert_same(pdf, base)  # computed before the change: the shared result is cached
    expected_derived = pdf[["a", "b"]] * 2

    p_obj = pdf.copy()["b"] if series else pdf.copy()
    d_obj = df["b"] if series else df
    d_base = d_obj.copy()
    expected, p_warnings = _run(form, p_obj, Side(False))[:2]
    result, d_warnings, fallbacks = _run(form, d_obj, Side(True))

    assert_same(p_obj, d_obj)
    if expected is not None or result is not None:
        assert_same(expected, result)
    assert d_warnings == p_warnings
    assert fallbacks == (0 if native else 1)
    # Nothing else changed: the copy, the derived frame, the frame the Series came from.
    assert_same(pdf, base)
    assert_same(expected_derived, derived)
    assert_same(pdf["b"] if series else pdf, d_base)
    if series:
        assert_same(pdf, df)


@forms_on_executors(
    _params(FRAME_FORMS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS
)
def test_frame_mutation(name, npartitions, executor):
    _check(name, FRAME_FORMS, npartitions, series=False)


@forms_on_executors(
    _params(SERIES_FORMS), SMALL_NPARTITIONS, runtime_npartitions=SMALL_NPARTITIONS
)
def test_series_mutation(name, npartitions, executor):
    _check(name, SERIES_FORMS, npartitions, series=True)


# -- chained assignment ------------------------------------------------------------------------


def _item_of_column(d: Any) -> None:
    d["a"][0] = 100


def _loc_of_column(d: Any) -> None:
    d["a"].loc[0] = 100


def _iloc_of_column(d: Any) -> None:
    d["a"].iloc[0] = 100


def _column_of_columns(d: Any) -> None:
    d[["a", "b"]]["a"] = 100


def _column_of_rows(d: Any) -> None:
    d[d.a > 0]["a"] = 100


CHAINED = [_item_of_column, _loc_of_column, _iloc_of_column, _column_of_columns, _column_of_rows]


@NATIVE
@forms_on_executors(
    CHAINED, [1, 16], runtime_npartitions=[1, 16], name="chain",
    ids=lambda f: f.__name__.strip("_"),
)
def test_chained_assignment_warns_and_changes_nothing(chain, npartitions, executor):
    """``df["a"][0] = 1`` sets a temporary: pandas 3 warns and ``df`` stays as it was."""
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    expected = pdf.copy()
    for d in (pdf, df):
        with pytest.warns(ChainedAssignmentError):
            chain(d)
    assert_same(expected, pdf)
    assert_same(expected, df)


@NATIVE
def test_assignment_to_named_objects_is_not_chained(sync):
    """A named Series or frame taken from ``df`` is set without a warning (and ``df`` stays);
    calling ``__setitem__`` explicitly on a temporary is not the syntax pandas warns for."""
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChainedAssignmentError)
        s = df["b"]
        s[0] = 1.0
        s.loc[1] = 2.0
        part = df[["a", "b"]]
        part["c"] = 1
        df["a"].__setitem__(0, 5)
        pdf["a"].__setitem__(0, 5)
    assert_same(pdf, df)
    assert s.to_pandas().iloc[:2].tolist() == [1.0, 2.0]
    assert part.columns.tolist() == ["a", "b", "c"]


# -- the bugs, and the mechanism behind them ------------------------------------------------------


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_update_of_a_copy_changes_only_the_copy(npartitions, executor):
    """Found bug: ``upd = base.copy(); upd.update(patch)`` changed ``base`` (in-driver
    executor) or nothing (runtime executor)."""
    pdf = make_frame()[["a", "b"]]
    base = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf, base)
    upd = base.copy()
    patch = pd.DataFrame({"a": [100, 200]}, index=[1, 2])
    upd.update(dframe.from_pandas(patch))  # (another source: native, combining.update)
    expected = pdf.copy()
    expected.update(patch)
    assert_same(expected, upd)
    assert_same(pdf, base)


@NATIVE
@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_to_pandas_hands_out_an_object_of_its_own(npartitions, executor):
    """Changing what ``to_pandas`` returned changes no dframe object (the computed result is
    cached and shared)."""
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    out = df.to_pandas()
    out.loc[0, "a"] = 1000
    out["b"] = 0.0
    col = df.b.to_pandas()
    col.iloc[0] = -1.0
    assert_same(pdf, df)


def test_fallback_never_passes_inplace_to_pandas(sync, monkeypatch):
    """A fallback computes the new data without ``inplace`` (pandas' objects stay untouched)
    and swaps the plan."""
    seen = []
    original = pd.DataFrame.sort_values

    @functools.wraps(original)  # pandas' own code stays visible (its inplace deprecation)
    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("inplace", "absent"))
        return original(self, *args, **kwargs)

    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    monkeypatch.setattr(pd.DataFrame, "sort_values", spy)
    with pytest.warns(dframe.PandasFallbackWarning), pytest.warns(Pandas4Warning):
        assert df.sort_values("a", key=abs, inplace=True) is None
    assert seen[-1] == "absent"
    monkeypatch.undo()
    assert_same(pdf.sort_values("a", key=abs), df)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.eval("a + b", inplace=True),  # no assignment: pandas' ValueError
        lambda d: d.b.reset_index(inplace=True),  # a Series cannot become a frame in place
        lambda d: d.fillna(0, inplace="yes"),  # not a bool
    ],
    ids=["eval_without_assignment", "series_reset_index", "inplace_not_bool"],
)
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
@pytest.mark.filterwarnings("ignore::dframe.PandasFallbackWarning")
def test_inplace_errors_are_pandas(call, sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.raises(Exception) as expected:
        call(pdf.copy())
    with pytest.raises(expected.type):
        call(df)
    assert_same(pdf, df)


@NATIVE
@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_memory_usage_counts_categories_once(npartitions, executor):
    """Every partition carries a categorical's categories; pandas counts them once."""
    pdf = pd.DataFrame(
        {
            "c": pd.Categorical([f"{'long label ' * 5}{i % 10}" for i in range(40)]),
            "k": pd.Categorical(np.arange(40) % 3),
            "n": np.arange(40),
        }
    )
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for deep in (False, True):
        pd.testing.assert_series_equal(df.memory_usage(deep=deep), pdf.memory_usage(deep=deep))
        assert df.c.memory_usage(deep=deep) == pdf.c.memory_usage(deep=deep)
        assert (
            df[df.n > 100].memory_usage(deep=deep).equals(pdf[pdf.n > 100].memory_usage(deep=deep))
        )


@NATIVE
@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_first_level_of_multiindex_columns(npartitions, executor):
    """Found bug: ``g["amount"]`` on ``groupby(k).agg({"amount": ["sum", "mean"]})`` raised
    KeyError; pandas returns the sub-frame."""
    pdf = pd.DataFrame({"k": np.arange(20) % 4, "amount": np.arange(20.0), "q": np.arange(20) % 3})
    wide = pdf.groupby("k").agg({"amount": ["sum", "mean"], "q": ["max"]})
    g = dframe.from_pandas(wide, npartitions=npartitions)
    assert_same(wide["amount"], g["amount"])
    assert_same(wide["q"], g["q"])
    assert_same(wide[("amount", "mean")], g[("amount", "mean")])
    assert_same(wide[["q"]], g[["q"]])
    assert_same(wide["amount"]["sum"] * 2, g["amount"]["sum"] * 2)
    with pytest.raises(KeyError):
        g["nope"]
    blank = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", ""), ("b", "x")]))
    assert_same(blank["a"], dframe.from_pandas(blank, npartitions=npartitions)["a"])


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.filterwarnings("ignore::dframe.PandasFallbackWarning")
def test_multiindex_columns_from_groupby(npartitions, executor):
    pdf = pd.DataFrame({"k": np.arange(20) % 4, "amount": np.arange(20.0)})
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    expected = pdf.groupby("k").agg({"amount": ["sum", "mean"]})["amount"]
    assert_same(expected, df.groupby("k").agg({"amount": ["sum", "mean"]})["amount"])


@NATIVE
def test_setitem_length_mismatch_is_pandas_error(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.raises(ValueError, match="Length of values") as expected:
        pdf["c"] = [1, 2]
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        df["c"] = [1, 2]
    with pytest.raises(ValueError, match="Columns must be same length as key"):
        df[["a", "b"]] = np.ones((N, 3))
    with pytest.raises(ValueError, match="cannot insert a, already exists"):
        df.insert(0, "a", 1)
    assert_same(pdf, df)
