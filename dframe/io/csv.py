"""CSV: plan-time inspection and per-block reads.

A large file is cut into byte ranges ("blocks"); block i holds the lines that *start* inside its
range, and every block after the first is read with the file's header line prepended. Row counts
are unknown until a block is read, so lowering numbers the rows afterwards.

Limits, as in dask: a quoted field containing a newline can be cut in two, so files with such
fields should be read with ``blocksize=None`` (one block per file).
"""

from __future__ import annotations

import io
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Options that change which lines are rows; with them a file is read as one block.
_WHOLE_FILE_OPTIONS = {
    "skiprows",
    "nrows",
    "skipfooter",
    "header",
    "index_col",
    "chunksize",
    "iterator",
    "comment",
    "lineterminator",
    "quotechar",
    "escapechar",
}


@dataclass(frozen=True)
class Block:
    path: str
    start: int
    end: int | None  # None: to the end of the file
    header: bytes  # the header line, prepended to blocks that do not start the file


def _files(path: Any) -> list[str]:
    from dframe.io import parts

    return parts.list_files(path, "csv")


def inspect(
    path: Any, blocksize: int | None, options: dict[str, Any], sample_rows: int
) -> tuple[list[Block], pd.DataFrame]:
    files = _files(path)
    if not files:
        msg = f"No files match {path!r}"
        raise FileNotFoundError(msg)
    # pandas raises its own errors (missing file, bad option) here, at the user's call.
    sample = pd.read_csv(files[0], nrows=sample_rows, **options)
    splittable = blocksize is not None and not (_WHOLE_FILE_OPTIONS & set(options))
    blocks: list[Block] = []
    for file in files:
        size = os.path.getsize(file)
        if not splittable or size <= (blocksize or 0):
            blocks.append(Block(file, 0, None, b""))
            continue
        with open(file, "rb") as f:
            header = f.readline()
        assert blocksize is not None
        starts = list(range(0, size, blocksize))
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            blocks.append(Block(file, start, end, header))
    return blocks, sample.iloc[:0]


def _block_bytes(block: Block) -> bytes:
    with open(block.path, "rb") as f:
        if block.start == 0:
            data = f.read() if block.end is None else f.read(block.end)
        else:
            f.seek(block.start - 1)
            if f.read(1) != b"\n":
                f.readline()  # this line started in the previous block, which reads it
            pos = f.tell()
            if block.end is not None and pos >= block.end:
                return block.header
            data = block.header + (f.read() if block.end is None else f.read(block.end - pos))
        if block.end is not None and data and not data.endswith(b"\n"):
            data += f.readline()  # finish the line that started inside this block
    return data


def read_block(
    block: Block, options: tuple[tuple[str, Any], ...], usecols: Sequence[Hashable] | None
) -> pd.DataFrame:
    """Read one block; rows are numbered from 0 (lowering shifts them to global labels)."""
    kwargs = dict(options)
    if usecols is not None:
        kwargs["usecols"] = list(usecols)
    if block.start == 0 and block.end is None:
        return pd.read_csv(block.path, **kwargs)
    return pd.read_csv(io.BytesIO(_block_bytes(block)), **kwargs)
