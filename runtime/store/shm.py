"""Large objects in shared memory: one file per object in the session's /dev/shm directory.

The writer lays the pickle stream and each out-of-band buffer (64-byte aligned, as numpy and Arrow
like) into a fresh file with ``pwrite`` — on tmpfs that is ~2.5x faster than copying into a new
mapping, which pays a page fault per 4 KiB.  Readers map the file read-only and hand pickle
memoryviews into the mapping: numpy arrays and pandas columns come back as zero-copy, read-only
views.  A mapping outlives the file's unlink, so freeing an object while a view is alive is safe:
the kernel keeps the pages until the last view is garbage-collected.

Big buffers are written by several threads at once (``pwrite`` releases the GIL), and a file
freed earlier may be handed back for reuse (see scheduler/memory.py): its pages are already
there, so the copy runs at memory speed instead of paying a page fault per 4 KiB.
"""

from __future__ import annotations

import mmap
import os
from concurrent.futures import ThreadPoolExecutor

from ..serialization import ObjectData, Serialized, deserialize

_ALIGN = 64
_CHUNK = 1 << 28  # pwrite at most 256 MiB per call (Linux caps single writes near 2 GiB)
_PARALLEL_MIN = 1 << 25  # buffers from 32 MiB up are copied by several threads
_writers: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _writers
    if _writers is None:
        _writers = ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 1)), thread_name_prefix="shm-write")
    return _writers


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def layout(ser: Serialized) -> tuple[int, list[tuple[int, int]]]:
    """File size and (offset, length) of each buffer for a serialized value."""
    offset = _aligned(len(ser.inband))
    spans = []
    for buf in ser.buffers:
        n = memoryview(buf).nbytes
        spans.append((offset, n))
        offset = _aligned(offset + n)
    return max(offset, 1), spans


def write(path: str, ser: Serialized, is_error: bool = False, reuse: str | None = None) -> ObjectData:
    """Write a serialized value to a new file at ``path`` (or into the pooled file ``reuse``)."""
    size, spans = layout(ser)
    if _writable:
        _drop_deleted_mappings()
    if reuse is not None:
        os.rename(reuse, path)
        fd = os.open(path, os.O_RDWR)
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, size)
        if reuse is not None and size >= _PARALLEL_MIN:
            _copy_into_mapping(fd, size, ser, spans)
        else:
            _pwrite_all(fd, memoryview(ser.inband), 0)
            for buf, (offset, _) in zip(ser.buffers, spans):
                _pwrite_all(fd, _flat(buf), offset)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)
    return ObjectData("shm", (path, size, len(ser.inband), spans), is_error)


def _flat(buf) -> memoryview:
    """A buffer's bytes as a flat view (``cast`` refuses empty views of several dimensions,
    such as an empty 2-D block of a DataFrame with no rows)."""
    view = memoryview(buf)
    return view.cast("B") if view.nbytes else memoryview(b"")


def _pwrite_all(fd: int, view: memoryview, offset: int) -> None:
    if len(view) < _PARALLEL_MIN:
        _pwrite_range(fd, view, offset)
        return
    parts = _pool()._max_workers
    step = -(-len(view) // parts)
    jobs = [_pool().submit(_pwrite_range, fd, view[i:i + step], offset + i) for i in range(0, len(view), step)]
    for job in jobs:
        job.result()


# Writable mappings of files this process wrote into, by inode.  A pooled file handed back to
# the same process (the usual case: a loop that puts big arrays) is copied into at memory speed,
# with no page-table work at all.  Only ever written while the scheduler has granted us the
# file; dropped once the file is deleted (its link count is 0), so they never pin freed memory
# for long.
_writable: dict[int, tuple[mmap.mmap, int]] = {}
_WRITABLE_CAP = 2 << 30


def _drop_deleted_mappings() -> None:
    """Close cached mappings of files deleted since (spilled, or dropped from the pool): a
    mapping keeps a deleted file's pages in memory, outside the store's budget."""
    for ino, (mapping, kept_fd) in list(_writable.items()):
        if os.fstat(kept_fd).st_nlink == 0:
            del _writable[ino]
            mapping.close()
            os.close(kept_fd)


def _writable_mapping(fd: int, size: int) -> mmap.mmap:
    ino = os.fstat(fd).st_ino
    cached = _writable.get(ino)
    if cached is not None and len(cached[0]) >= size:
        return cached[0]
    if cached is not None:
        del _writable[ino]
        cached[0].close()
        os.close(cached[1])
    mapping = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE)
    if size + sum(len(m) for m, _ in _writable.values()) <= _WRITABLE_CAP:
        _writable[ino] = (mapping, os.dup(fd))
    return mapping


def release_mappings() -> None:
    """Drop every cached writable mapping (at shutdown: the files are about to go)."""
    while _writable:
        _, (mapping, fd) = _writable.popitem()
        mapping.close()
        os.close(fd)


def _copy_into_mapping(fd: int, size: int, ser: Serialized, spans) -> None:
    """Reused pages are already there: copy into a mapping of them at memory speed."""
    import numpy as np

    mapping = _writable_mapping(fd, size)
    dst = src = np.frombuffer(mapping, dtype=np.uint8, count=size)
    dst[:len(ser.inband)] = np.frombuffer(ser.inband, dtype=np.uint8)
    jobs = []
    for buf, (offset, n) in zip(ser.buffers, spans):
        src = np.frombuffer(_flat(buf), dtype=np.uint8)
        step = max(-(-n // _pool()._max_workers), 1)
        jobs += [_pool().submit(np.copyto, dst[offset + i:offset + min(i + step, n)], src[i:i + step])
                 for i in range(0, n, step)]
    for job in jobs:
        job.result()
    del dst, src
    if os.fstat(fd).st_ino not in _writable:
        mapping.close()


def _pwrite_range(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:done + _CHUNK], offset + done)


def map_file(path: str, size: int) -> mmap.mmap:
    fd = os.open(path, os.O_RDONLY)
    try:
        return mmap.mmap(fd, size, prot=mmap.PROT_READ)
    finally:
        os.close(fd)


def read(data: ObjectData, mapper=map_file) -> object:
    """Deserialize with buffers pointing into the file's mapping (from ``mapper``)."""
    path, size, inband_len, spans = data.payload
    view = memoryview(mapper(path, size))
    return deserialize(view[:inband_len], [view[o:o + n] for o, n in spans])


def delete(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def spill(path: str, disk_path: str) -> int:
    """Copy an object's file to disk (fsync'ed); returns the bytes written, 0 if it is gone."""
    try:
        src = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return 0
    try:
        size = os.fstat(src).st_size
        dst = os.open(disk_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            done = 0
            while done < size:
                done += os.sendfile(dst, src, done, min(size - done, _CHUNK))
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return size


def read_spilled(data: ObjectData) -> object:
    """Restore a spilled object: read it from disk into private memory (read-only views)."""
    path, size, inband_len, spans = data.payload
    buf = bytearray(size)
    with open(path, "rb", buffering=0) as f:
        view = memoryview(buf)
        done = 0
        while done < size:
            n = f.readinto(view[done:])
            if not n:
                msg = f"spilled object file {path} is truncated ({done} of {size} bytes)"
                raise OSError(msg)
            done += n
    view = memoryview(buf).toreadonly()
    return deserialize(view[:inband_len], [view[o:o + n] for o, n in spans])
