"""``.npy`` files: ``save`` and ``load`` of dframe arrays, block by block.

``save`` writes the header in the driver, then every block is written into its place in the
file by the task that computes it (the file is memory-mapped there), so no block travels to
the driver. ``load`` reads the header at the call; a file below the small-data threshold is
read at once (the data as of the call), a larger one is memory-mapped and read block by block
inside the tasks that use the blocks, and a change to the file since the call is an error,
never different values. Other files (``.npz``, pickled objects, file objects) go to NumPy
through the fallback.
"""

from __future__ import annotations

import os
from typing import Any

import numpy
from numpy.lib import format as npy_format

from dframe import config
from dframe.execution import lower
from dframe.numpy.array import wrap_numpy
from dframe.numpy.creation import generated
from dframe.numpy.elementwise import as_array
from dframe.numpy.nodes import BlockIndex
from dframe.numpy.registry import implements
from dframe.plan import nodes as N


class _WriteBlock:
    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, block: Any, info: Any) -> int:
        target = numpy.load(self.path, mmap_mode="r+")
        target[tuple(slice(s, s + n) for s, n in zip(info.start, info.shape, strict=True))] = block
        target.flush()
        del target
        return 0

    def __repr__(self) -> str:
        return "save"


@implements("save")
def save(file: Any, arr: Any, allow_pickle: bool = True, **kwargs: Any) -> Any:
    if not isinstance(file, str | os.PathLike):
        return NotImplemented  # file objects: NumPy writes them
    x = as_array(arr)
    if x.dtype.hasobject:
        return NotImplemented
    path = os.fspath(file)
    if not path.endswith(".npy"):
        path += ".npy"
    header = npy_format.open_memmap(path, mode="w+", dtype=x.dtype, shape=x.shape)
    del header  # the file now has its header and its size
    if x.size == 0:
        return None
    meta = x._meta
    writes = N.MapPartitions(_WriteBlock(path), (x._plan, BlockIndex(meta)), meta, label="save")
    mat = lower.compute(writes)
    mat.executor.get(list(mat.handles))
    return None


class _ReadBlock:
    def __init__(self, path: str, identity: tuple[int, int]) -> None:
        self.path, self.identity = path, identity

    def __call__(self, info: Any) -> Any:
        st = os.stat(self.path)
        if (st.st_size, st.st_mtime_ns) != self.identity:
            msg = f"{self.path} changed since it was loaded; load it again"
            raise RuntimeError(msg)
        source = numpy.load(self.path, mmap_mode="r")
        index = tuple(slice(s, s + n) for s, n in zip(info.start, info.shape, strict=True))
        return numpy.array(source[index], order="C")

    def __repr__(self) -> str:
        return f"load({os.path.basename(self.path)})"


def _header(path: str) -> tuple[tuple[int, ...], bool, numpy.dtype] | None:
    with open(path, "rb") as f:
        if f.read(len(npy_format.MAGIC_PREFIX)) != npy_format.MAGIC_PREFIX:
            return None  # .npz or pickle
        f.seek(0)
        version = npy_format.read_magic(f)
        read = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
        if version not in read:
            return None
        return read[version](f)


@implements("load")
def load(file: Any, mmap_mode: Any = None, allow_pickle: bool = False, *, chunks: Any = "auto", **kwargs: Any) -> Any:  # fmt: skip
    if not isinstance(file, str | os.PathLike):
        return NotImplemented
    path = os.fspath(file)
    header = _header(path)
    if header is None:
        return NotImplemented
    shape, _, dtype = header  # Fortran order too: the memory map reads it as NumPy does
    if dtype.hasobject:
        return NotImplemented
    nbytes = int(numpy.prod(shape)) * dtype.itemsize
    if nbytes < config.get("sync_threshold_bytes"):
        return wrap_numpy(numpy.load(path), chunks)
    st = os.stat(path)
    reader = _ReadBlock(os.path.abspath(path), (st.st_size, st.st_mtime_ns))
    return generated(reader, tuple(shape), dtype, chunks, "load")
