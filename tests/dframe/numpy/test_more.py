"""``fromfunction``, ``random.Generator.choice``, ``split``/``array_split``, ``repeat``,
``tile`` against NumPy (values of random draws: reproducibility and range)."""

from __future__ import annotations

import numpy
import pytest

import dframe.numpy as dnp
from tests.dframe.numpy.conftest import CHUNKS_2D, same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

A = numpy.arange(35).reshape(5, 7)


def _f(i, j):
    return i * 10 + j


@pytest.mark.parametrize("chunks", [1, 2, (3, 2), "auto"])
def test_fromfunction(executor, chunks):
    same(numpy.fromfunction(_f, (4, 6)), dnp.fromfunction(_f, (4, 6), chunks=chunks))
    same(
        numpy.fromfunction(_f, (4, 6), dtype=int),
        dnp.fromfunction(_f, (4, 6), dtype=int, chunks=chunks),
    )
    same(
        numpy.fromfunction(lambda i: i % 3 == 0, (7,)),
        dnp.fromfunction(lambda i: i % 3 == 0, (7,), chunks=chunks if chunks != (3, 2) else 2),
    )


def test_fromfunction_not_elementwise_is_numpys_single_call():
    # NumPy calls the function once with whole coordinate arrays: a constant stays a constant.
    assert dnp.fromfunction(lambda i, j: 5.0, (2, 2)) == numpy.fromfunction(
        lambda i, j: 5.0, (2, 2)
    )


def test_choice(executor):
    rng = dnp.random.default_rng(9)
    x = rng.choice(10, size=(6, 50), chunks=(2, 7)).compute()
    assert x.dtype == numpy.int64 and x.min() >= 0 and x.max() < 10
    y = dnp.random.default_rng(9).choice(10, size=(6, 50), chunks=(6, 50)).compute()
    numpy.testing.assert_array_equal(x, y)  # whatever the chunking
    words = numpy.array(["a", "bb", "ccc"])
    picked = dnp.random.default_rng(1).choice(words, size=40, chunks=7).compute()
    assert picked.dtype == words.dtype and set(picked) <= set(words)
    with pytest.warns(dnp.NumpyFallbackWarning, match="choice"):
        perm = dnp.random.default_rng(1).choice(5, size=5, replace=False)
    assert sorted(perm.tolist()) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="cannot be empty"):
        dnp.random.default_rng(1).choice(0, size=3)


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_split(executor, chunks):
    x = dnp.asarray(A, chunks=chunks)
    for sections, axis in [(5, 0), (7, 1), (1, 0)]:
        for e, g in zip(
            numpy.split(A, sections, axis=axis), dnp.split(x, sections, axis=axis), strict=True
        ):
            same(e, g)
    for arg, axis in [(3, 0), (4, 1), ([1, 3], 0), ([2, 2, 9], 1), (8, 0)]:
        expected, got = numpy.array_split(A, arg, axis=axis), numpy.array_split(x, arg, axis=axis)
        assert len(expected) == len(got)
        for e, g in zip(expected, got, strict=True):
            same(e, g)
    with pytest.raises(ValueError, match="equal division"):
        dnp.split(x, 3)


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_repeat_tile(executor, chunks):
    x = dnp.asarray(A, chunks=chunks)
    same(numpy.repeat(A, 3), numpy.repeat(x, 3))
    same(A.repeat(2, axis=1), x.repeat(2, axis=1))
    same(numpy.repeat(A, 0, axis=0), dnp.repeat(x, 0, axis=0))
    same(numpy.tile(A, 2), numpy.tile(x, 2))
    same(numpy.tile(A, (2, 1, 3)), dnp.tile(x, (2, 1, 3)))
    same(numpy.tile(A, (0, 2)), dnp.tile(x, (0, 2)))
    with pytest.warns(dnp.NumpyFallbackWarning, match="repeat"):
        same(numpy.repeat(A[0], A[1] % 3), numpy.repeat(x[0], A[1] % 3))
