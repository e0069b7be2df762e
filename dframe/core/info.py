"""``info()`` and ``memory_usage()`` with pandas' exact output, computed without collecting.

Memory use is measured inside tasks, where the partitions live, and summed on the driver; the
index is measured on the global index (a ``RangeIndex`` when the plan knows it, so free).
``info()`` hands pandas' own formatter (``pandas.io.formats.info``) a small stand-in that
answers the few questions the formatter asks — columns, dtypes, index, ``count()``,
``memory_usage()`` — from natively computed results, so the text is pandas' text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.info import DataFrameInfo, SeriesInfo

from dframe.execution import lower


def _categories_usage(dtypes: list[Any], deep: bool) -> np.ndarray:
    """Per column, the bytes of its categories (0 for a column that is not categorical)."""
    return np.array(
        [
            d.categories.memory_usage(deep=deep) if isinstance(d, pd.CategoricalDtype) else 0
            for d in dtypes
        ],
        dtype="int64",
    )


def _dtypes(obj: Any) -> list[Any]:
    return [obj.dtype] if isinstance(obj, pd.Series) else list(obj.dtypes)


class _PartitionUsage:
    """A partition's bytes per column, without the categories of categorical columns: every
    partition carries them all, and pandas counts them once (the driver adds them)."""

    def __init__(self, deep: bool) -> None:
        self.deep = deep

    def __call__(self, part: Any) -> Any:
        usage = np.asarray(part.memory_usage(index=False, deep=self.deep), dtype="int64")
        usage = usage.reshape(-1) - _categories_usage(_dtypes(part), self.deep)
        return (len(part), usage)


def _usage(obj: Any, index: bool, deep: bool) -> np.ndarray:
    """Per-column bytes (one value for a Series), then the index's bytes if ``index``."""
    mat = lower.compute(obj._plan)
    ex = mat.executor
    results = ex.get([ex.submit(_PartitionUsage(deep), h) for h in mat.handles])
    # Empty partitions are left out, as when collecting (an empty string column still owns an
    # offsets buffer).
    kept = [u for n, u in results if n] or [results[0][1]]
    values = np.sum(kept, axis=0, dtype="int64").reshape(-1)
    values = values + _categories_usage(_dtypes(obj._meta), deep)
    if index:
        plan = obj._plan
        if plan.range_index:
            idx: pd.Index = pd.RangeIndex(len(obj))
        else:
            idx = obj.index
        values = np.concatenate([[idx.memory_usage(deep=deep)], values]).astype("int64")
    return values


class InfoMethods:
    """Mixed into DataFrame and Series."""

    def memory_usage(self, index: bool = True, deep: bool = False) -> Any:
        """Bytes used by each column (and the index), as ``pandas.DataFrame.memory_usage``
        reports them for the collected frame; a Series returns an int."""
        meta = self._meta  # type: ignore[attr-defined]
        values = _usage(self, index, deep)
        if isinstance(meta, pd.Series):
            return int(values.sum())
        template = meta.memory_usage(index=index, deep=deep)
        return pd.Series(values, index=template.index, dtype=template.dtype)

    def info(
        self,
        verbose: bool | None = None,
        buf: Any = None,
        max_cols: int | None = None,
        memory_usage: bool | str | None = None,
        show_counts: bool | None = None,
    ) -> None:
        """Print a concise summary, exactly as ``pandas.DataFrame.info`` prints it."""
        is_series = isinstance(self._meta, pd.Series)  # type: ignore[attr-defined]
        view = (_SeriesView if is_series else _FrameView)(self, series=is_series)
        if is_series:
            _SeriesInfo(view, memory_usage).render(
                buf=buf,
                max_cols=max_cols,
                verbose=verbose,
                show_counts=True if show_counts is None else show_counts,
            )
        else:
            DataFrameInfo(view, memory_usage).render(
                buf=buf, max_cols=max_cols, verbose=verbose, show_counts=show_counts
            )


class _SeriesInfo(SeriesInfo):
    @property
    def dtype_counts(self) -> Any:
        # pandas wraps the Series in a DataFrame to count dtypes; the meta has the dtype.
        return DataFrameInfo(self.data._obj._meta.to_frame()).dtype_counts


class _InfoView:
    """What pandas' info formatter reads from a frame, answered natively and lazily."""

    def __init__(self, obj: Any, series: bool) -> None:
        self._obj = obj
        self._index: pd.Index | None = None
        meta = obj._meta
        self.dtypes = meta.dtypes if not series else meta.dtype
        if series:
            self.name = meta.name
        else:
            self.columns = meta.columns

    @property
    def index(self) -> pd.Index:
        if self._index is None:
            plan = self._obj._plan
            self._index = pd.RangeIndex(len(self._obj)) if plan.range_index else self._obj.index
        return self._index

    def __len__(self) -> int:
        return len(self._obj)

    def count(self) -> Any:
        result = self._obj.count()
        return result.to_pandas() if hasattr(result, "to_pandas") else result

    def memory_usage(self, index: bool = True, deep: bool = False) -> Any:
        values = _usage(self._obj, index, deep)
        if isinstance(self._obj._meta, pd.Series):
            return int(values.sum())
        template = self._obj._meta.memory_usage(index=index, deep=deep)
        return pd.Series(values, index=template.index, dtype=template.dtype)


def _named(name: str) -> type:
    # The formatter prints ``type(data)``: the stand-in carries pandas' class name, so the
    # text is what pandas prints for the collected object.
    return type(name, (_InfoView,), {"__module__": "pandas", "__qualname__": name})


_FrameView, _SeriesView = _named("DataFrame"), _named("Series")
