"""Joining partitions' rows: ``pd.concat`` of partitions, without pandas' costly comparison of
categorical dtypes (it hashes every category of both dtypes, for each pair of partitions: a
second per pair for a million string categories)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def same_dtype(a: Any, b: Any) -> bool:
    """``a == b``, without hashing categories: pandas compares two categorical dtypes by
    hashing all their categories, each time (a second for a million string categories)."""
    if a is b:
        return True
    if isinstance(a, pd.CategoricalDtype) and isinstance(b, pd.CategoricalDtype):
        if a.categories is None or b.categories is None:
            return a == b
        return a.ordered == b.ordered and a.categories.equals(b.categories) and (
            a.categories.dtype == b.categories.dtype
        )
    return bool(a == b)


def concat_dtype(dtypes: list[Any]) -> Any:
    """The dtype pandas gives a column concatenated from columns of ``dtypes`` (int + float ->
    float64, bool + float -> object)."""
    first = dtypes[0]
    if all(same_dtype(d, first) for d in dtypes[1:]):
        return first
    return pd.concat([pd.Series([], dtype=d) for d in dtypes]).dtype


def concat_rows(parts: list[Any], ignore_index: bool = False) -> Any:
    """``pd.concat(parts, ignore_index=...)`` of partitions; categorical columns whose
    categories agree are joined by their codes (pandas would hash the categories of every
    pair of partitions to compare them)."""
    first = parts[0]
    frame = isinstance(first, pd.DataFrame)
    dtypes = list(first.dtypes) if frame else [first.dtype]
    slots = [j for j, dt in enumerate(dtypes) if isinstance(dt, pd.CategoricalDtype)]
    same = all(
        frame == isinstance(p, pd.DataFrame)
        and (not frame or p.columns.equals(first.columns))
        and all(same_dtype(dt, (p.dtypes.iloc[j] if frame else p.dtype)) for j, dt in
                ((j, dtypes[j]) for j in slots))
        for p in parts[1:]
    )
    if not slots or not same:
        return _object_labels_kept(pd.concat(parts, ignore_index=ignore_index), parts, ignore_index)
    if not frame:
        codes = pd.concat([pd.Series(p.array.codes, index=p.index) for p in parts],
                          ignore_index=ignore_index)
        values = pd.Categorical.from_codes(codes.to_numpy(), dtype=dtypes[0])
        return pd.Series(values, index=codes.index, name=first.name)
    as_codes = []
    for p in parts:
        p = p.copy(deep=False)
        for j in slots:
            p.isetitem(j, p.iloc[:, j].array.codes)
        as_codes.append(p)
    out = pd.concat(as_codes, ignore_index=ignore_index)
    for j in slots:
        out.isetitem(j, pd.Categorical.from_codes(out.iloc[:, j].to_numpy(), dtype=dtypes[j]))
    return _object_labels_kept(out, parts, ignore_index)


def _object_labels_kept(out: Any, parts: list[Any], ignore_index: bool) -> Any:
    """``out`` with the object index its parts had: pandas' concat infers a dtype from object
    labels (partitions of ints and floats would come back float64), where the whole frame the
    partitions were cut from keeps its object labels as they are."""
    if ignore_index or out.index.dtype == object or out.index.nlevels != 1:
        return out
    if not all(p.index.dtype == object for p in parts):
        return out
    return out.set_axis(append_objects([p.index for p in parts], out.index.name))


def append_objects(indexes: list[pd.Index], name: Any = None) -> pd.Index:
    """Object labels of ``indexes`` one after the other, as they are (``Index.append`` infers a
    dtype from object labels: floats alone would become float64)."""
    values = np.concatenate([ix.to_numpy(dtype=object) for ix in indexes])
    return pd.Index(values, dtype=object, name=name)


def index_of(part: Any) -> pd.Index:
    """A partition's row labels (what ``DataFrame.index`` collects)."""
    return part.index
