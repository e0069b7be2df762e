"""Groupby aggregation by tree reduction: partial statistics per group, merged pairwise.

``TreeAgg.chunk`` reduces a partition to per-group partial statistics (sum, count, min ... and
(count, mean, M2) for the moments), ``combine`` merges partials by group in partition order (so
groups stay in order of first appearance), ``finalize`` turns statistics into pandas' result
and hands it to ``Finish`` (pandas' group order, unobserved categories, ``as_index``). Used
for few groups; many groups shuffle instead (``grouped.ShuffledAgg``).

The chunk, the one pass over every row, runs on Arrow's hash aggregation (``arrow_agg``) when
the ``groupby_kernel`` option allows it and Arrow reproduces pandas' partials for the keys'
and values' dtypes; otherwise on pandas' groupby. Both give the same partial frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import config
from dframe.groupby import arrow_agg
from dframe.groupby.grouped import NONE, Finish, GroupSpec, concat_parts
from dframe.plan import meta as M

MOMENTS = ("mean", "var", "std", "sem")
# Partial statistics each aggregation needs, and how partials of a statistic merge.
STATS = {
    "sum": ("sum",),
    "prod": ("prod",),
    "min": ("min",),
    "max": ("max",),
    "count": ("count",),
    "size": ("size",),
    "first": ("first",),
    "last": ("last",),
    "any": ("any",),
    "all": ("all",),
    "mean": ("sum", "count"),
    "var": ("moments",),
    "std": ("moments",),
    "sem": ("moments",),
}
_MERGE = {"count": "sum", "size": "sum"}
# Value dtypes (numpy kinds) each aggregation reduces natively by tree; else the shuffle runs.
KINDS = {
    "sum": "biuf",
    "prod": "biuf",
    "mean": "biuf",
    "var": "iuf",
    "std": "iuf",
    "sem": "iuf",
    "min": "biufMmOT",
    "max": "biufMmOT",
    "any": "biuf",
    "all": "biuf",
    "first": None,
    "last": None,
    "count": None,
    "size": None,
}


def tree_supported(name: str, dtype: Any) -> bool:
    if name not in KINDS:
        return False
    kinds = KINDS[name]
    if kinds is None:
        return True
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    kind = "T" if isinstance(dtype, pd.StringDtype) else getattr(dtype, "kind", "?")
    return kind in kinds


class TreeAgg:
    """Chunk, combine and finalize of an aggregation given as ``pairs``: per output column,
    ``(work-frame column or None for size, aggregation name)``."""

    def __init__(
        self,
        spec: GroupSpec,
        pairs: list[tuple[Any, str]],
        ddof: int,
        finish: Finish,
        key_dtypes: list[Any] | None = None,
    ):
        self.spec, self.pairs, self.ddof, self.finish = spec, pairs, ddof, finish
        # Categorical keys group by their codes (pandas recodes the categories of every
        # partition it groups: O(categories) each time); finalize turns codes back into
        # categories. Only for observed groups. A missing key (code -1) is dropped, or with
        # dropna=False takes the code after the last category, so it sorts last as in pandas.
        self.coded: dict[int, pd.CategoricalDtype] = {}
        if key_dtypes and spec.opt("observed") and spec.presort is None:
            self.coded = {
                i: d for i, d in enumerate(key_dtypes) if isinstance(d, pd.CategoricalDtype)
            }
        stats: list[tuple[Any, str]] = []
        for col, name in pairs:
            for stat in STATS[name]:
                if (col, stat) not in stats:
                    stats.append((col, stat))
        self.stats = (
            stats  # partial column k holds statistic stats[k] (3 columns for moments)
        )
        # Read here, in the driver: chunks run in workers, which do not see its overrides.
        self.kernel = config.get("groupby_kernel")

    def _layout(self) -> list[tuple[Any, str, int]]:
        out, k = [], 0
        for col, stat in self.stats:
            out.append((col, stat, k))
            k += 3 if stat == "moments" else 1
        return out

    def chunk(self, part: pd.DataFrame) -> pd.DataFrame:
        if self.coded:
            part = self._as_codes(part)
        if len(part) and self.stats and self._on_arrow(part):
            spec = self.spec
            if spec.presort is not None and len(part) > 1:
                # Groups in first-appearance order of the time-sorted rows, as pandas' chunk.
                part = part.sort_values(spec.presort, kind="stable")
            return arrow_agg.partials(
                spec.key_columns,
                [it[2] if it[0] == "tmp" else it[1] for it in spec.items],
                spec.by_is_list and len(spec.items) > 1,
                spec.opt("dropna"),
                self.stats,
                part,
            )
        return self._pandas_chunk(part)

    def _as_codes(self, part: pd.DataFrame) -> pd.DataFrame:
        columns = self.spec.key_columns
        codes = {}
        for i, dtype in self.coded.items():
            values = part[columns[i]].cat.codes
            if not self.spec.opt("dropna"):
                missing = len(dtype.categories)
                values = values.astype(np.int64).mask(values < 0, missing)
            codes[columns[i]] = values
        part = _replaced(part, codes)
        if not self.spec.opt("dropna"):
            return part
        keep = np.logical_and.reduce([c.to_numpy() >= 0 for c in codes.values()])
        return part if keep.all() else part[keep]

    def _decoded(self, partial: pd.DataFrame) -> pd.DataFrame:
        """``partial`` with its code levels turned back into categories."""
        index = partial.index
        levels = [index.get_level_values(i) for i in range(index.nlevels)]
        for i, dtype in self.coded.items():
            codes = levels[i].to_numpy()
            codes = np.where(codes == len(dtype.categories), -1, codes)
            levels[i] = pd.CategoricalIndex(
                pd.Categorical.from_codes(codes, dtype=dtype), name=levels[i].name
            )
        if index.nlevels == 1:
            return partial.set_axis(levels[0])
        return partial.set_axis(pd.MultiIndex.from_arrays(levels, names=index.names))

    def _on_arrow(self, part: pd.DataFrame) -> bool:
        """Decided from dtypes alone (the same for every partition of a well-typed frame)."""
        dtypes = part.dtypes
        columns = {c for c, _ in self.stats if c is not None}
        if not part.columns.is_unique or not columns <= set(part.columns):
            return False
        return arrow_agg.native(
            self.kernel,
            [dtypes[c] for c in self.spec.key_columns],
            self.stats,
            {c: dtypes[c] for c in columns},
        )

    def _pandas_chunk(self, part: pd.DataFrame) -> pd.DataFrame:
        spec = self.spec.with_selection(NONE)
        gb = spec.grouped(part, sort=False, observed=True, as_index=True)
        columns: list[Any] = []
        # Without value columns (a frame of keys only) the partial is the groups alone.
        index = gb.size().index if not self.stats else None
        for col, stat in self.stats:
            sub = gb.size() if stat == "size" else (gb if spec.series else gb[col])
            if stat == "moments":
                n = sub.count()
                mean = sub.mean()
                m2 = sub.var(ddof=0) * n
                columns += [
                    n.astype("float64"),
                    mean.astype("float64"),
                    m2.astype("float64"),
                ]
            elif stat != "size":
                columns.append(getattr(sub, stat)())
            else:
                columns.append(sub)
            index = columns[-1].index
        return M.frame_of({k: c.array for k, c in enumerate(columns)}, index=index)

    def combine(self, *partials: pd.DataFrame) -> pd.DataFrame:
        merged = concat_parts(partials)
        if len(partials) == 1 or len(merged) == 0:
            return merged
        return self.merge(merged)

    def merge(self, merged: pd.DataFrame) -> pd.DataFrame:
        """Rows of partials merged by group (groups in order of first appearance)."""
        levels = list(range(merged.index.nlevels))
        codes = (
            merged.groupby(level=levels, sort=False, dropna=False, observed=True)
            .ngroup()
            .to_numpy()
        )
        _, firsts = np.unique(codes, return_index=True)
        index = merged.index.take(firsts)
        out: dict[int, Any] = {}
        for _, stat, k in self._layout():
            if stat == "moments":
                n, mean, m2 = (merged[k + d].to_numpy() for d in range(3))
                out.update(
                    zip(
                        (k, k + 1, k + 2),
                        _merge_moments(codes, n, mean, m2),
                        strict=True,
                    )
                )
            else:
                column = M.series_of(merged[k].array)
                op = _MERGE.get(stat, stat)
                out[k] = getattr(column.groupby(codes, sort=True), op)().array
        return M.frame_of(out, index=index)

    def finalize(self, partial: pd.DataFrame, seen: Any = None) -> Any:
        """The result from the merged partial; ``seen``: see ``Finish``."""
        if len(partial) == 0:
            return self.finish.without_groups(seen)
        if self.coded:
            partial = self._decoded(partial)
        where = {(c, s): k for c, s, k in self._layout()}
        values = []
        for col, name in self.pairs:
            if name == "mean":
                s = partial[where[(col, "sum")]].to_numpy(dtype="float64")
                n = partial[where[(col, "count")]].to_numpy(dtype="float64")
                with np.errstate(invalid="ignore", divide="ignore"):
                    values.append(np.where(n > 0, s / np.where(n > 0, n, 1), np.nan))
            elif name in MOMENTS:
                k = where[(col, "moments")]
                n, m2 = partial[k].to_numpy(), partial[k + 2].to_numpy()
                with np.errstate(invalid="ignore", divide="ignore"):
                    var = np.where(n - self.ddof > 0, m2 / (n - self.ddof), np.nan)
                    var = np.where(var < 0, 0.0, var)
                    value = var if name == "var" else np.sqrt(var)
                    if name == "sem":
                        value = value / np.sqrt(n)
                values.append(value)
            else:
                values.append(partial[where[(col, STATS[name][0])]].array)
        meta = self.finish.out_meta
        if (
            self.finish.spec.options.get("as_index", True) is False
            and not self.spec.series
        ):
            # The result before ``reset_index``: the value columns of pandas' as_index=False.
            meta = meta.iloc[:, meta.shape[1] - len(values) :]
        targets = [meta.dtype] if isinstance(meta, pd.Series) else list(meta.dtypes)
        for j, (_, name) in enumerate(self.pairs):
            if name in MOMENTS and isinstance(targets[j], pd.api.extensions.ExtensionDtype):
                # Means of nullable columns are Float64 in pandas, <NA> for a group without
                # values (the float64 NaN of the arithmetic above).
                values[j] = pd.array(values[j], dtype=targets[j])
            elif name in ("min", "max", "first", "last") and _str_or_object(
                values[j], targets[j]
            ):
                # An object column's min/max/first/last: pandas gives str by the SeriesGroupBy
                # and object by the DataFrameGroupBy (the chunks, by column, gave str); the
                # meta, pandas' own answer for string stand-ins, says which — str only if
                # the values are strings (numbers stay object: the dtype is settled by values)
                target = targets[j]
                if isinstance(target, pd.StringDtype) and not _all_strings(values[j]):
                    target = np.dtype(object)
                values[j] = pd.array(np.asarray(values[j], dtype=object), dtype=target)
        if isinstance(meta, pd.Series):
            result: Any = M.series_of(values[0], index=partial.index, name=meta.name)
        else:
            result = M.frame_of(dict(enumerate(values)), index=partial.index)
            result.columns = meta.columns
        return self.finish(result, None, seen)


def _str_or_object(values: Any, target: Any) -> bool:
    """Whether ``values`` are strings of the other of the two dtypes ``target`` (str, object)."""
    have = values.dtype
    return (isinstance(have, pd.StringDtype) and target == object) or (
        isinstance(target, pd.StringDtype) and getattr(have, "numpy_dtype", have) == object
    )


def _all_strings(values: Any) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) == "string"


def _replaced(part: pd.DataFrame, columns: dict[Any, pd.Series]) -> pd.DataFrame:
    part = part.copy(deep=False)
    for name, values in columns.items():
        part[name] = values
    return part


def _merge_moments(
    codes: np.ndarray, n: Any, mean: Any, m2: Any
) -> tuple[Any, Any, Any]:
    """Per group, (count, mean, M2) of the union of the partials' rows (Chan et al.)."""
    groups = int(codes.max()) + 1
    has = n > 0
    total = np.bincount(codes, weights=np.where(has, n, 0.0), minlength=groups)
    sums = np.bincount(codes, weights=np.where(has, n * mean, 0.0), minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        grand = np.where(total > 0, sums / np.where(total > 0, total, 1), np.nan)
        spread = np.where(has, m2 + n * (mean - grand[codes]) ** 2, 0.0)
    m2_total = np.bincount(codes, weights=spread, minlength=groups)
    m2_total = np.where(total > 0, m2_total, np.nan)
    return total, grand, m2_total


class ChunkThen:
    """Tree steps as plain callables (``Reduce`` wants ``chunk``, ``combine``, ``finalize``)."""

    def __init__(self, tree: TreeAgg, step: str) -> None:
        self.tree, self.step = tree, step

    def __call__(self, *args: Any) -> Any:
        return getattr(self.tree, self.step)(*args)
