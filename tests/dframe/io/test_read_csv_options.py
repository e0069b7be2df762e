"""``read_csv`` with pandas' common options reads in parallel by byte ranges and matches
pandas: every option at several block sizes (one block, a few, more blocks than lines), on
both executors, with no fallback."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import assert_same

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

ROWS = 60


def _text() -> str:
    lines = ["# a comment line", "id,name,price,when,qty,note"]
    for i in range(ROWS):
        price = f'"{i * 1000 + 0.5:,.2f}"' if i % 7 else ""  # thousands separators, missing
        note = "NA" if i % 5 == 0 else ("none" if i % 11 == 0 else f"n{i % 3}")
        when = f"2024-01-{i % 28 + 1:02d}"
        lines.append(f"{i},{'abc'[i % 3]}{i % 4},{price},{when},{i % 9},{note}")
    return "\n".join(lines) + "\n"


OPTIONS = {
    "plain": {"comment": "#"},
    "skiprows int": {"skiprows": 1},
    "skiprows list": {"skiprows": [0, 3, 4, 10]},
    "nrows": {"comment": "#", "nrows": 17},
    "usecols": {"comment": "#", "usecols": ["id", "price", "note"]},
    "usecols positions": {"comment": "#", "usecols": [0, 2]},
    "dtype": {"comment": "#", "dtype": {"qty": "float64", "id": "int32", "name": "category"}},
    "dtype category": {"comment": "#", "dtype": "category", "usecols": ["qty", "name"]},
    "parse_dates": {"comment": "#", "parse_dates": ["when"]},
    "index_col name": {"comment": "#", "index_col": "id"},
    "index_col positions": {"comment": "#", "index_col": [1, 0]},
    "thousands": {"comment": "#", "thousands": ","},
    "na_values": {"comment": "#", "na_values": ["n1"], "keep_default_na": False},
    "na_values dict": {"comment": "#", "na_values": {"note": ["n2"]}},
    "header None and names": {
        "skiprows": 2,
        "header": None,
        "names": ["a", "b", "c", "d", "e", "f"],
    },
    "header row": {"header": 1},
    "header row and comments": {"header": 1, "comment": "#", "skiprows": 1},
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("csv")
    plain, zipped = root / "f.csv", root / "f.csv.gz"
    plain.write_text(_text())
    with gzip.open(zipped, "wt") as f:
        f.write(_text())
    return plain, zipped


@pytest.mark.parametrize("blocksize", [None, 700, 64])
@pytest.mark.parametrize("case", OPTIONS)
def test_options_match_pandas(files, case, blocksize, sync):
    plain, _ = files
    kwargs = OPTIONS[case]
    assert_same(pd.read_csv(plain, **kwargs), dframe.read_csv(plain, blocksize=blocksize, **kwargs))


@pytest.mark.parametrize("case", ["plain", "index_col name", "parse_dates"])
def test_options_on_the_runtime(files, case, executor):
    plain, _ = files
    kwargs = OPTIONS[case]
    assert_same(pd.read_csv(plain, **kwargs), dframe.read_csv(plain, blocksize=500, **kwargs))


def test_decimal_comma_with_another_separator(tmp_path, sync):
    path = tmp_path / "eu.csv"
    path.write_text("a;b\n" + "".join(f"{i};{i},5\n" for i in range(30)))
    kwargs = {"sep": ";", "decimal": ","}
    assert_same(pd.read_csv(path, **kwargs), dframe.read_csv(path, blocksize=40, **kwargs))


def test_compressed_file_is_read_whole(files, sync):
    plain, zipped = files
    assert_same(
        pd.read_csv(zipped, comment="#", compression="gzip"),
        dframe.read_csv(zipped, comment="#", compression="gzip"),
    )


@pytest.mark.parametrize("blocksize", [None, 30, 64])
def test_quoted_newlines_are_never_split(tmp_path, blocksize, sync):
    """A quoted field holding a newline: a block boundary inside that record would read half
    a record; the reader must notice and read another safe way."""
    rows = [f'{i},"line one\nline {i} two",{i * 2}' for i in range(25)]
    path = tmp_path / "q.csv"
    path.write_text("a,text,b\n" + "\n".join(rows) + "\n")
    expected = pd.read_csv(path)
    assert len(expected) == 25
    assert_same(expected, dframe.read_csv(path, blocksize=blocksize))


def test_empty_file_with_header(tmp_path, sync):
    path = tmp_path / "e.csv"
    path.write_text("a,b,c\n")
    assert_same(pd.read_csv(path, index_col="a"), dframe.read_csv(path, index_col="a"))
    np.testing.assert_equal(len(dframe.read_csv(path)), 0)


def test_quotes_scanned_in_chunks_find_every_record_start(tmp_path, sync, monkeypatch):
    """Fields with newlines, commas and doubled quotes, cut into many blocks, with the quote
    scan's chunks (normally 64 MiB) smaller than a block: each block starts on a record."""
    from dframe.io import csv as csv_io

    monkeypatch.setattr(csv_io, "_SCAN_BYTES", 1000)
    rng = np.random.default_rng(0)
    texts = ["plain", 'with "" quote', "multi\nline", "a,b", ""]
    pdf = pd.DataFrame(
        {"i": range(800), "t": rng.choice(texts, 800), "f": rng.normal(size=800)}
    )
    path = tmp_path / "q.csv"
    pdf.to_csv(path, index=False)
    for blocksize in (50, 333, 4096):
        assert_same(pd.read_csv(path), dframe.read_csv(path, blocksize=blocksize))


@pytest.mark.parametrize(
    "case", ["plain", "skiprows int", "header row and comments", "index_col name", "thousands"]
)
def test_options_before_the_header_still_read_in_blocks(files, case, sync):
    plain, _ = files
    assert dframe.read_csv(plain, blocksize=200, **OPTIONS[case]).npartitions > 3
