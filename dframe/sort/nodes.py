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

from dframe.algebra import shuffle
from dframe.algebra.rows import concat_rows
from dframe.algebra.tree_reduce import combine_partials
from dframe.plan import nodes as N

SAMPLE_PER_OUTPUT = 32  # sample keys per partition = this x output partitions (capped by rows)
# Keys sampled per partition before an unstable sort bets on unique keys. A sample of s of N
# rows holds each of the column's D pairs of equal keys with odds (s/N)^2, so it sees ~D s^2/N^2
# of them: h2o's 10M floats of 6 decimals have ~5e5 pairs, which 4 x 32 x 4 samples never see
# (the range sort then ran in full before its own exact check found ties, and was thrown away:
# q8 took 22 s instead of 12), nor did 4 x 4096; 4 x 16384 see ~13. Either answer is right; the
# sample (a few ms) only saves the wasted pass.
TIE_CHECK_SAMPLE = 16_384
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


def _tie_free(column: pd.Series) -> bool:
    """No two present (non-missing) values of the key are equal."""
    return bool(column[column.notna()].is_unique)


class SamplesTieFree:
    def __call__(self, *samples: pd.DataFrame) -> bool:
        return _tie_free(_concat(list(samples)).iloc[:, 0])


class SortPiecesTieFree(SortPieces):
    """``SortPieces``, plus whether its keys are free of ties (equal keys always land in the
    same output partition, so all partitions tie-free means the whole column is)."""

    def __call__(self, *pieces: Any) -> tuple[bool, Any]:
        part = super().__call__(*pieces)
        return _tie_free(self.spec.keys(part).iloc[:, 0]), part


class LocalEnds:
    """The first (last) ``n`` rows of a stable sort; used as chunk and as combine."""

    def __init__(self, spec: SortSpec, n: int, which: str) -> None:
        self.spec, self.n, self.which = spec, n, which

    def __call__(self, *parts: Any) -> Any:
        ordered = self.spec.sort(_concat(list(parts)))
        return ordered.head(self.n) if self.which == "head" else ordered.tail(self.n)


class TieFree:
    """The last step of a top-k under pandas' unstable quicksort: the first (last) ``n`` rows of
    the candidates in stable order, and whether that is pandas' answer — true when no two of
    those rows share a key and the row just past the cut has another key (then every order of
    the keys agrees; missing keys keep their original order in pandas too)."""

    def __init__(self, spec: SortSpec, n: int, which: str) -> None:
        self.spec, self.n, self.which = spec, n, which

    def __call__(self, *parts: Any) -> tuple[bool, Any]:
        ordered = self.spec.sort(_concat(list(parts)))
        keys = self.spec.keys(ordered).iloc[:, 0]
        total, n = len(ordered), min(self.n, len(ordered))
        if self.which == "head":
            picked, edge, past = keys.iloc[:n], n - 1, n
            rows = ordered.head(n)
        else:
            picked, edge, past = keys.iloc[total - n :], total - n, total - n - 1
            rows = ordered.tail(n)
        determined = _tie_free(picked)
        if determined and n and 0 <= past < total:
            a, b = keys.iloc[edge], keys.iloc[past]
            determined = bool(pd.isna(a) or pd.isna(b) or a != b)
        return determined, rows


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
    """Rows of ``(rows, ranks)`` pieces, ordered by rank (``n``: then the first or last ``n``)."""

    def __init__(self, n: int | None = None, which: str = "head") -> None:
        self.n, self.which = n, which

    def __call__(self, *pieces: tuple[Any, np.ndarray]) -> Any:
        rows = _concat([p[0] for p in pieces])
        ranks = np.concatenate([p[1] for p in pieces])
        out = rows.iloc[np.argsort(ranks, kind="stable")]
        if self.n is None:
            return out
        return out.head(self.n) if self.which == "head" else out.tail(self.n)


class KeptEnds(LocalEnds):
    """``LocalEnds`` of the rows of a partition where its mask is True."""

    def __call__(self, part: Any, keep: pd.Series) -> Any:  # type: ignore[override]
        return super().__call__(part[keep])


class PickKeptRanks:
    """Of the rows where the mask is True, those with the ``n`` first (last) global ranks."""

    def __init__(self, n: int, which: str) -> None:
        self.n, self.which = n, which

    def __call__(self, part: Any, keep: pd.Series, context: tuple[np.ndarray, int]) -> Any:
        kept = pd.Series(keep).astype("boolean").fillna(False).to_numpy(dtype=bool)
        rows, ranks = part[kept], context[0][kept]
        order = np.argsort(ranks, kind="stable")
        order = order[: self.n] if self.which == "head" else order[max(len(order) - self.n, 0) :]
        return rows.iloc[order], ranks[order]


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
            # Unique keys: every sort gives the same order, so range partitioning (no task
            # sees the whole key column) is pandas' answer; ties: pandas' quicksort decides.
            tie_free = self._range_sorted_if_tie_free(ex, parts)
            if tie_free is not None:
                return tie_free
            contexts = _ranks(ex, parts, self.spec)
            grid = []
            for p, c in zip(parts, contexts, strict=True):
                out = ex.submit(RankSplit(nout), p, c, num_returns=nout)
                grid.append([out] if nout == 1 else list(out))
            return [ex.submit(ByRank(), *[row[j] for row in grid]) for j in range(nout)]
        samples = self._samples(ex, parts)
        return [ex.submit(SortPieces(self.spec), *col) for col in self._ranges(ex, parts, samples)]

    def _samples(self, ex: Any, parts: list[Any], at_least: int = 0) -> list[Any]:
        size = max(SAMPLE_PER_OUTPUT * len(parts), at_least)
        return [ex.submit(SampleKeys(self.spec, size), p) for p in parts]

    def _ranges(self, ex: Any, parts: list[Any], samples: list[Any]) -> list[list[Any]]:
        """For each output partition, its pieces (one per input partition, in input order)."""
        nout = len(parts)
        splitters = ex.submit(ChooseSplitters(self.spec, nout), *samples)
        grid = []
        for p in parts:
            out = ex.submit(RangeSplit(self.spec, nout), p, splitters, num_returns=nout)
            grid.append([out] if nout == 1 else list(out))
        return [[row[j] for row in grid] for j in range(nout)]

    def _range_sorted_if_tie_free(self, ex: Any, parts: list[Any]) -> list[Any] | None:
        samples = self._samples(ex, parts, TIE_CHECK_SAMPLE)
        if not ex.get(ex.submit(SamplesTieFree(), *samples)):
            return None  # ties already among the samples: skip the range pass
        checked = [
            ex.submit(SortPiecesTieFree(self.spec), *col, num_returns=2)
            for col in self._ranges(ex, parts, samples)
        ]
        if not all(ex.get([flag for flag, _ in checked])):
            return None
        return [part for _, part in checked]

    def ends(self, n: int, which: str) -> N.Node:
        """The first (last) ``n`` rows of the sorted frame, without sorting everything."""
        if self.method == "ranks":
            return SortedEnds(self.child, self.spec, n, which)
        ends = LocalEnds(self.spec, n, which)
        return N.Reduce(self.child, ends, ends, _identity, self.meta, label=f"sorted {which}")

    def reorders(self) -> N.Node:
        return self.child

    def ends_where(self, n: int, which: str, keep: N.Node) -> N.Node:
        """The first (last) ``n`` of the sorted rows where ``keep`` (over ``child``) is True:
        filtering before sorting keeps the order of what is kept, and pandas' tie order is
        taken from the ranks of all rows when the candidates cannot settle it."""
        if self.method == "ranks":
            return SortedEndsWhere(self.child, self.spec, n, which, keep)
        return N.Reduce(
            N.Filter(self.child, keep),
            LocalEnds(self.spec, n, which),
            LocalEnds(self.spec, n, which),
            _identity,
            self.meta,
            label=f"sorted {which}",
        )

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
        # First a plain top-k: each partition's n + 1 first rows, merged; when no keys tie
        # among the chosen rows or at the cut, that is pandas' answer whatever its sort does
        # with ties — and only n + 1 rows per partition moved.
        candidates = LocalEnds(self.spec, self.n + 1, self.which)
        found = combine_partials(ex, [ex.submit(candidates, p) for p in parts], candidates)
        last = TieFree(self.spec, self.n, self.which)
        determined, rows = ex.submit(last, *found, num_returns=2)
        if ex.get(determined):
            return [rows]
        contexts = _ranks(ex, parts, self.spec)
        picked = [
            ex.submit(PickRanks(self.n, self.which), p, c)
            for p, c in zip(parts, contexts, strict=True)
        ]
        return [ex.submit(ByRank(), *picked)]

    def describe(self) -> str:
        return f"SortedEnds({list(self.spec.by)}, {self.which} {self.n})"


@dataclass(frozen=True, eq=False)
class SortedEndsWhere(SortedEnds):
    """``SortedEnds`` of the rows where the boolean Series ``keep`` (over ``child``) is True."""

    input_fields: ClassVar[tuple[str, ...]] = ("child", "keep")

    keep: N.Node

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts, masks = lowerer.ex, lowerer.lower(self.child), lowerer.lower(self.keep)
        chunk = KeptEnds(self.spec, self.n + 1, self.which)
        candidates = [ex.submit(chunk, p, m) for p, m in zip(parts, masks, strict=True)]
        found = combine_partials(ex, candidates, LocalEnds(self.spec, self.n + 1, self.which))
        determined, rows = ex.submit(TieFree(self.spec, self.n, self.which), *found, num_returns=2)
        if ex.get(determined):
            return [rows]
        # pandas sorts all rows, then filters: ties are ordered by the ranks of all rows
        pick = PickKeptRanks(self.n, self.which)
        contexts = _ranks(ex, parts, self.spec)
        picked = [
            ex.submit(pick, p, m, c) for p, m, c in zip(parts, masks, contexts, strict=True)
        ]
        return [ex.submit(ByRank(self.n, self.which), *picked)]

    def describe(self) -> str:
        return f"SortedEndsWhere({list(self.spec.by)}, {self.which} {self.n})"


# -- façade ----------------------------------------------------------------------------------
