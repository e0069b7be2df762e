"""``pandas.cut``, ``pandas.qcut`` and ``Series.value_counts(bins=...)`` of a dframe Series.

Once the bin edges are known, binning is a map: every partition is cut by pandas with the same
edges, so every partition's categories (made by pandas from the edges alone) are the same. Edges
from a number of bins depend only on the global minimum and maximum: one small tree reduction
finds them, and pandas computes the edges from those two numbers (``pandas.cut`` of a two-value
array, ``retbins=True``). ``qcut``'s edges are exact global quantiles (``Series.quantile``, pandas'
own over the gathered values), then it is a ``cut`` by them. ``value_counts(bins=...)`` counts each
partition's bin codes, sums the counts in a tree and orders them as pandas does.

Other inputs (DataFrames, pandas objects, datetimes, objects) run on pandas (``fallback``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.execution import lower
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject


def _binnable(dtype: Any) -> bool:
    """Dtypes pandas bins as numbers, whatever their values: numpy numbers and bools (made
    int64), nullable numbers (made floats). A nullable boolean's <NA> fails to become an int:
    the values decide, so it runs on pandas."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "biuf"
    return isinstance(dtype, pd.core.dtypes.dtypes.BaseMaskedDtype) and dtype.kind in "iuf"


def _native(x: Any, *others: Any) -> bool:
    return (
        isinstance(x, DframeObject)
        and x.ndim == 1
        and not any(isinstance(o, DframeObject) for o in others)
        and _binnable(x._known_meta().dtype)
    )


# -- partition functions ---------------------------------------------------------------------------


class Extremes:
    """A partition's size, minimum and maximum (missing values skipped)."""

    def __call__(self, part: pd.Series) -> tuple[int, Any, Any]:
        if not len(part):
            return 0, None, None
        return len(part), part.min(), part.max()


class MergeExtremes:
    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def __call__(self, *partials: tuple[int, Any, Any]) -> tuple[int, Any, Any]:
        full = [p for p in partials if p[0]]
        size = sum(p[0] for p in full)
        if not full:
            return 0, None, None
        # as pandas compares them: in the column's dtype, missing values skipped
        low = pd.Series([p[1] for p in full], dtype=self.dtype).min()
        high = pd.Series([p[2] for p in full], dtype=self.dtype).max()
        return size, low, high


class Cut:
    """``pandas.cut`` (``qcut`` for edges that are all NaN) of a partition, by fixed bins."""

    def __init__(self, func: Any, bins: Any, kwargs: dict[str, Any]) -> None:
        self.func, self.bins, self.kwargs = func, bins, kwargs

    def __call__(self, part: pd.Series) -> pd.Series:
        return self.func(part, self.bins, **self.kwargs)

    def __repr__(self) -> str:
        return f"{self.func.__name__}(bins)"


class CountBins:
    """Per-bin counts of a partition, as ``value_counts(bins=...)`` cuts it."""

    def __init__(self, bins: Any, ncat: int) -> None:
        self.bins, self.ncat = bins, ncat

    def __call__(self, part: pd.Series) -> tuple[int, np.ndarray]:
        codes = np.asarray(pd.cut(part.array, self.bins, include_lowest=True).codes)
        return len(part), np.bincount(codes[codes >= 0], minlength=self.ncat)


class SumCounts:
    def __call__(self, *partials: tuple[int, np.ndarray]) -> tuple[int, np.ndarray]:
        return sum(p[0] for p in partials), np.sum([p[1] for p in partials], axis=0)


class BinCounts:
    """pandas' ``value_counts(bins=...)`` from the per-bin counts of all rows (the steps of
    ``pandas.core.algorithms.value_counts_internal`` after its ``Categorical.value_counts``)."""

    def __init__(self, dtype: pd.CategoricalDtype, options: dict[str, Any]) -> None:
        self.dtype, self.options = dtype, options

    def __call__(self, partial: tuple[int, np.ndarray]) -> pd.Series:
        nrows, counts = partial
        o = self.options
        bins = pd.Categorical.from_codes(np.arange(len(self.dtype.categories)), dtype=self.dtype)
        name = "proportion" if o["normalize"] else "count"
        result = pd.Series(counts, index=pd.CategoricalIndex(bins), dtype="int64", name=name)
        result.index = result.index.astype("interval")
        result = result.sort_index()
        if o["dropna"] and (result.to_numpy() == 0).all():
            result = result.iloc[0:0]
        if o["sort"]:
            result = result.sort_values(ascending=o["ascending"], kind="stable")
        if o["normalize"]:
            result = result / nrows  # by all rows, missing or not (as pandas)
        return result


# -- edges ---------------------------------------------------------------------------------------


def _edges(x: Any, bins: Any, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The bins each partition is cut by, and what pandas' ``retbins`` gives; pandas' errors."""
    meta = x._known_meta()
    if np.iterable(bins):
        sample = meta  # fixed edges: pandas' checks need no data
    else:
        plan = N.Reduce(x._plan, Extremes(), MergeExtremes(meta.dtype), _identity, None,
                        label="cut edges")  # fmt: skip
        size, low, high = lower.collect(plan)
        sample = pd.Series([low, high], dtype=meta.dtype) if size else meta
    _, edges = pd.cut(sample, bins, retbins=True, **kwargs)
    return (bins if np.iterable(bins) else edges), edges


def _identity(partial: Any) -> Any:
    return partial


def cut(
    x: Any,
    bins: Any,
    right: bool = True,
    labels: Any = None,
    retbins: bool = False,
    precision: int = 3,
    include_lowest: bool = False,
    duplicates: str = "raise",
    ordered: bool = True,
) -> Any:
    """``pandas.cut``: a dframe Series of numbers is cut partition by partition."""
    kwargs = {
        "right": right, "labels": labels, "precision": precision,
        "include_lowest": include_lowest, "duplicates": duplicates, "ordered": ordered,
    }  # fmt: skip
    if not _native(x, bins, labels):
        return fallback.function("cut", pd.cut)(x, bins, retbins=retbins, **kwargs)
    spec, edges = _edges(x, bins, kwargs)
    return _apply(x, Cut(pd.cut, spec, kwargs), labels, retbins, edges)


def _apply(x: Any, fn: Cut, labels: Any, retbins: bool, edges: Any) -> Any:
    meta = fn(x._meta)
    # ``labels=False`` gives codes: int64, or float64 where a value is missing or out of the
    # bins, so the values decide the dtype.
    out = x._map(fn, meta=meta, probe=False, by_values=labels is False, label="cut")
    return (out, edges) if retbins else out


def _quantiles(q: Any) -> Any:
    """The probabilities of ``qcut``'s edges (pandas' own rule)."""
    if pd.api.types.is_integer(q):
        if q < 1:
            msg = "`q` should be a positive integer."
            raise ValueError(msg)
        quantiles = np.linspace(0, 1, q + 1)
        # Round up rather than to nearest if not representable in base 2 (as pandas)
        np.putmask(quantiles, q * quantiles != np.arange(q + 1), np.nextafter(quantiles, 1))
        return quantiles
    if pd.api.types.is_list_like(q):
        return q
    msg = "`q` should be a positive integer or list-like of quantiles."
    raise ValueError(msg)


def qcut(
    x: Any,
    q: Any,
    labels: Any = None,
    retbins: bool = False,
    precision: int = 3,
    duplicates: str = "raise",
) -> Any:
    """``pandas.qcut``: edges at exact global quantiles, then a ``cut`` partition by partition."""
    kwargs = {"labels": labels, "precision": precision, "duplicates": duplicates}
    if not _native(x, q, labels):
        return fallback.function("qcut", pd.qcut)(x, q, retbins=retbins, **kwargs)
    quantiles = _quantiles(q)
    values = x
    dtype = x._meta.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        values = x.astype("int64")  # pandas' qcut takes quantiles of bools as ints
    elif not isinstance(dtype, np.dtype):
        values = x.astype("float64")  # and of nullable numbers as floats
    # pandas' edges are an Index named as the data (its error for repeated edges shows it)
    present = values.dropna()
    edges = pd.Index(present.quantile(list(quantiles)).to_numpy(), name=x._meta.name)
    if edges.hasnans and len(present):
        # NaN edges from infinite values (inf - inf): pandas decides what they do
        return fallback.function("qcut", pd.qcut)(x, q, retbins=retbins, **kwargs)
    if edges.hasnans:
        # No values: pandas' edges are NaN whichever rows it sees, as are each partition's.
        _, bins = pd.qcut(x._meta, q, retbins=True, **kwargs)  # pandas' error, if it has one
        return _apply(x, Cut(pd.qcut, q, kwargs), labels, retbins, bins)
    cut_kwargs = {**kwargs, "include_lowest": True}
    _, bins = pd.cut(x._meta, edges, retbins=True, **cut_kwargs)
    return _apply(x, Cut(pd.cut, edges, cut_kwargs), labels, retbins, bins)


def value_counts(x: Any, options: dict[str, Any]) -> Any:
    """``Series.value_counts(bins=...)`` (``options``: its arguments), or None where pandas
    must run it."""
    bins = options["bins"]
    if not _native(x, bins):
        return None
    spec, _ = _edges(x, bins, {"include_lowest": True})
    dtype = pd.cut(x._meta.array, spec, include_lowest=True).dtype
    out_meta = x._meta.value_counts(**{**options, "bins": spec}).iloc[:0]
    plan = N.Reduce(
        x._plan, CountBins(spec, len(dtype.categories)), SumCounts(), BinCounts(dtype, options),
        out_meta, label="value_counts",
    )  # fmt: skip
    return x._new(plan)
