"""Shape functions and basic indexing against NumPy, at several chunkings (uneven blocks, empty
blocks), fused with element-wise work, on both executors."""

from __future__ import annotations

import numpy
import pytest

import dframe.numpy as dnp
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import product_on_executors
from tests.dframe.numpy.conftest import CHUNKS_1D, CHUNKS_2D, same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

A = numpy.arange(35).reshape(5, 7)

KEYS_2D = [
    2, -1, (1, 2), (-5, -7), (slice(1, 4), slice(None, None, 2)), (slice(None, None, -1),),
    (Ellipsis, -1), (None, 3), (slice(4, 0, -2), slice(6, None, -3)), (slice(10, 20),),
    (Ellipsis, None), (-1, slice(None, None, -1)), (slice(None), None, slice(2, 3)),
    (slice(0, 0),), (numpy.int64(3), Ellipsis), (slice(-100, 100, 3), 0), (),
]  # fmt: skip


@product_on_executors(CHUNKS_2D, CHUNKS_2D, count="chunks", key=KEYS_2D)
def test_basic_indexing(executor, chunks, key):
    x = dnp.asarray(A, chunks=chunks)
    expected = A[key]
    got = x[key]
    if isinstance(expected, numpy.ndarray):
        same(expected, got)
    else:
        same(expected, got)  # one element: a NumPy scalar


@pytest.mark.parametrize("chunks", CHUNKS_1D)
@pytest.mark.parametrize("step", [1, 2, 3, 5, -1, -2, -4, 13])
def test_slices_with_steps_1d(chunks, step):
    a = numpy.arange(13.0)
    x = dnp.asarray(a, chunks=chunks)
    for start, stop in [(None, None), (2, 11), (11, 2), (-3, None), (None, -20), (0, 1)]:
        same(a[start:stop:step], x[start:stop:step])


def test_indexing_errors_are_numpys():
    x = dnp.asarray(A, chunks=2)
    with pytest.raises(IndexError, match="out of bounds"):
        x[5]
    with pytest.raises(IndexError, match="too many indices"):
        x[1, 2, 3]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., 1, ...]


def test_advanced_indexing_falls_back():
    x = dnp.asarray(A, chunks=2)
    with pytest.warns(dnp.NumpyFallbackWarning, match="__getitem__"):
        same(A[[0, 3]], x[[0, 3]])
    same(A[A > 20], x[x > 20])


def test_setitem_swaps_the_plan():
    a = A.copy()
    x = dnp.asarray(a, chunks=2)
    before = x + 0
    with pytest.warns(dnp.NumpyFallbackWarning, match="__setitem__"):
        x[1:3, ::2] = -1
    a[1:3, ::2] = -1
    same(a, x)
    same(A, before)


def test_indexing_reads_only_the_blocks_it_needs():
    ex = SyncExecutor()
    with config.override(executor=ex):
        x = dnp.arange(100, chunks=10) * 2
        same(numpy.arange(100)[32:38] * 2, x[32:38])
        assert ex.tasks_submitted == 1  # one block, fused: range → *2 → slice
        same(numpy.arange(100)[35:42] * 2, x[35:42])
        assert ex.tasks_submitted == 1 + 2  # two blocks
        assert x[57] == 114


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_transpose_family(executor, chunks):
    x = dnp.asarray(A, chunks=chunks)
    same(A.T, x.T)
    same(A.transpose(1, 0), x.transpose(1, 0))
    same(numpy.transpose(A), numpy.transpose(x))
    same(numpy.swapaxes(A, 0, 1), dnp.swapaxes(x, 0, 1))
    b = numpy.arange(60).reshape(3, 4, 5)
    y = dnp.asarray(b, chunks=(2, 3, 2))
    same(b.transpose(2, 0, 1), y.transpose(2, 0, 1))
    same(numpy.moveaxis(b, 0, -1), numpy.moveaxis(y, 0, -1))
    same(numpy.moveaxis(b, [0, 1], [-1, -2]), dnp.moveaxis(y, [0, 1], [-1, -2]))
    same(b.transpose((1, 2, 0)) + 1, y.transpose((1, 2, 0)) + 1)
    with pytest.raises(ValueError, match="axes don't match"):
        y.transpose(0, 1, 1)


@pytest.mark.parametrize("chunks", CHUNKS_2D)
@pytest.mark.parametrize(
    "shape", [(7, 5), (35,), (-1,), (35, 1), (1, 35), (5, 7, 1), (5, 1, 7), (-1, 5)]
)
def test_reshape(executor, chunks, shape):
    x = dnp.asarray(A, chunks=chunks)
    same(A.reshape(shape), x.reshape(shape))
    same(A.reshape(shape), dnp.reshape(x, shape))


def test_reshape_3d_and_back():
    b = numpy.arange(120.0).reshape(4, 5, 6)
    y = dnp.asarray(b, chunks=(3, 2, 4))
    for shape in [(20, 6), (6, 20), (2, 3, 4, 5), (120,), (4, 30), (10, 12)]:
        same(b.reshape(shape), y.reshape(shape))
    same(b.ravel(), y.ravel())
    same(b.ravel(), numpy.ravel(y))
    same(b.flatten(), y.flatten())
    same(numpy.asarray(7).reshape(1, 1), dnp.asarray(7).reshape(1, 1))
    same(numpy.zeros((0, 3)).reshape(3, 0), dnp.zeros((0, 3)).reshape(3, 0))
    with pytest.raises(ValueError, match=r"cannot reshape array of size 120 into shape \(7,\)"):
        y.reshape(7)
    with pytest.raises(ValueError, match="only specify one unknown"):
        y.reshape(-1, -1)


def test_squeeze_expand_dims(executor):
    b = numpy.arange(12).reshape(1, 3, 1, 4)
    y = dnp.asarray(b, chunks=(1, 2, 1, 3))
    same(b.squeeze(), y.squeeze())
    same(numpy.squeeze(b, axis=2), dnp.squeeze(y, axis=2))
    same(b.squeeze((0, 2)), y.squeeze((0, 2)))
    with pytest.raises(ValueError, match="size not equal to one"):
        y.squeeze(axis=1)
    z = dnp.asarray(numpy.ones((1, 3)), chunks=((1,), (3,)))
    same(numpy.ones(3), z.squeeze())
    same(numpy.expand_dims(A, 0), dnp.expand_dims(dnp.asarray(A, chunks=2), 0))
    same(numpy.expand_dims(A, (0, -1)), dnp.expand_dims(dnp.asarray(A, chunks=2), (0, -1)))


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concatenate(executor, axis):
    b = numpy.arange(14.0).reshape(2, 7) if axis in (0, None) else numpy.arange(10.0).reshape(5, 2)
    x, y = dnp.asarray(A, chunks=(2, 3)), dnp.asarray(b, chunks=(1, 4))
    same(numpy.concatenate([A, b, A], axis=axis), dnp.concatenate([x, y, x], axis=axis))
    same(numpy.concatenate([A, b], axis=axis), numpy.concatenate([x, b], axis=axis))


def test_concatenate_errors_and_dtypes():
    x = dnp.asarray(A)
    with pytest.raises(ValueError) as expected:
        numpy.concatenate([A, numpy.ones((2, 3))])
    with pytest.raises(ValueError) as got:
        dnp.concatenate([x, dnp.ones((2, 3))])
    assert str(got.value) == str(expected.value)
    with pytest.raises(ValueError, match="same number of dimensions"):
        dnp.concatenate([x, dnp.ones(3)])
    same(
        numpy.concatenate([A, numpy.ones((1, 7), "f4")]),
        dnp.concatenate([x, dnp.ones((1, 7), "f4")]),
    )
    same(numpy.concatenate([A, A], dtype="i2"), dnp.concatenate([x, x], dtype="i2"))


def test_stack_family(executor):
    a, b = numpy.arange(6), numpy.arange(6, 12)
    x, y = dnp.asarray(a, chunks=4), dnp.asarray(b, chunks=2)
    for axis in (0, 1, -1):
        same(numpy.stack([a, b], axis=axis), dnp.stack([x, y], axis=axis))
    same(numpy.vstack([a, b]), dnp.vstack([x, y]))
    same(numpy.hstack([a, b]), dnp.hstack([x, y]))
    same(numpy.vstack([A, A]), dnp.vstack([dnp.asarray(A, chunks=2), A]))
    same(numpy.hstack([A, A]), numpy.hstack([dnp.asarray(A, chunks=2), dnp.asarray(A)]))
    with pytest.raises(ValueError, match="same shape"):
        dnp.stack([x, dnp.ones(3)])


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_boolean_masks(executor, chunks):
    a = numpy.arange(35.0).reshape(5, 7)
    x = dnp.asarray(a, chunks=chunks)
    for mask in (a > 20, a % 3 == 0, a < 0):
        same(a[mask], x[dnp.asarray(mask, chunks=(3, 2))])
        same(a[mask], x[mask])  # a NumPy mask
    same(a[a > 20] * 2, x[x > 20] * 2)
    same(a.ravel()[a.ravel() % 2 == 0].sum(), x.ravel()[x.ravel() % 2 == 0].sum())
    same(a[0][a[0] > 2], x[0][x[0] > 2])


def test_masks_of_other_shapes_fall_back():
    x = dnp.asarray(A, chunks=2)
    rows = numpy.array([True, False, True, False, True])
    with pytest.warns(dnp.NumpyFallbackWarning, match="__getitem__"):
        same(A[rows], x[dnp.asarray(rows)])
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[dnp.ones(3, dtype=bool)]
