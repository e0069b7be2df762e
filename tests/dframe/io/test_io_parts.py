"""Directories and globs of part files, readers' npartitions=, and the fallback readers."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import NPARTITIONS, assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


@pytest.mark.parametrize("n", [3, 40])
def test_to_parquet_directory_and_glob(tmp_path, n, executor):
    pdf = make_frame(13)
    df = dframe.from_pandas(pdf, npartitions=n)
    df.to_parquet(f"{tmp_path}/dir/")
    files = sorted(os.listdir(tmp_path / "dir"))
    assert files[0] == "part-00000.parquet" and len(files) == min(n, 13)  # empty parts skipped
    assert_same(pdf, pd.read_parquet(tmp_path / "dir"))
    assert_same(pdf, dframe.read_parquet(tmp_path / "dir"))
    df[df.a > 0].to_parquet(f"{tmp_path}/glob/part-*.parquet")
    assert_same(pdf[pdf.a > 0].reset_index(drop=True), pd.read_parquet(tmp_path / "glob"))
    back = dframe.read_parquet(f"{tmp_path}/glob/part-*.parquet")
    assert_same(pdf[pdf.a > 0].reset_index(drop=True), back)
    indexed = pdf.set_index("s")
    dframe.from_pandas(indexed, npartitions=n).to_parquet(f"{tmp_path}/indexed/")
    assert_same(indexed, pd.read_parquet(tmp_path / "indexed"))


def test_to_parquet_single_file_is_unchanged(tmp_path, executor):
    pdf = make_frame(13)
    dframe.from_pandas(pdf, npartitions=3).to_parquet(tmp_path / "one.parquet")
    assert os.path.isfile(tmp_path / "one.parquet")
    assert_same(pdf, pd.read_parquet(tmp_path / "one.parquet"))


@pytest.mark.parametrize("n", [3, 40])
def test_to_csv_directory_and_read_back(tmp_path, n, executor):
    pdf = make_frame(13)
    df = dframe.from_pandas(pdf, npartitions=n)
    df.to_csv(f"{tmp_path}/csv/", index=False)
    df.to_csv(f"{tmp_path}/g/data-*.csv", index=False)
    pdf.to_csv(tmp_path / "whole.csv", index=False)
    expected = pd.read_csv(tmp_path / "whole.csv")
    assert_same(expected, dframe.read_csv(tmp_path / "csv"))
    assert_same(expected, dframe.read_csv(f"{tmp_path}/g/data-*.csv"))
    assert min(os.listdir(tmp_path / "g")) == "data-00000.csv"
    # pandas reads each part as a CSV file with a header
    first = pd.read_csv(tmp_path / "csv" / "part-00000.csv")
    assert list(first.columns) == list(pdf.columns)


@pytest.mark.parametrize("n", NPARTITIONS)
def test_readers_take_npartitions(tmp_path, n, executor):
    pdf = make_frame(30)
    pdf.to_csv(tmp_path / "data.csv", index=False)
    pdf.to_parquet(tmp_path / "data.parquet", row_group_size=4)
    df = dframe.read_csv(tmp_path / "data.csv", npartitions=n)
    assert df.npartitions == n
    assert_same(pd.read_csv(tmp_path / "data.csv"), df)
    df = dframe.read_parquet(tmp_path / "data.parquet", npartitions=n)
    assert df.npartitions == n
    assert_same(pdf, df)
    assert_same(pdf[["a", "s"]], dframe.read_parquet(tmp_path / "data.parquet", npartitions=n)[["a", "s"]])


def test_json_and_feather_readers_return_dframe_objects(tmp_path, sync):
    pdf = make_frame(13).drop(columns="t")
    pdf.to_json(tmp_path / "data.json", orient="records", lines=True)
    pdf.to_feather(tmp_path / "data.feather")
    with pytest.warns(dframe.PandasFallbackWarning, match="read_json"):
        df = dframe.read_json(tmp_path / "data.json", orient="records", lines=True)
    assert isinstance(df, dframe.DataFrame)
    assert_same(pd.read_json(tmp_path / "data.json", orient="records", lines=True), df)
    with pytest.warns(dframe.PandasFallbackWarning, match="read_feather"):
        df = dframe.read_feather(tmp_path / "data.feather")
    assert isinstance(df, dframe.DataFrame)
    assert_same(pdf, df)
