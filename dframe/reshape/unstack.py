"""``unstack`` and ``pivot``, natively and in parallel (``stack``: ``reshape/stack.py``).

``unstack`` moves one index level into the columns. Its output columns depend on the data, so
it runs when called (like pandas, which raises on duplicate entries at the call):

1. A small pass over the partitions' index *levels* decides, per level, the order pandas will
   give: pandas orders a level by its level values (the union of the partitions' levels, as
   concatenating them builds it) when every value is used, and by first appearance (missing
   values first) when the level carries unused values (left over from a filter, or categories
   never observed); a missing value that is a level value (a groupby's ``dropna=False`` keys)
   keeps its place. It also yields the distinct values of the unstacked level, in that order:
   the result's columns. Only when a level is neither sorted nor fully used in every partition
   are its level Indexes or distinct values fetched.
2. Rows are range-partitioned by the remaining levels (sampled splitters, as ``sort_values``
   does), so each output row has all its cells in one partition and output partitions are in
   pandas' row order. Each partition runs pandas' own ``unstack`` (which raises pandas' error
   on duplicate entries), is reordered by the global level order and reindexed to the global
   columns.
3. pandas promotes every column (int -> float, bool -> object) when the *whole* result has a
   missing cell (fewer input rows than output cells); the partitions are cast accordingly.

``pivot`` builds pandas' indexed object per partition (the same code path as ``pandas.pivot``)
and unstacks it. Several levels (or ``columns``) at once, ``sort=False``, a flat index, and
pivot values pandas re-infers from an object array (object columns, several value columns of
different dtypes) run on pandas with a ``PandasFallbackWarning``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pandas._libs import lib
from pandas.api.types import infer_dtype

from dframe import fallback
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject, from_pandas
from dframe.sort.nodes import SAMPLE_PER_OUTPUT, ChooseSplitters, RangeSplit, SampleKeys

# Output partitions of an unstack: one per this many input rows, at most one per input partition.
MIN_ROWS_PER_OUTPUT = 10_000

_SORTABLE_OBJECTS = {"string", "integer", "floating", "mixed-integer-float", "boolean", "bytes",
                     "decimal", "empty"}  # fmt: skip


# -- the level summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelInfo:
    """One index level of one partition: the level Index's identity and how it is used."""

    fingerprint: tuple[str, int, str]
    is_sorted: bool  # values ordered as pandas orders a union of levels
    fully_used: bool  # every level value occurs in this partition
    missing_coded: bool = False  # a row's value is missing without being a level value (-1)
    nan_value_used: bool = False  # a row holds the level's own missing value


def _fingerprint(level: pd.Index) -> tuple[str, int, str]:
    hashed = pd.util.hash_pandas_object(level, index=False).to_numpy()
    return str(level.dtype), len(level), hashlib.sha1(hashed.tobytes()).hexdigest()


def is_sorted(level: pd.Index) -> bool:
    if level.dtype == object and infer_dtype(level, skipna=True) not in _SORTABLE_OBJECTS:
        return False
    try:
        return bool(level.is_monotonic_increasing)
    except TypeError:
        return False


class SummarizeLevels:
    """Per partition: ``None`` when empty, else a ``LevelInfo`` per index level and the distinct
    values of the unstacked level in order of appearance."""

    def __init__(self, level: int) -> None:
        self.level = level

    def __call__(self, part: Any) -> Any:
        if len(part) == 0:
            return None
        index = part.index
        infos = []
        for lev, codes in zip(index.levels, index.codes, strict=True):
            used = np.bincount(codes[codes >= 0], minlength=len(lev)) > 0
            nan_used = bool(used[np.asarray(lev.isna())].any())
            infos.append(LevelInfo(
                _fingerprint(lev), is_sorted(lev), bool(used.all()), bool((codes < 0).any()),
                nan_used,
            ))  # fmt: skip
        return infos, index.get_level_values(self.level).unique(), len(part)


class LevelOf:
    """A non-empty partition's level Index (``None`` for an empty partition)."""

    def __init__(self, level: int) -> None:
        self.level = level

    def __call__(self, part: Any) -> Any:
        return None if len(part) == 0 else part.index.levels[self.level]


class DistinctLevelValues:
    """Per partition, the distinct values of some index levels, in order of appearance."""

    def __init__(self, levels: list[int]) -> None:
        self.levels = levels

    def __call__(self, part: Any) -> list[pd.Index] | None:
        if len(part) == 0:
            return None  # no values, and its level's dtype may differ
        return [part.index.get_level_values(i).unique() for i in self.levels]


def _appearance(values: list[pd.Index]) -> pd.Index:
    full = values[0].append(values[1:]) if len(values) > 1 else values[0]
    return full.unique()


def level_order(infos: list[LevelInfo], distinct: Any, levels: Any) -> pd.Index | None:
    """``None``: pandas orders the level by value; else the values in pandas' order, missing
    values excluded unless the level holds one as a value (a groupby's ``dropna=False`` keys).
    ``distinct()`` returns the level's distinct used values in order of appearance over the
    whole object; ``levels()`` the partitions' level Indexes."""
    if all(i.fully_used and i.is_sorted for i in infos):
        return None  # the union of sorted, fully used levels is sorted and fully used
    parts = levels()
    if len({i.fingerprint for i in infos}) == 1:
        level = parts[0]
    else:
        level = parts[0]  # what concatenating the partitions' MultiIndexes builds
        for other in parts[1:]:
            level = level.union(other)
    values = distinct()
    if (
        level.hasnans
        and any(i.missing_coded for i in infos)
        and not any(i.nan_value_used for i in infos)
        and len(values.dropna()) + 1 == len(level)
    ):
        # (value_counts(dropna=False) makes such levels.) pandas' remove_unused_levels counts
        # the missing rows' code as a used value and, the count then equal to the level's
        # length, leaves the level as it is: level order, the missing rows' column first and
        # the unused missing level value without one.
        kept = level.dropna()
        return None if is_sorted(kept) else kept
    if not level.hasnans:
        # A missing value is no level value (code -1): pandas puts it first, not by order.
        values = _missing_swapped_first(values).dropna()
    if len(values) == len(level):  # every level value used: level order
        return None if is_sorted(level) else level
    return values


def _missing_swapped_first(values: pd.Index) -> pd.Index:
    """pandas (``remove_unused_levels``) brings a missing value to the front by swapping it with
    the first value, which so moves to the missing value's place: appearance order x, z, NaN
    becomes NaN, z, x."""
    missing = np.flatnonzero(values.isna())
    if not len(missing) or missing[0] == 0:
        return values
    order = np.arange(len(values))
    order[[0, missing[0]]] = order[[missing[0], 0]]
    return values.take(order)


# -- row order and range partitioning -----------------------------------------------------------


class RowOrder:
    """pandas' row order of an unstack result: by the remaining levels, each ordered by value or
    by a given order, missing values first. Duck-types ``sort.SortSpec`` for range splits."""

    def __init__(self, levels: list[int], orders: list[pd.Index | None]) -> None:
        self.levels, self.orders = levels, orders

    def index_keys(self, index: pd.Index, levels: list[int]) -> pd.DataFrame:
        cols = {}
        for k, (lev, order) in enumerate(zip(levels, self.orders, strict=True)):
            values = index.get_level_values(lev)
            cols[k] = values.array if order is None else order.get_indexer(values)
        return pd.DataFrame(cols, index=pd.RangeIndex(len(index)))

    def keys(self, part: Any) -> pd.DataFrame:
        return self.index_keys(part.index, self.levels)

    def sort_keys(self, keys: pd.DataFrame) -> pd.DataFrame:
        return keys.sort_values(list(keys.columns), na_position="first", kind="stable")


class UnstackPieces:
    """Output partition: pandas' unstack of its rows, in global row order and columns."""

    def __init__(self, level: int, fill_value: Any, order: RowOrder, empty: Any) -> None:
        self.level, self.fill_value, self.order, self.empty = level, fill_value, order, empty

    def __call__(self, *pieces: Any) -> Any:
        rows = [p for p in pieces if len(p)]
        if not rows:
            return self.empty
        part = rows[0] if len(rows) == 1 else pd.concat(rows)
        out = part.unstack(self.level, fill_value=self.fill_value)
        keys = self.order.index_keys(out.index, list(range(out.index.nlevels)))
        out = out.iloc[self.order.sort_keys(keys).index.to_numpy()]
        if isinstance(out.index, pd.DatetimeIndex | pd.TimedeltaIndex) and out.index.freq:
            # A partition's level can look regular; pandas' whole result has no freq.
            out.index = out.index._with_freq(None)
        if not out.columns.equals(self.empty.columns):
            out = out.reindex(columns=self.empty.columns, fill_value=self.fill_value)
        out.columns = self.empty.columns  # equal labels may differ in freq
        return out


@dataclass(frozen=True, eq=False)
class Unstack(N.Node):
    """``child`` (MultiIndex rows) with index level ``level`` moved into the columns; ``out_meta``
    has the final columns (dtypes before unification)."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    level: int
    fill_value: Any
    order: RowOrder
    out_meta: Any
    nout: int

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=self.nout, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        nout = self.nout
        samples = [ex.submit(SampleKeys(self.order, SAMPLE_PER_OUTPUT * nout), p) for p in parts]
        splitters = ex.submit(ChooseSplitters(self.order, nout), *samples)
        grid = []
        for p in parts:
            out = ex.submit(RangeSplit(self.order, nout), p, splitters, num_returns=nout)
            grid.append([out] if nout == 1 else list(out))
        fn = UnstackPieces(self.level, self.fill_value, self.order, self.out_meta)
        return [ex.submit(fn, *[row[j] for row in grid]) for j in range(nout)]

    def describe(self) -> str:
        return f"Unstack(level {self.level})"


def _skeleton(meta: Any, level: int, values: pd.Index, has_na: bool) -> Any:
    """An empty frame with the columns pandas gives unstacking ``level`` with these values (in
    this order): pandas' own unstack of one row per value."""
    k = len(values) + has_na
    index = meta.index
    codes = [np.full(k, -1) for _ in range(index.nlevels)]
    codes[level] = np.arange(k) - has_na
    levels = [lev[:0] for lev in index.levels]
    levels[level] = values
    # Without verification, which would turn a missing level value into a missing code.
    sk_index = pd.MultiIndex(
        levels=levels, codes=codes, names=index.names, verify_integrity=False
    )
    if isinstance(meta, pd.Series):
        sk: Any = pd.Series(np.zeros(k), index=sk_index, name=meta.name)
    else:
        sk = pd.DataFrame(np.zeros((k, meta.shape[1])), index=sk_index, columns=meta.columns)
    out = sk.unstack(level).iloc[:0]
    if isinstance(out.columns, pd.DatetimeIndex | pd.TimedeltaIndex) and out.columns.freq:
        out.columns = out.columns._with_freq(None)  # pandas' columns come from a level: no freq
    return out


class _EmptyLike:
    def __call__(self, part: Any) -> Any:
        return None if len(part) == 0 else part.iloc[:0]


class _CastPositional:
    """Cast column j to ``dtypes[j]`` (labels may repeat)."""

    def __init__(self, dtypes: list[Any]) -> None:
        self.dtypes = dtypes

    def __call__(self, part: Any) -> Any:
        changed = [j for j, d in enumerate(self.dtypes) if part.dtypes.iloc[j] != d]
        if not changed:
            return part
        out = part.copy(deep=False)
        for j in changed:
            out.isetitem(j, out.iloc[:, j].astype(self.dtypes[j]))
        return out

    def __repr__(self) -> str:
        return "unstack dtypes"


def _result_dtypes(meta: Any, level: int, fill_value: Any, k: int, missing: bool) -> list[Any]:
    """Per result column: pandas keeps the values' dtypes when no cell of the whole result is
    missing, and otherwise promotes every column (int to float, bool to object ...), which
    pandas' own unstack of two rows with a missing cell shows."""
    sample = M.nonempty(meta).iloc[[0, 0]].astype(
        meta.dtype if isinstance(meta, pd.Series) else meta.dtypes.to_dict()
    )
    if missing:
        sample.index = pd.MultiIndex.from_arrays([[0, 1], [0, 1]])
        dtypes = list(pd.DataFrame(sample.unstack(1, fill_value=fill_value)).dtypes)
        per_value = dtypes[::2]
    else:
        per_value = [sample.dtype] if isinstance(sample, pd.Series) else list(sample.dtypes)
    return [d for d in per_value for _ in range(k)]


def _level_number(meta: Any, level: Any) -> int:
    return meta.index._get_level_number(level)


def unstack_native(obj: Any, level: Any, fill_value: Any) -> Any:
    """``obj.unstack(level, fill_value=fill_value)`` computed in parallel, or ``None`` when the
    layout is one this module leaves to pandas."""
    meta = obj._known_meta()  # (the result's dtypes are planned from these)
    lev = _level_number(meta, level)
    lower.compute(obj._plan)  # several passes read the input: compute it once
    summaries = [s for s in lower.collect_partitions(obj._map(
        SummarizeLevels(lev), meta=None, label="index levels", preserves_rows=False
    )._plan) if s is not None]  # fmt: skip
    if not summaries:
        return None  # empty: pandas' answer is cheap
    infos = [s[0] for s in summaries]
    u_distinct = _appearance([s[1] for s in summaries])

    def distinct(i: int) -> pd.Index:
        if i == lev:
            return u_distinct
        per_part = lower.collect_partitions(obj._map(
            DistinctLevelValues([i]), meta=None, label="level values", preserves_rows=False
        )._plan)  # fmt: skip
        return _appearance([p[0] for p in per_part if p is not None])

    def levels(i: int) -> list[pd.Index]:
        per_part = lower.collect_partitions(obj._map(
            LevelOf(i), meta=None, label="levels", preserves_rows=False
        )._plan)  # fmt: skip
        return [p for p in per_part if p is not None]

    orders = [
        level_order([inf[i] for inf in infos], lambda i=i: distinct(i), lambda i=i: levels(i))
        for i in range(meta.index.nlevels)
    ]
    values = u_distinct.dropna()
    if orders[lev] is None:
        values = values.sort_values()
    else:
        values = orders[lev]
    # A missing value that is no level value becomes a column of its own, first.
    has_na = bool(u_distinct.isna().any()) and not values.hasnans
    empty = _skeleton(meta, lev, values, has_na)
    rest = [i for i in range(meta.index.nlevels) if i != lev]
    order = RowOrder(rest, [orders[i] for i in rest])
    rows = sum(s[2] for s in summaries)
    nout = max(1, min(len(summaries), -(-rows // MIN_ROWS_PER_OUTPUT)))
    node = Unstack(obj._plan, lev, fill_value, order, empty, nout)
    mat = lower.compute(node)
    ex = mat.executor
    firsts = [e for e in ex.get([ex.submit(_EmptyLike(), h) for h in mat.handles]) if e is not None]
    k = len(values) + has_na
    # No duplicate entries (pandas' unstack raised otherwise): a cell is missing iff there are
    # fewer input rows than output cells.
    missing = sum(lower.partition_lengths(node)) * k > rows
    dtypes = _result_dtypes(meta, lev, fill_value, k, missing)
    final = _CastPositional(dtypes)(firsts[0])
    return obj._new(N.MapPartitions(_CastPositional(dtypes), (node,), final,
                                    label="unstack dtypes"))


def _on_pandas_if_empty(obj: Any, name: str, kwargs: dict[str, Any]) -> Any:
    """An object with no rows: pandas' answer costs nothing (no warning, nothing to spread)."""
    data = obj.to_pandas()
    return from_pandas(getattr(data, name)(**kwargs), npartitions=1)


def _single_level(level: Any) -> Any:
    if isinstance(level, list | tuple):
        return level[0] if len(level) == 1 else None
    return level


def unstack(obj: Any, level: Any = -1, fill_value: Any = None, sort: bool = True) -> Any:
    """``Series.unstack`` / ``DataFrame.unstack`` (see the module docstring)."""
    kwargs = {"level": level, "fill_value": fill_value, "sort": sort}
    meta = obj._meta
    one = _single_level(level)
    if not isinstance(meta.index, pd.MultiIndex) or one is None or sort is not True:
        if obj.ndim == 1 and not isinstance(meta.index, pd.MultiIndex):
            meta.unstack(**kwargs)  # pandas' error: the index must be a MultiIndex
        return fallback.call_method(obj, "unstack", (), kwargs)
    lev = _level_number(meta, one)  # pandas' KeyError / IndexError for a bad level
    out = unstack_native(obj, lev, fill_value)
    if out is not None:
        return out
    if len(obj) == 0:
        return _on_pandas_if_empty(obj, "unstack", kwargs)
    return fallback.call_method(obj, "unstack", (), kwargs)


class PivotIndexed:
    """Per partition, the object ``pandas.pivot`` unstacks: ``values`` indexed by the index
    columns (or the row labels) and the ``columns`` column, built the way pandas builds it."""

    def __init__(self, columns: list[Any], index: Any, values: Any) -> None:
        self.columns, self.index, self.values = columns, index, values

    def __call__(self, data: pd.DataFrame) -> Any:
        if any(name is None for name in data.index.names):
            data = data.copy(deep=False)
            data.index.names = [
                name if name is not None else lib.no_default for name in data.index.names
            ]
        if self.values is lib.no_default:
            cols = [] if self.index is lib.no_default else _as_list(self.index)
            return data.set_index(cols + self.columns, append=self.index is lib.no_default)
        if self.index is lib.no_default:
            if isinstance(data.index, pd.MultiIndex):
                arrays: list[Any] = [
                    data.index.get_level_values(i) for i in range(data.index.nlevels)
                ]
            else:
                arrays = [pd.Series(data.index, name=data.index.name)]
        else:
            arrays = [data[i] for i in _as_list(self.index)]
        arrays.extend(data[c] for c in self.columns)
        multiindex = pd.MultiIndex.from_arrays(arrays)
        values = self.values
        if pd.api.types.is_list_like(values) and not isinstance(values, tuple):
            return pd.DataFrame(data[values]._values, index=multiindex, columns=values)
        return pd.Series(data[values]._values, index=multiindex, name=values)


class _RestoreNames:
    """pandas' pivot names unnamed levels back to ``None`` after unstacking."""

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = part.copy(deep=False)
        out.index = out.index.set_names(
            [n if n is not lib.no_default else None for n in out.index.names]
        )
        return out


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | pd.Index | np.ndarray):
        return list(value)
    return [value]


def _values_keep_dtypes(meta: pd.DataFrame, values: Any) -> bool:
    """Whether pandas' indexed object keeps the value columns' dtypes. pandas builds it from
    ``data[values]._values``: object values (and several value columns of different dtypes,
    which become one object array) are re-inferred from the values of the whole column, which
    one partition cannot know."""
    if values is lib.no_default:
        return True
    single = not pd.api.types.is_list_like(values) or isinstance(values, tuple)
    labels = [values] if single else list(values)
    if meta.columns.has_duplicates:
        return False
    dtypes = [meta[v].dtype for v in labels]
    if any(d == object for d in dtypes):
        return False
    return single or (len(set(dtypes)) == 1 and isinstance(dtypes[0], np.dtype))


def pivot(data: Any, *, columns: Any, index: Any = lib.no_default,
          values: Any = lib.no_default) -> Any:
    """``pandas.pivot``: pandas' indexed object per partition, unstacked in parallel."""
    if not isinstance(data, DframeObject):
        return fallback.function("pivot", pd.pivot)(data, columns=columns, index=index,
                                                    values=values)  # fmt: skip
    kwargs = {"columns": columns, "index": index, "values": values}
    meta = data._meta
    pd.pivot(meta, **kwargs)  # pandas' errors for missing labels
    cols = _as_list(columns) if pd.api.types.is_list_like(columns) else [columns]
    if len(cols) != 1 or not _values_keep_dtypes(meta, values):
        return fallback.call_method(data, "pivot", (), kwargs)
    fn = PivotIndexed(cols, index, values)
    indexed = data._map(fn, meta=fn(meta), label="pivot index", preserves_rows=False)
    out = unstack_native(indexed, indexed._meta.index.nlevels - 1, None)
    if out is None:
        if len(data) == 0:
            return _on_pandas_if_empty(data, "pivot", kwargs)
        return fallback.call_method(data, "pivot", (), kwargs)
    fix = _RestoreNames()
    return out._map(fix, meta=fix(out._meta), label="pivot names")
