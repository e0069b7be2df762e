"""The ``dframe.numpy`` namespace and the ``ndarray`` model: NumPy's own objects where dframe
does not reimplement them, the fallback with one warning and the driver-memory guard, and the
ways an array is computed (``repr``, ``float``, ``len``, iteration, ``numpy.asarray``)."""

from __future__ import annotations

import warnings

import numpy
import pytest

import dframe
import dframe.numpy as dnp
from dframe import config
from dframe.execution import lower
from dframe.execution.executors import RuntimeExecutor, SyncExecutor
from dframe.optimize import optimize
from tests.dframe.numpy.conftest import same


def test_numpy_objects_are_numpys():
    for name in ("float64", "int8", "bool_", "dtype", "finfo", "iinfo", "nan", "pi", "newaxis",
                 "linalg", "fft", "exp", "add", "errstate", "generic", "e", "inf"):  # fmt: skip
        assert getattr(dnp, name) is getattr(numpy, name), name
    assert dnp.random is not numpy.random  # dframe's own: default_rng makes chunked arrays
    assert isinstance(dnp.arange(3), dnp.ndarray)
    assert not isinstance(numpy.arange(3), dnp.ndarray)


def test_missing_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="nor has numpy"):
        dnp.no_such_function  # noqa: B018
    with pytest.raises(AttributeError, match="no_such"):
        dnp.arange(3).no_such  # noqa: B018


def test_fallback_warning_is_exported_like_pandas_one():
    assert dframe.NumpyFallbackWarning is dnp.NumpyFallbackWarning
    assert issubclass(dnp.NumpyFallbackWarning, UserWarning)
    assert "NumpyFallbackWarning" in dframe.__all__


def test_fallback_runs_numpy_once_warned(executor):
    a = numpy.array([5.0, 1.0, 4.0, 2.0, 3.0])
    x = dnp.asarray(a, chunks=2)
    with pytest.warns(dnp.NumpyFallbackWarning, match="numpy.median"):
        assert dnp.median(x) == numpy.median(a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dnp.median(x) == numpy.median(a)  # once per function
    # NumPy's own function reaches the fallback through __array_function__.
    with pytest.warns(dnp.NumpyFallbackWarning, match="numpy.sort"):
        out = numpy.sort(x)
    same(numpy.sort(a), out)  # an array result is a dframe array again
    with pytest.warns(dnp.NumpyFallbackWarning, match="ndarray.argsort"):
        same(a.argsort(), x.argsort())


def test_fallback_without_dframe_arrays():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dnp.shape([[1, 2]]) == (1, 2)  # no array involved, nothing to report
    with pytest.warns(dnp.NumpyFallbackWarning, match="numpy.tri"):
        same(numpy.tri(3), dnp.tri(3))


def test_fallback_memory_guard(monkeypatch):
    from dframe.fallback import memory

    x = dnp.ones(1000)
    monkeypatch.setattr(memory, "available_memory", lambda: 100)
    with pytest.raises(MemoryError, match="numpy.median"):
        dnp.median(x)


def test_metadata_without_computing():
    x = dnp.zeros((5, 7), dtype="f4", chunks=(2, 3))
    assert (x.shape, x.ndim, x.size, x.dtype, x.itemsize, x.nbytes) == (
        (5, 7),
        2,
        35,
        numpy.float32,
        4,
        140,
    )
    assert x.chunks == ((2, 2, 1), (3, 3, 1)) and x.numblocks == (3, 3) and x.npartitions == 9
    assert len(x) == 5


def test_materialization(executor):
    a = numpy.arange(6.0).reshape(2, 3)
    x = dnp.asarray(a, chunks=(1, 2))
    assert repr(x) == repr(a) and str(x) == str(a)
    out = numpy.asarray(x)
    assert type(out) is numpy.ndarray
    numpy.testing.assert_array_equal(out, a)
    out[0, 0] = 99  # the caller's own copy
    numpy.testing.assert_array_equal(x.compute(), a)
    y = dnp.asarray(a) * 2  # one block, computed and cached
    got = y.compute()
    got[0, 0] = 99
    numpy.testing.assert_array_equal(y.compute(), a * 2)
    assert y.sum() == (a * 2).sum()
    assert numpy.asarray(x, dtype="i4").dtype == numpy.int32
    assert [r.tolist() for r in x] == a.tolist()
    assert x.tolist() == a.tolist()
    one = dnp.asarray(2.5)
    assert float(one) == 2.5 and int(one) == 2 and bool(one) and complex(one) == 2.5
    with pytest.raises(TypeError, match="0-dimensional"):  # NumPy 2.4's rule, kept
        float(dnp.asarray([2.5]))
    assert list(range(10))[dnp.asarray(3)] == 3
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="unsized"):
        len(dnp.asarray(1.0))


def test_computed_once():
    ex = SyncExecutor()
    with config.override(executor=ex):
        x = dnp.arange(10, chunks=3) * 2
        x.compute()
        n = ex.tasks_submitted
        x.compute()
        repr(x)
        assert ex.tasks_submitted == n


def test_small_arrays_run_in_the_driver():
    with config.override(executor="auto"):
        small = dnp.arange(1000) + 1
        assert isinstance(lower.choose_executor(optimize(small._plan)), SyncExecutor)
        big = dnp.zeros(2_000_000) + 1  # 16 MB generated: above the 8 MiB threshold
        assert isinstance(lower.choose_executor(optimize(big._plan)), RuntimeExecutor)
        held = dnp.asarray(numpy.zeros(2_000_000)) + 1
        assert isinstance(lower.choose_executor(optimize(held._plan)), RuntimeExecutor)


def test_no_module_of_the_package_hides_a_numpy_name():
    import pathlib
    import types

    for path in pathlib.Path(dnp.__file__).parent.glob("*.py"):
        name = path.stem
        if hasattr(numpy, name) and name != "random":
            assert not isinstance(getattr(dnp, name), types.ModuleType), name


def test_persist_lets_the_source_go(executor):
    import gc
    import weakref

    a = numpy.arange(20.0)
    x = dnp.asarray(a, chunks=6)
    source = weakref.ref(x._plan)
    y = x.persist()
    del x
    gc.collect()
    same(a, y)
    same(a * 2, y * 2)
    if isinstance(executor, RuntimeExecutor):
        assert source() is None  # the blocks live in the store; the driver's copy is gone
