"""Reductions against NumPy: every reduction and its ``nan`` form over every axis form, with
``keepdims``, ``dtype`` and ``ddof``, at several chunkings (uneven, empty blocks); scalar
results are NumPy scalars; ``numpy.sum(x)`` and ``numpy.add.reduce`` dispatch to dframe."""

from __future__ import annotations

import warnings

import numpy
import pytest

import dframe.numpy as dnp
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.numpy.conftest import CHUNKS_1D, CHUNKS_2D, same

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

PLAIN = ["sum", "prod", "mean", "std", "var", "min", "max", "any", "all"]
NAN = ["nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"]
ARG = ["argmin", "argmax", "nanargmin", "nanargmax"]
AXES = [None, 0, 1, -1, (0, 1), (1,)]


def _numpy(name, a, **kwargs):
    with warnings.catch_warnings(), numpy.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return getattr(numpy, name)(a, **kwargs)


def _data(kind):
    rng = numpy.random.default_rng(7)
    if kind == "float":
        a = rng.normal(5, 2, (5, 7))
        a[1, 2] = a[4, 6] = numpy.nan
        return a
    if kind == "float_clean":
        return rng.normal(5, 2, (5, 7))
    if kind == "int":
        return rng.integers(-3, 4, (5, 7))
    if kind == "bool":
        return rng.random((5, 7)) > 0.3
    if kind == "f4":
        return rng.normal(1, 1, (5, 7)).astype("f4")
    raise AssertionError(kind)


def _check(name, a, x, **kwargs):
    expected = _numpy(name, a, **kwargs)
    got = getattr(dnp, name)(x, **kwargs)
    rtol = 1e-5 if numpy.asarray(expected).dtype in (numpy.float32, numpy.complex64) else 1e-9
    same(expected, got, rtol=rtol)


@pytest.mark.parametrize("name", PLAIN + NAN)
@pytest.mark.parametrize("kind", ["float", "float_clean", "int", "bool", "f4"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(sync, name, kind, axis, keepdims):
    a = _data(kind)
    for chunks in CHUNKS_2D:
        _check(name, a, dnp.asarray(a, chunks=chunks), axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("name", PLAIN + NAN + ARG)
def test_reductions_on_the_runtime(executor, name):
    a = _data("float_clean")
    x = dnp.asarray(a, chunks=(2, 3))
    _check(name, a, x)
    _check(name, a, x, axis=0)
    if "arg" not in name:
        _check(name, a, x, axis=(0, 1), keepdims=True)


@pytest.mark.parametrize("name", ARG)
@pytest.mark.parametrize("kind", ["float_clean", "int", "bool", "float"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_arg_reductions(sync, name, kind, axis):
    a = _data(kind)
    for chunks in CHUNKS_2D:
        for keepdims in (False, True):
            _check(name, a, dnp.asarray(a, chunks=chunks), axis=axis, keepdims=keepdims)


def test_arg_ties_and_nan_pick_the_first():
    a = numpy.array([[3, 1, 2, 1], [1, 0, 5, 0], [0, 9, 0, 9]])
    for chunks in [(1, 1), (2, 3), (3, 1)]:
        x = dnp.asarray(a, chunks=chunks)
        for name in ("argmin", "argmax"):
            for axis in (None, 0, 1):
                _check(name, a, x, axis=axis)
    f = numpy.array([1.0, numpy.nan, 0.0, numpy.nan, -1.0])
    _check("argmin", f, dnp.asarray(f, chunks=2))
    _check("argmax", f, dnp.asarray(f, chunks=1))
    _check("nanargmin", f, dnp.asarray(f, chunks=2))
    all_nan = dnp.asarray(numpy.array([[1.0, numpy.nan], [2.0, numpy.nan]]), chunks=1)
    with pytest.raises(ValueError, match="All-NaN slice"):
        dnp.nanargmax(dnp.full(3, numpy.nan, chunks=2))  # a scalar: computed at the call
    lazy = dnp.nanargmax(all_nan, axis=0)  # an array: the values decide when it is computed
    with pytest.raises(ValueError, match="All-NaN slice"):
        lazy.compute()


@pytest.mark.parametrize("chunks", CHUNKS_1D)
def test_1d_scalars_are_numpy_scalars(executor, chunks):
    a = numpy.arange(13) - 4.5
    x = dnp.asarray(a, chunks=chunks)
    for name in PLAIN + NAN + ARG:
        _check(name, a, x)
    assert type(x.sum()) is numpy.float64 and type(dnp.arange(3).sum()) is numpy.int64
    assert type(x.argmax()) is numpy.int64 and type((x > 0).any()) is numpy.bool_


def test_dtype_and_ddof(sync):
    a = _data("int")
    x = dnp.asarray(a, chunks=(2, 3))
    _check("sum", a, x, dtype="i1")
    _check("sum", a, x, axis=0, dtype="f4")
    _check("prod", a, x, axis=1, dtype="f8")
    _check("mean", a, x, dtype="f4")
    _check("mean", a, x, axis=1, dtype="f8")
    _check("var", a, x, ddof=1)
    _check("std", a, x, axis=0, ddof=2)
    _check("var", a, x, axis=1, ddof=7)  # more than the count: inf/nan, as NumPy
    _check("nanstd", _data("float"), dnp.asarray(_data("float"), chunks=2), axis=1, ddof=1)
    f2 = numpy.linspace(-2, 3, 12, dtype="f2")
    _check("mean", f2, dnp.asarray(f2, chunks=5))
    c = numpy.arange(6) + 1j * numpy.arange(6)[::-1]
    _check("var", c, dnp.asarray(c, chunks=4))
    _check("sum", c, dnp.asarray(c, chunks=4))


def test_3d_axes(sync):
    a = numpy.random.default_rng(1).normal(size=(3, 4, 5))
    x = dnp.asarray(a, chunks=(2, 3, 2))
    for axis in [None, 0, 1, 2, (0, 2), (1, 2), (0, 1, 2), (-1, 0)]:
        for name in ("sum", "mean", "std", "max"):
            _check(name, a, x, axis=axis)
    for axis in [None, 0, 1, 2]:
        _check("argmin", a, x, axis=axis)


def test_empty_arrays():
    a = numpy.zeros((0, 3))
    x = dnp.asarray(a, chunks=2)
    for name in ("sum", "prod", "any", "all", "mean"):
        _check(name, a, x)
        _check(name, a, x, axis=0)
        _check(name, a, x, axis=1)
    _check("min", a, x, axis=1)
    with pytest.raises(ValueError, match="zero-size array to reduction operation minimum"):
        x.min()
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
        x.max(axis=0)
    with pytest.raises(ValueError, match="empty sequence"):
        x.argmin()


def test_bad_axes_are_numpys_errors():
    x = dnp.ones((2, 3))
    with pytest.raises(numpy.exceptions.AxisError):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="duplicate value"):
        x.sum(axis=(0, 0))
    with pytest.raises(TypeError):
        x.argmin(axis=(0, 1))


def test_protocols_dispatch_to_dframe(executor):
    a = numpy.arange(12.0).reshape(3, 4)
    x = dnp.asarray(a, chunks=2)
    same(numpy.sum(a, axis=0), numpy.sum(x, axis=0))
    same(numpy.mean(a), numpy.mean(x))
    same(numpy.add.reduce(a), numpy.add.reduce(x))
    same(numpy.maximum.reduce(a, axis=1), numpy.maximum.reduce(x, axis=1))
    same(numpy.std(a, axis=1, ddof=1), numpy.std(x, axis=1, ddof=1))
    same(a.sum(0), x.sum(0))  # positional axis, as NumPy's methods take it


def test_unsupported_arguments_fall_back():
    a = numpy.arange(6.0)
    x = dnp.asarray(a, chunks=4)
    with pytest.warns(dnp.NumpyFallbackWarning, match="sum"):
        assert x.sum(where=a > 2) == a.sum(where=a > 2)
    with pytest.warns(dnp.NumpyFallbackWarning, match="max"):
        assert dnp.max(x, initial=100) == 100


def test_reduction_fuses_with_its_input():
    ex = SyncExecutor()
    with config.override(executor=ex):
        x = dnp.asarray(numpy.arange(40.0).reshape(8, 5), chunks=(2, 5))
        assert ex.tasks_submitted == 0
        out = ((x * 2 + 1) ** 2).sum(axis=1)
        same(((numpy.arange(40.0).reshape(8, 5) * 2 + 1) ** 2).sum(axis=1), out)
        # one fused task per block, then one combine+finalize per output block
        assert ex.tasks_submitted == 4 + 4
    with config.override(executor=ex, split_every=2):
        before = ex.tasks_submitted
        assert dnp.arange(64, chunks=8).sum() == 2016
        assert ex.tasks_submitted - before == 8 + 4 + 2 + 1  # 8 → 4 → 2 → combine+finalize
