"""Files as ``read_csv``/``read_parquet`` saw them: pandas' reads give the data as of the call.

Data that fits the object store is read at the call, so later changes to its files do not
matter. Larger data streams lazily: every task that needs a partition opens the file again. Those
tasks check that the file is still the one the call saw — same size, modification time and
inode, recorded at the call — before and after reading, and raise rather than return rows of a
different file. A deleted file raises ``FileNotFoundError`` (what pandas users already catch
around reads); a changed one raises ``FileChangedError``.
"""

from __future__ import annotations

import errno
import os
from typing import Any

# (size, mtime_ns, inode): a rewrite in place changes the first two, a replacement the third.
Identity = tuple[int, int, int]

_KEEP = (
    "Data larger than the object store's budget (dframe option read_eager_bytes) is not read "
    "at the call but whenever a result needs it. Keep the file unchanged while the frame is in "
    "use, or call .persist() on the frame right after reading it, which keeps its data in the "
    "object store (spilling to disk if needed)."
)


class FileChangedError(RuntimeError):
    """Raised inside a lazy read when a file changed after ``read_csv``/``read_parquet``
    returned. A ``RuntimeError``: the arguments were valid and the file is readable — the world
    changed under a computation in flight, as in Python's "dictionary changed size during
    iteration". Reading it anyway would give rows the user never asked for."""


def of(path: Any) -> Identity:
    """The identity of ``path`` now."""
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def check(path: Any, expected: Identity | None, reader: str) -> None:
    """Raise if ``path`` is no longer the file ``reader`` saw at the call (``None``: no record,
    nothing to check)."""
    if expected is None:
        return
    try:
        now = of(path)
    except FileNotFoundError:
        msg = f"{os.fspath(path)!r} was deleted after dframe.{reader}() returned. {_KEEP}"
        raise FileNotFoundError(errno.ENOENT, msg) from None  # the path leads the message
    if now != expected:
        msg = (
            f"{os.fspath(path)!r} changed after dframe.{reader}() returned "
            f"(size, mtime_ns, inode were {expected}, are {now}); its rows as of the call can no "
            f"longer be read. {_KEEP} Call dframe.{reader}() again to read the new contents."
        )
        raise FileChangedError(msg)
