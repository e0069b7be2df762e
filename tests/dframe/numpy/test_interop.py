"""Interop: dframe DataFrames and Series become dframe arrays without being collected, and a
dframe array passed to a runtime task arrives as a NumPy array."""

from __future__ import annotations

import numpy
import pandas as pd
import pytest

import dframe
import dframe.numpy as dnp
from dframe.numpy.nodes import FromArray
from dframe.optimize.rules import toposort
from tests.dframe.numpy.conftest import same


def _frame(n=23):
    rng = numpy.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=n), "b": numpy.arange(n), "c": rng.random(n) > 0.5})


@pytest.mark.parametrize("npartitions", [1, 3, 7, 40])
def test_asarray_of_series_and_frames(executor, npartitions):
    pdf = _frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    x = dnp.asarray(df.a * 2)
    assert not any(isinstance(n, FromArray) for n in toposort(x._plan))  # not collected
    assert len(x.chunks[0]) == npartitions
    same((pdf.a * 2).to_numpy(), x)
    same(pdf[["a", "b"]].to_numpy(), dnp.asarray(df[["a", "b"]]))
    same(pdf.to_numpy(), dnp.asarray(df))  # mixed dtypes: object, like pandas
    same(
        pdf.b.to_numpy().sum(),
        dnp.asarray(df[df.a > 0].b).sum() + dnp.asarray(df[df.a <= 0].b).sum(),
    )
    same(numpy.exp(pdf.a.to_numpy()) + 1, numpy.exp(dnp.asarray(df.a)) + 1)


def test_filtered_frames_count_their_rows():
    pdf = _frame()
    df = dframe.from_pandas(pdf, npartitions=4)
    same(pdf[pdf.a > 0].b.to_numpy(), dnp.asarray(df[df.a > 0].b))


def test_pandas_types_stay_numpy():
    df = dframe.from_pandas(_frame(), npartitions=3)
    assert type(df.to_numpy()) is numpy.ndarray
    assert type(df.a.values) is numpy.ndarray


def test_extension_dtypes_fall_back():
    s = dframe.from_pandas(pd.Series([1, None, 3], dtype="Int64"), npartitions=2)
    with pytest.warns(dnp.NumpyFallbackWarning, match="Series.to_numpy"):
        out = dnp.asarray(s)
    same(pd.Series([1, None, 3], dtype="Int64").to_numpy(), out)


def test_array_arrives_in_a_runtime_task_as_numpy(shared_ray):
    import pickle

    x = dnp.arange(10, chunks=3) * 2
    assert type(pickle.loads(pickle.dumps(x))) is numpy.ndarray

    @shared_ray.remote
    def describe(a):
        return type(a).__module__, type(a).__name__, a.sum()

    module, name, total = shared_ray.get(describe.remote(x))
    assert (module, name, total) == ("numpy", "ndarray", 90)
