"""``get_dummies``: each encoded column's distinct values are learnt from all partitions first
(pandas' dummy columns are the sorted categories of the whole column), then every partition is
encoded with those fixed categories, so each partition has the same columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe import fallback
from dframe.plan.wrap import DframeObject
from dframe.reshape.melt import _as_list


class Dummies:
    """``pandas.get_dummies`` on a partition whose encoded columns get fixed categories."""

    def __init__(
        self, dtypes: dict[Any, Any] | Any, kwargs: dict[str, Any], labels: Any = None
    ) -> None:
        # ``labels``: the result's column labels when they are not the categories' own (a
        # Series that is not categorical: pandas labels by its values, not a CategoricalIndex).
        self.dtypes, self.kwargs, self.labels = dtypes, kwargs, labels

    def __call__(self, part: Any) -> pd.DataFrame:
        out = pd.get_dummies(part.astype(self.dtypes), **self.kwargs)
        if self.labels is not None:
            out.columns = self.labels
        return out

    def __repr__(self) -> str:
        return "get_dummies"


def _encodable(dtype: Any) -> bool:
    return isinstance(dtype, pd.CategoricalDtype | pd.StringDtype) or dtype == object


def _categories(obj: Any) -> pd.CategoricalDtype:
    """The categories pandas would infer from all of ``obj``'s values."""
    if isinstance(obj._meta.dtype, pd.CategoricalDtype):
        return obj._meta.dtype
    uniques = pd.Series(obj.unique()).dropna()
    return pd.CategoricalDtype(pd.Categorical(uniques).categories)


def get_dummies(data: Any, prefix: Any = None, prefix_sep: Any = "_", dummy_na: bool = False,
                columns: Any = None, sparse: bool = False, drop_first: bool = False,
                dtype: Any = None) -> Any:
    """``pandas.get_dummies`` with categories learned from every partition first."""
    kwargs = dict(prefix=prefix, prefix_sep=prefix_sep, dummy_na=dummy_na, columns=columns,
                  drop_first=drop_first, dtype=dtype)
    if not isinstance(data, DframeObject) or sparse:
        return fallback.function("get_dummies", pd.get_dummies)(data, sparse=sparse, **kwargs)
    meta = data._meta
    labels = None
    if data.ndim == 1:
        dtypes: Any = _categories(data)
        if not isinstance(meta.dtype, pd.CategoricalDtype):
            # One row per category, in the Series' own dtype: pandas' labels for those values.
            values = pd.Series(dtypes.categories, dtype=meta.dtype)
            labels = pd.get_dummies(values, **kwargs).columns
    else:
        encoded = (
            _as_list(columns) if columns is not None
            else list(meta.select_dtypes(include=["object", "string", "category"]).columns)
        )
        # Numbers with dummy_na get float labels from pandas ("k_1.0"): left to pandas.
        if (
            meta.columns.has_duplicates
            or not all(c in meta.columns for c in encoded)
            or not all(_encodable(meta[c].dtype) for c in encoded)
        ):
            return fallback.function("get_dummies", pd.get_dummies)(data, **kwargs)
        dtypes = {c: _categories(data[c]) for c in encoded}
    fn = Dummies(dtypes, kwargs, labels)
    return data._map(fn, meta=fn(meta), label="get_dummies", preserves_rows=True)
