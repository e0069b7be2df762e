"""``read_parquet``, ``read_csv``, ``to_parquet``, ``to_csv`` with pandas' signatures.

What a read returns holds the data as of the call, as in pandas. Data whose estimated in-memory
size fits the executor's store (``read_eager_bytes``, by default the object store's budget) is
read at the call — partition tasks in parallel, into the store — and every later result reuses
those partitions: a file deleted or rewritten afterwards does not matter and nothing is parsed
twice. Larger data stays a lazy plan node, streamed when a result needs it (the optimizer may
narrow the read to fewer columns or rows); its files' identities are recorded at the call and a
change is an error (``dframe.io.identity``), never different rows.

Writing a single file funnels partitions through the driver one at a time, so the driver never
holds more than one partition.
"""

from __future__ import annotations

import io
import json
import math
import os
import uuid
from collections.abc import Hashable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dframe import config, fallback
from dframe.execution import lower
from dframe.io import csv, parquet, parts
from dframe.plan import nodes as N
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import wrap_plan


def _eager_budget(node: N.Node) -> float:
    """Bytes a read may bring in at the call: the ``read_eager_bytes`` option, by default the
    store budget of the executor the read would run on (the runtime's object store, or the
    driver's memory for the in-process executor)."""
    budget = config.get("read_eager_bytes")
    if budget >= 0:
        return float(budget)
    store_budget = getattr(lower.choose_executor(node), "store_budget", None)
    found = None if store_budget is None else store_budget()
    return math.inf if found is None else float(found)


def _as_of_call(node: N.Node, estimate: int) -> Any:
    """A frame holding ``node``'s data as of this call.

    Data that fits is read now, in parallel, and the frame stands for the computed partitions
    (pushdown then has nothing left to narrow: the read already honoured the reader's own
    ``columns``/``usecols``/``filters``/``nrows``). Larger data stays lazy; its reads check
    that the files are still those seen now.
    """
    if estimate <= _eager_budget(node):
        return wrap_plan(lower.materialize(node))
    return wrap_plan(node)


def read_parquet(
    path: Any,
    engine: str = "auto",
    columns: list[Hashable] | None = None,
    filters: Any = None,
    npartitions: int | None = None,
    **kwargs: Any,
) -> Any:
    """Read Parquet file(s) lazily: one partition per run of row groups of about
    ``partition_bytes`` (or ``npartitions`` partitions). ``path`` is a file, a list of files, a
    directory or a glob; ``columns`` and ``filters`` work as in pandas."""
    if (
        kwargs
        or engine not in ("auto", "pyarrow")
        or not isinstance(path, str | os.PathLike | list)
    ):
        fn = fallback.function("read_parquet", pd.read_parquet)
        return fn(path, engine=engine, columns=columns, filters=filters, **kwargs)
    target = config.get("partition_bytes")
    min_pieces = 2 * (os.cpu_count() or 1)   # two per core: balance when pieces are uneven
    if npartitions is not None:
        total = sum(os.path.getsize(f) for f in parquet._files(path))
        target, min_pieces = max(1, total // max(1, int(npartitions))), 1
    pieces, meta, stored, column_bytes = parquet.inspect(
        path, target, min_pieces, config.get("sync_threshold_bytes")
    )
    predicate = parquet.user_filters(filters) if filters else None
    node = N.ReadParquet(
        tuple(pieces),
        meta,
        None if columns is None else tuple(columns),
        predicate,
        reset_index=predicate is not None and not stored,
        stored_index=stored,
    )
    estimate = parquet.memory_estimate(column_bytes, meta, columns)
    return _as_of_call(_exactly(node, npartitions), estimate)


def _exactly(node: N.Node, npartitions: int | None) -> N.Node:
    """``node`` cut into ``npartitions`` partitions when the files' layout did not give that."""
    if npartitions is None or node.npartitions == npartitions:
        return node
    return N.Repartition(node, int(npartitions))


# read_csv options that stream the file: pandas handles those calls.
_CSV_FALLBACK = {"chunksize", "iterator", "squeeze"}


def read_csv(
    filepath_or_buffer: Any,
    *,
    blocksize: int | str | None = "default",
    npartitions: int | None = None,
    **kwargs: Any,
) -> Any:
    """Read CSV file(s) lazily, cut into blocks of ``blocksize`` bytes (default:
    ``partition_bytes``; ``None`` reads each file as one partition), or into ``npartitions``
    partitions. ``filepath_or_buffer`` is a file, a list of files, a directory or a glob."""
    path = filepath_or_buffer
    is_path = isinstance(path, str | os.PathLike) or (
        isinstance(path, list) and all(isinstance(p, str | os.PathLike) for p in path)
    )
    if not is_path or _CSV_FALLBACK & set(kwargs):
        return fallback.function("read_csv", pd.read_csv)(path, **kwargs)
    index_col = kwargs.pop("index_col", None)
    if index_col is False:
        kwargs["index_col"] = False  # (each block: no first column taken as the index)
    frame = _read_csv(path, blocksize, npartitions, kwargs)
    if index_col is None or index_col is False:
        return frame
    # The columns named (or at the positions given, among those read) become the index, as
    # pandas' index_col makes them.
    columns = list(frame._meta.columns)
    keys = [
        columns[k] if isinstance(k, int) else k
        for k in (index_col if isinstance(index_col, list | tuple) else [index_col])
    ]
    return frame.set_index(keys if isinstance(index_col, list | tuple) else keys[0])


def _read_csv(path: Any, blocksize: Any, npartitions: int | None, kwargs: dict[str, Any]) -> Any:
    size = config.get("partition_bytes") if blocksize == "default" else blocksize
    if npartitions is not None and blocksize == "default":
        total = sum(os.path.getsize(f) for f in csv._files(path))
        size = max(1, -(-total // max(1, int(npartitions))))
    usecols = kwargs.get("usecols")
    by_name = isinstance(usecols, list | tuple) and all(isinstance(c, str) for c in usecols)
    if by_name:
        kwargs.pop("usecols")
    if kwargs.get("nrows", 0) is None:
        kwargs.pop("nrows")  # pandas' default: all rows (and the file may be cut into blocks)
    blocks, meta, estimate = csv.inspect(
        path,
        size,
        {**kwargs, **({"usecols": usecols} if by_name else {})},
        config.get("csv_sample_rows"),
    )
    if by_name:
        # The sample was read with usecols; the node keeps all sampled columns for pushdown.
        full = pd.read_csv(blocks[0].path, **{**kwargs, "nrows": 0})
        full_meta = meta.reindex(columns=[c for c in full.columns if c in set(usecols)])
        node: N.Node = N.ReadCSV(
            tuple(blocks), full_meta, tuple(sorted(kwargs.items())), tuple(full_meta.columns)
        )
    else:
        node = N.ReadCSV(tuple(blocks), meta, tuple(sorted(kwargs.items())))
    if "nrows" in kwargs and len({b.path for b in blocks}) > 1:
        # Each file is read with nrows (one block per file); the frame is the first nrows rows
        # of the files in order, as if they were one file.
        node = ByPosition(node, _FirstRows(int(kwargs["nrows"])), node.meta,
                          label=f"nrows={kwargs['nrows']}", out_range_index=True)
    return _as_of_call(_exactly(node, npartitions), estimate)


class _FirstRows:
    """``ByPosition`` layout: the first ``n`` rows over all partitions."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, lengths: list[int]) -> list[Any]:
        out, left = [], self.n
        for length in lengths:
            take = min(length, left)
            out.append(_Head(take))
            left -= take
        return out


class _Head:
    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, part: Any) -> Any:
        return part.iloc[: self.n]


def _to_table(part: pd.DataFrame, preserve_index: bool | None) -> pa.Table:
    return pa.Table.from_pandas(part, preserve_index=preserve_index)


def _range_metadata(schema: pa.Schema, index: pd.RangeIndex) -> pa.Schema:
    """Schema whose pandas metadata describes the whole frame's RangeIndex (partitions each
    describe their own slice)."""
    meta = json.loads(schema.metadata[b"pandas"])
    meta["index_columns"] = [
        {
            "kind": "range",
            "name": index.name,
            "start": index.start,
            "stop": index.stop,
            "step": index.step,
        }
    ]
    return schema.with_metadata({**schema.metadata, b"pandas": json.dumps(meta).encode()})


def _index_summary(part: Any) -> tuple[Any, ...]:
    idx = part.index
    if isinstance(idx, pd.RangeIndex):
        return ("range", idx.start, idx.stop, idx.step, len(idx), idx.name)
    return ("other",)


def global_range_index(summaries: list[tuple[Any, ...]]) -> pd.RangeIndex | None:
    """The frame's index if it is a RangeIndex (pandas stores those as metadata, not data)."""
    if any(s[0] != "range" for s in summaries):
        return None
    pieces = [pd.RangeIndex(s[1], s[2], s[3], name=s[5]) for s in summaries if s[4] > 0]
    if not pieces:
        return pd.RangeIndex(0)
    joined = pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]
    return joined if isinstance(joined, pd.RangeIndex) else None


def to_parquet(
    df: Any,
    path: Any,
    engine: str = "auto",
    compression: str | None = "snappy",
    index: bool | None = None,
    partition_cols: Any = None,
    **kwargs: Any,
) -> None:
    """Write one Parquet file, one row group per partition, as pandas would write the frame;
    or, for a directory path ("out/") or a glob ("out/part-*.parquet"), one file per partition,
    each written by its own task (``read_parquet`` of that directory gives the frame back)."""
    if not kwargs and partition_cols is None and parts.is_parts_path(path):
        _write_parts(df, path, "parquet", _ParquetPart(compression, index))
        return
    if kwargs or partition_cols is not None or not isinstance(path, str | os.PathLike):
        fallback.call_method(
            df,
            "to_parquet",
            (path,),
            dict(
                engine=engine,
                compression=compression,
                index=index,
                partition_cols=partition_cols,
                **kwargs,
            ),
        )
        return
    mat = lower.compute(df._plan)
    ex = mat.executor
    summaries = ex.get([ex.submit(_index_summary, h) for h in mat.handles])
    range_index = global_range_index(summaries) if index is None else None
    # pandas stores a non-range index as columns; every partition must then do so, including
    # partitions whose own slice of the index happens to be a range.
    preserve = False if range_index is not None else (True if index is None else index)
    lengths = [s[4] if s[0] == "range" else 1 for s in summaries]
    writer = None
    schema = None
    try:
        for k, handle in enumerate(mat.handles):
            if lengths[k] == 0 and (writer is not None or k < len(mat.handles) - 1):
                continue
            table = _to_table(mat.executor.get(handle), preserve)
            if writer is None:
                schema = table.schema
                if range_index is not None:
                    schema = _range_metadata(schema, range_index)
                writer = pq.ParquetWriter(os.fspath(path), schema, compression=compression)
            assert schema is not None
            writer.write_table(table.cast(schema) if not table.schema.equals(schema) else table)
    finally:
        if writer is not None:
            writer.close()


_CSV_NATIVE = {
    "sep",
    "na_rep",
    "float_format",
    "columns",
    "header",
    "index",
    "index_label",
    "quoting",
    "quotechar",
    "lineterminator",
    "date_format",
    "doublequote",
    "escapechar",
    "decimal",
    "encoding",
}


class _CSVChunk:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, part: Any) -> str:
        return part.to_csv(None, **self.options)


def to_csv(obj: Any, path_or_buf: Any = None, **kwargs: Any) -> str | None:
    """CSV text (or a file) identical to pandas' ``to_csv``; partitions format in parallel.
    A directory path ("out/") or a glob ("out/part-*.csv") writes one file per partition, each
    with the header, each by its own task."""
    if set(kwargs) - _CSV_NATIVE:
        return fallback.call_method(obj, "to_csv", (path_or_buf,), kwargs)
    if parts.is_parts_path(path_or_buf):
        _write_parts(obj, path_or_buf, "csv", _CSVPart(kwargs))
        return None
    encoding = kwargs.pop("encoding", None) or "utf-8"
    header = kwargs.pop("header", True)
    mat = lower.compute(obj._plan)
    ex = mat.executor
    handles = [
        ex.submit(_CSVChunk({**kwargs, "header": header if k == 0 else False}), h)
        for k, h in enumerate(mat.handles)
    ]
    if path_or_buf is None:
        return "".join(ex.get(handles))
    if hasattr(path_or_buf, "write"):
        for h in handles:
            text = ex.get(h)
            path_or_buf.write(
                text if not isinstance(path_or_buf, io.BufferedIOBase) else text.encode(encoding)
            )
        return None
    # newline="" keeps pandas' line terminator exactly.
    with open(path_or_buf, "w", encoding=encoding, newline="") as f:
        for h in handles:
            f.write(ex.get(h))
    return None


# -- a directory of parts --------------------------------------------------------------------


class _ParquetPart:
    def __init__(self, compression: str | None, index: bool | None) -> None:
        self.compression, self.index = compression, index

    def __call__(self, part: Any, path: str, range_index: bool) -> str:
        # A global RangeIndex is left out (a directory reads back numbered 0..n-1); any other
        # index is stored by every part, also by parts whose slice of it is a range.
        index = self.index if self.index is not None else (None if range_index else True)
        part.to_parquet(path, compression=self.compression, index=index)
        return path


class _CSVPart:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, part: Any, path: str, range_index: bool) -> str:
        part.to_csv(path, **self.options)
        return path


class _WriteHidden:
    """Task body: write a non-empty partition under a hidden name in ``directory`` (readers skip
    dot-files); report (rows, that name). The driver gives the files their final names."""

    def __init__(self, write: Any, directory: str, ext: str) -> None:
        self.write, self.directory, self.ext = write, directory, ext

    def __call__(self, part: Any) -> pd.DataFrame:
        name = ""
        if len(part):
            name = os.path.join(self.directory, f".part-{uuid.uuid4().hex}.{self.ext}")
            self.write(part, name, True)
        return pd.DataFrame({"rows": [len(part)], "path": [name]})


_WRITTEN_META = pd.DataFrame({"rows": pd.Series(dtype="int64"), "path": pd.Series(dtype="str")})


def _stream_parts(obj: Any, path: Any, ext: str, write: Any) -> list[str] | None:
    """Write a frame whose index is the default RangeIndex (nothing to decide about it first)
    with the write fused after each partition's last step: partitions stream through the object
    store and are never held all at once, so a frame larger than the store is written without
    spilling it. None if every partition is empty (the caller writes one empty file)."""
    directory = os.path.dirname(parts.part_paths(path, 1, ext)[0])  # creates the directory
    node = N.MapPartitions(_WriteHidden(write, directory, ext), (obj._plan,), _WRITTEN_META,
                           label=f"write {ext}", preserves_rows=False)
    done = lower.collect(node)
    written = [p for n, p in zip(done["rows"], done["path"], strict=True) if n]
    if not written:
        return None
    final = parts.part_paths(path, len(written), ext)
    for hidden, name in zip(written, final, strict=True):
        os.replace(hidden, name)
    return final


def _write_parts(obj: Any, path: Any, ext: str, write: Any) -> list[str]:
    """Write each non-empty partition of ``obj`` to its own file (at least one file)."""
    if obj._plan.range_index:
        written = _stream_parts(obj, path, ext, write)
        if written is not None:
            return written
    mat = lower.compute(obj._plan)
    ex = mat.executor
    summaries = ex.get([ex.submit(_index_summary, h) for h in mat.handles])
    lengths = lower.partition_lengths(obj._plan)
    handles = [h for h, n in zip(mat.handles, lengths, strict=True) if n] or list(mat.handles[:1])
    range_index = global_range_index(summaries) is not None
    paths = parts.part_paths(path, len(handles), ext)
    return list(ex.get([ex.submit(write, h, p, range_index) for h, p in zip(handles, paths, strict=True)]))
