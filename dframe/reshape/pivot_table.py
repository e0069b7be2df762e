"""``pivot_table`` and ``crosstab``.

* ``pivot_table`` aggregates with dframe's parallel groupby, then pandas pivots the (small)
  aggregated table: every (index, columns) cell then holds one value, so pandas' own
  ``pivot_table`` with ``aggfunc="first"`` lays it out exactly as it lays out the full table.
  ``margins=True`` hands pandas' own margins code a stand-in for the data whose aggregations
  (grand total, by row keys, by column keys) run as parallel dframe computations.
* ``crosstab`` of dframe Series from one frame builds pandas' crosstab frame partition-wise and
  runs the native ``pivot_table``; ``normalize`` works on the small table.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.plan.wrap import DframeObject, from_pandas
from dframe.reshape.melt import _as_list

PIVOT_AGGFUNCS = ("mean", "sum", "count", "min", "max", "first", "last", "median", "std",
                  "var", "size", "nunique", "prod")  # fmt: skip


class _MarginData:
    """Stands in for the data in pandas' ``_add_margins``: the aggregations it asks for (the
    grand margin per value column, groupby of the row keys, groupby of the column keys) run as
    dframe computations, and pandas lays the margins out exactly as it does for the full data."""

    _constructor_sliced = pd.Series

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def __getitem__(self, columns: list[Any]) -> _MarginData:
        return _MarginData(self.frame[columns])

    def items(self) -> Any:
        for c in self.frame.columns:
            yield c, self.frame[c]

    def groupby(self, keys: list[Any], **kwargs: Any) -> _MarginGroupBy:
        return _MarginGroupBy(self.frame.groupby(keys, **kwargs))


class _MarginGroupBy:
    def __init__(self, grouped: Any) -> None:
        self.grouped = grouped

    def agg(self, func: Any, **kwargs: Any) -> Any:
        return self.grouped.agg(func, **kwargs).to_pandas()


def _with_margins(table: pd.DataFrame, data: Any, keys: list[Any], vals: list[Any],
                  rows: list[Any], cols: list[Any], func: str, fill_value: Any,
                  dropna: bool, margins_name: Hashable) -> pd.DataFrame:
    """pandas' margins step of ``pivot_table`` (its ``_add_margins``) over dframe data."""
    from pandas.core.reshape.pivot import _add_margins

    sub = data[[*keys, *[v for v in vals if v not in keys]]]
    if dropna:
        sub = sub[sub.notna().all(axis=1)]
    return _add_margins(table, _MarginData(sub), vals, rows=rows, cols=cols, aggfunc=func,
                        kwargs={}, observed=dropna, margins_name=margins_name,
                        fill_value=fill_value, dropna=dropna)  # fmt: skip


def pivot_table(data: Any, values: Any = None, index: Any = None, columns: Any = None,
                aggfunc: Any = "mean", fill_value: Any = None, margins: bool = False,
                dropna: bool = True, margins_name: Hashable = "All", observed: bool = True,
                sort: bool = True, **kwargs: Any) -> Any:
    """``pandas.pivot_table``: parallel groupby aggregation, then pandas lays out the result;
    margins are parallel aggregations too, laid out by pandas' own margins code."""
    full = dict(values=values, index=index, columns=columns, aggfunc=aggfunc,
                fill_value=fill_value, margins=margins, dropna=dropna,
                margins_name=margins_name, observed=observed, sort=sort, **kwargs)
    meta = data._meta
    rows, cols = _as_list(index), _as_list(columns)
    keys = rows + cols
    funcs = aggfunc if isinstance(aggfunc, list) else [aggfunc]
    native = (
        not kwargs
        and rows
        and not meta.columns.has_duplicates
        and all(isinstance(k, Hashable) and k in meta.columns for k in keys)
        and all(isinstance(f, str) and f in PIVOT_AGGFUNCS and f != "size" for f in funcs)
        # dframe's groupby gives NaN, not 0, for unobserved categories with nunique
        and (observed or "nunique" not in funcs)
        and funcs
        and all(v in meta.columns for v in _as_list(values))
    )
    vals = _as_list(values) if values is not None else [c for c in meta.columns if c not in keys]
    if not native or not vals:
        return fallback.call_method(data, "pivot_table", (), full)
    if not len(data):
        # No rows: pandas' answer costs nothing, and it lays out an empty table its own way
        # (margins keep the value columns, which the aggregated table has none of).
        return from_pandas(pd.pivot_table(data.to_pandas(), **full), npartitions=1)
    result = _pivot_table(data, values, index, columns, aggfunc, fill_value, margins, dropna,
                          margins_name, observed, sort, vals)  # fmt: skip
    # One partition, like any aggregation result (cutting an object-dtype index into
    # partitions would let concatenation re-infer its dtype).
    return from_pandas(result, npartitions=1)


def _pivot_table(data: Any, values: Any, index: Any, columns: Any, aggfunc: Any,
                 fill_value: Any, margins: bool, dropna: bool, margins_name: Hashable,
                 observed: bool, sort: bool, vals: list[Any]) -> pd.DataFrame:
    """The (small) pivot table as a pandas DataFrame; the aggregations run in parallel."""
    rows, cols = _as_list(index), _as_list(columns)
    keys = rows + cols
    funcs = aggfunc if isinstance(aggfunc, list) else [aggfunc]
    # The top level of a single value is dropped after the margins are added, as pandas does.
    single = values is not None and not pd.api.types.is_list_like(values)
    layout_values = [values] if single else values
    tables = []
    for func in funcs:
        grouped = data.groupby(keys, observed=observed, sort=sort, dropna=dropna)
        if values is not None:
            # (as pandas: without values, no selection, which for labels such as crosstab's
            # [False, True] would be a boolean mask)
            grouped = grouped[vals]
        by_group = grouped.agg(func).to_pandas()
        agged = by_group.reset_index()
        # skipna=False: each cell holds one value, kept as it is (skipping a missing one would
        # make an object column's NaN a None)
        table = pd.pivot_table(agged, values=layout_values, index=index, columns=columns,
                               aggfunc="first", fill_value=fill_value, dropna=dropna,
                               observed=observed, sort=sort, skipna=False)  # fmt: skip
        if not sort:
            table = _in_level_order(table, by_group.index, rows, axis=0)
            table = _in_level_order(table, by_group.index, cols, axis=1)
        if margins:
            table = _with_margins(table, data, keys, vals, rows, cols, func, fill_value,
                                  dropna, margins_name)  # fmt: skip
        if single and table.columns.nlevels > 1:
            table.columns = table.columns.droplevel(0)
        if dropna:
            table = table.dropna(how="all", axis=1)
        tables.append(table)
    return tables[0] if not isinstance(aggfunc, list) else pd.concat(tables, keys=funcs, axis=1)


def _in_level_order(table: pd.DataFrame, index: pd.Index, keys: list[Any], axis: int) -> Any:
    """``table``'s rows (``axis=0``) or columns in the order of the aggregation's index levels
    of ``keys``, as pandas' ``unstack`` of the aggregation lays them out: unsorted, a level
    holds its values by first appearance among all rows, also those the groupby dropped for
    another key's missing value (which the aggregated table, pivoted again, no longer has)."""
    if not keys or not isinstance(index, pd.MultiIndex):
        return table
    labels = table.axes[axis]
    names = list(labels.names)
    if not all(k in index.names and k in names for k in keys):
        return table
    others = [n for n in range(labels.nlevels) if names[n] not in keys]
    # Other levels (the values, above the columns) keep their order; within each, the levels'.
    outer = np.zeros(len(labels), dtype=np.int64)
    if others:
        outer = pd.factorize(
            pd.MultiIndex.from_arrays([labels.get_level_values(n) for n in others])
        )[0]
    sort_keys = []
    for k in reversed(keys):
        n = index.names.index(k)
        values = labels.get_level_values(k)
        codes = index.levels[n].get_indexer(values)
        missing = np.asarray(values.isna())
        if axis == 0 and missing.any() and (index.codes[n] == -1).any():
            # The aggregation's missing value has code -1 (even where its level holds NaN):
            # unstack lays its row out first (its column stays at the level's NaN).
            codes[missing] = -1
        elif (codes < 0).any():  # (a margin's label)
            return table
        sort_keys.append(codes)
    order = np.lexsort([*sort_keys, outer])
    return table.iloc[order] if axis == 0 else table.iloc[:, order]


class _CrosstabFrame:
    """The frame pandas' crosstab pivots: one column per factor, plus ``__dummy__``."""

    def __init__(self, names: list[Any], has_values: bool) -> None:
        self.names, self.has_values = names, has_values

    def __call__(self, *parts: Any) -> pd.DataFrame:
        factors = parts[: len(self.names)]
        # Side by side by position: the factors share one partitioning, so their rows are the
        # same ones (pandas' Series of one frame share its index object and are not aligned,
        # which duplicate labels would make fail).
        columns = {name: f.array for name, f in zip(self.names, factors, strict=True)}
        out = pd.DataFrame(columns, index=factors[0].index)
        out["__dummy__"] = parts[-1].array if self.has_values else 0
        return out


def _crosstab_of_one_frame(index: Any, columns: Any, **kwargs: Any) -> Any:
    """``pandas.crosstab`` of Series of one frame, given one index object as pandas' Series of
    one frame have (computed apart, equal labels would be aligned: duplicates would fail)."""
    from pandas.core.dtypes.common import is_nested_list_like

    rows = list(index) if is_nested_list_like(index) else [index]
    cols = list(columns) if is_nested_list_like(columns) else [columns]
    shared = rows[0].index
    rows, cols = [s.set_axis(shared) for s in rows], [s.set_axis(shared) for s in cols]
    if kwargs.get("values") is not None:
        kwargs["values"] = kwargs["values"].set_axis(shared)
    return pd.crosstab(rows if is_nested_list_like(index) else rows[0],
                       cols if is_nested_list_like(columns) else cols[0], **kwargs)  # fmt: skip


def crosstab(index: Any, columns: Any, values: Any = None, rownames: Any = None,
             colnames: Any = None, aggfunc: Any = None, margins: bool = False,
             margins_name: Hashable = "All", dropna: bool = True,
             normalize: Any = False) -> Any:
    """``pandas.crosstab`` of dframe Series from one frame: a parallel ``pivot_table``."""
    from pandas.core.dtypes.common import is_nested_list_like
    from pandas.core.reshape import pivot as P

    full = {"values": values, "rownames": rownames, "colnames": colnames, "aggfunc": aggfunc,
            "margins": margins, "margins_name": margins_name, "dropna": dropna,
            "normalize": normalize}
    if values is None and aggfunc is not None:
        msg = "aggfunc cannot be used without values."
        raise ValueError(msg)
    if values is not None and aggfunc is None:
        msg = "values cannot be used without an aggfunc."
        raise ValueError(msg)
    rows = index if is_nested_list_like(index) else [index]
    cols = columns if is_nested_list_like(columns) else [columns]
    factors = [*rows, *cols, *([values] if values is not None else [])]
    native = (
        all(isinstance(f, DframeObject) and f.ndim == 1 for f in factors)
        and all(f._plan.partitioning == factors[0]._plan.partitioning for f in factors)
        and (aggfunc is None or (isinstance(aggfunc, str) and aggfunc in PIVOT_AGGFUNCS
                                 and aggfunc != "size"))
        and (values is not None or dropna)
    )  # fmt: skip
    if not native:
        one_frame = all(
            isinstance(f, DframeObject) and f._plan.partitioning == factors[0]._plan.partitioning
            for f in factors
        )
        fn = fallback.function("crosstab", _crosstab_of_one_frame if one_frame else pd.crosstab)
        return fn(index, columns, **full)
    rownames = P._get_names([f._meta for f in rows], rownames, prefix="row")
    colnames = P._get_names([f._meta for f in cols], colnames, prefix="col")
    rmapper, unique_rows, cmapper, unique_cols = P._build_names_mapper(rownames, colnames)
    build = _CrosstabFrame([*unique_rows, *unique_cols], values is not None)
    first, *others = factors
    frame = first._map(build, *others, meta=build(*(f._meta for f in factors)),
                       label="crosstab frame")  # fmt: skip
    # pandas counts with ``len`` (fill 0); the dummy has no missing values, so "count" is len.
    func = "count" if values is None else aggfunc
    table = _pivot_table(frame, "__dummy__", unique_rows, unique_cols, func,
                         0 if values is None else None, margins, dropna, margins_name,
                         dropna, True, ["__dummy__"])  # fmt: skip
    if normalize is not False:
        table = P._normalize(table, normalize=normalize, margins=margins,
                             margins_name=margins_name)  # fmt: skip
    table = table.rename_axis(index=rmapper, axis=0).rename_axis(columns=cmapper, axis=1)
    return from_pandas(table, npartitions=1)
