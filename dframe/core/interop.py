"""Partitioning and interchange: ``repartition``, ``to_arrow``, the Arrow PyCapsule stream,
the ``__dataframe__`` interchange protocol, pickling and copying.

Conversions to Arrow run partition by partition inside tasks; only the Arrow tables travel to
the driver, where they are joined without copying (``pyarrow.concat_tables``). A frame that is
pickled carries its data (not its plan, whose partition refs mean nothing in another process)
and its partition count, and unpickles to an equal dframe object.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pyarrow as pa

from dframe.execution import lower
from dframe.fallback import memory
from dframe.io import api
from dframe.plan import nodes as N
from dframe.plan.wrap import from_pandas, wrap_plan


def _frame_table(part: pd.DataFrame, preserve_index: bool | None) -> pa.Table:
    return pa.Table.from_pandas(part, preserve_index=preserve_index)


def _series_array(part: pd.Series) -> pa.ChunkedArray:
    arr = pa.array(part)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _nonempty(handles: list[Any], lengths: list[int]) -> list[Any]:
    # As in ``lower.collect``: empty partitions hold no values and must not vote on types.
    kept = [h for h, n in zip(handles, lengths, strict=True) if n]
    return kept or handles[:1]


def _size_bytes(text: int | str) -> int:
    if isinstance(text, int):
        return text
    units = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}
    raw = text.strip().lower().replace(" ", "")
    for unit in sorted(units, key=len, reverse=True):
        if raw.endswith(unit):
            return int(float(raw[: -len(unit)]) * units[unit])
    return int(raw.rstrip("b"))


def _unpickle(kind: str, data: Any, npartitions: int) -> Any:
    obj = from_pandas(data, npartitions=npartitions)
    assert type(obj).__name__ == kind
    return obj


class InteropMethods:
    """Mixed into DataFrame and Series."""

    _plan: N.Node

    # -- partitioning ----------------------------------------------------------------------------

    def repartition(
        self, npartitions: int | None = None, *, partition_size: int | str | None = None
    ) -> Any:
        """The same rows in the same order, cut into ``npartitions`` near-equal partitions, or
        into partitions of about ``partition_size`` bytes (an int, or a string like "64MB").

        >>> import dframe
        >>> df = dframe.DataFrame({"a": range(10)}, npartitions=2)
        >>> df.repartition(npartitions=5).npartitions
        5
        """
        if (npartitions is None) == (partition_size is None):
            msg = "repartition needs exactly one of npartitions= or partition_size="
            raise TypeError(msg)
        if npartitions is None:
            assert partition_size is not None
            size = memory.collected_bytes(self)
            npartitions = max(1, math.ceil(size / max(1, _size_bytes(partition_size))))
        if not isinstance(npartitions, int) or isinstance(npartitions, bool):
            msg = f"npartitions must be an int, got {type(npartitions).__name__}"
            raise TypeError(msg)
        return wrap_plan(N.Repartition(self._plan, npartitions))

    # -- Arrow -----------------------------------------------------------------------------------

    def to_arrow(self, preserve_index: bool | None = None) -> Any:
        """A ``pyarrow.Table`` equal to ``pyarrow.Table.from_pandas(self.to_pandas())`` (a
        ``pyarrow.ChunkedArray`` for a Series), converted partition by partition in parallel.

        >>> import dframe
        >>> dframe.DataFrame({"a": [1, 2, 3]}, npartitions=2).to_arrow().num_rows
        3
        """
        mat = lower.compute(self._plan)
        ex = mat.executor
        handles = list(mat.handles)
        lengths = lower.partition_lengths(self._plan)
        if isinstance(self._plan.meta, pd.Series):
            chunks = ex.get([ex.submit(_series_array, h) for h in _nonempty(handles, lengths)])
            return pa.chunked_array(
                [c for ca in chunks for c in ca.chunks], type=chunks[0].type
            )
        summaries = ex.get([ex.submit(api._index_summary, h) for h in handles])
        range_index = api.global_range_index(summaries) if preserve_index is None else None
        # A non-range index is stored as columns by every partition, also those whose own
        # slice of it happens to be a range (as pandas would store the whole index).
        # None keeps a partition's RangeIndex slice as metadata only (and records the column
        # index as pandas does); the metadata is then replaced by the whole frame's range.
        preserve = None if range_index is not None else (preserve_index is not False)
        tables = ex.get(
            [ex.submit(_frame_table, h, preserve) for h in _nonempty(handles, lengths)]
        )
        schema = tables[0].schema
        if range_index is not None:
            schema = api._range_metadata(schema, range_index)
        bare = schema.remove_metadata()
        joined = pa.concat_tables([t.replace_schema_metadata(None).cast(bare) for t in tables])
        return joined.replace_schema_metadata(schema.metadata)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Arrow PyCapsule stream (``pyarrow.table(df)``, polars, duckdb read it)."""
        data = self.to_arrow()
        if requested_schema is not None:
            if isinstance(data, pa.Table):
                data = data.cast(pa.Schema._import_from_c_capsule(requested_schema))
            else:
                data = data.cast(pa.DataType._import_from_c_capsule(requested_schema))
        return data.__arrow_c_stream__()

    def __dataframe__(self, nan_as_null: bool = False, allow_copy: bool = True) -> Any:
        """The dataframe interchange protocol object (of the Arrow table of this frame)."""
        if isinstance(self._plan.meta, pd.Series):
            msg = "the interchange protocol is for DataFrames; use .to_frame().__dataframe__()"
            raise AttributeError(msg)  # noqa: TRY004 - pandas' Series has no such attribute
        return self.to_arrow().__dataframe__(nan_as_null=nan_as_null, allow_copy=allow_copy)

    # -- pickling and copying --------------------------------------------------------------------

    def __reduce__(self) -> Any:
        kind = "DataFrame" if isinstance(self._plan.meta, pd.DataFrame) else "Series"
        return _unpickle, (kind, lower.collect(self._plan), self._plan.npartitions)

    def __copy__(self) -> Any:
        return wrap_plan(self._plan)  # plans are immutable: sharing one is a copy

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self.__copy__()
