"""Reshaping: ``melt``, ``explode``, ``get_dummies``, ``pivot_table`` and ``crosstab``.

* ``melt`` is partition-wise, one block per value column: pandas stacks whole columns (all rows
  of the first value column, then all rows of the next ...), so the output partitions are
  ordered (column, partition), each block cast to the dtypes pandas gives the whole result.
* ``explode`` is partition-wise; labels are kept (``ignore_index`` renumbers globally).
* ``get_dummies`` first learns each encoded column's distinct values from all partitions
  (pandas' dummy columns are the sorted categories of the whole column), then encodes every
  partition with those fixed categories, so each partition has the same columns.
* ``pivot_table`` aggregates with dframe's parallel groupby, then pandas pivots the (small)
  aggregated table: every (index, columns) cell then holds one value, so pandas' own
  ``pivot_table`` with ``aggfunc="first"`` lays it out exactly as it lays out the full table.
  ``margins=True`` hands pandas' own margins code a stand-in for the data whose aggregations
  (grand total, by row keys, by column keys) run as parallel dframe computations.
* ``crosstab`` of dframe Series from one frame builds pandas' crosstab frame partition-wise and
  runs the native ``pivot_table``; ``normalize`` works on the small table.

``pivot``, ``stack`` and ``unstack`` live in ``dframe.reshape.unstack``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pandas._libs import lib

from dframe import fallback
from dframe.plan import meta as M
from dframe.plan import nodes as N

PIVOT_AGGFUNCS = ("mean", "sum", "count", "min", "max", "first", "last", "median", "std",
                  "var", "size", "nunique", "prod")  # fmt: skip


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | pd.Index | np.ndarray):
        return list(value)
    return [value]


class MeltBlock:
    """One value column of a partition, melted and cast to the whole result's dtypes."""

    def __init__(self, id_vars: list[Any], var: Hashable, names: tuple[Any, Any],
                 ignore_index: bool, dtypes: dict[Any, Any]) -> None:
        self.id_vars, self.var, self.names = id_vars, var, names
        self.ignore_index, self.dtypes = ignore_index, dtypes

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = pd.melt(
            part, id_vars=self.id_vars, value_vars=[self.var], var_name=self.names[0],
            value_name=self.names[1], ignore_index=self.ignore_index,
        )
        return out.astype(self.dtypes)

    def __repr__(self) -> str:
        return f"melt({self.var!r})"


def melt(frame: Any, id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
         value_name: Hashable = "value", col_level: Any = None,
         ignore_index: bool = True) -> Any:
    """``pandas.melt``, partition-wise, in pandas' row order (value column by value column)."""
    kwargs = dict(id_vars=id_vars, value_vars=value_vars, var_name=var_name,
                  value_name=value_name, col_level=col_level, ignore_index=ignore_index)
    meta = frame._meta
    ids = _as_list(id_vars)
    values = _as_list(value_vars) if value_vars is not None else [
        c for c in meta.columns if c not in set(ids)
    ]
    native = (
        col_level is None
        and not isinstance(meta.columns, pd.MultiIndex)
        and not meta.columns.has_duplicates
        and values
        and all(c in meta.columns for c in [*ids, *values])
    )
    if not native:
        return fallback.call_method(frame, "melt", (), kwargs)
    out_meta = pd.melt(M.nonempty(meta), **kwargs).iloc[:0]
    names = (out_meta.columns[-2], out_meta.columns[-1])
    dtypes = out_meta.dtypes.to_dict()
    blocks = tuple(MeltBlock(ids, v, names, ignore_index, dtypes) for v in values)
    return frame._new(Melt(frame._plan, blocks, out_meta, ignore_index))


@dataclass(frozen=True, eq=False)
class Melt(N.Node):
    """Output partitions ordered (value column, input partition), as pandas stacks columns.

    Its own node rather than a ``Concat`` of blocks: the blocks already have the result's
    dtypes, and a concat would re-derive them from made-up sample values.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    blocks: tuple[MeltBlock, ...]
    out_meta: Any
    ignore_index: bool

    def _derive(self) -> None:
        self._set(
            meta=self.out_meta,
            npartitions=self.child.npartitions * len(self.blocks),
            lengths=None,
            range_index=self.ignore_index,
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        parts = lowerer.lower(self.child)
        handles = [lowerer.ex.submit(b, p) for b in self.blocks for p in parts]
        if self.ignore_index:
            handles = lowerer._renumber(handles, lowerer.lengths(self, handles))
        return handles

    def describe(self) -> str:
        return f"Melt({len(self.blocks)} value columns)"


class Explode:
    """``explode`` with the exploded columns left as object: pandas infers ``str`` only when
    every value of the whole column is a string, which one partition cannot know."""

    def __init__(self, column: Any) -> None:
        self.column = column

    def columns(self, out: Any) -> list[Any]:
        if isinstance(out, pd.Series):
            return [None]
        return _as_list(self.column)

    def __call__(self, part: Any) -> Any:
        out = part.explode() if self.column is None else part.explode(self.column)
        return out.astype(object) if isinstance(out, pd.Series) else out.astype(
            {c: object for c in _as_list(self.column)}
        )


class ExplodeKinds:
    """Per exploded column, pandas' inferred kind of this partition's values."""

    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any) -> list[str]:
        out = self.fn(part)
        cols = [out] if isinstance(out, pd.Series) else [out[c] for c in self.fn.columns(out)]
        return [pd.api.types.infer_dtype(c.to_numpy(object), skipna=True) for c in cols]


class ExplodeDtypes:
    def __call__(self, *kinds: list[str]) -> list[list[bool]]:
        as_str = [
            all(k[j] in ("string", "empty") for k in kinds) and any(k[j] == "string" for k in kinds)
            for j in range(len(kinds[0]))
        ]
        return [as_str] * len(kinds)


class ApplyExplode:
    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any, as_str: list[bool]) -> Any:
        out = self.fn(part)
        if isinstance(out, pd.Series):
            return out.astype("str") if as_str[0] else out
        cast = {c: "str" for c, s in zip(self.fn.columns(out), as_str, strict=True) if s}
        return out.astype(cast) if cast else out


def _explode(obj: Any, column: Any, ignore_index: bool) -> Any:
    fn = Explode(column)
    meta = fn(obj._meta)  # pandas' errors (missing column, mismatched lengths)
    plan = N.MapWithContext(
        obj._plan, ExplodeKinds(fn), ExplodeDtypes(), ApplyExplode(fn), meta,
        label="explode", preserves_rows=False,
    )
    return obj._new(Renumbered(plan) if ignore_index else plan)


@dataclass(frozen=True, eq=False)
class Renumbered(N.Node):
    """``child`` with the labels 0..n-1 (``ignore_index=True``); dtypes untouched."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node

    def _derive(self) -> None:
        meta = self.child.meta.reset_index(drop=True)
        c = self.child
        self._set(meta=meta, npartitions=c.npartitions, lengths=c.lengths, range_index=True)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = lowerer.lower(self.child)
        return lowerer._renumber(handles, lowerer.lengths(self.child, handles))

    def describe(self) -> str:
        return "Renumbered"


class Dummies:
    """``pandas.get_dummies`` on a partition whose encoded columns get fixed categories."""

    def __init__(self, dtypes: dict[Any, Any] | Any, kwargs: dict[str, Any]) -> None:
        self.dtypes, self.kwargs = dtypes, kwargs

    def __call__(self, part: Any) -> pd.DataFrame:
        return pd.get_dummies(part.astype(self.dtypes), **self.kwargs)

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
    from dframe.core.collection import Collection

    kwargs = dict(prefix=prefix, prefix_sep=prefix_sep, dummy_na=dummy_na, columns=columns,
                  drop_first=drop_first, dtype=dtype)
    if not isinstance(data, Collection) or sparse:
        return fallback.function("get_dummies", pd.get_dummies)(data, sparse=sparse, **kwargs)
    meta = data._meta
    if data.ndim == 1:
        dtypes: Any = _categories(data)
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
    fn = Dummies(dtypes, kwargs)
    return data._map(fn, meta=fn(meta), label="get_dummies", preserves_rows=True)


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
    result = _pivot_table(data, values, index, columns, aggfunc, fill_value, margins, dropna,
                          margins_name, observed, sort, vals)  # fmt: skip
    from dframe.core.collection import from_pandas

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
        grouped = data.groupby(keys, observed=observed, sort=sort, dropna=dropna)[vals]
        agged = grouped.agg(func).to_pandas().reset_index()
        table = pd.pivot_table(agged, values=layout_values, index=index, columns=columns,
                               aggfunc="first", fill_value=fill_value, dropna=dropna,
                               observed=observed, sort=sort)  # fmt: skip
        if margins:
            table = _with_margins(table, data, keys, vals, rows, cols, func, fill_value,
                                  dropna, margins_name)  # fmt: skip
        if single and table.columns.nlevels > 1:
            table.columns = table.columns.droplevel(0)
        if dropna:
            table = table.dropna(how="all", axis=1)
        tables.append(table)
    return tables[0] if not isinstance(aggfunc, list) else pd.concat(tables, keys=funcs, axis=1)


class FrameReshapeMethods:
    """Mixed into ``DataFrame``."""

    def melt(self: Any, id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
             value_name: Hashable = "value", col_level: Any = None,
             ignore_index: bool = True) -> Any:
        """Unpivot columns into rows (see ``pandas.DataFrame.melt``), partition-wise."""
        return melt(self, id_vars, value_vars, var_name, value_name, col_level, ignore_index)

    def explode(self: Any, column: Any, ignore_index: bool = False) -> Any:
        """One row per element of list-likes in ``column``, partition-wise; labels repeat."""
        return _explode(self, column, ignore_index)

    def pivot_table(self: Any, values: Any = None, index: Any = None, columns: Any = None,
                    aggfunc: Any = "mean", fill_value: Any = None, margins: bool = False,
                    dropna: bool = True, margins_name: Hashable = "All",
                    observed: bool = True, sort: bool = True, **kwargs: Any) -> Any:
        """Spreadsheet-style pivot table; the aggregation runs as a parallel groupby."""
        return pivot_table(self, values, index, columns, aggfunc, fill_value, margins,
                           dropna, margins_name, observed, sort, **kwargs)

    def pivot(self: Any, *, columns: Any, index: Any = lib.no_default,
              values: Any = lib.no_default) -> Any:
        """Reshape by column values (see ``pandas.DataFrame.pivot``): rows are range-partitioned
        by the index values and each partition unstacks its own. Several ``columns`` and
        object-dtype values take the pandas fallback."""
        from dframe.reshape import unstack

        return unstack.pivot(self, columns=columns, index=index, values=values)

    def stack(self: Any, level: Any = -1, dropna: Any = None, sort: Any = None,
              future_stack: bool = True) -> Any:
        """Columns into the innermost index level (pandas 3 semantics), partition-wise;
        ``future_stack=False`` and duplicate column labels take the pandas fallback."""
        from dframe.reshape import unstack

        return unstack.stack(self, level, dropna, sort, future_stack)

    def unstack(self: Any, level: Any = -1, fill_value: Any = None, sort: bool = True) -> Any:
        """An index level into the columns; rows are range-partitioned by the other levels.
        Several levels at once, ``sort=False`` and a flat index take the pandas fallback."""
        from dframe.reshape import unstack

        return unstack.unstack(self, level, fill_value, sort)


class SeriesReshapeMethods:
    """Mixed into ``Series``."""

    def explode(self: Any, ignore_index: bool = False) -> Any:
        """One row per element of list-likes, partition-wise; labels repeat."""
        return _explode(self, None, ignore_index)

    def unstack(self: Any, level: Any = -1, fill_value: Any = None, sort: bool = True) -> Any:
        """An index level into the columns; rows are range-partitioned by the other levels.
        Several levels at once, ``sort=False`` and a flat index take the pandas fallback."""
        from dframe.reshape import unstack

        return unstack.unstack(self, level, fill_value, sort)


class _CrosstabFrame:
    """The frame pandas' crosstab pivots: one column per factor, plus ``__dummy__``."""

    def __init__(self, names: list[Any], has_values: bool) -> None:
        self.names, self.has_values = names, has_values

    def __call__(self, *parts: Any) -> pd.DataFrame:
        factors = parts[: len(self.names)]
        out = pd.DataFrame(dict(zip(self.names, factors, strict=True)), index=factors[0].index)
        out["__dummy__"] = parts[-1] if self.has_values else 0
        return out


def crosstab(index: Any, columns: Any, values: Any = None, rownames: Any = None,
             colnames: Any = None, aggfunc: Any = None, margins: bool = False,
             margins_name: Hashable = "All", dropna: bool = True,
             normalize: Any = False) -> Any:
    """``pandas.crosstab`` of dframe Series from one frame: a parallel ``pivot_table``."""
    from pandas.core.dtypes.common import is_nested_list_like
    from pandas.core.reshape import pivot as P

    from dframe.core.collection import Collection, from_pandas

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
        all(isinstance(f, Collection) and f.ndim == 1 for f in factors)
        and all(f._plan.partitioning == factors[0]._plan.partitioning for f in factors)
        and (aggfunc is None or (isinstance(aggfunc, str) and aggfunc in PIVOT_AGGFUNCS
                                 and aggfunc != "size"))
        and (values is not None or dropna)
        and (factors[0]._plan.range_index or factors[0].index.is_unique)
    )  # fmt: skip
    if not native:
        fn = fallback.function("crosstab", pd.crosstab)
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
