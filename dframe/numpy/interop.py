"""Arrays from dframe DataFrames and Series without collecting them:
``dframe.numpy.asarray(series_or_frame)``.

Each row partition becomes one block of rows (``to_numpy`` inside the task that computes the
partition, fused with the frame's own partition-wise work); a frame's columns are one block.
Partition lengths come from the plan, or are counted where the partitions live. Frames with
pandas extension dtypes (nullable integers, strings...), whose NumPy dtype depends on the
values, are collected and converted by pandas (the fallback, with its warning).

Pickling goes the other way round: a dframe array pickles as the NumPy array it stands for
(``ndarray.__reduce__``), so one passed to a ``runtime`` task arrives as a NumPy array and
``runtime`` needs no knowledge of dframe.
"""

from __future__ import annotations

from typing import Any

import numpy
import pandas as pd

from dframe.execution import lower
from dframe.fallback import memory
from dframe.numpy import fallback
from dframe.numpy.array import ndarray, wrap, wrap_numpy
from dframe.numpy.chunks import ArrayMeta
from dframe.plan import nodes as N


class _ToNumpy:
    def __init__(self, dtype: numpy.dtype) -> None:
        self.dtype = dtype

    def __call__(self, part: Any) -> Any:
        return part.to_numpy(dtype=self.dtype)

    def __repr__(self) -> str:
        return "to_numpy"


def _numpy_backed(meta: Any) -> bool:
    dtypes = [meta.dtype] if isinstance(meta, pd.Series) else list(meta.dtypes)
    return all(isinstance(d, numpy.dtype) and d.kind in "biufcmM" for d in dtypes)


def from_frame(obj: Any) -> ndarray:
    """The dframe array of a dframe DataFrame's or Series' values (rows cut as its partitions)."""
    plan = obj._plan
    meta = plan.meta
    if not _numpy_backed(meta):
        kind = "Series" if isinstance(meta, pd.Series) else "DataFrame"
        what = f"{kind}.to_numpy"
        memory.check_fits(what, obj)
        fallback.warn(what)
        return wrap_numpy(obj.to_numpy())
    dtype = meta.to_numpy().dtype
    lengths = tuple(lower.partition_lengths(plan))
    if isinstance(meta, pd.Series):
        layout = ArrayMeta((sum(lengths),), (lengths,), dtype)
    else:
        ncols = meta.shape[1]
        layout = ArrayMeta((sum(lengths), ncols), (lengths, (ncols,)), dtype)
    return wrap(N.MapPartitions(_ToNumpy(dtype), (plan,), layout, label="to_numpy"))
