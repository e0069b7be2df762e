"""``select_dtypes``, ``equals``, ``to_dict`` and ``transpose``/``T`` give pandas' results (and
errors) without falling back; ``to_dict`` and ``transpose`` refuse data the driver cannot hold."""

from __future__ import annotations

from collections import OrderedDict, defaultdict

import numpy as np
import pandas as pd
import pytest
from pandas.errors import Pandas4Warning

import dframe
from dframe.fallback import memory
from tests.dframe.conftest import assert_same, make_frame, on_executors, product_on_executors
from tests.dframe.core.test_iteration import assert_identical, inputs

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def outcome(fn, data):
    """``fn(data)``, or the type of the exception it raised."""
    try:
        return fn(data)
    except Exception as error:  # noqa: BLE001 - compared with the other library's
        return type(error)


def assert_same_outcome(fn, pdf, df) -> None:
    expected, got = outcome(fn, pdf), outcome(fn, df)
    if isinstance(expected, type) and issubclass(expected, Exception):
        assert got is expected, (got, expected)
    else:
        assert_same(expected, got)


SELECTIONS = [
    {"include": "number"},
    {"include": np.number},
    {"include": "str"},
    {"exclude": "str"},
    {"include": "datetime"},
    {"include": "datetime64"},
    {"include": "bool"},
    {"include": ["number", "bool"]},
    {"exclude": ["number"]},
    {"include": "int", "exclude": "bool"},
    {"include": "float64"},
    {"include": "category"},  # no such column: no columns, every row
    {"include": "foo"},  # TypeError
    {},  # ValueError: both empty
    {"include": [], "exclude": []},
    {"include": "number", "exclude": "number"},  # ValueError: overlap
    {"include": np.number, "exclude": ["int", "float"]},
]


@product_on_executors(name=["mixed", "empty", "ties", "repeated_columns"])
def test_select_dtypes(executor, npartitions, name):
    pdf = inputs()[name]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for kwargs in SELECTIONS:
        assert_same_outcome(lambda d, kw=kwargs: d.select_dtypes(**kw), pdf, df)
    assert_same(pdf.select_dtypes("number").sum(), df.select_dtypes("number").sum())


def test_select_dtypes_is_metadata_and_keeps_pandas_warning(sync):
    df = dframe.from_pandas(make_frame(), npartitions=3)
    before = sync.tasks_submitted
    picked = df.select_dtypes(exclude="number")
    assert list(picked.columns) == ["flag", "s", "t"]
    assert sync.tasks_submitted == before  # nothing computed
    # pandas 3.1 deprecates 'object' picking the str columns: dframe says so too
    with pytest.warns(Pandas4Warning):
        assert_same(make_frame().select_dtypes("object"), df.select_dtypes("object"))


def _others(pdf: pd.DataFrame, npartitions: int) -> dict[str, tuple[object, object]]:
    """(pandas other, dframe other) for ``equals`` of ``pdf``."""
    float32 = pdf.astype({"b": "float32"}) if "b" in pdf.columns else pdf
    changed = pdf.copy()
    if len(pdf) and len(pdf.columns):
        changed.iloc[len(pdf) // 2, 0] = changed.iloc[0, 0]
    moved_nan = pdf.copy()
    if "b" in pdf.columns and len(pdf):
        moved_nan["b"] = pdf["b"].fillna(0.0).where(pdf["b"].notna().shift(1, fill_value=True))
    pairs = {
        "same_data_other_partitions": (pdf, dframe.from_pandas(pdf, npartitions=2)),
        "same_partitions": (pdf.copy(), dframe.from_pandas(pdf, npartitions=npartitions)),
        "other_dtype": (float32, dframe.from_pandas(float32, npartitions=npartitions)),
        "other_value": (changed, dframe.from_pandas(changed, npartitions=npartitions)),
        "nan_moved": (moved_nan, dframe.from_pandas(moved_nan, npartitions=npartitions)),
        "reversed_rows": (pdf.iloc[::-1], dframe.from_pandas(pdf.iloc[::-1], npartitions=3)),
        "fewer_rows": (pdf.iloc[1:], dframe.from_pandas(pdf.iloc[1:], npartitions=npartitions)),
        "renumbered": (
            pdf.reset_index(drop=True),
            dframe.from_pandas(pdf.reset_index(drop=True), npartitions=npartitions),
        ),
        "columns_reversed": (
            pdf[pdf.columns[::-1]],
            dframe.from_pandas(pdf[pdf.columns[::-1]], npartitions=npartitions),
        ),
        "a_list": ([1, 2], [1, 2]),
        "none": (None, None),
    }
    return pairs


@product_on_executors(name=["mixed", "empty", "ties", "repeated_columns"])
def test_equals(executor, npartitions, name):
    pdf = inputs()[name]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    for what, (p_other, d_other) in _others(pdf, npartitions).items():
        expected = pdf.equals(p_other)
        assert df.equals(d_other) is expected, what
        if isinstance(p_other, pd.DataFrame):
            assert df.equals(p_other) is expected, f"{what} (a pandas frame)"
    for column in pdf.columns.unique():
        ps, s = pdf[column], df[column]
        if isinstance(ps, pd.DataFrame):
            continue
        assert s.equals(s.copy()) is True
        assert s.equals(dframe.from_pandas(ps, npartitions=2)) is True
        assert s.equals(ps) is True
        assert s.equals(df) is ps.equals(pdf) is False
        assert df.equals(s) is False
        assert s.equals(s.rename("other")) is ps.equals(ps.rename("other"))  # names don't count


@on_executors()
def test_equals_of_derived_objects(executor, npartitions):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    # same rows, partitions cut elsewhere (a filter keeps the partitions, from_pandas re-cuts)
    kept, p_kept = df[df.a > 0], pdf[pdf.a > 0]
    assert kept.equals(dframe.from_pandas(p_kept, npartitions=2))
    assert kept.equals(df[df.a > 0])
    assert not kept.equals(df[df.a > 5])
    assert kept.a.equals(dframe.from_pandas(p_kept.a, npartitions=4))
    # int vs float of equal values: dtypes differ
    assert df.a.equals(df.a.astype("float64")) is pdf.a.equals(pdf.a.astype("float64"))
    # NaN in the same places are equal
    assert df.b.equals(df.b * 1.0) is True
    ordered = df.sort_values("b", kind="stable")
    assert ordered.equals(pdf.sort_values("b", kind="stable"))
    assert not ordered.equals(df)


def _to_dict_calls():
    calls = {orient: (lambda d, o=orient: d.to_dict(o)) for orient in
             ("dict", "list", "series", "split", "tight", "records", "index")}  # fmt: skip
    calls.update(
        {
            "split_no_index": lambda d: d.to_dict("split", index=False),
            "tight_no_index": lambda d: d.to_dict("tight", index=False),
            "dict_no_index": lambda d: d.to_dict("dict", index=False),  # ValueError
            "bad_orient": lambda d: d.to_dict("rows"),  # ValueError
            "ordered": lambda d: d.to_dict("records", into=OrderedDict),
            "defaultdict": lambda d: d.to_dict(into=defaultdict(list)),
            "defaultdict_class": lambda d: d.to_dict(into=defaultdict),  # TypeError
            "series": lambda d: d[d.columns[0]].to_dict() if len(d.columns) else {},
            "series_into": lambda d: (
                d[d.columns[0]].to_dict(into=OrderedDict) if len(d.columns) else {}
            ),
        }
    )
    return calls


@product_on_executors(name=["mixed", "empty", "ties", "no_columns"], call=list(_to_dict_calls()))
def test_to_dict(executor, npartitions, name, call):
    pdf = inputs()[name]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    fn = _to_dict_calls()[call]
    expected, got = outcome(fn, pdf), outcome(fn, df)
    if isinstance(expected, type) and issubclass(expected, Exception):
        assert got is expected, (got, expected)
    elif call == "series":
        # orient="series": a dict of pandas Series
        assert list(got) == list(expected)
        for key in expected:
            assert_same(expected[key], got[key])
    else:
        assert_identical(expected, got)


def test_to_dict_of_repeated_labels(sync):
    pdf = inputs()["repeated_columns"]
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.warns(UserWarning, match="not unique"):
        expected = pdf.to_dict()
    with pytest.warns(UserWarning, match="not unique") as caught:
        got = df.to_dict()
    assert len([w for w in caught if "not unique" in str(w.message)]) == 1
    assert_identical(expected, got)
    ties = dframe.from_pandas(inputs()["ties"], npartitions=3)
    with pytest.raises(ValueError, match="unique"):
        ties.to_dict("index")


NARROW = {
    "mixed": lambda p: p,  # object
    "ints": lambda p: p[["a"]],
    "numbers": lambda p: p[["a", "b"]],  # float64
    "strings": lambda p: p[["s"]],
    "datetimes": lambda p: p[["t"]],
    "bools": lambda p: p[["flag"]],
}


@product_on_executors(shape=list(NARROW), name=["mixed", "empty", "ties"])
def test_transpose(executor, npartitions, shape, name):
    pdf = NARROW[shape](inputs()[name])
    df = NARROW[shape](dframe.from_pandas(inputs()[name], npartitions=npartitions))
    assert_same(pdf.T, df.T)
    assert_same(pdf.transpose(), df.transpose())
    assert_same(pdf.T.T, df.T.T)
    s = df[df.columns[0]]
    assert s.T is s and s.transpose() is s


def test_transpose_errors_and_copy(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    for fn in (lambda d: d.transpose(1), lambda d: d.a.transpose(1), lambda d: d.a.transpose(x=1)):
        assert_same_outcome(fn, pdf, df)
    with pytest.warns(Pandas4Warning):
        expected = pdf.transpose(copy=True)
    with pytest.warns(Pandas4Warning):
        assert_same(expected, df.transpose(copy=True))


@pytest.fixture
def tiny_driver(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)


def test_data_the_driver_cannot_hold_is_refused(executor, tiny_driver):
    df = dframe.from_pandas(make_frame(200), npartitions=3)
    with pytest.raises(MemoryError, match=r"DataFrame\.to_dict"):
        df.to_dict()
    with pytest.raises(MemoryError, match=r"Series\.to_dict"):
        df.a.to_dict()
    with pytest.raises(MemoryError, match=r"DataFrame\.transpose"):
        df.transpose()
    with pytest.raises(MemoryError, match=r"DataFrame\.T"):
        _ = df.T
    # Native operations that do not collect are not affected.
    assert df.equals(df.copy())
    assert list(df.select_dtypes("number").columns) == ["a", "b"]
    assert len(list(df.itertuples())) == 200
