"""Cumulative functions and ``diff`` against NumPy at several chunkings, both executors."""

from __future__ import annotations

import numpy
import pytest

import dframe.numpy as dnp
from tests.dframe.conftest import product_on_executors
from tests.dframe.numpy.conftest import CHUNKS_1D, CHUNKS_2D, same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

A = numpy.arange(35).reshape(5, 7) % 6 - 2
F = numpy.random.default_rng(3).normal(size=(5, 7))
F[2, 3] = numpy.nan


@product_on_executors(
    CHUNKS_2D,
    CHUNKS_2D,
    count="chunks",
    name=["cumsum", "cumprod", "nancumsum", "nancumprod"],
    axis=[None, 0, 1, -1],
)
def test_cumulative(executor, chunks, name, axis):
    for a in (A, F, A > 0):
        same(
            getattr(numpy, name)(a, axis=axis),
            getattr(dnp, name)(dnp.asarray(a, chunks=chunks), axis=axis),
        )


@pytest.mark.parametrize("chunks", CHUNKS_1D)
def test_cumulative_1d_dtype_and_methods(chunks):
    a = numpy.arange(13, dtype="i1")
    x = dnp.asarray(a, chunks=chunks)
    same(a.cumsum(), x.cumsum())
    same(numpy.cumsum(a, dtype="f4"), numpy.cumsum(x, dtype="f4"))
    same(a.cumprod(dtype="f8"), x.cumprod(dtype="f8"))


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_diff(executor, chunks):
    x = dnp.asarray(F, chunks=chunks)
    same(numpy.diff(F), numpy.diff(x))
    same(numpy.diff(F, axis=0), dnp.diff(x, axis=0))
    same(numpy.diff(F, n=3, axis=1), dnp.diff(x, n=3, axis=1))
    same(numpy.diff(F, n=0), dnp.diff(x, n=0))
    same(numpy.diff(A > 0), dnp.diff(dnp.asarray(A > 0, chunks=chunks)))
    same(numpy.diff(F, n=9, axis=1), dnp.diff(x, n=9, axis=1))  # more than the length: empty


def test_diff_errors_and_fallback():
    with pytest.raises(ValueError, match="non-negative"):
        dnp.diff(dnp.arange(3), n=-1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        dnp.diff(dnp.asarray(3))
    with pytest.warns(dnp.NumpyFallbackWarning, match="numpy.diff"):
        same(numpy.diff(numpy.arange(4), prepend=0), dnp.diff(dnp.arange(4), prepend=0))


def test_ufunc_accumulate_is_a_native_scan(executor):
    x = dnp.asarray(A, chunks=2)
    same(numpy.add.accumulate(A), numpy.add.accumulate(x))
    same(numpy.multiply.accumulate(A, axis=1), numpy.multiply.accumulate(x, axis=1))
    with pytest.warns(dnp.NumpyFallbackWarning, match="maximum.accumulate"):
        same(numpy.maximum.accumulate(A), numpy.maximum.accumulate(x))
