"""Distinct values of DataFrame and Series: ``nunique``, ``unique``, ``value_counts``,
``duplicated`` and ``drop_duplicates``.

Each partition reduces to its distinct values (with counts, or with the first position of each
key), partials merge in a tree, and the result keeps pandas' order: first appearance for
``unique``/``drop_duplicates``, pandas' count order for ``value_counts``. ``duplicated`` shares
the keys seen in earlier partitions with each partition, so it stays partition-wise.
"""


from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.core.dtypes.dtypes import BaseMaskedDtype

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.algebra.rows import append_objects
from dframe.core import binning
from dframe.core.summaries import Columnwise, CombineColumnwise, concat_parts
from dframe.execution import lower
from dframe.fallback.inplace import NO_DEFAULT
from dframe.plan import meta as M
from dframe.plan import nodes as N

_no_default = object()




class DropDuplicates:
    def __call__(self, *parts: Any) -> Any:
        return concat_parts(parts, ignore_index=True).drop_duplicates(ignore_index=True)


class NuniqueFinal:
    def __init__(self, dropna: bool, index: Any, dtype: Any = "int64") -> None:
        # ``dtype``: pandas' (float64 for a frame without columns, whose apply gives no counts)
        self.dropna, self.index, self.dtype = dropna, index, dtype

    def __call__(self, partial: Any) -> Any:
        if self.index is None:
            return partial.nunique(dropna=self.dropna)
        counts = [column.nunique(dropna=self.dropna) for column in partial]
        return pd.Series(counts, index=self.index, dtype=self.dtype)


class UniqueFinal:
    def __call__(self, partial: pd.Series) -> Any:
        return partial.unique()


class CountValues:
    def __init__(self, kwargs: dict[str, Any], objects: tuple[int, ...] = ()) -> None:
        self.kwargs, self.objects = kwargs, objects  # objects: as ``MergeCounts``'

    def __call__(self, part: Any) -> pd.Series:
        counts = part.value_counts(sort=False, **self.kwargs)
        if not self.objects or not isinstance(counts.index, pd.MultiIndex):
            return counts
        # pandas inferred each object column's level from this partition's values (1 beside
        # NaN: 1.0); the level of the whole column is inferred when merged, from the values.
        index, subset = counts.index, self.kwargs.get("subset")
        frame = part if subset is None else part[subset if isinstance(subset, list) else [subset]]
        for j in self.objects:
            level = index.levels[j]
            if level.dtype == object:
                continue
            raw = pd.Index(frame.iloc[:, j].dropna().unique(), dtype=object)
            missing = np.asarray(level.isna())
            at = raw.get_indexer(level.astype(object))
            if (at[~missing] >= 0).all():
                values = level.to_numpy(dtype=object)  # (a missing value stays as it is)
                values[~missing] = raw.take(at[~missing]).to_numpy()
                level = pd.Index(values, dtype=object, name=level.name)
                index = index.set_levels(level, level=j, verify_integrity=False)
        return counts.set_axis(index)


class _MissingOf:
    """A missing value as a key of a merge: equal to the missing values of its type only (as
    pandas' hash table keeps None, NaN and <NA> apart), where grouping makes them one."""

    def __init__(self, value: Any) -> None:
        self.kind = type(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _MissingOf) and other.kind is self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


def _object_positions(meta: Any, subset: Any) -> tuple[int, ...]:
    """Which of a frame's counted columns are of object dtype (by position)."""
    if not isinstance(meta, pd.DataFrame):
        return ()
    frame = meta if subset is None else meta[subset if pd.api.types.is_list_like(subset) else [subset]]
    return tuple(j for j, dt in enumerate(frame.dtypes) if dt == object)


def _object_keys(counts: pd.Series) -> bool:
    index = counts.index
    return not isinstance(index, pd.MultiIndex) and index.dtype == object


def _merge_object_counts(partials: tuple[pd.Series, ...]) -> pd.Series:
    """Counts of an object column, added by key in order of first appearance, as pandas'
    count of the whole column: labels stay object (appending the partials' labels would infer
    a dtype from them) and missing values of unlike types (None, NaN, <NA>) stay apart, where
    grouping would make them one NaN."""
    keys_of = [p.index.to_numpy(dtype=object) for p in partials]
    index = pd.Index(np.concatenate(keys_of), dtype=object, name=partials[0].index.name)
    counts = pd.Series(np.concatenate([p.to_numpy() for p in partials]), index=index,
                       name=partials[0].name)
    if not index.hasnans:
        # (factorized as objects: a groupby would infer float64 from 0 and 1.0, making 0 0.0)
        codes, uniques = pd.factorize(index)
        totals = np.zeros(len(uniques), dtype=counts.dtype)
        np.add.at(totals, codes, counts.to_numpy())
        out = pd.Index(uniques, dtype=object, name=index.name)
        return pd.Series(totals, index=out, name=counts.name)
    keys = [_MissingOf(k) if missing else k for k, missing in zip(index, index.isna())]
    labels = dict(zip(reversed(keys), reversed(index)))  # the first label of each key
    total: dict[Any, Any] = {}
    for key, count in zip(keys, counts.to_numpy()):
        total[key] = total.get(key, 0) + count
    out_index = pd.Index([labels[k] for k in total], dtype=object, name=index.name)
    return pd.Series(list(total.values()), index=out_index, name=counts.name, dtype=counts.dtype)


class MergeCounts:
    """Add partial counts; keys keep the order of their first appearance.

    The counts of several columns keep pandas' levels too: pandas groups each column alone, so
    a level holds the column's values in order of first appearance over all rows, also those of
    rows not counted (a missing value in another column). A partition's counts have its own
    levels so; the merged counts take them all, in partition order.
    """

    def __init__(self, objects: tuple[int, ...] = ()) -> None:
        self.objects = objects  # the levels of object columns (a frame's counts)

    def __call__(self, *partials: pd.Series) -> pd.Series:
        if all(_object_keys(p) for p in partials):
            return _merge_object_counts(partials)
        counts = concat_parts(partials)
        names = list(counts.index.names)
        levels = list(range(counts.index.nlevels))
        # Levels named by their positions while grouping: an int level name (a frame's column
        # label) would otherwise be read as a position by ``level=`` (5 names the level at 6).
        counts = counts.set_axis(counts.index.set_names(levels))  # (a partial may be shared)
        merged = counts.groupby(level=levels, sort=False, dropna=False).sum()
        if isinstance(counts.index, pd.MultiIndex) and not isinstance(merged.index, pd.MultiIndex):
            # Grouping by the one level of a frame's counts flattens it; pandas keeps the
            # MultiIndex (of one level) for the rows of a frame, on the partials' levels (an
            # object column's level is inferred from its values: str for strings).
            one_level = pd.MultiIndex.from_arrays([merged.index])
            merged.index = _on_levels(one_level, [p.index.levels for p in partials], self.objects)
        elif isinstance(merged.index, pd.MultiIndex):
            merged.index = _on_levels(
                merged.index, [p.index.levels for p in partials], self.objects
            )
        elif isinstance(merged.index.dtype, BaseMaskedDtype):
            # pandas counts a nullable column's values, then appends <NA>'s count: last
            missing = merged.index.isna()
            if missing.any():
                merged = pd.concat([merged[~missing], merged[missing]])
        merged.index = merged.index.set_names(names)
        merged.name = partials[0].name
        return merged


def _on_levels(
    index: pd.MultiIndex, partial_levels: list[Any], objects: tuple[int, ...] = ()
) -> pd.MultiIndex:
    """``index`` on the partials' levels, each the values of all partials' in their order."""
    levels, codes = [], []
    for j, (level, level_codes) in enumerate(zip(index.levels, index.codes, strict=True)):
        # (a partition whose keys were all missing has an empty level, of object dtype even
        # where the others' are str: it holds no value to vote with)
        parts = [p[j] for p in partial_levels if len(p[j])] or [partial_levels[0][j]]
        if j in objects and len(parts) > 1:
            # raw object values (``CountValues``): appended without inferring a dtype
            joined = append_objects(parts).drop_duplicates()
        elif len(parts) > 1:
            joined = parts[0].append(parts[1:]).drop_duplicates()
        else:
            joined = parts[0]
        # (a code of -1, a missing key pandas does not keep as a level value, stays -1)
        at = np.append(joined.get_indexer(level), -1)
        levels.append(joined)
        codes.append(at[level_codes])
    return pd.MultiIndex(levels=levels, codes=codes, names=index.names, verify_integrity=False)


def _inferred_level(joined: pd.Index, missing: bool) -> pd.Index:
    """The level of an object column as pandas infers it from the whole column's distinct
    values, a counted missing value among them (ints beside NaN: float64), where each
    partition inferred its own from its values."""
    values = joined.to_numpy(dtype=object)
    inferred = pd.Index([*values, np.nan] if missing else list(values))  # (a list: inferred)
    inferred = inferred[: len(values)]
    return inferred if len(inferred) == len(joined) else joined


class FinishCounts:
    def __init__(
        self, normalize: bool, sort: bool, ascending: bool, objects: tuple[int, ...] = ()
    ) -> None:
        self.normalize, self.sort, self.ascending = normalize, sort, ascending
        self.objects = objects  # as ``MergeCounts``'

    def __call__(self, counts: pd.Series) -> pd.Series:
        index = counts.index
        if self.objects and isinstance(index, pd.MultiIndex):
            for j in self.objects:
                missing = bool((index.codes[j] < 0).any())
                level = _inferred_level(index.levels[j], missing)
                index = index.set_levels(level, level=j, verify_integrity=False)
            counts = counts.set_axis(index)
        if self.sort:
            # pandas: count order, ties in order of first appearance.
            counts = counts.sort_values(ascending=self.ascending, kind="stable")
        if self.normalize:
            counts = counts / counts.sum()
            counts.name = "proportion"
        return counts


class DistinctKeys:
    """The distinct keys of a partition (the values of a Series, ``subset`` of a frame)."""

    def __init__(self, subset: list[Any] | None) -> None:
        self.subset = subset

    def __call__(self, part: Any) -> Any:
        return _keys(part, self.subset).drop_duplicates(ignore_index=True)


def _keys(part: Any, subset: list[Any] | None) -> Any:
    return part if subset is None else part[subset]


class SharedKeys:
    """Per partition, its distinct keys that also occur in an earlier ("first"), later ("last")
    or any other (False) partition."""

    def __init__(self, keep: Any) -> None:
        self.keep = keep

    def __call__(self, *keys: Any) -> list[Any]:
        everything = concat_parts(keys, ignore_index=True)
        if len(everything) == 0:
            return [k for k in keys]
        seen = everything.duplicated(keep=self.keep).to_numpy()
        out, start = [], 0
        for k in keys:
            out.append(k[seen[start : start + len(k)]])
            start += len(k)
        return out


class MarkDuplicates:
    """``duplicated`` of a partition given the keys other partitions share with it; with
    ``drop`` the rows that are not duplicates instead."""

    def __init__(
        self, subset: list[Any] | None, keep: Any, drop: bool, name: Any
    ) -> None:
        self.subset, self.keep, self.drop, self.name = subset, keep, drop, name

    def __call__(self, part: Any, shared: Any) -> Any:
        keys = _keys(part, self.subset)
        if len(shared) == 0:
            mask = keys.duplicated(keep=self.keep).to_numpy()
        elif self.keep == "last":
            both = pd.concat([keys, shared], ignore_index=True)
            mask = both.duplicated(keep="last").to_numpy()[: len(keys)]
        else:
            both = pd.concat([shared, keys], ignore_index=True)
            mask = both.duplicated(keep=self.keep).to_numpy()[len(shared) :]
        if self.drop:
            return part[~mask]
        return pd.Series(mask, index=part.index, name=self.name, dtype=bool)


# -- the mixin -----------------------------------------------------------------------------------



class DistinctMethods:
    """Mixin of DataFrame and Series."""

    def nunique(self, axis: Any = 0, dropna: bool = True) -> Any:
        """Number of distinct values (per column of a frame)."""
        if self.ndim == 2 and axis in (1, "columns"):
            fn = MethodCall("nunique", axis=1, dropna=dropna)
            return self._map(fn, meta=M.infer_meta(fn, self._meta), label="nunique")
        if axis not in (0, "index"):
            return fallback.call_method(
                self, "nunique", (), {"axis": axis, "dropna": dropna}
            )
        if self.ndim == 1:
            meta = self._meta.nunique(dropna=dropna)
            plan = N.Reduce(
                self._plan,
                MethodCall("drop_duplicates", ignore_index=True),
                DropDuplicates(),
                NuniqueFinal(dropna, None),
                meta,
                label="nunique",
            )
            return lower.collect(plan)
        distinct = MethodCall("drop_duplicates", ignore_index=True)
        meta = self._meta.nunique(dropna=dropna).iloc[:0]
        plan = N.Reduce(
            self._plan,
            Columnwise(distinct),
            CombineColumnwise(DropDuplicates()),
            NuniqueFinal(dropna, self._meta.columns, meta.dtype),
            meta,
            label="nunique",
        )
        return self._new(plan)

    def unique(self) -> Any:
        """Distinct values in order of first appearance (Series)."""
        if self.ndim != 1:
            msg = "'DataFrame' object has no attribute 'unique'"
            raise AttributeError(msg)
        plan = N.Reduce(
            self._plan,
            MethodCall("drop_duplicates", ignore_index=True),
            DropDuplicates(),
            UniqueFinal(),
            self._meta.unique(),
            label="unique",
        )
        return lower.collect(plan)

    def value_counts(self, *args: Any, **kwargs: Any) -> Any:
        """Counts of distinct values (rows of a frame), ordered like pandas."""
        if self.ndim == 1:
            names = ("normalize", "sort", "ascending", "bins", "dropna")
            defaults: dict[str, Any] = {
                "normalize": False,
                "sort": True,
                "ascending": False,
            }
            defaults.update(bins=None, dropna=True)
        else:
            names = ("subset", "normalize", "sort", "ascending", "dropna")
            defaults = {
                "subset": None,
                "normalize": False,
                "sort": True,
                "ascending": False,
            }
            defaults["dropna"] = True
        if len(args) > len(names):
            return fallback.call_method(self, "value_counts", args, kwargs)
        options = {**defaults, **dict(zip(names, args, strict=False)), **kwargs}
        unknown = set(options) - set(names)
        categorical = self.ndim == 1 and isinstance(
            self._meta.dtype, pd.CategoricalDtype
        )
        if not unknown and not categorical and options.get("bins") is not None:
            binned = binning.value_counts(self, options)
            if binned is not None:
                return binned
        if categorical and not unknown and options.get("bins") is None:
            return self._categorical_counts(options)
        if unknown or options.get("bins") is not None or categorical:
            return fallback.call_method(self, "value_counts", args, kwargs)
        if self.ndim == 2 and any(
            isinstance(d, pd.CategoricalDtype) for d in self._meta.dtypes
        ):
            return fallback.call_method(self, "value_counts", args, kwargs)
        count_kwargs: dict[str, Any] = {"dropna": options["dropna"]}
        if self.ndim == 2:
            count_kwargs["subset"] = options["subset"]
        meta = self._meta.value_counts(
            **{**options, "bins": None} if self.ndim == 1 else options
        )
        objects = _object_positions(self._meta, options["subset"]) if self.ndim == 2 else ()
        plan = N.Reduce(
            self._plan,
            CountValues(count_kwargs, objects),
            MergeCounts(objects),
            FinishCounts(options["normalize"], options["sort"], options["ascending"], objects),
            meta.iloc[:0],
            label="value_counts",
        )
        return self._new(plan)

    def _categorical_counts(self, options: dict[str, Any]) -> Any:
        """A categorical Series' counts: every category, counted in category order in each
        partition and summed, then pandas' own normalizing and sort on that same array."""
        meta = self._meta.value_counts(**{**options, "bins": None})
        chunk = MethodCall("value_counts", sort=False, dropna=options["dropna"])
        finish = FinishCategoryCounts(options["normalize"], options["sort"], options["ascending"])
        plan = N.Reduce(self._plan, chunk, _sum_category_counts, finish, meta.iloc[:0],
                        label="value_counts")  # fmt: skip
        return self._new(plan)

    # -- positions of extremes -------------------------------------------------------------------

    def duplicated(self, subset: Any = None, keep: Any = "first") -> Any:
        """Whether each row repeats an earlier (later; any other) row, across partitions."""
        if self.ndim == 1:
            meta = self._meta.duplicated(keep=keep)
            return self._new(self._dedup_plan(None, keep, False, meta))
        meta = self._meta.duplicated(subset=subset, keep=keep)
        return self._new(
            self._dedup_plan(_subset(self._meta, subset), keep, False, meta)
        )

    def drop_duplicates(
        self, subset: Any = None, *, keep: Any = "first", **kwargs: Any
    ) -> Any:
        """Rows without repeats (see ``duplicated``)."""
        if (
            self.ndim == 1 and subset is not None
        ):  # Series: the first positional is keep
            keep, subset = subset, None
        inplace = kwargs.pop("inplace", NO_DEFAULT)
        ignore_index = kwargs.pop("ignore_index", False)
        if kwargs:
            full = {
                "keep": keep,
                "inplace": inplace,
                "ignore_index": ignore_index,
                **kwargs,
            }
            return fallback.call_method(self, "drop_duplicates", (), full)
        if self.ndim == 1:
            self._meta.drop_duplicates(keep=keep)
            keys = None
        else:
            self._meta.drop_duplicates(subset=subset, keep=keep)
            keys = _subset(self._meta, subset)
        known = self._plan.lengths
        if self.ndim == 2 and (not len(self._meta.columns) or known is not None and not sum(known)):
            # pandas returns a frame without columns or rows as it is (even with ignore_index).
            return self._inplace(self._new(self._plan), inplace, "drop_duplicates")
        plan: N.Node = self._dedup_plan(keys, keep, True, self._meta)
        if ignore_index:
            # A Series is renumbered even without rows; a frame emptied by earlier steps is not.
            plan = N.Renumbered(plan, unless_empty=self.ndim == 2)
        return self._inplace(self._new(plan), inplace, "drop_duplicates")

    def _dedup_plan(self, subset: Any, keep: Any, drop: bool, meta: Any) -> N.Node:
        name = None if drop else meta.name
        return N.MapWithContext(
            self._plan,
            DistinctKeys(subset),
            SharedKeys(keep),
            MarkDuplicates(subset, keep, drop, name),
            meta,
            label="drop_duplicates" if drop else "duplicated",
            preserves_rows=not drop,
        )



def _subset(meta: pd.DataFrame, subset: Any) -> list[Any] | None:
    if subset is None:
        return None
    if pd.api.types.is_scalar(subset) or isinstance(subset, tuple):
        return [subset]
    return list(subset)


def _sum_category_counts(*partials: pd.Series) -> pd.Series:
    """Counts in category order summed; a partition with missing values has one more entry
    (NaN, last), which the sum keeps."""
    longest = max(partials, key=len)
    total = np.zeros(len(longest), dtype=np.int64)
    for p in partials:
        total[: len(p)] += p.to_numpy()
    return pd.Series(total, index=longest.index, name=longest.name)


class FinishCategoryCounts:
    def __init__(self, normalize: bool, sort: bool, ascending: bool) -> None:
        self.normalize, self.sort, self.ascending = normalize, sort, ascending

    def __call__(self, counts: pd.Series) -> pd.Series:
        if self.normalize:
            counts = (counts / counts.sum()).rename("proportion")
        return counts.sort_values(ascending=self.ascending, kind="stable") if self.sort else counts
