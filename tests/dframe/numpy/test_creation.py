"""Array creation against NumPy: ``asarray`` with every form of ``chunks=``, constant arrays,
ranges, ``eye``; random generators reproducible whatever the chunking; ``rechunk``."""

from __future__ import annotations

import numpy
import pytest

import dframe.numpy as dnp
from tests.dframe.numpy.conftest import CHUNKS_1D, CHUNKS_2D, same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")


@pytest.mark.parametrize("chunks", CHUNKS_1D)
def test_asarray_1d(executor, chunks):
    a = numpy.arange(13) * 3 - 5
    x = dnp.asarray(a, chunks=chunks)
    same(a, x)
    assert sum(x.chunks[0]) == 13


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_asarray_2d(executor, chunks):
    a = numpy.arange(35.0).reshape(5, 7)
    same(a, dnp.asarray(a, chunks=chunks))


def test_chunks_forms():
    a = numpy.zeros((5, 7))
    assert dnp.asarray(a, chunks=2).chunks == ((2, 2, 1), (2, 2, 2, 1))
    assert dnp.asarray(a, chunks=(2, -1)).chunks == ((2, 2, 1), (7,))
    assert dnp.asarray(a, chunks=(None, 3)).chunks == ((5,), (3, 3, 1))
    assert dnp.asarray(a, chunks=((1, 4), (7,))).chunks == ((1, 4), (7,))
    assert dnp.asarray(a, chunks="auto").chunks == ((5,), (7,))
    with pytest.raises(ValueError, match="add up"):
        dnp.asarray(a, chunks=((1, 3), (7,)))
    with pytest.raises(ValueError, match="axes"):
        dnp.asarray(a, chunks=(1, 2, 3))


def test_auto_chunks_are_tens_of_megabytes():
    x = dnp.zeros((4096, 8192))
    block = x.chunks[0][0] * x.chunks[1][0] * 8
    assert 16 * 2**20 <= block <= 64 * 2**20
    assert x.chunks[1] == (8192,)  # whole rows: blocks are contiguous


def test_asarray_copies_the_input():
    a = numpy.arange(5)
    x = dnp.asarray(a)
    a[0] = 100
    same(numpy.arange(5), x)


def test_asarray_of_a_dframe_array_is_itself_or_converted():
    x = dnp.arange(6, chunks=2)
    assert dnp.asarray(x) is x
    same(numpy.arange(6, dtype="f4"), dnp.asarray(x, dtype="f4"))
    assert dnp.asarray(x, chunks=3).chunks == ((3, 3),)
    same(numpy.array([[1, 2]], dtype="i1"), dnp.array([[1, 2]], dtype="i1"))


def test_zero_d_and_empty(executor):
    same(numpy.asarray(3.5), dnp.asarray(3.5))
    same(numpy.zeros((0, 3)), dnp.zeros((0, 3), chunks=2))
    assert dnp.zeros((0,)).chunks == ((0,),)


@pytest.mark.parametrize("chunks", [1, 4, "auto"])
def test_constants(executor, chunks):
    same(numpy.zeros((3, 5)), dnp.zeros((3, 5), chunks=chunks))
    same(numpy.ones(7, dtype="i2"), dnp.ones(7, dtype="i2", chunks=chunks))
    same(numpy.full((2, 3), 7), dnp.full((2, 3), 7, chunks=chunks))
    same(numpy.full(4, 2.5, dtype="f4"), dnp.full(4, 2.5, dtype="f4", chunks=chunks))
    same(numpy.zeros(5, dtype=bool), dnp.empty(5, dtype=bool, chunks=chunks))


def test_like_functions():
    a = numpy.arange(12).reshape(3, 4)
    x = dnp.asarray(a, chunks=2)
    for name in ("zeros_like", "ones_like"):
        out = getattr(dnp, name)(x)
        same(getattr(numpy, name)(a), out)
        assert out.chunks == x.chunks
    same(numpy.full_like(a, 3), dnp.full_like(x, 3))
    same(numpy.full_like(a, 3.7), dnp.full_like(x, 3.7))  # a's dtype: truncated like NumPy
    same(numpy.zeros_like(a, dtype="f4", shape=(2, 2)), dnp.zeros_like(x, dtype="f4", shape=(2, 2)))
    same(numpy.zeros_like(a, dtype=float), dnp.empty_like(x, dtype=float))
    same(numpy.ones_like(a), dnp.ones_like(a))  # a NumPy array as the model


@pytest.mark.parametrize(
    "args",
    [
        (10,),
        (2, 11),
        (11, 2, -3),
        (0,),
        (5, 1),
        (0.5, 3.2, 0.3),
        (1, 2, 0.1),
        (-3, 3.0),
        (3, 0, -0.25),
    ],
)
@pytest.mark.parametrize("chunks", [1, 3, "auto"])
def test_arange(executor, args, chunks):
    same(numpy.arange(*args), dnp.arange(*args, chunks=chunks))


def test_arange_dtype_and_errors():
    same(numpy.arange(2, 9, 2, dtype="f4"), dnp.arange(2, 9, 2, dtype="f4", chunks=2))
    same(numpy.arange(5, dtype="u1"), dnp.arange(5, dtype="u1", chunks=2))
    with pytest.raises(ZeroDivisionError):
        dnp.arange(0, 5, 0)


@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((0, 1), {}),
        ((0, 1, 7), {"endpoint": False}),
        ((2.5, -4, 13), {}),
        ((0, 10, 1), {}),
        ((0, 10, 0), {}),
        ((0, 10, 6), {"dtype": int}),
        ((-3, 7, 11), {"dtype": "f4"}),
    ],
)
@pytest.mark.parametrize("chunks", [1, 4, "auto"])
def test_linspace(args, kwargs, chunks):
    same(numpy.linspace(*args, **kwargs), dnp.linspace(*args, **kwargs, chunks=chunks))


def test_linspace_retstep_and_errors():
    out, step = dnp.linspace(0, 1, 5, retstep=True, chunks=2)
    expected, estep = numpy.linspace(0, 1, 5, retstep=True)
    same(expected, out)
    assert step == estep
    with pytest.raises(ValueError, match="non-negative"):
        dnp.linspace(0, 1, -1)


@pytest.mark.parametrize("chunks", [1, 2, (3, 2), "auto"])
def test_eye_identity(executor, chunks):
    same(numpy.eye(5), dnp.eye(5, chunks=chunks))
    same(numpy.eye(4, 6, k=2, dtype=int), dnp.eye(4, 6, k=2, dtype=int, chunks=chunks))
    same(numpy.eye(4, 3, k=-1), dnp.eye(4, 3, k=-1, chunks=chunks))
    same(numpy.identity(3, dtype=bool), dnp.identity(3, dtype=bool, chunks=chunks))


def _draws(chunks):
    rng = dnp.random.default_rng(42)
    return [
        rng.random((9, 40), chunks=chunks).compute(),
        rng.normal(2.0, 3.0, (9, 40), chunks=chunks).compute(),
        rng.integers(-5, 5, (9, 40), chunks=chunks).compute(),
        rng.uniform(1, 2, (9, 40), chunks=chunks).compute(),
        rng.random((9, 40), dtype=numpy.float32, chunks=chunks).compute(),
    ]


def test_random_is_reproducible_whatever_the_chunking(executor):
    base = _draws((9, 40))
    for chunks in [(2, 7), (1, 40), (9, 1), ((0, 4, 5, 0), (40,)), "auto"]:
        for a, b in zip(base, _draws(chunks), strict=True):
            numpy.testing.assert_array_equal(a, b, strict=True)


def test_random_values_and_streams():
    random, normal, integers, uniform, single = _draws(3)
    assert random.dtype == numpy.float64 and 0 <= random.min() and random.max() < 1
    assert integers.dtype == numpy.int64 and integers.min() >= -5 and integers.max() < 5
    assert 1 <= uniform.min() and uniform.max() < 2 and single.dtype == numpy.float32
    assert abs(normal.mean() - 2.0) < 1.0
    # Successive calls and other seeds differ; the same seed repeats.
    rng = dnp.random.default_rng(1)
    first, second = rng.random(50).compute(), rng.random(50).compute()
    assert not numpy.array_equal(first, second)
    numpy.testing.assert_array_equal(first, dnp.random.default_rng(1).random(50).compute())
    assert not numpy.array_equal(first, dnp.random.default_rng(2).random(50).compute())


def test_random_crosses_segments():
    # More values than one seed segment: blocks of any size see the same numbers.
    n = 3 * 65536 + 17
    a = dnp.random.default_rng(5).random(n, chunks=n).compute()
    b = dnp.random.default_rng(5).random(n, chunks=40000).compute()
    numpy.testing.assert_array_equal(a, b)
    assert len(numpy.unique(a)) == n


def test_random_argument_errors_are_numpys():
    with pytest.raises(ValueError, match="high"):
        dnp.random.default_rng(0).integers(5, 5, size=3)


@pytest.mark.parametrize("new", [1, 3, (4, 0, 9), "auto", -1])
def test_rechunk(executor, new):
    a = numpy.arange(13.0)
    x = dnp.asarray(a, chunks=(0, 4, 0, 0, 9, 0)).rechunk(new)
    same(a, x)


def test_rechunk_2d(executor):
    a = numpy.arange(35).reshape(5, 7)
    x = dnp.asarray(a, chunks=(2, 3))
    for chunks in [(3, 2), (5, 1), ((1, 4), (7,)), (1, 7)]:
        out = dnp.rechunk(x, chunks)
        same(a, out)
    assert x.rechunk((2, 3)) is x
