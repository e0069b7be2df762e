"""``sort_values``, ``sort_values(...).head(n)`` and ``rank``, natively and in parallel.

Two ways to sort, both giving pandas' exact row order:

* **Range partitioning** (several keys, ``kind="stable"``/``"mergesort"``, string keys: every
  case where pandas' order is the stable order of (keys, original position)). Each partition
  sends a small evenly spaced sample of its keys to one task, which picks ``nout - 1``
  splitter rows; each partition is cut by the splitters (pandas' own ``sort_values`` places
  its keys among the splitters, so NaN, ``na_position`` and mixed ``ascending`` follow pandas'
  rules, and a key equal to a splitter always goes to the same side); output partition ``j``
  concatenates its pieces in input order and sorts them stably, so ties keep their original
  order across partitions.
* **Global ranks** (one numeric/bool/object key with pandas' default ``kind="quicksort"``).
  pandas' quicksort is not stable (numpy's SIMD sort orders ties by the whole array, even at
  ten rows), so no per-partition sort can reproduce its ties. Only the key column travels to
  one task, where pandas' own ``nargsort`` orders it exactly as pandas would; every row gets
  its global rank, the rows move to ``rank * nout // n`` and each output orders its rows by
  rank. The data columns move once, in parallel; the one-task step sees one column.

``head(n)``/``tail(n)`` of a sort never sort everything: with range semantics each partition
keeps its ``n`` first (last) rows in sorted order and one task merges them (the global first
``n`` are among them, ties resolved by partition order); with global ranks the key task picks
the ranks, and only the ``n`` chosen rows leave their partitions.

``rank`` is shuffle-free: each partition counts its distinct values, one task merges the
counts into, per value, how many values sort before it (and, for ``method="first"``, how many
equal values earlier partitions hold); each partition then computes its ranks locally.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra import shuffle
from dframe.algebra.rows import concat_rows
from dframe.plan import nodes as N

SAMPLE_PER_OUTPUT = 32  # sample keys per partition = this x output partitions (capped by rows)
KEY = "__key__"


@dataclass(frozen=True)
class SortSpec:
    """What to sort by. For a Series ``by`` is ``(KEY,)`` and keys are its values."""

    by: tuple[Hashable, ...]
    ascending: tuple[bool, ...]
    na_position: str
    kind: str
    series: bool

    def keys(self, part: Any) -> pd.DataFrame:
        """The key columns of ``part`` with positions 0..k-1 as labels."""
        if self.series:
            return pd.DataFrame({KEY: part.array})
        out = part[list(self.by)].reset_index(drop=True)
        return out

    def sort(self, frame: Any, kind: str = "stable") -> Any:
        if self.series:
            return frame.sort_values(
                ascending=self.ascending[0], na_position=self.na_position, kind=kind
            )
        asc = self.ascending[0] if len(self.by) == 1 else list(self.ascending)
        return frame.sort_values(
            list(self.by), ascending=asc, na_position=self.na_position, kind=kind
        )

    def sort_keys(self, keys: pd.DataFrame) -> pd.DataFrame:
        asc = self.ascending[0] if len(self.by) == 1 else list(self.ascending)
        return keys.sort_values(
            list(self.by), ascending=asc, na_position=self.na_position, kind="stable"
        )


def _concat(parts: list[Any]) -> Any:
    full = [p for p in parts if len(p)] or parts[:1]
    return full[0] if len(full) == 1 else concat_rows(full)


# -- range partitioning ----------------------------------------------------------------------


class SampleKeys:
    def __init__(self, spec: SortSpec, size: int) -> None:
        self.spec, self.size = spec, size

    def __call__(self, part: Any) -> pd.DataFrame:
        keys = self.spec.keys(part)
        if len(keys) > self.size:
            keys = keys.iloc[np.linspace(0, len(keys) - 1, self.size).astype(np.int64)]
        return keys


class ChooseSplitters:
    def __init__(self, spec: SortSpec, nout: int) -> None:
        self.spec, self.nout = spec, nout

    def __call__(self, *samples: pd.DataFrame) -> pd.DataFrame:
        keys = self.spec.sort_keys(_concat(list(samples)))
        if len(keys) == 0:
            return keys.reset_index(drop=True)
        at = [(j + 1) * len(keys) // self.nout for j in range(self.nout - 1)]
        return keys.iloc[[min(a, len(keys) - 1) for a in at]].reset_index(drop=True)


class RangeSplit:
    """Cut a partition into ``nout`` key ranges: a row goes after every splitter that sorts
    before it or equal to it (the splitters come first in a stable sort)."""

    def __init__(self, spec: SortSpec, nout: int) -> None:
        self.spec, self.nout = spec, nout

    def target(self, part: Any, splitters: pd.DataFrame) -> np.ndarray:
        keys = self.spec.keys(part)
        if len(splitters) == 0 or len(keys) == 0:
            return np.zeros(len(keys), dtype=np.int64)
        both = pd.concat([splitters, keys], ignore_index=True)
        order = self.spec.sort_keys(both).index.to_numpy()
        is_splitter = order < len(splitters)
        seen = np.cumsum(is_splitter)
        target = np.empty(len(keys), dtype=np.int64)
        target[order[~is_splitter] - len(splitters)] = seen[~is_splitter]
        return target

    def __call__(self, part: Any, splitters: pd.DataFrame) -> Any:
        pieces = shuffle.split_by(part, self.target(part, splitters), self.nout)
        return pieces[0] if self.nout == 1 else tuple(pieces)


class SortPieces:
    """Pieces in input order, sorted stably: ties keep their global original order."""

    def __init__(self, spec: SortSpec) -> None:
        self.spec = spec

    def __call__(self, *pieces: Any) -> Any:
        return self.spec.sort(_concat(list(pieces)))


class LocalEnds:
    """The first (last) ``n`` rows of a stable sort; used as chunk and as combine."""

    def __init__(self, spec: SortSpec, n: int, which: str) -> None:
        self.spec, self.n, self.which = spec, n, which

    def __call__(self, *parts: Any) -> Any:
        ordered = self.spec.sort(_concat(list(parts)))
        return ordered.head(self.n) if self.which == "head" else ordered.tail(self.n)


def _identity(x: Any) -> Any:
    return x


# -- global ranks ----------------------------------------------------------------------------


class KeyColumn:
    def __init__(self, spec: SortSpec) -> None:
        self.spec = spec

    def __call__(self, part: Any) -> pd.Series:
        return self.spec.keys(part).iloc[:, 0]


class GlobalRanks:
    """Each row's position in pandas' order of the whole key column, per partition."""

    def __init__(self, spec: SortSpec, nparts: int) -> None:
        self.spec, self.nparts = spec, nparts

    def __call__(self, *keys: pd.Series) -> Any:
        lengths = [len(k) for k in keys]
        full = _concat(list(keys)).reset_index(drop=True)
        perm = full.sort_values(
            ascending=self.spec.ascending[0],
            na_position=self.spec.na_position,
            kind=self.spec.kind,
        ).index.to_numpy()
        ranks = np.empty(len(full), dtype=np.int64)
        ranks[perm] = np.arange(len(full), dtype=np.int64)
        bounds = np.cumsum([0, *lengths])
        out = [(ranks[bounds[i] : bounds[i + 1]], len(full)) for i in range(self.nparts)]
        return out[0] if self.nparts == 1 else tuple(out)


class RankSplit:
    def __init__(self, nout: int) -> None:
        self.nout = nout

    def __call__(self, part: Any, context: tuple[np.ndarray, int]) -> Any:
        ranks, n = context
        target = ranks * self.nout // max(n, 1)
        rows = shuffle.split_by(part, target, self.nout)
        order = np.argsort(target, kind="stable")
        bounds = np.searchsorted(target[order], np.arange(self.nout + 1))
        pieces = [
            (rows[j], ranks[order[bounds[j] : bounds[j + 1]]]) for j in range(self.nout)
        ]
        return pieces[0] if self.nout == 1 else tuple(pieces)


class PickRanks:
    """The rows whose global rank is among the first (last) ``n``, with their ranks."""

    def __init__(self, n: int, which: str) -> None:
        self.n, self.which = n, which

    def __call__(self, part: Any, context: tuple[np.ndarray, int]) -> Any:
        ranks, total = context
        keep = ranks < self.n if self.which == "head" else ranks >= total - self.n
        return part[keep], ranks[keep]


class ByRank:
    """Rows of ``(rows, ranks)`` pieces, ordered by rank."""

    def __call__(self, *pieces: tuple[Any, np.ndarray]) -> Any:
        rows = _concat([p[0] for p in pieces])
        ranks = np.concatenate([p[1] for p in pieces])
        return rows.iloc[np.argsort(ranks, kind="stable")]


def _ranks(ex: Any, parts: list[Any], spec: SortSpec) -> list[Any]:
    keys = [ex.submit(KeyColumn(spec), p) for p in parts]
    out = ex.submit(GlobalRanks(spec, len(parts)), *keys, num_returns=len(parts))
    return [out] if len(parts) == 1 else list(out)


# -- plan nodes ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SortValues(N.Node):
    """``child`` sorted; ``method`` is "range" (sampled range partitioning) or "ranks"."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: SortSpec
    method: str

    def _derive(self) -> None:
        self._set(
            meta=self.child.meta,
            npartitions=self.child.npartitions,
            lengths=None,
            range_index=False,
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        nout = len(parts)
        if self.method == "ranks":
            contexts = _ranks(ex, parts, self.spec)
            grid = []
            for p, c in zip(parts, contexts, strict=True):
                out = ex.submit(RankSplit(nout), p, c, num_returns=nout)
                grid.append([out] if nout == 1 else list(out))
            return [ex.submit(ByRank(), *[row[j] for row in grid]) for j in range(nout)]
        size = SAMPLE_PER_OUTPUT * nout
        samples = [ex.submit(SampleKeys(self.spec, size), p) for p in parts]
        splitters = ex.submit(ChooseSplitters(self.spec, nout), *samples)
        grid = []
        for p in parts:
            out = ex.submit(RangeSplit(self.spec, nout), p, splitters, num_returns=nout)
            grid.append([out] if nout == 1 else list(out))
        return [ex.submit(SortPieces(self.spec), *[row[j] for row in grid]) for j in range(nout)]

    def head_plan(self, n: int, which: str) -> N.Node:
        """The first (last) ``n`` rows of the sorted frame, without sorting everything."""
        if self.method == "ranks":
            return SortedEnds(self.child, self.spec, n, which)
        ends = LocalEnds(self.spec, n, which)
        return N.Reduce(self.child, ends, ends, _identity, self.meta, label=f"sorted {which}")

    def describe(self) -> str:
        return f"SortValues({list(self.spec.by)}, {self.method})"


@dataclass(frozen=True, eq=False)
class SortedEnds(N.Node):
    """The first (last) ``n`` rows in pandas' order by one key, picked by global rank."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: SortSpec
    n: int
    which: str

    def _derive(self) -> None:
        self._set(meta=self.child.meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        contexts = _ranks(ex, parts, self.spec)
        picked = [
            ex.submit(PickRanks(self.n, self.which), p, c)
            for p, c in zip(parts, contexts, strict=True)
        ]
        return [ex.submit(ByRank(), *picked)]

    def describe(self) -> str:
        return f"SortedEnds({list(self.spec.by)}, {self.which} {self.n})"


# -- façade ----------------------------------------------------------------------------------


class _Local:
    """pandas' ``sort_values`` on a single partition (exact for every kind)."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs

    def __call__(self, part: Any) -> Any:
        return part.sort_values(**self.kwargs)

    def __repr__(self) -> str:
        return "sort_values"


def _stable_order(kind: str, by: list[Hashable], dtype: Any) -> bool:
    """Whether pandas' order is the stable order of (keys, position) for these arguments."""
    if kind in ("stable", "mergesort") or len(by) > 1:
        return True
    return isinstance(dtype, pd.StringDtype)


def _sorted(obj: Any, by: list[Hashable], ascending: Any, kind: str, na_position: str,
            ignore_index: bool) -> Any:
    asc = [bool(a) for a in ascending] if isinstance(ascending, list | tuple) else (
        [bool(ascending)] * max(1, len(by))
    )
    series = obj.ndim == 1
    kwargs: dict[str, Any] = {"ascending": ascending, "kind": kind, "na_position": na_position}
    if not series:
        kwargs["by"] = by if len(by) != 1 else by[0]
    if obj.npartitions == 1:
        out = obj._map(_Local(kwargs), meta=obj._meta, preserves_rows=False, label="sort_values")
        plan: N.Node = out._plan
    else:
        dtype = obj._meta.dtype if series else obj._meta[by[0]].dtype
        spec = SortSpec(
            tuple(by) if not series else (KEY,), tuple(asc), na_position, kind, series
        )
        method = "range" if _stable_order(kind, by, dtype) else "ranks"
        plan = SortValues(obj._plan, spec, method)
    if ignore_index:
        from dframe.reshape.api import Renumbered

        plan = Renumbered(plan)
    return obj._new(plan)


class FrameSortMethods:
    """Mixed into ``DataFrame``."""

    def sort_values(
        self: Any,
        by: Any,
        *,
        axis: Any = 0,
        ascending: Any = True,
        inplace: bool = False,
        kind: str = "quicksort",
        na_position: str = "last",
        ignore_index: bool = False,
        key: Any = None,
    ) -> Any:
        """Rows ordered by the values of ``by`` (see module docstring: range partitioning, or
        global ranks for pandas' unstable default kind on one key)."""
        kwargs = dict(
            by=by, axis=axis, ascending=ascending, kind=kind, na_position=na_position,
            ignore_index=ignore_index, key=key,
        )
        if key is None:
            self._meta.sort_values(**kwargs)  # pandas' argument errors, at the user's line
        labels = by if isinstance(by, list) else [by]
        columns = self._meta.columns
        native = (
            key is None
            and axis in (0, "index")
            and not columns.has_duplicates
            and all(not isinstance(b, list) and b in columns for b in labels)
        )
        if not native:
            return fallback.call_method(self, "sort_values", (), {**kwargs, "inplace": inplace})
        out = _sorted(self, labels, ascending, kind, na_position, ignore_index)
        return self._inplace(out, inplace)

    def rank(
        self: Any,
        axis: Any = 0,
        method: str = "average",
        numeric_only: bool = False,
        na_option: str = "keep",
        ascending: bool = True,
        pct: bool = False,
    ) -> Any:
        """Ranks of each column's values, computed from merged per-partition value counts."""
        return _rank(self, axis, method, numeric_only, na_option, ascending, pct)


class SeriesSortMethods:
    """Mixed into ``Series``."""

    def sort_values(
        self: Any,
        *,
        axis: Any = 0,
        ascending: Any = True,
        inplace: bool = False,
        kind: str = "quicksort",
        na_position: str = "last",
        ignore_index: bool = False,
        key: Any = None,
    ) -> Any:
        """Values in order (see ``DataFrame.sort_values``)."""
        kwargs = dict(
            axis=axis, ascending=ascending, kind=kind, na_position=na_position,
            ignore_index=ignore_index, key=key,
        )
        if key is not None or axis not in (0, "index"):
            return fallback.call_method(self, "sort_values", (), {**kwargs, "inplace": inplace})
        self._meta.sort_values(**kwargs)
        asc = ascending[0] if isinstance(ascending, list | tuple) else ascending
        out = _sorted(self, [], [asc], kind, na_position, ignore_index)
        return self._inplace(out, inplace)

    def rank(
        self: Any,
        axis: Any = 0,
        method: str = "average",
        numeric_only: bool = False,
        na_option: str = "keep",
        ascending: bool = True,
        pct: bool = False,
    ) -> Any:
        """Ranks of the values, computed from merged per-partition value counts."""
        return _rank(self, axis, method, numeric_only, na_option, ascending, pct)


def ends_of_sort(plan: N.Node, n: int, which: str) -> N.Node | None:
    """``head``/``tail`` of a sort, computed without the full sort (None: not a sort)."""
    if isinstance(plan, SortValues):
        return plan.head_plan(n, which)
    if (
        which == "head"  # renumbered tails end at n - 1: leave them to the full sort
        and type(plan).__name__ == "Renumbered"
        and isinstance(plan.child, SortValues)
    ):
        from dframe.reshape.api import Renumbered

        return Renumbered(plan.child.head_plan(n, which))
    return None


# -- rank ------------------------------------------------------------------------------------


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
            if not self.options.ascending:
                total = total.iloc[::-1]
            cnt = total.to_numpy(dtype=np.int64)
            table = pd.DataFrame(
                {"less": np.cumsum(cnt) - cnt, "cnt": cnt, "dense": np.arange(len(cnt))},
                index=total.index,
            )
            seen = total.iloc[:0].astype(np.int64)
            nan_before = 0
            for i, part_counts in enumerate(counts):
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
    def __init__(self, options: RankOptions, series: bool) -> None:
        self.options, self.series = options, series

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
            )
        data = {
            j: self.column(part.iloc[:, j], contexts[j]) for j in range(part.shape[1])
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
    meta = obj._meta.rank(**kwargs)  # pandas' argument errors
    series = obj.ndim == 1
    source = obj
    if not series:
        if axis not in (0, "index") or obj._meta.columns.has_duplicates:
            return fallback.call_method(obj, "rank", (), kwargs)
        if list(meta.columns) != list(obj._meta.columns):
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
        ApplyRank(options, series),
        meta,
        label="rank",
    )
    return obj._new(plan)
