"""Parquet: plan-time inspection, per-partition reads (with pushed-down columns and predicates),
and writing.

A partition is a run of consecutive row groups of one file. Row counts come from the footer, so
partition lengths — and thus the global RangeIndex — are known without reading any data.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dframe.io import identity
from dframe.io.identity import Identity

_ROW = "__dframe_row__"


@dataclass(frozen=True)
class Piece:
    path: str
    row_groups: tuple[int, ...]
    num_rows: int
    # Label of the piece's first row when the file's index is a range (start + step * row).
    first_label: int
    step: int
    identity: Identity | None = None  # the file as read_parquet saw it (checked by every read)


def _files(path: Any) -> list[str]:
    if isinstance(path, list | tuple):
        return [os.fspath(p) for p in path]
    path = os.fspath(path)
    if any(ch in path for ch in "*?["):
        matched = sorted(glob.glob(path))
        if not matched:
            msg = f"no files match {path!r}"
            raise FileNotFoundError(msg)
        return matched
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "*.parquet")))
        if not files:
            msg = f"no *.parquet files in directory {path!r}"
            raise FileNotFoundError(msg)
        return files
    if not os.path.exists(path):
        msg = f"No such file or directory: {path!r}"
        raise FileNotFoundError(msg)
    return [path]


def _pandas_index(schema: pa.Schema) -> tuple[bool, int, int]:
    """(index stored as columns?, range start, range step) from the pandas metadata."""
    raw = (schema.metadata or {}).get(b"pandas")
    if not raw:
        return False, 0, 1
    cols = json.loads(raw).get("index_columns", [])
    if len(cols) == 1 and isinstance(cols[0], dict) and cols[0].get("kind") == "range":
        return False, int(cols[0]["start"]), int(cols[0]["step"])
    return bool(cols), 0, 1


def inspect(
    path: Any, target_bytes: int, min_pieces: int = 1, small_bytes: int = 0
) -> tuple[list[Piece], pd.DataFrame, bool, dict[str, int]]:
    """Pieces, meta (all columns), whether the pandas index is stored as columns, and each
    stored column's estimated in-memory bytes (``memory_estimate``).

    Pieces hold about ``target_bytes`` (uncompressed), but the data is cut into at least
    ``min_pieces`` when it has that many row groups, so every worker gets a share.
    """
    files = _files(path)
    # Recorded before the footers are read: a change after this point is caught by the reads.
    seen = [identity.of(f) for f in files]
    footers = [pq.ParquetFile(f) for f in files]
    total = sum(pf.metadata.row_group(rg).total_byte_size
                for pf in footers for rg in range(pf.metadata.num_row_groups))
    if total >= small_bytes:   # small data runs in the driver anyway: no point in splitting it
        target_bytes = max(1, min(target_bytes, total // max(1, min_pieces)))
    pieces: list[Piece] = []
    meta: pd.DataFrame | None = None
    stored = False
    row = 0
    column_bytes: dict[str, int] = {}
    for file, ident, pf in zip(files, seen, footers, strict=True):
        if meta is None:
            schema = pf.schema_arrow
            stored, start, step = _pandas_index(schema)
            if len(files) > 1:  # pandas numbers the rows of a multi-file dataset 0..n-1
                start, step = 0, 1
            meta = schema.empty_table().to_pandas()
        _add_column_bytes(pf, column_bytes)
        group: list[int] = []
        rows = size = 0
        md = pf.metadata
        for rg in range(md.num_row_groups):
            group.append(rg)
            rows += md.row_group(rg).num_rows
            size += md.row_group(rg).total_byte_size
            if size >= target_bytes or rg == md.num_row_groups - 1:
                pieces.append(Piece(file, tuple(group), rows, start + step * row, step, ident))
                row += rows
                group, rows, size = [], 0, 0
        if md.num_row_groups == 0:
            pieces.append(Piece(file, (), 0, start + step * row, step, ident))
    assert meta is not None
    return pieces, meta, stored, column_bytes


def _add_column_bytes(pf: pq.ParquetFile, out: dict[str, int]) -> None:
    """Add each top-level column's estimated in-memory bytes in ``pf`` to ``out``.

    The footer's uncompressed size is what the encoded pages take, which can be far below
    memory: a dictionary-encoded string column stores each distinct value once. So a column
    takes at least its rows times its width in memory — fixed-width types their width, strings
    an offset plus the mean length of their min and max statistics.
    """
    schema, md = pf.schema_arrow, pf.metadata
    for rg in range(md.num_row_groups):
        group = md.row_group(rg)
        for c in range(group.num_columns):
            chunk = group.column(c)
            name = chunk.path_in_schema.split(".")[0]
            size = chunk.total_uncompressed_size
            if "." not in chunk.path_in_schema and schema.get_field_index(name) >= 0:
                size = max(size, _least_bytes(schema.field(name).type, chunk, group.num_rows))
            out[name] = out.get(name, 0) + size


def _least_bytes(arrow_type: pa.DataType, chunk: Any, rows: int) -> int:
    if pa.types.is_dictionary(arrow_type):
        return rows * max(1, arrow_type.index_type.bit_width // 8)
    try:
        return rows * max(1, arrow_type.bit_width // 8)
    except ValueError:  # variable width
        pass
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or (
        pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type)
    ):
        stats = chunk.statistics
        mean = 0
        if stats is not None and stats.has_min_max:
            mean = (len(stats.min_raw) + len(stats.max_raw)) // 2
        return rows * (8 + mean)
    return 0


def memory_estimate(column_bytes: dict[str, int], meta: pd.DataFrame,
                    columns: Sequence[Hashable] | None) -> int:
    """Estimated in-memory bytes of reading ``columns`` (None: all) and the stored index."""
    if columns is None:
        return sum(column_bytes.values())
    wanted = {str(c) for c in columns}
    data = {str(c) for c in meta.columns}
    # Stored columns that are not data columns hold the index, which is always read.
    return sum(n for name, n in column_bytes.items() if name in wanted or name not in data)


def read_piece(
    piece: Piece,
    columns: Sequence[Hashable] | None,
    predicate: Predicate | None,
    stored_index: bool,
    reset_index: bool,
) -> pd.DataFrame:
    """Read one partition: only ``columns``, only rows matching ``predicate``.

    Rows keep their global labels (a pushed-down ``df[mask]`` keeps pandas' labels), except
    under the user's own ``filters=``, where pandas numbers survivors 0..n-1: those partitions
    come back numbered from 0 and lowering shifts them once all lengths are known.
    """
    identity.check(piece.path, piece.identity, "read_parquet")
    pf = pq.ParquetFile(piece.path)
    wanted = None if columns is None else [str(c) for c in columns]
    read_cols = wanted
    if predicate is not None and wanted is not None:
        read_cols = wanted + [f for f in predicate.fields if f not in wanted]
    table = pf.read_row_groups(list(piece.row_groups), columns=read_cols, use_pandas_metadata=True)
    # A rewrite while the row groups were read would mix two files' rows.
    identity.check(piece.path, piece.identity, "read_parquet")
    labels = None  # the rows' global labels, made only when a filter picks some of them
    if predicate is not None:
        labels = piece.first_label + piece.step * np.arange(table.num_rows, dtype="int64")
        table = table.append_column(_ROW, pa.array(labels)).filter(predicate.expr)
        labels = table.column(_ROW).to_numpy()
        table = table.drop_columns([_ROW])
        if read_cols is not None and wanted is not None and len(read_cols) > len(wanted):
            table = table.drop_columns(read_cols[len(wanted) :])
    # One block per column: numeric columns without nulls become views of Arrow's buffers
    # instead of being copied into consolidated 2-D blocks.
    df = table.to_pandas(split_blocks=True)
    if reset_index:
        df.index = pd.RangeIndex(len(df))
    elif not stored_index and labels is None:
        first, step = piece.first_label, piece.step
        df.index = pd.RangeIndex(first, first + step * len(df), step) if len(df) else pd.RangeIndex(0)
    elif not stored_index:
        df.index = _index(labels)
    if columns is not None:
        df = df[list(columns)]
    return df


def _index(labels: np.ndarray) -> pd.Index:
    """Labels as a RangeIndex when evenly spaced (what pandas itself gives), else an Index."""
    if len(labels) == 0:
        return pd.RangeIndex(0)
    step = int(labels[1] - labels[0]) if len(labels) > 1 else 1
    if step > 0 and np.all(np.diff(labels) == step):
        return pd.RangeIndex(int(labels[0]), int(labels[-1]) + 1, step)
    return pd.Index(labels, dtype="int64")


class Predicate:
    """A pyarrow expression plus the columns it reads (pyarrow cannot list them)."""

    def __init__(self, expr: pc.Expression, fields: Sequence[str], text: str) -> None:
        self.expr, self.fields, self.text = expr, tuple(fields), text

    def __and__(self, other: Predicate) -> Predicate:
        fields = list(dict.fromkeys(self.fields + other.fields))
        return Predicate(self.expr & other.expr, fields, f"{self.text} & {other.text}")


def user_filters(filters: Any) -> Predicate:
    """pandas/pyarrow ``filters=`` (list of tuples, or of lists for OR) as a ``Predicate``."""
    if isinstance(filters, pc.Expression):
        msg = "filters given as a pyarrow Expression are not supported yet; use the list form"
        raise TypeError(msg)
    expr = pq.filters_to_expression(filters)
    conj = filters if filters and isinstance(filters[0], list) else [filters]
    fields = list(dict.fromkeys(str(t[0]) for group in conj for t in group))
    return Predicate(expr, fields, str(filters))
