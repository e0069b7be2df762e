"""``DataFrame.to_json`` / ``Series.to_json`` in every orient: pandas' text, byte for byte,
written partition by partition and joined in the driver."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe.io import json_output

from tests.dframe.conftest import (
    SMALL_NPARTITIONS,
    forms_on_executors,
    on_executors,
    pairwise,
)

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]

ORIENTS = ["split", "records", "index", "columns", "values", "table"]


def _frame(n: int = 13) -> pd.DataFrame:
    """Every kind of value pandas writes its own way: missing values, strings with quotes,
    brackets and non-ASCII, dates, durations, categories."""
    k = np.arange(n)
    return pd.DataFrame(
        {
            "i": k * 3 - 7,
            "f": np.where(k % 4 == 0, np.nan, k / 3),
            "s": pd.array([f'x{j}é"]{{' if j % 5 else None for j in k], dtype="str"),
            "t": pd.date_range("2024-01-01", periods=n, freq="37h"),
            "b": k % 3 == 0,
            "c": pd.Categorical([["a", "b", "c"][j % 3] for j in k]),
            "d": pd.to_timedelta(k, unit="h"),
        }
    )


INDEXES = {
    "range": lambda n: None,
    "labels": lambda n: pd.Index([f"r{k}" for k in range(n)], name="key"),
    "dates": lambda n: pd.date_range("2020-01-01", periods=n, name="when"),
    "floats": lambda n: pd.Index(np.arange(n) * 0.5),
    "pairs": lambda n: pd.MultiIndex.from_arrays([np.arange(n) % 3, np.arange(n)]),
}


def _with_index(pdf: pd.DataFrame, index: str) -> pd.DataFrame:
    labels = INDEXES[index](len(pdf))
    return pdf if labels is None else pdf.set_axis(labels)


def _same_text(obj, pobj, **kwargs) -> None:
    try:
        expected = pobj.to_json(**kwargs)
    except Exception as error:  # noqa: BLE001  # pandas' error: dframe raises the same
        with pytest.raises(type(error)):
            obj.to_json(**kwargs)
        return
    assert obj.to_json(**kwargs) == expected


# (13 rows: 16 partitions leave single rows and empty partitions, as 40 did)
@forms_on_executors([None, *ORIENTS], SMALL_NPARTITIONS, name="orient")
def test_frame_orients(executor, npartitions, orient):
    pdf = _frame()
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    _same_text(d, pdf, orient=orient)
    _same_text(d, pdf, orient=orient, indent=2)


@forms_on_executors(
    [(index, orient) for orient in [None, *ORIENTS] for index in INDEXES],
    [1, 3, 7],
    name="index_orient",
    ids=lambda pair: f"{pair[0]}-{pair[1]}",
)
def test_indexes(executor, npartitions, index_orient):
    index, orient = index_orient
    pdf = _with_index(_frame(), index)
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    _same_text(d, pdf, orient=orient)
    for name in ["f", "s", "t"]:
        _same_text(d[name], pdf[name], orient=orient)


OPTIONS = [
    {"date_format": "iso"},
    {"date_format": "iso", "date_unit": "us"},
    {"date_unit": "s"},
    {"double_precision": 3},
    {"force_ascii": False},
    {"index": False},
    {"index": True},
    {"indent": 4},
    {"default_handler": str},
]


# Every option in every orient, and each of them at every partition count (the pairs of the
# whole product, at a quarter of its cost).
@pytest.mark.parametrize(
    ("options", "orient", "npartitions"), pairwise(OPTIONS, ORIENTS, SMALL_NPARTITIONS)
)
def test_options(sync, npartitions, options, orient):
    pdf = _with_index(_frame(), "labels")
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    _same_text(d, pdf, orient=orient, **options)
    _same_text(d["f"], pdf["f"], orient=orient, **options)
    _same_text(d["t"], pdf["t"], orient=orient, **options)


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("orient", [None, *ORIENTS])
@pytest.mark.parametrize("indent", [None, 1])
def test_no_rows_and_no_columns(sync, npartitions, orient, indent):
    pdf = _with_index(_frame(), "labels")
    for part in [pdf.iloc[:0], pdf.iloc[:, :0], pdf.iloc[:0, :0]]:
        d = dframe.from_pandas(part, npartitions=npartitions)
        _same_text(d, part, orient=orient, indent=indent)
    series = dframe.from_pandas(pdf, npartitions=npartitions)["f"]
    _same_text(series[series > 1e9], pdf["f"].iloc[:0], orient=orient, indent=indent)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_empty_partitions(sync, npartitions):
    """A filter leaves some partitions without rows: they write nothing into the slots."""
    pdf = _with_index(_frame(40), "labels")
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    keep = pdf["i"] > 60
    for orient in [None, *ORIENTS]:
        for indent in [None, 2]:
            _same_text(d[d["i"] > 60], pdf[keep], orient=orient, indent=indent)
            _same_text(d["s"][d["i"] > 60], pdf["s"][keep], orient=orient, indent=indent)
    for indent in [None, 2]:
        options = {"orient": "records", "lines": True, "indent": indent}
        _same_text(d[d["i"] > 60], pdf[keep], **options)
        _same_text(d[d["i"] > 900], pdf[pdf["i"] > 900], **options)


@on_executors([1, 3, 7])
def test_repeated_labels(executor, npartitions):
    """pandas raises for repeated index labels in the index and columns orients (here in
    different partitions) and names no primary key for them in a table."""
    pdf = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": list("vwxyz")}, index=[3, 1, 5, 2, 3])
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    for orient in [None, *ORIENTS]:
        _same_text(d, pdf, orient=orient)
        _same_text(d["a"], pdf["a"], orient=orient)
    with pytest.raises(ValueError, match="must be unique"):
        d.to_json(orient="index")
    with pytest.raises(ValueError, match="must be unique"):
        d["a"].to_json()
    assert d.to_json(orient="table", index=False) == pdf.to_json(orient="table", index=False)


def test_repeated_columns(sync):
    pdf = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])
    d = dframe.from_pandas(pdf, npartitions=2)
    for orient in [None, *ORIENTS]:
        _same_text(d, pdf, orient=orient)


@pytest.mark.parametrize("npartitions", [1, 3])
def test_argument_errors_at_the_call(sync, npartitions):
    pdf = _frame()
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    for bad in [
        {"orient": "bogus"},
        {"orient": "index", "index": False},
        {"orient": "records", "index": True},
        {"mode": "a"},
        {"lines": True},
        {"orient": "table", "date_format": "epoch"},
        {"indent": -1},
        {"date_unit": "x"},
        {"unknown": 1},
    ]:
        with pytest.raises(Exception) as expected:
            pdf.to_json(**bad)
        with pytest.raises(expected.type, match=None):
            d.to_json(**bad)
    with pytest.warns(pd.errors.Pandas4Warning):
        d.to_json()  # (pandas' warning for the epoch format, once at the call)


@on_executors([1, 3])
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("out.json", {}),
        ("out.json", {"orient": "split", "indent": 2}),
        ("out.json.gz", {"orient": "records"}),
        ("out.json", {"orient": "table", "compression": "bz2"}),
        ("out.jsonl", {"orient": "records", "lines": True}),
        ("out.jsonl.gz", {"orient": "records", "lines": True}),
        ("out.jsonl", {"orient": "records", "lines": True, "indent": 2}),
    ],
)
def test_files(executor, npartitions, tmp_path, name, options):
    pdf = _frame()
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    ours, theirs = tmp_path / f"ours-{name}", tmp_path / f"theirs-{name}"
    assert d.to_json(ours, **options) is None
    pdf.to_json(theirs, **options)
    if name.endswith(".gz"):
        assert gzip.decompress(ours.read_bytes()) == gzip.decompress(theirs.read_bytes())
    else:
        assert ours.read_bytes() == theirs.read_bytes()


def test_buffers_and_append(sync, tmp_path):
    pdf = _frame()
    d = dframe.from_pandas(pdf, npartitions=3)
    text, data = io.StringIO(), io.BytesIO()
    d.to_json(text, orient="index")
    d.to_json(data, orient="split")
    assert text.getvalue() == pdf.to_json(orient="index")
    assert data.getvalue() == pdf.to_json(orient="split").encode()
    ours, theirs = tmp_path / "ours.jsonl", tmp_path / "theirs.jsonl"
    for mode in ["w", "a"]:
        d.to_json(ours, orient="records", lines=True, mode=mode)
        pdf.to_json(theirs, orient="records", lines=True, mode=mode)
    assert ours.read_text() == theirs.read_text()


def test_columns_of_other_labels(sync):
    pdf = pd.DataFrame(np.arange(12).reshape(4, 3), columns=[1, "b", 2.5])
    pairs = pdf.set_axis(pd.MultiIndex.from_tuples([("x", 1), ("x", 2), ("y", 1)]), axis=1)
    for frame in [pdf, pairs, pdf.set_axis(pd.date_range("2024", periods=3), axis=1)]:
        d = dframe.from_pandas(frame, npartitions=3)
        for orient in [None, *ORIENTS]:
            _same_text(d, frame, orient=orient)
            _same_text(d, frame, orient=orient, indent=3)


def test_split_index_found_by_its_brackets():
    """If the index written alone were not the frame's text of it, the index is found by
    scanning the partition's text (strings and brackets) instead."""
    part = _with_index(_frame(), "labels")
    template = part.iloc[:0].to_json(orient="split")
    key = '"index":['
    points = [template.index(key) + len(key), template.rindex("[") + 1]
    pieces = json_output.Pieces(
        "split", {"orient": "split"}, template, points, ('{"index":[]}', 10)
    )
    index, data = pieces(part)
    assert json_output._fill(template, points, [[index], [data]], False) == part.to_json(
        orient="split"
    )


@pytest.mark.filterwarnings("default::dframe.PandasFallbackWarning")
@pytest.mark.parametrize("npartitions", [1, 3])
def test_partitions_of_other_dtypes_than_the_metadata(sync, npartitions):
    """Found by the differential test: a MultiIndex whose levels a partition infers from its
    values (object labels read as ``str``) has another table schema than the frame's
    metadata; a partition's text that does not fit makes pandas write the collected frame."""
    pdf = pd.DataFrame(
        {
            "k": [0, 3, 0, 3, 3, 0, 2, 0, 0],
            "so": np.array([None, None, "ba,a", "ba,a", "", "a", "a", "B a", "B a"], object),
            "o": np.array([0, 2.5, 2.5, "a", 0, "b", "a", 0, None], dtype=object),
        }
    )
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    expected = pdf[pdf["o"].notna()].value_counts(dropna=False, sort=False)
    result = d[d["o"].notna()].value_counts(dropna=False, sort=False)
    assert result.to_json(orient="table", indent=2) == expected.to_json(orient="table", indent=2)
