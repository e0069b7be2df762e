"""dframe: pandas' API on partitioned data, computed in parallel by ``runtime``.

``import dframe as pd`` is the whole migration: DataFrame, Series, readers and writers are
native; every other name of pandas' namespace is forwarded to pandas (functions that receive or
return data run on pandas with a ``PandasFallbackWarning``).
"""

from __future__ import annotations

import types
from typing import Any

import pandas as _pd

# Importing a family attaches its methods to DataFrame and Series (``plan.wrap.attach``).
from dframe import config, fallback, groupby, sort, window  # noqa: F401
from dframe.config import options
from dframe.core.binning import cut, qcut
from dframe.core.collection import Collection as _Collection
from dframe.core.collection import compute
from dframe.core.concat import concat_columns as _concat_columns
from dframe.core.frame import DataFrame
from dframe.core.parsing import to_datetime, to_numeric, to_timedelta
from dframe.core.series import Series
from dframe.fallback import PandasFallbackWarning
from dframe.io.api import read_csv, read_parquet
from dframe.io.json import read_json
from dframe.merge import merge  # the function shadows the package name on purpose
from dframe.merge.asof import merge_asof
from dframe.numpy.fallback import NumpyFallbackWarning
from dframe.plan import nodes as _nodes
from dframe.plan.wrap import from_pandas, wrap_plan
from dframe.reshape import crosstab, get_dummies, melt, pivot, pivot_table

__all__ = [
    "DataFrame",
    "NumpyFallbackWarning",
    "PandasFallbackWarning",
    "Series",
    "compute",
    "concat",
    "config",
    "crosstab",
    "cut",
    "from_pandas",
    "get_dummies",
    "melt",
    "pivot",
    "pivot_table",
    "qcut",
    "merge",
    "merge_asof",
    "options",
    "read_csv",
    "read_json",
    "read_parquet",
    "to_datetime",
    "to_numeric",
    "to_timedelta",
]


def concat(
    objs: Any, *, axis: Any = 0, join: str = "outer", ignore_index: bool = False, **kwargs: Any
) -> Any:
    """``pandas.concat``; rows of dframe objects of one kind, and columns of frames and Series
    whose rows line up (same origin, or default indexes of equal length), are concatenated
    without collecting them."""
    items = list(objs.values()) if isinstance(objs, dict) else list(objs)
    native = (
        not isinstance(objs, dict)
        and not kwargs
        and (join == "outer" or (join == "inner" and _same_columns(items)))
        and axis in (0, "index")
        and items
        and all(isinstance(o, _Collection) for o in items)
        and len({type(o) for o in items}) == 1
    )
    if (
        not native
        and not isinstance(objs, dict)
        and not kwargs
        and axis in (1, "columns")
        and items
        and all(isinstance(o, _Collection) for o in items)
    ):
        # join="inner" equals "outer" here: lined-up inputs have the same labels.
        out = _concat_columns(items, ignore_index=ignore_index)
        if out is not None:
            return out
    if not native:
        fn = fallback.function("concat", _pd.concat)
        return fn(objs, axis=axis, join=join, ignore_index=ignore_index, **kwargs)
    if join == "outer":
        items = _without_empty_frames(items)
    return wrap_plan(_nodes.Concat(tuple(o._plan for o in items), ignore_index=ignore_index))


def _without_empty_frames(items: list[Any]) -> list[Any]:
    """pandas leaves frames without rows and columns out (their index name and dtype too), when
    anything else is left; a frame without columns has its rows counted to know."""
    kept = [o for o in items if o._meta.ndim == 1 or len(o._meta.columns) or len(o)]
    return kept or items


def _same_columns(items: list[Any]) -> bool:
    """Whether the rows of ``items`` have the same columns, where join="inner" is "outer"
    (and pandas aligns nothing, even with repeated labels)."""
    if not all(isinstance(o, _Collection) for o in items):
        return False
    labels = [o._meta.columns for o in items if o._meta.ndim == 2]
    return all(c.equals(labels[0]) and c.dtype == labels[0].dtype for c in labels)


def isna(obj: Any) -> Any:
    return obj.isna() if isinstance(obj, _Collection) else _pd.isna(obj)


def notna(obj: Any) -> Any:
    return obj.notna() if isinstance(obj, _Collection) else _pd.notna(obj)


isnull, notnull = isna, notna


def __getattr__(name: str) -> Any:
    try:
        value = getattr(_pd, name)
    except AttributeError:
        msg = f"module 'dframe' has no attribute {name!r} (nor has pandas)"
        raise AttributeError(msg) from None
    if isinstance(value, types.FunctionType) and not name.startswith("_"):
        return fallback.function(name, value)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_pd)))
