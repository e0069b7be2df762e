"""Property test: random chains of element-wise operations followed by a reduction, on random
shapes, dtypes and chunkings (empty blocks included), equal NumPy's results — dtype and shape
exactly, values within a tolerance relative to the sum of magnitudes (chunked sums add in
another order)."""

from __future__ import annotations

import warnings

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dframe.numpy as dnp
from tests.dframe.numpy.conftest import chunkings

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

DTYPES = ["f8", "f4", "i8", "i4", "u1", "?"]
UNARY = [numpy.negative, numpy.absolute, numpy.sin, numpy.square, numpy.isnan, numpy.sign]
BINARY = [numpy.add, numpy.subtract, numpy.multiply, numpy.maximum, numpy.minimum, numpy.equal]
REDUCTIONS = ["sum", "prod", "mean", "std", "var", "min", "max", "argmin", "argmax", "any",
              "all", "nansum", "nanmean", "nanmax"]  # fmt: skip


@st.composite
def cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**16))
    chunks = tuple(draw(chunkings(n)) for n in shape)
    # A second operand broadcasting against the first: a trailing part of its shape.
    tail = shape[draw(st.integers(0, len(shape))) :]
    other_chunks = tuple(draw(chunkings(n)) for n in tail)
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("unary"), st.sampled_from(range(len(UNARY)))),
                st.tuples(st.just("binary"), st.sampled_from(range(len(BINARY)))),
                st.tuples(
                    st.just("scalar"), st.sampled_from(range(len(BINARY))), st.integers(-3, 3)
                ),
            ),
            min_size=1,
            max_size=5,
        )
    )
    name = draw(st.sampled_from(REDUCTIONS))
    axis = draw(st.sampled_from([None, *range(len(shape))]))
    keepdims = draw(st.booleans())
    return shape, dtype, seed, chunks, tail, other_chunks, steps, name, axis, keepdims


def _values(shape, dtype, seed):
    rng = numpy.random.default_rng(seed)
    a = rng.integers(-4, 5, shape)
    if numpy.dtype(dtype).kind == "u":
        a = numpy.abs(a)
    return a.astype(dtype) if dtype != "?" else a > 0


def _run(lib, x, y, steps, name, axis, keepdims):
    for step in steps:
        if step[0] == "unary":
            x = UNARY[step[1]](x)
        elif step[0] == "binary":
            x = BINARY[step[1]](x, y)
        else:
            x = BINARY[step[1]](x, step[2])
    return x, getattr(lib, name)(x, axis=axis, keepdims=keepdims)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
)
@given(case=cases())
def test_chains_then_a_reduction_match_numpy(sync, case):
    shape, dtype, seed, chunks, tail, other_chunks, steps, name, axis, keepdims = case
    a, b = _values(shape, dtype, seed), _values(tail, dtype, seed + 1)
    with warnings.catch_warnings(), numpy.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            mid, expected = _run(numpy, a, b, steps, name, axis, keepdims)
        except (TypeError, OverflowError) as exc:  # NumPy refuses: dframe raises the same type
            with pytest.raises(type(exc)):
                _run(
                    dnp,
                    dnp.asarray(a, chunks=chunks),
                    dnp.asarray(b, chunks=other_chunks),
                    steps,
                    name,
                    axis,
                    keepdims,
                )
            return
        x, y = dnp.asarray(a, chunks=chunks), dnp.asarray(b, chunks=other_chunks)
        _, got = _run(dnp, x, y, steps, name, axis, keepdims)
        if isinstance(got, dnp.ndarray):
            assert (got.shape, got.dtype) == (expected.shape, expected.dtype)
            got = got.compute()
        else:
            assert type(got) is type(expected)
    expected, got = numpy.asarray(expected), numpy.asarray(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if expected.dtype.kind in "fc":
        scale = float(numpy.nansum(numpy.abs(numpy.asarray(mid, dtype="f8")))) or 1.0
        # per precision: half (one unit in the last place of a few additions), single, double
        tol = {2: 4e-3, 4: 1e-5}.get(expected.dtype.itemsize, 1e-9)
        if name in ("prod", "var", "std"):
            tol *= 10
        numpy.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale)
    else:
        numpy.testing.assert_array_equal(got, expected)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=cases())
def test_chains_on_the_runtime(executor, case):
    shape, dtype, seed, chunks, *_, axis, keepdims = case
    a = _values(shape, dtype, seed)
    with numpy.errstate(all="ignore"):
        expected = numpy.sum(numpy.negative(a) if dtype != "?" else a, axis=axis, keepdims=keepdims)
        x = dnp.asarray(a, chunks=chunks)
        got = dnp.sum(numpy.negative(x) if dtype != "?" else x, axis=axis, keepdims=keepdims)
    got = got.compute() if isinstance(got, dnp.ndarray) else got
    numpy.testing.assert_array_equal(numpy.asarray(got), numpy.asarray(expected), strict=True)
