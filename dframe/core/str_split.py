"""``Series.str.split(..., expand=True)`` and ``Series.str.rsplit(..., expand=True)``.

pandas makes one column per piece of the row split into the most pieces, so the width depends
on every row. Two passes: a tree reduction of each partition's own width (pandas' expanded
result of that partition: the most pieces, 1 for rows all missing, 0 for no rows) to the global
maximum, then pandas' own ``split(expand=True)`` on every partition, padded on the right to that
width the way pandas pads a short row (object input: ``None``, or NaN across a row pandas read as
NaN; string dtypes: their missing value). The columns are the input's string dtype, or
``object``, whatever the values: the result's dtypes are known without computing it.
Other input dtypes (``ArrowDtype``, categorical) run on pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.execution import lower
from dframe.plan import nodes as N


def _native_dtype(dtype: Any) -> bool:
    return dtype == object or isinstance(dtype, pd.StringDtype)


class Split:
    """``part.str.<name>(**kwargs, expand=True)``."""

    def __init__(self, name: str, kwargs: dict[str, Any]) -> None:
        self.name, self.kwargs = name, kwargs

    def __call__(self, part: pd.Series) -> pd.DataFrame:
        if part.dtype == object:
            part = _nan_as_numpy_nan(part)
        return getattr(part.str, self.name)(**self.kwargs, expand=True)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"str.{self.name}({inner}, expand=True)"


def _nan_as_numpy_nan(part: pd.Series) -> pd.Series:
    """``part`` with every float NaN the ``np.nan`` object itself. pandas repeats a row across
    all the columns only when its value *is* ``np.nan`` (other missing values are kept, and the
    row padded with None); a user's ``np.nan`` arrives in a task as a copy after pickling."""
    values = part.to_numpy(dtype=object)
    nan = np.fromiter((type(v) is float and v != v for v in values), bool, len(values))
    if not nan.any() or all(v is np.nan for v in values[nan]):
        return part
    values = values.copy()
    values[nan] = np.nan
    return pd.Series(values, index=part.index, name=part.name, dtype=object)


class Width:
    """Task body: the columns of a partition's expanded split."""

    def __init__(self, split: Split) -> None:
        self.split = split

    def __call__(self, part: pd.Series) -> int:
        return int(self.split(part).shape[1]) if len(part) else 0


def _widest(*widths: int) -> int:
    return max(widths)


def _same(width: int) -> int:
    return width


class PaddedSplit:
    """``split`` of a partition with columns ``0 .. width - 1``, as pandas' split of all rows
    gives this partition's rows."""

    row_local = True

    def __init__(self, split: Split, meta: pd.DataFrame) -> None:
        self.split, self.meta = split, meta

    def __call__(self, part: pd.Series) -> pd.DataFrame:
        if not len(part):
            return self.meta.set_axis(part.index, axis=0)
        out = self.split(part)
        width = self.meta.shape[1]
        if out.shape[1] == width:
            return out
        if isinstance(part.dtype, pd.StringDtype):
            pad: Any = pd.array([None] * len(out), dtype=part.dtype)
        else:
            # pandas repeats a row it read as NaN (a missing or non-string value) across all
            # the columns; the other short rows end in None
            first = out.iloc[:, 0].to_numpy(dtype=object) if out.shape[1] else [None] * len(out)
            pad = np.array([np.nan if v is np.nan else None for v in first], dtype=object)
        out = out.copy(deep=False)
        for j in range(out.shape[1], width):
            out[j] = pad  # (an array: by position, whatever the labels)
        return out.set_axis(self.meta.columns, axis=1)

    def __repr__(self) -> str:
        return f"{self.split!r} (padded to {self.meta.shape[1]} columns)"


def split_expand(series: Any, name: str, kwargs: dict[str, Any]) -> Any:
    """``series.str.<name>(**kwargs, expand=True)`` natively, or None when only pandas can."""
    meta = series._known_meta()
    if not _native_dtype(meta.dtype):
        return None
    split = Split(name, kwargs)
    split(meta)  # pandas' errors for bad arguments, at the call
    width = lower.collect(
        N.Reduce(series._plan, Width(split), _widest, _same, 0, label=f"{name} width")
    )
    dtype = meta.dtype if isinstance(meta.dtype, pd.StringDtype) else object
    columns = {j: pd.Series([], dtype=dtype) for j in range(width)}
    out_meta = pd.DataFrame(columns, index=meta.index, columns=pd.RangeIndex(width))
    fn = PaddedSplit(split, out_meta)
    return series._map(fn, meta=out_meta, label=repr(fn), probe=False)
