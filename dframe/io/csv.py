"""CSV: plan-time inspection and per-block reads.

A large file is cut into byte ranges ("blocks"); block i holds the lines that *start* inside its
range, and every block after the first is read with the file's header line prepended. Row counts
are unknown until a block is read, so lowering numbers the rows afterwards.

A quoted field may hold a newline: a block must not start inside it. A file holding the quote
character is scanned once (in chunks, counting quotes): each block then starts after a newline
preceded by an even number of quotes, i.e. outside any quoted field (``""`` inside a field
counts twice, as it should).
"""

from __future__ import annotations

import csv
import io
import itertools
import mmap
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dframe.io import identity
from dframe.io.identity import Identity

# Options that change which lines are rows in ways a block cannot tell; with them a file is
# read as one block. (``skiprows`` as a count, ``header`` as one row and ``comment`` only
# concern the lines before the header, which the first block reads: later blocks get the
# header line in front and read it as row 0.)
_WHOLE_FILE_OPTIONS = {
    "nrows",
    "skipfooter",
    "chunksize",
    "iterator",
    "lineterminator",
    "quotechar",
    "escapechar",
}


def _whole_file(options: dict[str, Any]) -> bool:
    return (
        bool(_WHOLE_FILE_OPTIONS & set(options))
        or not isinstance(options.get("skiprows", 0), int)
        or not isinstance(options.get("header", 0), int | str | type(None))
        # pandas infers the categories (and their dtype) from all the column's values
        or _asks_categories(options.get("dtype"))
    )


def _asks_categories(dtype: Any) -> bool:
    """Whether ``dtype`` makes a column categorical without giving its categories."""
    if isinstance(dtype, dict):
        return any(_asks_categories(t) for t in dtype.values())
    return (isinstance(dtype, str) and dtype == "category") or (
        isinstance(dtype, pd.CategoricalDtype) and dtype.categories is None
    )


@dataclass(frozen=True)
class Block:
    path: str
    start: int
    end: int | None  # None: to the end of the file
    header: bytes  # the header line, prepended to blocks that do not start the file
    identity: Identity | None = None  # the file as read_csv saw it (checked by every read)


def _files(path: Any) -> list[str]:
    from dframe.io import parts

    return parts.list_files(path, "csv")


def inspect(
    path: Any, blocksize: int | None, options: dict[str, Any], sample_rows: int
) -> tuple[list[Block], pd.DataFrame, int]:
    """Blocks, meta (the columns and dtypes of the first rows), and the estimated in-memory
    size of what the read returns."""
    files = _files(path)
    if not files:
        msg = f"No files match {path!r}"
        raise FileNotFoundError(msg)
    # Recorded before anything is read: a change after this point is caught by the reads.
    seen = [identity.of(f) for f in files]
    limit = options.get("nrows")
    sample_options = {**options, "nrows": sample_rows if limit is None else min(sample_rows, limit)}
    # pandas raises its own errors (missing file, bad option) here, at the user's call.
    sample = pd.read_csv(files[0], **sample_options)
    splittable = blocksize is not None and not _whole_file(options)
    blocks: list[Block] = []
    for file, ident in zip(files, seen, strict=True):
        size = os.path.getsize(file)
        if not splittable or size <= (blocksize or 0):
            blocks.append(Block(file, 0, None, b"", ident))
            continue
        header = _header_line(file, options)
        assert blocksize is not None
        starts = list(range(0, size, blocksize))
        quote = options.get("quotechar", '"')
        if options.get("quoting", 0) != csv.QUOTE_NONE and _holds(file, quote.encode()):
            starts = _starts_outside_quotes(file, starts, quote.encode())
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            blocks.append(Block(file, start, end, header, ident))
    return blocks, sample.iloc[:0], _estimate(files, sample, options)


_SCAN_BYTES = 1 << 26


def _header_line(file: str, options: dict[str, Any]) -> bytes:
    """The line later blocks read as their header: after ``skiprows`` lines, the
    ``header``-th line that is neither blank nor a comment (b"" for ``header=None``)."""
    header = options.get("header", "infer")
    if header is None:
        return b""
    wanted = header if isinstance(header, int) else 0
    comment = options.get("comment")
    mark = comment.encode() if comment else None
    with open(file, "rb") as f:
        for _ in range(options.get("skiprows") or 0):
            f.readline()
        seen = 0
        for line in f:
            if not line.strip() or (mark and line.lstrip().startswith(mark)):
                continue
            if seen == wanted:
                return line if line.endswith(b"\n") else line + b"\n"
            seen += 1
    return b""


def _holds(file: str, quote: bytes) -> bool:
    with open(file, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(quote) != -1


def _starts_outside_quotes(file: str, starts: list[int], quote: bytes) -> list[int]:
    """Each wanted start moved to the start of the first line at or after it that begins
    outside quotes (after a newline with an even count of quotes before it); starts that find
    none are dropped (their lines belong to the block before)."""
    out = [0]
    wanted = iter(starts[1:])
    target = next(wanted, None)
    odd = False  # parity of the quotes before the chunk
    with open(file, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for lo in range(0, len(mm), _SCAN_BYTES):
            if target is None:
                break
            count = min(_SCAN_BYTES, len(mm) - lo)
            chunk = np.frombuffer(mm, dtype=np.uint8, count=count, offset=lo)
            quotes = np.cumsum(chunk == quote[0], dtype=np.int64)
            newlines = np.flatnonzero(chunk == ord("\n"))
            outside = newlines[((quotes[newlines] & 1) == 1) == odd]
            line_starts = lo + outside + 1
            while target is not None:
                k = int(np.searchsorted(line_starts, target))
                if k == len(line_starts):
                    break  # in a later chunk
                out.append(int(line_starts[k]))
                while target is not None and target <= out[-1]:
                    target = next(wanted, None)
            odd ^= bool(len(quotes) and quotes[-1] & 1)
            del chunk
    return [s for s in out if s < os.path.getsize(file)]


_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")
# Text bytes per compressed byte of a typical compressed CSV (an estimate: its text is not at
# hand without decompressing).
_COMPRESSION_RATIO = 5


def _estimate(files: list[str], sample: pd.DataFrame, options: dict[str, Any]) -> int:
    """In-memory bytes of the result: the sample's bytes in memory per byte of its text, times
    the files' text; no more than ``nrows`` sample rows' worth."""
    text = sum(os.path.getsize(f) for f in files)
    compression = options.get("compression", "infer")
    if compression not in ("infer", None) or (
        compression == "infer" and files[0].lower().endswith(_COMPRESSED)
    ):
        text *= _COMPRESSION_RATIO
    rows = len(sample)
    if rows == 0:
        return text
    in_memory = int(sample.memory_usage(index=False, deep=True).sum())
    per_text_byte = 1.0
    if text and not files[0].lower().endswith(_COMPRESSED):
        with open(files[0], "rb") as f:  # the header and the sampled rows, as text
            head = sum(len(line) for line in itertools.islice(f, rows + 1))
        per_text_byte = in_memory / max(1, head)
    estimate = int(text * per_text_byte)
    limit = options.get("nrows")
    if limit is not None:
        estimate = min(estimate, int(limit) * in_memory // rows)
    return estimate


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
    """Read one block; rows are numbered from 0 (lowering shifts them to global labels).

    The file must still be the one ``read_csv`` saw, before and after reading (a rewrite while
    the block is read would mix old and new rows)."""
    identity.check(block.path, block.identity, "read_csv")
    kwargs = dict(options)
    if block.start > 0:
        # the lines skipped and the header row are in the first block; this one starts with
        # the header line
        kwargs.pop("skiprows", None)
        if isinstance(kwargs.get("header"), int):
            kwargs["header"] = 0
    if usecols is not None:
        kwargs["usecols"] = list(usecols)
    if block.start == 0 and block.end is None:
        out = pd.read_csv(block.path, **kwargs)
    else:
        out = pd.read_csv(io.BytesIO(_block_bytes(block)), **kwargs)
    identity.check(block.path, block.identity, "read_csv")
    return out
