"""Partition functions of groupby: what runs inside tasks (picklable, free of plan state).

Each partition of a groupby's *work frame* holds the frame's rows plus, for keys that are not
columns (a Series, index levels), hidden key columns. ``GroupSpec.grouped`` rebuilds pandas'
GroupBy object from such a partition, so every per-partition step is pandas' own groupby.

Two strategies share the final step (``Finish``), which puts groups in pandas' order:

* tree reduction (``tree_reduce``): per-partition partial statistics per group, merged;
* hash shuffle: rows are moved by a hash of their keys (``GroupSplit``, tagging each row with its
  global position) so each group lives in one partition; pandas runs the whole operation there
  (``ShuffledAgg``), and the group's first position says where it goes when ``sort=False``.

Row-wise results (``transform``, ``cumsum`` ...) run pandas on the shuffled partition with a
positional index (``RowOp``) and go home by a second shuffle on the source partition
(``HomeSplit``/``HomeCombine``), which also restores the original row order and labels.
Results with several rows per group have their own modules: ``count_parts`` (value_counts)
and ``window_parts`` (rolling, expanding, ewm).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from dframe import config
from dframe.algebra import shuffle
from dframe.algebra.rows import concat_rows
from dframe.groupby import arrow_agg
from dframe.groupby.levels import pandas_levels

VAL = "__dframe_values__"  # the values of a grouped Series
POS = "__dframe_pos__"  # global row position: source partition << 40 | row within it
_POS_BITS = 40


def position_base(i: int) -> int:
    """Global position (``POS``) of the first row of source partition ``i``."""
    return i << _POS_BITS


class _NoSelection:
    """No column selected (a singleton that stays one through pickling)."""

    def __repr__(self) -> str:
        return "NONE"

    def __reduce__(self) -> str:
        return "NONE"


NONE = _NoSelection()


def concat_parts(parts: Any) -> Any:
    parts = list(parts)
    full = [p for p in parts if len(p)] or parts[:1]
    return full[0] if len(full) == 1 else concat_rows(full)


@dataclass(frozen=True)
class GroupSpec:
    """How to rebuild ``data.groupby(by, ...)[selection]`` from a work-frame partition.

    ``items``: per key, ``("col", label)`` for a column of the frame or ``("tmp", column,
    name)`` for a hidden key column that pandas must see as a Series called ``name``.
    """

    items: tuple[tuple[Any, ...], ...]
    by_is_list: bool
    series: bool = False  # the grouped object is a Series (stored in column VAL)
    series_name: Hashable = None
    selection: Any = NONE
    options: dict[str, Any] = field(default_factory=dict)  # sort, dropna, observed, ...
    # A hidden column of time stamps the rows are stably sorted by before pandas groups them
    # (resample: pandas sorts by time, so ``first``/``last`` of a bin follow time order).
    presort: Hashable = None

    @property
    def hidden(self) -> list[Hashable]:
        tmp = [it[1] for it in self.items if it[0] == "tmp"]
        return tmp if self.presort is None else [*tmp, self.presort]

    @property
    def key_columns(self) -> list[Hashable]:
        return [it[1] for it in self.items]

    def opt(self, name: str) -> Any:
        return self.options[name]

    def with_selection(self, selection: Any) -> GroupSpec:
        return replace(self, selection=selection)

    def grouped(
        self, part: pd.DataFrame, positional: bool = False, **override: Any
    ) -> Any:
        """pandas' GroupBy over the partition (``override`` replaces sort/observed/...)."""
        if self.presort is not None and len(part) > 1:
            part = part.sort_values(self.presort, kind="stable")
        keys: list[Any] = [
            part[it[1]].rename(it[2]) if it[0] == "tmp" else it[1] for it in self.items
        ]
        drop = self.hidden + ([POS] if POS in part.columns else [])
        data: Any = part.drop(columns=drop) if drop else part
        if self.series:
            data = data[VAL].rename(self.series_name)
        if positional:
            index = pd.RangeIndex(len(part))
            data = data.set_axis(index)
            keys = [k.set_axis(index) if isinstance(k, pd.Series) else k for k in keys]
        options = {**self.options, **override}
        if self.series:
            options.pop("as_index", None)
        gb = data.groupby(keys if self.by_is_list else keys[0], **options)
        return gb if self.selection is NONE else gb[self.selection]

    def key_frame(self, part: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {k: part[c].array for k, c in enumerate(self.key_columns)}, index=part.index
        )

    def key_series(self, part: pd.DataFrame) -> list[pd.Series]:
        return [part[c] for c in self.key_columns]

    def first_positions(self, part: pd.DataFrame) -> pd.Series:
        """Per group (sort=False order) the global position of its first row."""
        return (
            part[POS]
            .groupby(
                self.key_series(part),
                sort=False,
                observed=True,
                dropna=self.opt("dropna"),
            )
            .min()
        )


def no_rows(result: Any) -> Any:
    """``result`` without its rows (a frame's or series' shape and dtypes); anything else as
    it is."""
    return result.iloc[:0] if isinstance(result, pd.DataFrame | pd.Series) else result


class Call:
    """``<groupby>.<method>(*args, **kwargs)``."""

    def __init__(self, method: str, /, *args: Any, **kwargs: Any) -> None:
        self.method, self.args, self.kwargs = method, args, kwargs

    def __call__(self, gb: Any) -> Any:
        return getattr(gb, self.method)(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        return f"{self.method}()"


# -- ordering groups ---------------------------------------------------------------------------


def group_order(index: pd.Index, firsts: Any, sort: bool) -> np.ndarray:
    """Positions putting unique group keys ``index`` in pandas' group order: sorted as pandas'
    groupby sorts (categories by code, missing last) or by first appearance."""
    if not sort:
        return np.argsort(np.asarray(firsts), kind="stable")
    if isinstance(index, pd.CategoricalIndex):
        # by code, missing last (sort_index of a CategoricalIndex puts missing values first,
        # whatever na_position says)
        codes = index.codes.astype(np.int64)
        codes[codes < 0] = len(index.categories)
        return np.argsort(codes, kind="stable")
    # sort_index orders keys as groupby does (categories by code, missing last), at a third of
    # the cost of grouping the keys again.
    positions = pd.Series(np.arange(len(index)), index=index)
    try:
        return positions.sort_index(na_position="last", kind="stable").to_numpy()
    except TypeError:
        # object keys of unlike types (ints and strings): pandas' groupby orders them its own
        # way (numbers, then strings), which grouping the keys again gives
        levels = list(range(index.nlevels))
        return positions.groupby(level=levels, sort=True, dropna=False).first().to_numpy()


_FILL = {
    "size": 0,
    "count": 0,
    "nunique": 0,
    "sum": 0,
    "prod": 1,
    "any": False,
    "all": True,
}


def _fill(name: str, dtype: Any) -> Any:
    """The value of aggregation ``name`` for a group without rows, in a column of ``dtype``:
    pandas sums strings of a string dtype (not object) to the empty string."""
    if name == "sum" and isinstance(dtype, pd.StringDtype):
        return ""
    return _FILL[name]


def _as_unstacked(result: Any) -> Any:
    """``result`` (groups in group order) as pandas' ``unstack`` of it would give it: levels
    without unused values (those of dropped rows; reordered by first appearance, see
    ``remove_unused_levels``), rows in the order of the levels."""
    index = result.index.remove_unused_levels()
    return result.set_axis(index).iloc[np.lexsort(list(index.codes)[::-1])]


class Finish:
    """Last step of an aggregation: pandas' group order, unobserved categories (``observed=
    False``), ``as_index=False`` and the dtypes of an empty result.

    ``fills``: per output column (or one for a Series) the aggregation's name, which gives
    the value of a group with no rows; ``empty``: pandas' result on zero rows.
    """

    def __init__(
        self,
        spec: GroupSpec,
        out_meta: Any,
        empty: Any,
        fills: list[str] | None,
        complete: bool,
    ) -> None:
        self.spec, self.out_meta, self.empty = spec, out_meta, empty
        self.fills, self.complete = fills, complete
        self.by_level = False  # pandas builds the result by ``unstack`` (``describe``)

    @property
    def level_columns(self) -> list[Hashable]:
        """Key columns whose values in rows pandas drops (a missing value of another key) are
        level values of the result (see ``levels``), or with unobserved categories make
        groups (every category with each of them): none for one key, ``dropna=False`` or
        ``as_index=False`` (no levels, unless groups are made)."""
        spec = self.spec
        as_index = spec.series or spec.options.get("as_index", True)
        if len(spec.items) < 2 or not spec.opt("dropna"):
            return []
        if not as_index and not self.complete:
            return []
        return spec.key_columns

    def __call__(self, result: Any, firsts: Any, seen: Any = None) -> Any:
        """``result`` (per group) finished; ``firsts``: per row, the global position of its
        group's first row (``sort=False``; None: rows in order of first appearance);
        ``seen``: the keys' values in dropped rows (``level_columns``)."""
        if len(result) == 0:
            return self.without_groups(seen)
        sort, nkeys = self.spec.opt("sort"), len(self.spec.items)
        positions = firsts if not sort and firsts is not None else None
        if positions is not None and len(positions) != len(result):
            positions = None
        if not self.complete:  # (unobserved groups: pandas' own index, below)
            index = pandas_levels(
                result.index, [sort] * nkeys, [True] * nkeys, positions, seen
            )
            result = result.set_axis(index)
        if len(result) > 1:
            order = group_order(result.index, firsts, sort)
            if not (order == np.arange(len(order))).all():
                result = result.iloc[order]
                positions = None if positions is None else np.asarray(positions)[order]
        if self.by_level and isinstance(result.index, pd.MultiIndex):
            result = _as_unstacked(result)
        if self.complete:
            result = self._unobserved(result, positions, seen)
        if self.spec.options.get("as_index", True) is False and not self.spec.series:
            # pandas puts back only the keys no output column is named like (agg(y=...) of key y)
            named = [k for k, n in enumerate(result.index.names) if n is not None and n in result]
            if named:
                result = result.reset_index(level=named, drop=True)
            if len(named) < len(self.spec.items):
                result = result.reset_index(allow_duplicates=True)
            if result.shape[1] == len(self.out_meta.columns):
                result.columns = self.out_meta.columns
        return result

    def without_groups(self, seen: Any) -> Any:
        """pandas' result when no row has a group: no rows, yet the index levels hold the keys'
        values of the rows dropped for another key's missing value (``seen``)."""
        empty = self.empty
        index = getattr(empty, "index", None)
        if seen is None or not isinstance(index, pd.MultiIndex) or len(seen) != index.nlevels:
            return empty
        levels = []
        for values, first in seen:
            keep = ~np.asarray(values.isna())
            values, first = values[keep], first[keep]
            if self.spec.opt("sort"):
                values = values.sort_values()
            else:
                values = values.take(np.argsort(first, kind="stable"))
            levels.append(values)
        codes = [np.zeros(0, dtype=np.int64)] * len(levels)
        index = pd.MultiIndex(levels=levels, codes=codes, names=index.names)
        return empty.set_axis(index)

    def _unobserved(self, result: Any, positions: Any = None, seen: Any = None) -> Any:
        names = list(result.index.names)
        if seen is not None and isinstance(result.index, pd.MultiIndex):
            full = self._groups_with_dropped_rows(result.index, positions, seen)
        else:
            full = _all_groups(result.index.to_frame(index=False), self.spec)
        full = full.set_names(names)
        fills = self.fills or []
        if len(full) > len(result):
            # pandas gives bools float64 where an unobserved group holds NaN (max, first ...);
            # reindexing a bool column would make it object.
            result = _bools_as_float(result, fills)
        out = result.reindex(full)
        if isinstance(out, pd.Series):
            if fills and fills[0] in _FILL:
                out = out.fillna(_fill(fills[0], result.dtype)).astype(result.dtype)
            return out
        for j, name in enumerate(fills):
            if name in _FILL:
                dtype = result.dtypes.iloc[j]
                col = out.iloc[:, j].fillna(_fill(name, dtype)).astype(dtype)
                out.isetitem(j, col)
        return out




    def _groups_with_dropped_rows(self, index: pd.MultiIndex, positions: Any, seen: Any) -> Any:
        """pandas' groups (``observed=False``) when rows were dropped for a missing key: the
        values of a key that is not categorical in those rows are groups too (with every
        category). pandas' order: sorted; or unsorted, the observed groups first, then the
        others by that key's values (first appearance, also in dropped rows), then by the
        categories."""
        keys = index.to_frame(index=False)
        keys.columns = [f"key{j}" for j in range(keys.shape[1])]
        plain = [
            j for j, dt in enumerate(keys.dtypes) if not isinstance(dt, pd.CategoricalDtype)
        ]
        if len(plain) != 1:
            # (pandas' groups of those keys are the pairs in the dropped rows, which ``seen``,
            # per key, does not hold; with only categorical keys, every pair of categories in
            # order of first appearance, whatever rows were dropped)
            return _all_groups(keys, self.spec)
        if self.spec.opt("sort"):
            # One made-up row per value of the plain key in dropped rows: with the categories'
            # completion and sorting, pandas' groups (the made-up rows' counts are not used).
            extra = []
            for j in plain:
                values, _ = seen[j]
                values = values[~np.asarray(values.isna())]
                if len(values):
                    rows = keys.iloc[[0] * len(values)].reset_index(drop=True)
                    rows.isetitem(j, pd.Series(values, dtype=keys.dtypes.iloc[j]))
                    extra.append(rows)
            return _all_groups(pd.concat([keys, *extra], ignore_index=True), self.spec)
        leveled = pandas_levels(index, [False] * len(seen), [True] * len(seen), positions, seen)
        levels, by_appearance = [], []
        for j, level in enumerate(leveled.levels):
            dtype = keys.dtypes.iloc[j]
            if isinstance(dtype, pd.CategoricalDtype):
                # groups: seen categories by first appearance, then the others in the
                # categories' order; the level: every category in the categories' order, as
                # pandas' grouping of a categorical key with observed=False has it
                rest = dtype.categories.difference(level, sort=False)
                by_appearance.append(pd.CategoricalIndex(level.append(rest), dtype=dtype))
                level = pd.CategoricalIndex(dtype.categories, dtype=dtype)
            else:
                by_appearance.append(level)
            levels.append(level)
        order = plain + [j for j in range(len(levels)) if j not in plain]
        product = pd.MultiIndex.from_product([by_appearance[j] for j in order])
        product = product.reorder_levels(list(np.argsort(order)))
        observed = pd.MultiIndex.from_frame(keys)
        groups = observed.append(product[~product.isin(observed)])
        # (from_product and from_frame sort the levels of plain keys; pandas' unsorted groupby
        # keeps them in order of appearance, which a later unstack lays out)
        return _over_levels(groups, levels)


def _over_levels(index: pd.MultiIndex, levels: list[pd.Index]) -> pd.MultiIndex:
    """``index``'s groups, in its order, with ``levels`` (holding all its values) as levels."""
    codes = [level.get_indexer(index.get_level_values(j)) for j, level in enumerate(levels)]
    if any((c < 0).any() for c in codes):
        return index
    return pd.MultiIndex(levels=levels, codes=codes, names=index.names, verify_integrity=False)


def _all_groups(keys: pd.DataFrame, spec: GroupSpec) -> pd.Index:
    """The groups of ``keys`` with every category (``observed=False``), in pandas' order."""
    # (labels 0, 1 ... would make pandas (3.1) put a categorical key's level first)
    keys.columns = [f"key{j}" for j in range(keys.shape[1])]
    return (
        keys.groupby(
            list(keys.columns),
            observed=False,
            sort=spec.opt("sort"),
            dropna=spec.opt("dropna"),
        )
        .size()
        .index
    )


def _bools_as_float(result: Any, fills: list[str]) -> Any:
    """``result``'s bool columns (or Series) without a fill value for empty groups as float64."""
    if isinstance(result, pd.Series):
        unfilled = not fills or fills[0] not in _FILL
        return result.astype("float64") if unfilled and result.dtype == bool else result
    wanted = [
        j
        for j, dtype in enumerate(result.dtypes)
        if dtype == bool and (j >= len(fills) or fills[j] not in _FILL)
    ]
    if wanted:
        result = result.copy(deep=False)
        for j in wanted:
            result.isetitem(j, result.iloc[:, j].astype("float64"))
    return result


# -- shuffle -----------------------------------------------------------------------------------


class GroupSplit:
    """Shuffle ``split``: tag rows with their global position, cut by a hash of the keys."""

    def __init__(self, spec: GroupSpec, nout: int) -> None:
        self.spec, self.nout = spec, nout

    def __call__(self, part: pd.DataFrame, i: int) -> list[Any]:
        part = part.assign(
            **{POS: np.arange(len(part), dtype=np.int64) + position_base(i)}
        )
        target = shuffle.assignment(self.spec.key_frame(part), self.nout)
        return shuffle.split_by(part, target, self.nout)


class NoGroups:
    """A partition with rows but no group, on which pandas' operation failed with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __len__(self) -> int:
        return 0


class ShuffledAgg:
    """Per shuffled partition: pandas' aggregation (groups in first-appearance order) and each
    group's first global position."""

    def __init__(self, spec: GroupSpec, op: Any) -> None:
        self.spec, self.op = spec, op
        # Read here, in the driver: tasks run in workers, which do not see its overrides.
        self.kernel = config.get("groupby_kernel")

    def __call__(self, part: pd.DataFrame) -> tuple[Any, Any]:
        if len(part) and isinstance(self.op, Call) and self.op.method == "nunique":
            counted = self._nunique_on_arrow(part)
            if counted is not None:
                return counted
        gb = self.spec.grouped(part, sort=False, observed=True, as_index=True)
        if gb.ngroups == 0:
            # No group here; an empty result is skipped when the results are put together.
            # Rows without a group (missing keys) make some operations fail in pandas
            # (describe): that error is pandas' answer if no partition has a group.
            if len(part):
                try:
                    self.op(gb)
                except Exception as exc:  # noqa: BLE001 - pandas' error, raised later
                    return NoGroups(exc), np.zeros(0, np.int64)
            return part.iloc[:0], np.zeros(0, np.int64)
        result = self.op(gb)
        if self.spec.opt("sort"):
            # Sorted groups need no first positions (a second grouping of the partition).
            return result, np.zeros(len(result), np.int64)
        firsts = None
        # Groups numbered by pandas, when the result lists them in that order (describe's
        # does not) and no presort reordered the rows pandas numbered.
        if self.spec.presort is None and result.index.equals(gb.size().index):
            numbers = gb.ngroup().fillna(-1).to_numpy(np.int64)  # (NaN: a dropped key)
            firsts = first_rows(numbers, part[POS].to_numpy(), len(result))
        if firsts is not None:
            return result, firsts
        by_keys = self.spec.first_positions(part)
        if len(by_keys) != len(result) or not by_keys.index.equals(result.index):
            by_keys = by_keys.reindex(result.index)
        return result, by_keys.to_numpy()

    def _nunique_on_arrow(self, part: pd.DataFrame) -> tuple[Any, Any] | None:
        """pandas' ``nunique`` of the partition's groups (in first-appearance order) and
        their first positions, by one Arrow hash aggregation, or None where the kernel or
        the dtypes say pandas (``arrow_agg.native``)."""
        spec, kwargs = self.spec, self.op.kwargs
        if self.op.args or set(kwargs) - {"dropna"} or spec.presort is not None:
            return None
        columns = _counted_columns(spec, part)
        if columns is None or not part.columns.is_unique:
            return None
        stat = "nunique" if kwargs.get("dropna", True) else "nunique_all"
        stats = [(c, stat) for c in columns]
        dtypes = part.dtypes
        keys = [dtypes[c] for c in spec.key_columns]
        if not arrow_agg.native(self.kernel, keys, stats, {c: dtypes[c] for c in columns}):
            return None
        names = [it[2] if it[0] == "tmp" else it[1] for it in spec.items]
        multi = spec.by_is_list and len(spec.items) > 1
        out = arrow_agg.partials(
            spec.key_columns, names, multi, spec.opt("dropna"), [*stats, (POS, "min")], part
        )
        firsts = out.iloc[:, -1].to_numpy()
        if spec.series or not isinstance(spec.selection, list | _NoSelection):
            name = spec.series_name if spec.series else spec.selection
            return out.iloc[:, 0].rename(name), firsts
        return out.iloc[:, :-1].set_axis(columns, axis=1), firsts


def _counted_columns(spec: GroupSpec, part: pd.DataFrame) -> list[Hashable] | None:
    """The columns pandas' ``nunique`` of this groupby counts, or None if unsure."""
    if spec.series:
        return [VAL]
    if isinstance(spec.selection, list):
        return list(spec.selection)
    if spec.selection is not NONE:
        return [spec.selection]
    if any(it[0] != "col" for it in spec.items):
        return None  # (whether pandas counts a column a key Series was taken from: its call)
    skip = {*spec.hidden, POS, *(it[1] for it in spec.items if it[0] == "col")}
    return [c for c in part.columns if c not in skip]


def first_rows(numbers: np.ndarray, positions: np.ndarray, ngroups: int) -> np.ndarray | None:
    """Per group, the position of its first row, from the rows' group numbers (pandas' own
    ``ngroup``, -1 for rows without a group), when pandas numbered the groups in order of
    first appearance (``sort=False``): then a group starts where the running maximum of the
    numbers grows. One pass, where grouping the keys again (6 key columns, 10M rows: a fifth
    of h2o q10) costs as much as the aggregation. None if the numbers are in another order."""
    grows = np.flatnonzero(np.diff(np.maximum.accumulate(numbers), prepend=-1) > 0)
    if len(grows) != ngroups or not np.array_equal(numbers[grows], np.arange(ngroups)):
        return None
    return positions[grows]


class Assemble:
    """Concatenate per-partition results of ``ShuffledAgg`` and finish them (``seen``: see
    ``Finish``)."""

    def __init__(self, finish: Finish) -> None:
        self.finish = finish

    def __call__(self, seen: Any, *pairs: tuple[Any, Any]) -> Any:
        failed = [r.error for r, _ in pairs if isinstance(r, NoGroups)]
        pairs = tuple(p for p in pairs if not isinstance(p[0], NoGroups))
        if failed and not any(len(r) for r, _ in pairs):
            raise failed[0]
        result = concat_parts([r for r, _ in pairs])
        firsts = np.concatenate(
            [f for r, f in pairs if len(r)] or [np.zeros(0, np.int64)]
        )
        return self.finish(result, firsts, seen)


class KeysOnly:
    """The key columns of a work-frame partition (what ``ApplyCombine`` groups)."""

    def __init__(self, columns: list[Hashable]) -> None:
        self.columns = columns

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        return part[self.columns]


class ConcatAll:
    def __call__(self, *parts: Any) -> Any:
        return concat_parts(parts)


def positional_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` labelled 0..n-1 on both axes (to merge or take by position)."""
    out = frame.reset_index(drop=True)
    out.columns = range(out.shape[1])
    return out
