"""``.npy`` files: blocks written in place by their tasks, read block by block (or at once when
small), a file changed after ``load`` is an error; other files go through NumPy."""

from __future__ import annotations

import os

import numpy
import pytest

import dframe.numpy as dnp
from dframe import config
from tests.dframe.numpy.conftest import CHUNKS_2D, same


@pytest.mark.parametrize("chunks", CHUNKS_2D)
def test_save_then_load(executor, tmp_path, chunks):
    a = numpy.arange(35.0).reshape(5, 7)
    x = dnp.asarray(a, chunks=chunks)
    numpy.save(tmp_path / "a.npy", x * 2)  # NumPy's function dispatches to dframe
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "a.npy"), a * 2, strict=True)
    dnp.save(str(tmp_path / "b"), x)  # NumPy adds the suffix; so does dframe
    assert os.path.exists(tmp_path / "b.npy")
    with config.override(sync_threshold_bytes=1):  # read lazily, block by block
        y = dnp.load(tmp_path / "a.npy", chunks=(2, 4))
        assert y.chunks == ((2, 2, 1), (4, 3))
        same(a * 2, y)
    same(a, dnp.load(tmp_path / "b.npy"))  # small: read at the call


def test_save_load_dtypes_and_shapes(tmp_path):
    for a in (
        numpy.arange(10, dtype="i2"),
        numpy.array(3.5),
        numpy.zeros((0, 4)),
        numpy.ones((2, 3)) > 0,
    ):
        dnp.save(tmp_path / "c.npy", dnp.asarray(a, chunks=3 if a.ndim else ()))
        numpy.testing.assert_array_equal(numpy.load(tmp_path / "c.npy"), a, strict=True)
        with config.override(sync_threshold_bytes=0):
            same(a, dnp.load(tmp_path / "c.npy"))


def test_a_file_changed_after_load_is_an_error(tmp_path):
    path = tmp_path / "d.npy"
    numpy.save(path, numpy.arange(100.0))
    with config.override(sync_threshold_bytes=1, executor="sync"):
        y = dnp.load(path, chunks=30)
        numpy.save(path, numpy.arange(200.0))
        with pytest.raises(RuntimeError, match="changed since it was loaded"):
            y.compute()


def test_other_files_go_through_numpy(tmp_path):
    numpy.savez(tmp_path / "e.npz", a=numpy.arange(3))
    with numpy.load(tmp_path / "e.npz") as archive:  # no array involved: NumPy's own object
        numpy.testing.assert_array_equal(archive["a"], numpy.arange(3))
    archive = dnp.load(tmp_path / "e.npz")
    assert isinstance(archive, numpy.lib.npyio.NpzFile)
    archive.close()
    numpy.save(tmp_path / "f.npy", numpy.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.warns(dnp.NumpyFallbackWarning, match="numpy.load"):
        assert dnp.load(tmp_path / "f.npy", allow_pickle=True)[0] == {"a": 1}


@pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")
def test_fortran_ordered_files_are_read_natively(tmp_path):
    a = numpy.asfortranarray(numpy.arange(35.0).reshape(5, 7))
    numpy.save(tmp_path / "g.npy", a)
    same(a, dnp.load(tmp_path / "g.npy"))  # small: read at the call
    with config.override(sync_threshold_bytes=1):  # block by block from the memory map
        same(a, dnp.load(tmp_path / "g.npy", chunks=(2, 3)))
