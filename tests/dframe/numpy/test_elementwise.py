"""Element-wise NumPy against NumPy: ufuncs over dtypes and broadcasting shapes at several
chunkings (including operands cut differently), NEP 50 promotion, operators, ``out=``,
``where``/``clip``/``isclose``/``allclose``/``astype``, and fusion into one task per block."""

from __future__ import annotations

import warnings

import numpy
import pytest

import dframe.numpy as dnp
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import product_on_executors
from tests.dframe.numpy.conftest import CHUNKS_1D, CHUNKS_2D, same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")


def _data(dtype, shape, seed=0):
    rng = numpy.random.default_rng(seed)
    values = rng.normal(0, 3, shape)
    dtype = numpy.dtype(dtype)
    if dtype.kind == "b":
        return values > 0
    if dtype.kind in "iu":
        return numpy.abs(values * 3).astype(dtype) + (1 if dtype.kind == "u" else 0)
    if dtype.kind == "c":
        return (values + 1j * rng.normal(0, 1, shape)).astype(dtype)
    out = values.astype(dtype)
    if out.size > 3:
        out.flat[1], out.flat[2] = numpy.nan, numpy.inf
    return out


UNARY = ["negative", "absolute", "exp", "log1p", "sqrt", "sin", "floor", "isnan", "isfinite",
         "signbit", "square", "sign", "rint", "isinf", "cbrt", "logical_not"]  # fmt: skip


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["f8", "f4", "i4", "u1", "?"])
def test_unary_ufuncs(name, dtype):
    a = _data(dtype, (5, 7))
    ufunc = getattr(numpy, name)
    try:
        with numpy.errstate(all="ignore"):
            expected = ufunc(a)
    except TypeError as exc:  # NumPy refuses this dtype: so does dframe, with its error
        with pytest.raises(type(exc)):
            ufunc(dnp.asarray(a, chunks=(2, 3)))
        return
    for chunks in [(2, 3), (5, 7), ((0, 2, 3, 0), (7,))]:
        with numpy.errstate(all="ignore"):
            same(expected, ufunc(dnp.asarray(a, chunks=chunks)))


BINARY = ["add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "power",
          "maximum", "fmin", "arctan2", "equal", "less", "logical_and", "bitwise_and",
          "hypot", "copysign"]  # fmt: skip
DTYPE_PAIRS = [("f8", "f8"), ("i4", "f4"), ("i1", "u1"), ("?", "i8"), ("f4", "f8"), ("c16", "f8"),
               ("i8", "i8")]  # fmt: skip


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("dtypes", DTYPE_PAIRS)
def test_binary_ufuncs(name, dtypes):
    a, b = _data(dtypes[0], (5, 7), 1), _data(dtypes[1], (7,), 2)
    ufunc = getattr(numpy, name)
    try:
        with numpy.errstate(all="ignore"):
            expected = ufunc(a, b)
    except TypeError as exc:
        with pytest.raises(type(exc)):
            ufunc(dnp.asarray(a), dnp.asarray(b))
        return
    with numpy.errstate(all="ignore"):
        same(expected, ufunc(dnp.asarray(a, chunks=(2, 3)), dnp.asarray(b, chunks=3)))
        same(expected, ufunc(dnp.asarray(a, chunks=(2, 3)), b))  # a NumPy operand
        same(expected, ufunc(a, dnp.asarray(b, chunks=(7,))))


SHAPES = [((5, 7), (7,)), ((5, 1), (1, 7)), ((5, 7), (5, 1)), ((), (5, 7)), ((1,), (13,)),
          ((3, 1, 4), (2, 1)), ((0, 3), (3,)), ((0,), (1,)), ((4, 0), (1, 1))]  # fmt: skip


@product_on_executors([1, 2, "auto"], [1, 2, "auto"], count="chunks", shapes=SHAPES)
def test_broadcasting(executor, shapes, chunks):
    a, b = numpy.arange(numpy.prod(shapes[0])).reshape(shapes[0]), _data("f8", shapes[1], 3)
    x, y = dnp.asarray(a, chunks=chunks), dnp.asarray(b, chunks=3 if chunks != "auto" else chunks)
    with numpy.errstate(all="ignore"):
        same(a * b - a, x * y - x)
        same(numpy.greater(b, a), numpy.greater(y, x))


@pytest.mark.parametrize("chunks", CHUNKS_1D)
def test_operators_1d(executor, chunks):
    a = numpy.arange(13) - 6
    x = dnp.asarray(a, chunks=chunks)
    with numpy.errstate(all="ignore"):
        for expected, got in [
            (a + 1, x + 1), (1 - a, 1 - x), (a * a, x * x), (a / 4, x / 4), (7 // (a | 1), 7 // (x | 1)),
            (a % 5, x % 5), (a**2, x**2), (2.0**a, 2.0**x), (-a, -x), (abs(a), abs(x)), (+a, +x),
            (~a, ~x), (a & 3, x & 3), (a ^ 5, x ^ 5), (a << 2, x << 2), (a >> 1, x >> 1),
            (a == 2, x == 2), (a != 2, x != 2), (a < 0, x < 0), (a >= 1, x >= 1),
            (numpy.float64(2) * a, numpy.float64(2) * x), (a + numpy.ones(13), x + numpy.ones(13)),
        ]:  # fmt: skip
            same(expected, got)


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_mixed_chunkings_are_aligned(executor, chunks):
    a, b = numpy.arange(35.0).reshape(5, 7), numpy.arange(35).reshape(5, 7) % 4
    same(a / (b + 1), dnp.asarray(a, chunks=chunks) / (dnp.asarray(b, chunks=(3, 2)) + 1))


def test_nep50_promotion():
    f4, i1, u1 = numpy.ones(3, "f4"), numpy.ones(3, "i1"), numpy.ones(3, "u1")
    same(f4 + 1.5, dnp.asarray(f4) + 1.5)  # a Python float is weak: float32 stays
    same(f4 + numpy.float64(1.5), dnp.asarray(f4) + numpy.float64(1.5))  # a NumPy scalar is not
    same(i1 + 3, dnp.asarray(i1) + 3)
    same(u1 * 2.5, dnp.asarray(u1) * 2.5)
    same(i1 + u1, dnp.asarray(i1) + dnp.asarray(u1))
    with pytest.raises(OverflowError):
        i1 + 1000
    with pytest.raises(OverflowError):
        dnp.asarray(i1) + 1000


def test_ufunc_protocol_keeps_dframe_arrays():
    x = dnp.arange(5.0, chunks=2)
    for out in (numpy.exp(x), numpy.add(x, x), numpy.arange(5) + x, numpy.float32(2) * x):
        assert isinstance(out, dnp.ndarray)


def test_shape_mismatch_is_numpys_error():
    with pytest.raises(ValueError) as expected:
        numpy.ones((3, 4)) + numpy.ones(3)
    with pytest.raises(ValueError) as got:
        dnp.ones((3, 4)) + dnp.ones(3)
    assert str(got.value) == str(expected.value)


def test_type_errors_are_numpys():
    with pytest.raises(numpy._core._exceptions._UFuncNoLoopError):
        numpy.add(dnp.asarray(["a"]), 1)
    with pytest.raises(TypeError):
        numpy.bitwise_and(dnp.ones(3), 1)


def test_ufuncs_with_two_outputs(executor):
    a = numpy.arange(-6.5, 6, 1.25)
    x = dnp.asarray(a, chunks=3)
    q, r = divmod(x, 2)
    eq, er = divmod(a, 2)
    same(eq, q)
    same(er, r)
    m, e = numpy.frexp(x)
    em, ee = numpy.frexp(a)
    same(em, m)
    same(ee, e)


def test_out_swaps_the_plan(executor):
    a = numpy.arange(10.0)
    x = dnp.asarray(a, chunks=3)
    y = x
    keep = x * 1
    assert numpy.add(x, 1, out=x) is x
    same(a + 1, x)
    same(a, keep)  # arrays built before keep their values
    assert y is x
    ints = dnp.arange(4)
    with pytest.raises(TypeError, match="Cannot cast"):
        numpy.add(ints, 1.5, out=ints)
    numpy.multiply(x, 2, out=x, where=x > 5)
    expected = a + 1
    numpy.multiply(expected, 2, out=expected, where=expected > 5)
    same(expected, x)
    col = dnp.zeros((3, 4))
    numpy.add(dnp.arange(4.0), 1, out=col)
    same(numpy.add(numpy.arange(4.0), 1) + numpy.zeros((3, 4)), col)


def test_where_without_out_falls_back():
    x = dnp.arange(4.0)
    with pytest.warns(dnp.NumpyFallbackWarning, match="numpy.add"):
        numpy.add(x, 1, out=numpy.zeros(4), where=numpy.array([True, False, True, False]))


@pytest.mark.parametrize("chunks", CHUNKS_1D)
def test_where_clip_isnan(executor, chunks):
    a = _data("f8", (13,), 4)
    b = numpy.arange(13.0)
    x, y = dnp.asarray(a, chunks=chunks), dnp.asarray(b, chunks=chunks)
    same(numpy.where(a > 0, a, b), dnp.where(x > 0, x, y))
    same(numpy.where(a > 0, a, 0), numpy.where(x > 0, x, 0))
    same(numpy.where(b > 3, 1, 2), dnp.where(y > 3, 1, 2))
    same(numpy.clip(b, 2, 9), dnp.clip(y, 2, 9))
    same(numpy.clip(a, None, 1), x.clip(None, 1))
    same(b.clip(min=3), y.clip(min=3))
    same(numpy.isnan(a), dnp.isnan(x))
    same(numpy.isfinite(a), numpy.isfinite(x))


def test_isclose_allclose(executor):
    a = numpy.array([1.0, 2.0, numpy.nan, 1e10, 0.0])
    b = a + numpy.array([1e-9, 1e-3, 0, 1.0, 1e-9])
    x, y = dnp.asarray(a, chunks=2), dnp.asarray(b, chunks=3)
    same(numpy.isclose(a, b), dnp.isclose(x, y))
    same(
        numpy.isclose(a, b, equal_nan=True, rtol=1e-2), dnp.isclose(x, y, equal_nan=True, rtol=1e-2)
    )
    assert dnp.allclose(x, y) is False and numpy.allclose(a, b) is False
    assert dnp.allclose(x, x, equal_nan=True) is True
    assert numpy.allclose(x, a, equal_nan=True) is True


@pytest.mark.parametrize("dtype", ["f4", "i2", "u1", "?", "c8", "U5"])
def test_astype(executor, dtype):
    a = numpy.array([1.7, -2.2, 0.0, 300.5])
    x = dnp.asarray(a, chunks=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own cast warnings
        same(a.astype(dtype), x.astype(dtype))
        same(a.astype(dtype), dnp.astype(x, dtype))
    with pytest.raises(TypeError):
        x.astype("i4", casting="safe")


def test_elementwise_chain_is_one_task_per_block():
    ex = SyncExecutor()
    with config.override(executor=ex):
        a = numpy.arange(20.0)
        x = dnp.asarray(a, chunks=5)
        y = numpy.sqrt(((x * 2 + 1) ** 2 - x).clip(0, 50)) + dnp.where(x > 3, 1.0, x)
        same(numpy.sqrt(((a * 2 + 1) ** 2 - a).clip(0, 50)) + numpy.where(a > 3, 1.0, a), y)
        assert ex.tasks_submitted == 4
        # Generated inputs fuse too: a range, scaled and summed, is one task per block plus
        # the combine.
        before = ex.tasks_submitted
        assert (dnp.arange(100, chunks=25) * 2).sum() == 9900
        assert ex.tasks_submitted - before == 4 + 1


def test_fortran_ordered_and_non_contiguous_inputs(executor):
    f = numpy.asfortranarray(numpy.arange(35.0).reshape(5, 7))
    strided = numpy.arange(140.0).reshape(10, 14)[::2, 1::2]
    for a in (f, strided, f.T):
        x = dnp.asarray(a, chunks=(2, 3))
        same(a * 2 - 1, x * 2 - 1)
        same(a.sum(axis=0), x.sum(axis=0))
        same(a[1:, ::-2], x[1:, ::-2])
        same(a.reshape(-1), x.reshape(-1))  # C order, whatever the input's layout


def test_zero_d_arrays(executor):
    a = numpy.asarray(2.5)
    x = dnp.asarray(a)
    same(a * 3, x * 3)
    same(numpy.exp(a) + numpy.arange(3), numpy.exp(x) + dnp.arange(3))
    assert type(x.sum()) is numpy.float64 and x.sum() == 2.5
    assert x.ndim == 0 and x.chunks == () and float(x) == 2.5
