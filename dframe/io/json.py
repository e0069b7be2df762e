"""JSON Lines read: ``read_json(path, lines=True)``, one task per block of the file. Other
forms describe the whole frame in one JSON object: they run on pandas. (Writing, every orient:
``json_output``.)

Reading cuts the file into byte ranges at line ends (a JSON string holds no raw newline) and
parses them in parallel, at the call as pandas does; rows are numbered 0..n-1. A block sees
only its own records, while pandas infers each column's dtype from all of them: when the
blocks disagree on the columns or their dtypes (a key only some records have, ints in one
block and floats in another), pandas reads the file (with a ``PandasFallbackWarning``).
"""

from __future__ import annotations

import io
from typing import Any

import os

import pandas as pd

from dframe import config, fallback
from dframe.execution import lower
from dframe.io import csv, identity
from dframe.plan import meta as M
from dframe.plan.positional import ByPosition
from dframe.plan.wrap import from_pandas, wrap_plan

# read_json options a block cannot honour alone (the first rows, streaming, other layouts)
_READ_FALLBACK = {"nrows", "chunksize", "orient", "typ", "compression", "engine"}


class _ReadBlock:
    def __init__(self, blocks: tuple[csv.Block, ...], kwargs: dict[str, Any]) -> None:
        self.blocks, self.kwargs = blocks, kwargs

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        (block,) = [self.blocks[i] for i in part["block"]]
        identity.check(block.path, block.identity, "read_json")
        data = csv._block_bytes(block)
        if not data.strip():
            return pd.DataFrame(index=pd.RangeIndex(0))
        return pd.read_json(io.BytesIO(data), lines=True, **self.kwargs)

    def __repr__(self) -> str:
        return "read_json"


def _first_row(part: pd.DataFrame) -> pd.DataFrame:
    return part.iloc[:1]


class _Conform:
    """A block with every column, in the frame's order and dtypes, rows numbered from
    ``start``."""

    def __init__(self, meta: pd.DataFrame, start: int) -> None:
        self.meta, self.start = meta, start

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = part.reindex(columns=self.meta.columns)
        changed = {c: t for c, t in self.meta.dtypes.items() if out[c].dtype != t}
        if changed:
            out = out.astype(changed)
        return out.set_axis(pd.RangeIndex(self.start, self.start + len(out)), axis=0)


class _Numbered:
    def __init__(self, meta: pd.DataFrame) -> None:
        self.meta = meta

    def __call__(self, lengths: list[int]) -> list[Any]:
        return [_Conform(self.meta, s) for s in M.offsets(lengths)]


def read_json(path_or_buf: Any, *, lines: bool = False, **kwargs: Any) -> Any:
    """``pandas.read_json``; JSON Lines files read in parallel by byte ranges."""
    is_path = isinstance(path_or_buf, str | os.PathLike) and os.path.isfile(path_or_buf)
    if not lines or not is_path or _READ_FALLBACK & set(kwargs) or os.path.getsize(path_or_buf) == 0:
        return fallback.function("read_json", pd.read_json)(path_or_buf, lines=lines, **kwargs)
    path = os.fspath(path_or_buf)
    seen = identity.of(path)
    size, blocksize = os.path.getsize(path), max(1, int(config.get("partition_bytes")))
    blocks = tuple(
        csv.Block(path, start, start + blocksize if start + blocksize < size else None, b"", seen)
        for start in range(0, size, blocksize)
    )
    specs = from_pandas(pd.DataFrame({"block": range(len(blocks))}), npartitions=len(blocks))
    read = specs._map(_ReadBlock(blocks, kwargs), meta=pd.DataFrame(), probe=False,
                      preserves_rows=False)  # fmt: skip
    read_plan = lower.materialize(read._plan)
    heads = lower.collect_partitions(wrap_plan(read_plan)._map(_first_row, meta=pd.DataFrame(),
                                                               preserves_rows=False)._plan)  # fmt: skip
    with_rows = [h for h in heads if len(h)]
    if any(not _same_layout(h, with_rows[0]) for h in with_rows[1:]):
        # pandas infers each column's dtype from all its records (a key some records lack,
        # ints in one block and floats in another): it reads this file itself
        return fallback.function("read_json", pd.read_json)(path_or_buf, lines=lines, **kwargs)
    meta = (with_rows[0] if with_rows else heads[0]).iloc[:0]
    node = ByPosition(read_plan, _Numbered(meta), meta.set_axis(pd.RangeIndex(0)),
                      label="read_json", out_range_index=True)  # fmt: skip
    return wrap_plan(lower.materialize(node))


def _same_layout(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and list(a.dtypes) == list(b.dtypes)
