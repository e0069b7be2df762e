"""Matrix products by blocks against NumPy: ``@``/``matmul``, ``dot``, ``outer`` for 1-D and
2-D operands at several chunkings (the right operand cut differently), both executors."""

from __future__ import annotations

import numpy
import pytest

import dframe.numpy as dnp
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.numpy.conftest import same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

A = numpy.random.default_rng(0).normal(size=(5, 7))
B = numpy.arange(21).reshape(7, 3) % 5
CHUNKINGS = [
    ((2, 3), (2, 2)),
    ((5, 7), (7, 3)),
    (((0, 2, 3, 0), (3, 0, 4)), (1, 1)),
    ((1, 1), (7, 1)),
]


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_matmul(executor, chunks):
    x, y = dnp.asarray(A, chunks=chunks[0]), dnp.asarray(B, chunks=chunks[1])
    same(A @ B, x @ y)
    same(numpy.matmul(A, B), numpy.matmul(x, y))
    same(A @ B[:, 0], x @ y[:, 0])
    same(A[0] @ B, x[0] @ y)
    same(A[0] @ A[1], x[0] @ x[1])  # a scalar
    same(B.T @ B, y.T @ y)  # integers stay integers
    same(A @ B, x @ B)  # a NumPy operand


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_dot_and_outer(chunks):
    x, y = dnp.asarray(A, chunks=chunks[0]), dnp.asarray(B, chunks=chunks[1])
    same(A.dot(B), x.dot(y))
    same(numpy.dot(A, B), numpy.dot(x, y))
    same(numpy.dot(A, 2.5), dnp.dot(x, 2.5))
    same(numpy.outer(A[0], B[:, 1]), numpy.outer(x[0], y[:, 1]))
    same(numpy.outer(A, B), dnp.outer(x, y))
    same(numpy.multiply.outer(A[1], B[1]), numpy.multiply.outer(x[1], y[1]))


def test_product_errors_are_numpys():
    with pytest.raises(ValueError) as expected:
        A @ numpy.ones((3, 3))
    with pytest.raises(ValueError) as got:
        dnp.asarray(A) @ dnp.ones((3, 3))
    assert str(got.value) == str(expected.value)
    with pytest.raises(ValueError, match="enough dimensions"):
        numpy.matmul(dnp.asarray(A), dnp.asarray(2.0))


def test_stacked_products_fall_back():
    c = numpy.arange(24.0).reshape(2, 3, 4)
    with pytest.warns(dnp.NumpyFallbackWarning, match="matmul"):
        same(c @ c.transpose(0, 2, 1), dnp.asarray(c) @ dnp.asarray(c).transpose(0, 2, 1))


def test_product_tasks():
    ex = SyncExecutor()
    with config.override(executor=ex):
        x = dnp.asarray(numpy.ones((6, 6)), chunks=3)
        same(numpy.full((6, 6), 6.0), x @ x)
        # 2 x 2 output blocks, each the sum of 2 block products: 8 products, 4 sums
        assert ex.tasks_submitted == 8 + 4
