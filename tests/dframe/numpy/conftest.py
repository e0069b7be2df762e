"""Helpers for dframe.numpy tests: compare with NumPy exactly (values, dtype, shape; floats to
1e-9 relative), check every block against the layout the plan promises, and chunkings that
include one block, uneven last blocks and more blocks than elements."""

from __future__ import annotations

import numpy
import pytest
from hypothesis import strategies as st

import dframe.numpy as dnp
from dframe import config
from dframe.execution import lower
from dframe.execution.executors import RuntimeExecutor
from dframe.numpy import fallback as numpy_fallback

# 1-D chunkings of 13 elements: one block, uneven, single elements, empty blocks among them
# (more blocks than elements), "auto".
CHUNKS_1D = [13, 5, 1, (0, 4, 0, 0, 9, 0), "auto"]
# 2-D chunkings of a (5, 7) array.
CHUNKS_2D = [(5, 7), (2, 3), (1, 1), ((0, 2, 3, 0), (7,)), ((5,), (3, 0, 4))]


@st.composite
def chunkings(draw, n):
    """Block sizes along an axis of length ``n``: a regular size (possibly longer than the
    axis), or explicit uneven sizes with empty blocks among them (more blocks than elements)."""
    if draw(st.booleans()):
        return draw(st.integers(1, max(1, n + 1)))
    sizes = []
    left = n
    while left > 0:
        k = draw(st.integers(1, left))
        sizes.append(k)
        left -= k
    for _ in range(draw(st.integers(0, 2))):  # empty blocks: more blocks than elements
        sizes.insert(draw(st.integers(0, len(sizes))), 0)
    return tuple(sizes) if sizes else (0,)


@pytest.fixture(autouse=True)
def _fresh_numpy_fallback_warnings():
    numpy_fallback.reset_warnings()
    yield


@pytest.fixture
def runtime(shared_ray):
    """The runtime executor alone (the module's shared runtime), for properties that run fewer
    examples there than in the driver."""
    with config.override(executor=RuntimeExecutor()):
        yield


def check_blocks(x: dnp.ndarray) -> None:
    """Every computed block has the shape and dtype the plan's layout says."""
    mat = lower.compute(x._plan)
    blocks = mat.executor.get(list(mat.handles))
    meta = x._plan.meta
    assert len(blocks) == meta.nblocks
    for position, block in zip(meta.blocks(), blocks, strict=True):
        assert numpy.shape(block) == meta.block_shape(position), (position, numpy.shape(block))
        assert numpy.asarray(block).dtype == meta.dtype


def same(expected, result, rtol: float = 1e-9) -> None:
    """``result`` (a dframe array or a scalar) equals NumPy's ``expected`` exactly in type,
    shape and dtype, and in value (floats within ``rtol``, NaN where NumPy has NaN)."""
    if isinstance(expected, numpy.ndarray):
        assert isinstance(result, dnp.ndarray), type(result)
        assert result.shape == expected.shape, (result.shape, expected.shape)
        assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
        check_blocks(result)
        got = result.compute()
    else:
        assert type(result) is type(expected), (type(result), type(expected))
        got = result
    if numpy.asarray(expected).dtype.kind in "fc":
        numpy.testing.assert_allclose(got, expected, rtol=rtol, atol=0, strict=True)
    else:
        numpy.testing.assert_array_equal(got, expected, strict=True)
