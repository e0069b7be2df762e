"""info/memory_usage as pandas prints them, Arrow and interchange exports, pickling, copying,
repartition and concat(axis=1), whatever the partitioning."""

from __future__ import annotations

import copy
import io
import pickle
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import dframe
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def _info(obj, **kwargs) -> str:
    buf = io.StringIO()
    obj.info(buf=buf, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("n", SMALL_NPARTITIONS)
def test_info_and_memory_usage(n, executor):
    # Numeric, bool and datetime columns use the same bytes however the rows are cut.
    pdf = make_frame(13).drop(columns="s")
    df = dframe.from_pandas(pdf, npartitions=n)
    for kwargs in ({}, {"memory_usage": "deep"}, {"verbose": False}, {"show_counts": False}):
        assert _info(df, **kwargs) == _info(pdf, **kwargs)
    for deep in (False, True):
        assert_same(pdf.memory_usage(deep=deep), df.memory_usage(deep=deep))
        assert_same(pdf.memory_usage(index=False), df.memory_usage(index=False))
        assert df.b.memory_usage(deep=deep) == pdf.b.memory_usage(deep=deep)
    assert _info(df.b) == _info(pdf.b)
    filtered = df[df.a > 5]
    assert _info(filtered) == _info(pdf[pdf.a > 5])
    indexed = dframe.from_pandas(pdf.set_index("a"), npartitions=n)
    assert _info(indexed) == _info(pdf.set_index("a"))


@pytest.mark.parametrize("n", [3, 16])
def test_info_with_strings_is_that_of_the_collected_frame(n, executor):
    # Arrow-backed strings own per-chunk buffers: the numbers are those of the collected frame.
    df = dframe.from_pandas(make_frame(13), npartitions=n)
    collected = df.to_pandas()
    assert _info(df, memory_usage="deep") == _info(collected, memory_usage="deep")
    assert_same(collected.memory_usage(deep=True), df.memory_usage(deep=True))


@pytest.mark.parametrize("n", SMALL_NPARTITIONS)
def test_to_arrow(n, executor):
    pdf = make_frame(13)
    df = dframe.from_pandas(pdf, npartitions=n)
    assert df.to_arrow().equals(pa.Table.from_pandas(pdf), check_metadata=True)
    assert df.to_arrow(preserve_index=False).equals(pa.Table.from_pandas(pdf, preserve_index=False))
    expected = pdf[pdf.a % 2 == 0]
    table = df[df.a % 2 == 0].to_arrow()
    assert table.equals(pa.Table.from_pandas(expected), check_metadata=True)
    assert_same(expected, table.to_pandas())
    indexed = pdf.set_index("s")
    got = dframe.from_pandas(indexed, npartitions=n).to_arrow()
    assert got.equals(pa.Table.from_pandas(indexed), check_metadata=True)
    assert df.b.to_arrow().equals(pa.chunked_array([pa.array(pdf.b)]))
    assert pa.table(df).equals(pa.table(pdf))  # Arrow PyCapsule stream


def test_interchange_protocol(executor):
    pdf = make_frame(13)
    df = dframe.from_pandas(pdf, npartitions=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        assert_same(pdf, pd.api.interchange.from_dataframe(df.__dataframe__()))
        assert df.__dataframe__().num_rows() == 13


@pytest.mark.parametrize("n", SMALL_NPARTITIONS)
def test_pickle_and_copy(n, executor):
    pdf = make_frame(13)
    df = dframe.from_pandas(pdf, npartitions=n)
    for obj, expected in ((df, pdf), (df.b * 2, pdf.b * 2), (df[df.a > 0], pdf[pdf.a > 0])):
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj) and back.npartitions == obj.npartitions
        assert_same(expected, back)
        assert_same(expected, copy.copy(obj))
        assert_same(expected, copy.deepcopy(obj))
    np.testing.assert_array_equal(df.a.to_numpy(), pdf.a.to_numpy())
    np.testing.assert_array_equal(np.asarray(df[["a", "b"]]), np.asarray(pdf[["a", "b"]]))


@pytest.mark.parametrize("n", SMALL_NPARTITIONS)
def test_repartition(n, executor):
    pdf = make_frame(13)
    df = dframe.from_pandas(pdf, npartitions=3)
    out = df.repartition(npartitions=n)
    assert out.npartitions == n
    assert_same(pdf, out)
    assert_same(pdf.a, df.a.repartition(n))
    assert dframe.DataFrame(df, npartitions=n).npartitions == n
    assert df.repartition(partition_size=10**9).npartitions == 1
    assert df.repartition(partition_size="100B").npartitions > 1
    with pytest.raises(TypeError, match="exactly one"):
        df.repartition()


@pytest.mark.parametrize("n", SMALL_NPARTITIONS)
def test_concat_columns(n, executor):
    pdf = make_frame(13)
    other = pd.DataFrame({"x": range(13), "y": [f"y{i}" for i in range(13)]})
    df = dframe.from_pandas(pdf, npartitions=n)
    do = dframe.from_pandas(other, npartitions=4)
    assert_same(pd.concat([pdf, other], axis=1), dframe.concat([df, do], axis=1))
    assert_same(pd.concat([pdf.a, pdf.b * 2], axis=1), dframe.concat([df.a, df.b * 2], axis=1))
    assert_same(
        pd.concat([pdf.a, other], axis=1, ignore_index=True),
        dframe.concat([df.a, do], axis=1, ignore_index=True),
    )
    kept = pdf[pdf.a > 0]
    assert_same(
        pd.concat([kept.a, kept[["s", "t"]]], axis=1),
        dframe.concat([(f := df[df.a > 0]).a, f[["s", "t"]]], axis=1),
    )
    assert_same(pd.concat([pdf, pdf]), dframe.concat([df, df]))


def test_concat_columns_that_need_alignment_fall_back(sync):
    pdf = make_frame(13)
    left = dframe.from_pandas(pdf[pdf.a > 0])
    right = dframe.from_pandas(pdf[["b"]])
    with pytest.warns(dframe.PandasFallbackWarning, match="concat"):
        out = dframe.concat([left, right], axis=1)
    assert_same(pd.concat([pdf[pdf.a > 0], pdf[["b"]]], axis=1), out)
