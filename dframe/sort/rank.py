"""``rank`` without a shuffle: each partition counts its distinct values, one task merges the
counts into, per value, how many values sort before it (and, for ``method="first"``, how many
equal values earlier partitions hold); each partition then ranks its rows locally."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.plan import nodes as N

RANK_METHODS = ("average", "min", "max", "first", "dense")


class RankSummary:
    """Per column: counts of distinct non-missing values, and the number of missing ones."""

    def __init__(self, series: bool) -> None:
        self.series = series

    def __call__(self, part: Any) -> list[tuple[pd.Series, int]]:
        columns = [part] if self.series else [part.iloc[:, j] for j in range(part.shape[1])]
        out = []
        for col in columns:
            counts = col.value_counts(dropna=True, sort=False)
            out.append((counts[counts > 0], int(col.isna().sum())))
        return out


@dataclass(frozen=True)
class RankOptions:
    method: str
    na_option: str
    ascending: bool
    pct: bool


class RankContexts:
    """From every partition's summary, per partition and column: for each of its values how
    many values sort before it, how many equal it, its dense rank, and (``first``) how many
    equal values earlier partitions hold; plus the column's totals."""

    def __init__(self, options: RankOptions) -> None:
        self.options = options

    def __call__(self, *summaries: list[tuple[pd.Series, int]]) -> list[Any]:
        ncols = len(summaries[0]) if summaries else 0
        contexts: list[list[Any]] = [[] for _ in summaries]
        for c in range(ncols):
            counts = [s[c][0] for s in summaries]
            nans = [s[c][1] for s in summaries]
            nonempty = [x for x in counts if len(x)]
            if nonempty:
                total = pd.concat(nonempty).groupby(level=0).sum()
            else:
                total = counts[0].iloc[:0]
            if total.index.dtype == object:
                # pandas ranks object values by Python's comparisons, and raises TypeError
                # for values that do not compare (ints and strings), where the grouping above
                # sorts numbers before strings
                total = total.iloc[np.argsort(total.index.to_numpy(dtype=object), kind="stable")]
            if not self.options.ascending:
                total = total.iloc[::-1]
            # (index names dropped: a column labelled <NA> names them <NA>, and pandas'
            # reindex compares names with ==, which <NA> cannot answer)
            total = total.rename_axis(None)
            cnt = total.to_numpy(dtype=np.int64)
            table = pd.DataFrame(
                {"less": np.cumsum(cnt) - cnt, "cnt": cnt, "dense": np.arange(len(cnt))},
                index=total.index,
            )
            seen = total.iloc[:0].astype(np.int64)
            nan_before = 0
            for i, part_counts in enumerate(counts):
                part_counts = part_counts.rename_axis(None)
                local = table.reindex(part_counts.index)
                if self.options.method == "first":
                    earlier = seen.reindex(part_counts.index, fill_value=0)
                    local = local.assign(earlier=earlier.to_numpy())
                    seen = seen.add(part_counts, fill_value=0).astype(np.int64)
                contexts[i].append(
                    (local, int(cnt.sum()), int(sum(nans)), nan_before, len(cnt))
                )
                nan_before += nans[i]
        return contexts


class ApplyRank:
    def __init__(self, options: RankOptions, series: bool, dtypes: list[Any]) -> None:
        # ``dtypes``: pandas' per column (a nullable Series ranks to Float64 or UInt64 with <NA>).
        self.options, self.series, self.dtypes = options, series, dtypes

    def column(self, col: pd.Series, context: Any) -> np.ndarray:
        table, n_valid, n_nan, nan_before, n_unique = context
        o = self.options
        mask = col.isna().to_numpy()
        pos = table.index.get_indexer(col)
        pos[mask] = -1
        local = pd.Series(pos).groupby(pos).cumcount().to_numpy()
        valid = ~mask
        p = pos[valid]
        less = table["less"].to_numpy()[p].astype(np.float64)
        cnt = table["cnt"].to_numpy()[p].astype(np.float64)
        top = o.na_option == "top" and n_nan > 0
        offset = n_nan if top else 0
        out = np.full(len(col), np.nan)
        base = less + offset
        if o.method == "average":
            out[valid] = base + (cnt + 1) / 2
        elif o.method == "min":
            out[valid] = base + 1
        elif o.method == "max":
            out[valid] = base + cnt
        elif o.method == "dense":
            out[valid] = table["dense"].to_numpy()[p] + 1 + (1 if top else 0)
        else:
            out[valid] = base + table["earlier"].to_numpy()[p] + local[valid] + 1
        if o.na_option != "keep" and n_nan:
            start = 0 if o.na_option == "top" else n_valid
            if o.method == "average":
                out[mask] = start + (n_nan + 1) / 2
            elif o.method == "min":
                out[mask] = start + 1
            elif o.method == "max":
                out[mask] = start + n_nan
            elif o.method == "dense":
                out[mask] = 1 if o.na_option == "top" else n_unique + 1
            else:
                out[mask] = start + nan_before + local[mask] + 1
        if o.pct:
            counted = o.na_option != "keep" and n_nan > 0
            if o.method == "dense":
                out = out / (n_unique + (1 if counted else 0))
            else:
                out = out / (n_valid + (n_nan if counted else 0))
        return out

    def __call__(self, part: Any, contexts: list[Any]) -> Any:
        if self.series:
            return pd.Series(
                self.column(part, contexts[0]), index=part.index, name=part.name
            ).astype(self.dtypes[0])
        data = {
            j: pd.Series(self.column(part.iloc[:, j], contexts[j])).astype(self.dtypes[j]).array
            for j in range(part.shape[1])
        }
        out = pd.DataFrame(data, index=part.index)
        out.columns = part.columns
        return out


def _rankable(dtype: Any) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    kind = getattr(dtype, "kind", "O")
    return kind in "biufMmO" or isinstance(dtype, pd.StringDtype)


def _rank(obj: Any, axis: Any, method: str, numeric_only: bool, na_option: str,
          ascending: bool, pct: bool) -> Any:
    kwargs = dict(
        axis=axis, method=method, numeric_only=numeric_only, na_option=na_option,
        ascending=ascending, pct=pct,
    )
    # pandas' argument errors; which columns are numbers is the data's call (text may have
    # replaced numbers in a column planned as floats)
    meta = (obj._known_meta() if numeric_only else obj._meta).rank(**kwargs)
    series = obj.ndim == 1
    source = obj
    if not series:
        if axis not in (0, "index") or obj._meta.columns.has_duplicates:
            return fallback.call_method(obj, "rank", (), kwargs)
        if not meta.columns.equals(obj._meta.columns):  # (a NaN label equals itself here)
            source = obj[list(meta.columns)]
    dtypes = [source._meta.dtype] if series else list(source._meta.dtypes)
    if (
        method not in RANK_METHODS
        or not isinstance(ascending, bool)
        or not all(_rankable(d) for d in dtypes)
    ):
        return fallback.call_method(obj, "rank", (), kwargs)
    options = RankOptions(method, na_option, ascending, pct)
    plan = N.MapWithContext(
        source._plan,
        RankSummary(series),
        RankContexts(options),
        ApplyRank(options, series, [meta.dtype] if series else list(meta.dtypes)),
        meta,
        label="rank",
    )
    return obj._new(plan)
