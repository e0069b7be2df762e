"""``read_csv``/``read_parquet`` hold the data as of the call, as pandas does (issue 10).

Data that fits the store is read at the call, once: deleting or rewriting the file afterwards
changes nothing, and every later result reuses the partitions. Larger data (forced here with a
tiny ``read_eager_bytes``) streams lazily, and a change to its files is a clear error.
"""

from __future__ import annotations

import os
import pickle
import tempfile

import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.io import csv as csv_io
from dframe.io import parquet as parquet_io
from dframe.io.identity import FileChangedError
from dframe.plan import nodes as N
from tests.dframe.conftest import assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

FORMATS = ["csv", "parquet"]


def write(fmt: str, path: str, pdf: pd.DataFrame) -> None:
    if fmt == "csv":
        pdf.to_csv(path, index=False)
    else:
        pdf.to_parquet(path, row_group_size=4)


def read(fmt: str, path: str, **kwargs) -> object:
    """dframe's read, cut into several partitions (small blocks / one piece per row group)."""
    if fmt == "csv":
        return dframe.read_csv(path, blocksize=64, **kwargs)
    with config.override(partition_bytes=1):
        return dframe.read_parquet(path, **kwargs)


def pandas_read(fmt: str, path: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, **kwargs) if fmt == "csv" else pd.read_parquet(path, **kwargs)


def reads_files(frame) -> bool:
    """The frame's plan still refers to its files (it streams lazily)."""
    from dframe.optimize.rules import toposort

    return any(isinstance(n, N.ReadCSV | N.ReadParquet) for n in toposort(frame._plan))


# -- small data: read at the call ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_frame_read_in_a_temporary_directory_outlives_it(fmt, executor):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"data.{fmt}")
        write(fmt, path, make_frame(30))
        df = read(fmt, path)
        expected = pandas_read(fmt, path)
    assert not os.path.exists(d)
    assert df.npartitions > 1
    assert_same(expected, df)
    assert_same(expected[expected.a > 0].b.sum(), df[df.a > 0].b.sum())
    assert len(df) == 30


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_rewritten_after_the_call_gives_the_rows_as_of_the_call(fmt, tmp_path, executor):
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    expected = pandas_read(fmt, path)
    df = read(fmt, path)
    write(fmt, path, make_frame(31).iloc[::-1])  # other rows, in another order
    assert_same(expected, df)
    assert_same(expected.a.max(), df.a.max())


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_deleted_after_the_call_is_not_needed(fmt, tmp_path, executor):
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    expected = pandas_read(fmt, path, columns=["s", "a"]) if fmt == "parquet" else (
        pandas_read(fmt, path, usecols=["s", "a"])
    )
    df = read(fmt, path, columns=["s", "a"]) if fmt == "parquet" else read(
        fmt, path, usecols=["s", "a"]
    )
    os.remove(path)
    assert_same(expected, df)
    assert_same(expected.groupby("s").a.sum(), df.groupby("s").a.sum())


def test_parquet_filters_are_applied_at_the_call(tmp_path, executor):
    path = str(tmp_path / "data.parquet")
    write("parquet", path, make_frame(30))
    filters = [("a", ">", 10), ("flag", "==", True)]
    expected = pd.read_parquet(path, filters=filters)
    df = read("parquet", path, filters=filters)
    os.remove(path)
    assert_same(expected, df)


class CountingReader:
    """Stands in for a reader function and appends a line to ``log`` per call: a side channel
    that works in worker processes too (they import this module by reference)."""

    def __init__(self, func, log: str) -> None:
        self.func, self.log = func, log

    def __call__(self, *args):
        with open(self.log, "a") as f:
            f.write("read\n")
        return self.func(*args)


def reads_logged(log) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_ten_results_from_one_read_parse_the_file_once(fmt, tmp_path, executor, monkeypatch):
    log = tmp_path / "reads.log"
    module, name = (csv_io, "read_block") if fmt == "csv" else (parquet_io, "read_piece")
    monkeypatch.setattr(module, name, CountingReader(getattr(module, name), str(log)))
    path = str(tmp_path / f"data.{fmt}")
    pdf = make_frame(30)
    write(fmt, path, pdf)
    expected = pandas_read(fmt, path)
    df = read(fmt, path)
    parts = df.npartitions
    assert parts > 1 and reads_logged(log) == parts  # every partition read once, at the call
    results = [
        (expected, df),
        (len(expected), len(df)),
        (expected.a.sum(), df.a.sum()),
        (expected.b.mean(), df.b.mean()),
        (expected[expected.a > 5], df[df.a > 5]),
        (expected[["s", "b"]], df[["s", "b"]]),
        (expected.assign(c=expected.a * 2), df.assign(c=df.a * 2)),
        (expected.groupby("s").b.max(), df.groupby("s").b.max()),
        (expected.head(3), df.head(3)),
        (expected.a.cumsum(), df.a.cumsum()),
    ]
    for want, got in results:
        assert_same(want, got)
    assert reads_logged(log) == parts


# -- nrows ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("eager_bytes", [-1, 0])  # read at the call; lazily
def test_read_csv_nrows(tmp_path, executor, eager_bytes):
    path = str(tmp_path / "data.csv")
    write("csv", path, make_frame(60))
    with config.override(read_eager_bytes=eager_bytes):
        assert_same(pd.read_csv(path, nrows=50), dframe.read_csv(path, nrows=50))
        assert_same(pd.read_csv(path, nrows=0), dframe.read_csv(path, nrows=0))
        assert_same(
            pd.read_csv(path, nrows=7, usecols=["b", "a"]),
            dframe.read_csv(path, nrows=7, usecols=["b", "a"], blocksize=64),
        )
        assert_same(pd.read_csv(path, nrows=None), dframe.read_csv(path, nrows=None))
        # Several files read as one: the first nrows rows of them in order.
        (tmp_path / "d").mkdir()
        pdf = make_frame(60)
        for k in range(3):
            pdf.iloc[20 * k : 20 * (k + 1)].to_csv(tmp_path / "d" / f"{k}.csv", index=False)
        want = pd.read_csv(path, nrows=45)
        df = dframe.read_csv(str(tmp_path / "d"), nrows=45)
        assert_same(want, df)
        assert len(df) == 45


# -- large data: lazy, and a changed file is an error ----------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_lazy_read_of_a_rewritten_file_raises(fmt, tmp_path, executor):
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    with config.override(read_eager_bytes=0):  # as if the data were larger than the store
        df = read(fmt, path)
    assert reads_files(df)
    expected = pandas_read(fmt, path)
    assert_same(expected.a.sum(), df.a.sum())  # unchanged: read when a result needs it
    write(fmt, path, make_frame(31))
    with pytest.raises(FileChangedError, match=r"changed after dframe\.read_\w+\(\).*persist"):
        df.b.max()  # a result that needs the file again


@pytest.mark.parametrize("fmt", FORMATS)
def test_lazy_read_of_a_replaced_file_raises(fmt, tmp_path, executor):
    # Same size and contents, but another file (a new inode): rows may not be the same ones.
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    with config.override(read_eager_bytes=0):
        df = read(fmt, path)
    write(fmt, str(tmp_path / "other"), make_frame(30))
    os.replace(tmp_path / "other", path)
    with pytest.raises(FileChangedError, match="changed after"):
        df.to_pandas()


@pytest.mark.parametrize("fmt", FORMATS)
def test_lazy_read_of_a_deleted_file_raises(fmt, executor):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"data.{fmt}")
        write(fmt, path, make_frame(30))
        with config.override(read_eager_bytes=0):
            df = read(fmt, path)
    with pytest.raises(FileNotFoundError, match=r"deleted after dframe\.read_\w+\(\).*persist"):
        df.to_pandas()


@pytest.mark.parametrize("fmt", FORMATS)
def test_lazy_read_of_a_deleted_file_raises_under_the_auto_executor(fmt, tmp_path):
    # Choosing the executor weighs the files by their sizes as read, without opening them.
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    with config.override(executor="auto", read_eager_bytes=0):
        df = read(fmt, path)
        os.remove(path)
        with pytest.raises(FileNotFoundError, match="deleted after"):
            df.a.sum()


@pytest.mark.parametrize("fmt", FORMATS)
def test_persist_after_a_lazy_read_keeps_the_data(fmt, tmp_path, executor):
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    expected = pandas_read(fmt, path)
    with config.override(read_eager_bytes=0):
        df = read(fmt, path).persist()
    os.remove(path)
    assert_same(expected, df)


@pytest.mark.parametrize("fmt", FORMATS)
def test_data_larger_than_the_store_budget_stays_lazy(fmt, tmp_path, executor, monkeypatch):
    path = str(tmp_path / f"data.{fmt}")
    write(fmt, path, make_frame(30))
    assert not reads_files(read(fmt, path))  # the default budget holds 30 rows
    monkeypatch.setattr(type(executor), "store_budget", lambda self: 100, raising=False)
    df = read(fmt, path)
    assert reads_files(df)
    assert_same(pandas_read(fmt, path), df)


# -- pieces --------------------------------------------------------------------------------------


def test_file_changed_error_pickles():
    err = pickle.loads(pickle.dumps(FileChangedError("'f.csv' changed")))
    assert type(err) is FileChangedError and str(err) == "'f.csv' changed"
    assert isinstance(err, RuntimeError)


def test_memory_estimates_are_close_to_pandas(tmp_path):
    # Dictionary-encoded strings take little room in the file but not in memory.
    pdf = pd.DataFrame({"id": [f"id{i % 50:012d}" for i in range(20_000)], "x": range(20_000)})
    pdf.to_parquet(tmp_path / "f.parquet")
    pdf.to_csv(tmp_path / "f.csv", index=False)
    actual = int(pd.read_parquet(tmp_path / "f.parquet").memory_usage(index=False, deep=True).sum())
    _, meta, _, column_bytes = parquet_io.inspect(tmp_path / "f.parquet", 2**30)
    estimate = parquet_io.memory_estimate(column_bytes, meta, None)
    assert actual / 2 <= estimate <= actual * 2, (estimate, actual)
    only_x = parquet_io.memory_estimate(column_bytes, meta, ["x"])
    assert only_x < estimate / 2
    _, _, estimate = csv_io.inspect(tmp_path / "f.csv", None, {}, 1000)
    assert actual / 2 <= estimate <= actual * 2, (estimate, actual)
    _, _, estimate = csv_io.inspect(tmp_path / "f.csv", None, {"nrows": 100}, 1000)
    assert estimate <= actual / 100
