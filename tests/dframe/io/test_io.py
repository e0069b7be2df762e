"""Readers and writers give what pandas gives, whatever the partitioning."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from tests.dframe.conftest import assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


@pytest.fixture
def parquet_file(tmp_path):
    pdf = make_frame(30)
    path = tmp_path / "data.parquet"
    pdf.to_parquet(path, row_group_size=4)
    return path


@pytest.mark.parametrize("partition_bytes", [1, 2**30])
def test_read_parquet(parquet_file, partition_bytes, executor):
    with config.override(partition_bytes=partition_bytes):
        df = dframe.read_parquet(parquet_file)
        assert_same(pd.read_parquet(parquet_file), df)
        assert_same(
            pd.read_parquet(parquet_file, columns=["s", "a"]),
            dframe.read_parquet(parquet_file, columns=["s", "a"]),
        )
        filters = [("a", ">", 10), ("flag", "==", True)]
        assert_same(
            pd.read_parquet(parquet_file, filters=filters),
            dframe.read_parquet(parquet_file, filters=filters),
        )
        expected = pd.read_parquet(parquet_file)
        assert_same(expected[expected.b > 100].a.sum(), df[df.b > 100].a.sum())
        assert_same(expected[expected.s.isin(["s1", "s2"])], df[df.s.isin(["s1", "s2"])])
    assert len(df) == 30 and df.npartitions == (8 if partition_bytes == 1 else 1)


def test_read_parquet_with_stored_index(tmp_path, executor):
    pdf = make_frame(12).set_index("s")
    path = tmp_path / "indexed.parquet"
    pdf.to_parquet(path, row_group_size=5)
    with config.override(partition_bytes=1):
        df = dframe.read_parquet(path)
        assert_same(pd.read_parquet(path), df)
        assert_same(pdf[pdf.a > 3], df[df.a > 3])


def test_read_parquet_directory(tmp_path, executor):
    pdf = make_frame(20)
    (tmp_path / "d").mkdir()
    pdf.iloc[:8].to_parquet(tmp_path / "d" / "part0.parquet")
    pdf.iloc[8:].to_parquet(tmp_path / "d" / "part1.parquet")
    assert_same(pd.read_parquet(tmp_path / "d"), dframe.read_parquet(tmp_path / "d"))


@pytest.mark.parametrize("blocksize", [None, 37, 200])
def test_read_csv(tmp_path, blocksize, executor):
    pdf = make_frame(25)
    path = tmp_path / "data.csv"
    pdf.to_csv(path, index=False)
    df = dframe.read_csv(path, blocksize=blocksize)
    if blocksize == 37:
        assert df.npartitions > 5
    assert_same(pd.read_csv(path), df)
    assert_same(
        pd.read_csv(path, usecols=["b", "a"]),
        dframe.read_csv(path, usecols=["b", "a"], blocksize=blocksize),
    )
    expected = pd.read_csv(path)
    assert_same(expected[expected.a > 5][["s"]], df[df.a > 5][["s"]])


def test_read_csv_dtypes_agree_across_blocks(tmp_path, executor):
    # The first block sees only integers, a later one a missing value: pandas makes it float.
    path = tmp_path / "mixed.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i}\n" for i in range(30)) + "30,\n31,5\n")
    assert_same(pd.read_csv(path), dframe.read_csv(path, blocksize=40))


@pytest.mark.parametrize("npartitions", [1, 3, 40])
def test_to_parquet_round_trip(tmp_path, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    df.to_parquet(tmp_path / "ours.parquet")
    pdf.to_parquet(tmp_path / "theirs.parquet")
    assert_same(
        pd.read_parquet(tmp_path / "theirs.parquet"), pd.read_parquet(tmp_path / "ours.parquet")
    )
    df[df.a > 0].to_parquet(tmp_path / "filtered.parquet")
    assert_same(pdf[pdf.a > 0], pd.read_parquet(tmp_path / "filtered.parquet"))


@pytest.mark.parametrize("npartitions", [1, 3, 40])
def test_to_csv(tmp_path, npartitions, executor):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert df.to_csv() == pdf.to_csv()
    assert df.to_csv(index=False, sep=";") == pdf.to_csv(index=False, sep=";")
    assert df.a.to_csv() == pdf.a.to_csv()
    df.to_csv(tmp_path / "ours.csv")
    pdf.to_csv(tmp_path / "theirs.csv")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "theirs.csv").read_bytes()
    buf = io.StringIO()
    df[df.a > 0].to_csv(buf)
    assert buf.getvalue() == pdf[pdf.a > 0].to_csv()
    assert np.isfinite(df.b.sum())


def test_read_parquet_cuts_enough_partitions_for_every_core(tmp_path, sync):
    import os

    pdf = make_frame(64)
    path = tmp_path / "groups.parquet"
    pdf.to_parquet(path, row_group_size=4)                 # 16 row groups
    with config.override(sync_threshold_bytes=1):          # as if the file were big
        df = dframe.read_parquet(path)
    assert df.npartitions >= min(16, 2 * (os.cpu_count() or 1))
    assert_same(pd.read_parquet(path), df)
