"""Helpers of the gate properties (``test_gate*.py``): random arrays in every layout and
chunking, and the comparison with NumPy — the same result type (a dframe array or NumPy's
scalar), shape and dtype, integers and booleans exactly, floats within a tolerance relative to
the sum of magnitudes (1e-9 float64, 1e-5 float32), or NumPy's exception."""

from __future__ import annotations

import contextlib
import warnings

import numpy
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dframe.numpy as dnp
from dframe.numpy import fallback as numpy_fallback
from tests.dframe.numpy.conftest import check_blocks, chunkings

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DTYPES = ["f8", "f4", "i8", "i4", "i1", "u1", "u8", "c16", "?"]
LAYOUTS = ["C", "F", "strided", "reversed", "transposed"]
TOLERANCE = {4: 1e-5, 8: 1e-9}  # by float itemsize: float32, float64 (complex: its parts)


# -- data ----------------------------------------------------------------------------------


def values(dtype, shape, seed, nan=True):
    """Small values (sums and products stay exact in integers and finite in float32); among
    floats, for some seeds, a NaN, an infinity and a negative zero."""
    rng = numpy.random.default_rng(seed)
    a = numpy.asarray(rng.integers(-3, 4, shape))
    dtype = numpy.dtype(dtype)
    if dtype.kind == "b":
        return numpy.asarray(a > 0)
    if dtype.kind == "u":
        a = numpy.abs(a)
    a = a.astype(dtype)
    if dtype.kind == "f":
        a = a + numpy.asarray(0.25, dtype)
        if nan and a.size > 1 and seed % 3 == 0:
            a.flat[seed % a.size] = numpy.nan
        if nan and a.size > 2 and seed % 5 == 1:
            a.flat[seed % a.size] = numpy.inf if seed % 2 else -numpy.inf
        if a.size and seed % 7 == 2:
            a.flat[0] = -0.0
    return numpy.asarray(a)


def in_layout(a, layout):
    """``a``'s values in another memory layout: Fortran order, a strided or reversed view, or
    the transpose of a C array."""
    if layout == "F" and a.ndim:
        return numpy.asfortranarray(a)
    if layout == "strided" and a.ndim:
        wide = numpy.repeat(a, 2, axis=-1)
        return wide[..., ::2]
    if layout == "reversed" and a.ndim:
        return numpy.flip(numpy.flip(a).copy())
    if layout == "transposed" and a.ndim > 1:
        return numpy.ascontiguousarray(a.T).T
    return a.copy()


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES, nan=True):
    """A NumPy array (random shape, dtype and layout) and the same values as a dframe array
    with random chunks."""
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    elif not isinstance(shape, tuple):
        shape = draw(shape)  # a strategy of shapes
    a = values(draw(st.sampled_from(dtypes)), shape, draw(st.integers(0, 2**16)), nan)
    a = in_layout(a, draw(st.sampled_from(LAYOUTS)))
    chunks = draw(st.one_of(st.just("auto"), st.tuples(*(chunkings(n) for n in shape))))
    return a, dnp.asarray(a, chunks=chunks)


def magnitude(*arrays) -> float:
    """The scale of a float result's error: the sum of the magnitudes it was computed from."""
    total = 0.0
    for a in arrays:
        a = numpy.abs(numpy.asarray(a, dtype=complex).real) + numpy.abs(
            numpy.asarray(a, dtype=complex).imag
        )
        total += float(numpy.sum(a[numpy.isfinite(a)], dtype="f8"))
    return total


def parity(expected, got, scale=0.0):
    """``got`` is what NumPy gave: a dframe array for an array (blocks as the plan says) or the
    same NumPy scalar type; same shape and dtype; integers and booleans exactly, floats within
    the gate's tolerance relative to ``scale`` (NaN where NumPy has NaN)."""
    if isinstance(expected, numpy.ndarray):
        assert isinstance(got, dnp.ndarray), type(got)
        assert (got.shape, got.dtype) == (expected.shape, expected.dtype)
        check_blocks(got)
        got = got.compute()
    else:
        assert type(got) is type(expected), (type(got), type(expected))
    kind = numpy.asarray(expected).dtype
    if kind.kind in "fc":
        tol = TOLERANCE.get(kind.itemsize // (2 if kind.kind == "c" else 1), 1e-3)
        numpy.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale, strict=True)
    else:
        numpy.testing.assert_array_equal(got, expected, strict=True)


@contextlib.contextmanager
def quiet():
    """NumPy's warnings silenced (fallback warnings stay errors)."""
    numpy_fallback.reset_warnings()  # each example warns again, whatever ran before
    with warnings.catch_warnings(), numpy.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", numpy.exceptions.ComplexWarning)
        yield


def both(fn, *args, **kwargs):
    """``fn`` run ``quiet``ly; NumPy's exception, if any, is returned instead of raised."""
    with quiet():
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError, IndexError, OverflowError) as exc:
            return exc


def compare(fn_numpy, fn_dframe, scale=0.0, message=True):
    """NumPy's and dframe's results agree, or both raise the same exception type (and message
    when it names shapes, unless ``message`` is false)."""
    expected = both(fn_numpy)
    got = both(fn_dframe)
    if isinstance(expected, Exception):
        assert isinstance(got, type(expected)), (expected, got)
        if message and "shape" in str(expected):
            assert str(got) == str(expected)
        return
    if isinstance(got, Exception):
        raise got
    with quiet():
        if isinstance(expected, list | tuple):
            assert len(got) == len(expected)
            for e, g in zip(expected, got, strict=True):
                parity(e, g, scale)
        else:
            parity(expected, got, scale)


def compare_lazy(fn_numpy, fn_dframe, scale=0.0):
    """``compare``, where dframe may raise NumPy's error only when the array is computed (a
    value-dependent error, as ``nanargmin`` of an all-NaN slice)."""
    expected = both(fn_numpy)
    if isinstance(expected, Exception):
        got = both(fn_dframe)
        if isinstance(got, dnp.ndarray):
            got = both(got.compute)
        assert isinstance(got, type(expected)), (expected, got)
        return
    compare(fn_numpy, fn_dframe, scale)



SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@st.composite
def axes(draw, ndim, single=False):
    """None, one axis or a tuple of distinct axes in any order, negative or not."""
    if ndim == 0 or draw(st.integers(0, 3)) == 0:
        return None
    pick = st.integers(0, ndim - 1).flatmap(lambda a: st.sampled_from([a, a - ndim]))
    if single or draw(st.booleans()):
        return draw(pick)
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(draw(st.sampled_from([a, a - ndim])) for a in chosen)

