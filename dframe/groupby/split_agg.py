"""Groupby aggregation with many groups, in as many output partitions as input partitions:
no task ever holds every group.

With many groups the partial aggregates are nearly as big as the data, so one task merging
them all (the tree's last step) or concatenating every shuffled result (``grouped.Assemble``)
would be the bottleneck. Here the groups are spread by key and stay spread:

* **tree-able aggregations** (``tree_reduce.TreeAgg``) aggregate each partition first, so only
  the partial statistics travel — one row per group and partition instead of one per input row;
* the others move the rows by a hash of their keys (``grouped.GroupSplit``) and run pandas on
  whole groups (``grouped.ShuffledAgg``).

Output partition ``j`` then holds the ``j``-th range of groups in pandas' group order, which
``Finish`` completes locally: with ``sort=True`` the ranges are ranges of the keys (splitters
sampled from the partials, the same machinery as ``sort_values``), so a tree aggregation is
partitioned by range at once and needs one exchange; with ``sort=False`` groups are in order of
first appearance, known only once a group's partials are merged, so a second exchange of the
(small) merged groups cuts that order into ranges.

``sortable`` says for which keys the order of ``sort_values`` is pandas' group order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.algebra import shuffle
from dframe.groupby import tree_reduce as T
from dframe.groupby.grouped import Finish, GroupSplit, NoGroups, ShuffledAgg, position_base
from dframe.sort import nodes as S

ORDER = "__dframe_first__"  # a group's first row: source partition << 40 | rank there
SAMPLE_PER_OUTPUT = 32


def sortable(dtypes: list[Any]) -> bool:
    """Keys whose ``sort_values`` order (missing last) is groupby's sorted order."""
    for dtype in dtypes:
        if isinstance(dtype, pd.CategoricalDtype | pd.StringDtype):
            continue
        if getattr(dtype, "kind", "O") not in "biufMm":
            return False
    return True


def _order_spec(ncols: int) -> S.SortSpec:
    return S.SortSpec(
        by=tuple(range(ncols)),
        ascending=(True,) * ncols,
        na_position="last",
        kind="stable",
        series=False,
    )


def _keys(index: pd.Index) -> pd.DataFrame:
    """The group keys as columns 0..k-1 (what the range machinery sorts by)."""
    keys = index.to_frame(index=False)
    keys.columns = range(keys.shape[1])
    return keys


class _Groups:
    """Per-group results with what orders them: ``result`` (one row per group, keys as its
    index) and ``firsts`` (per group its first row, ``sort=False``; else None)."""

    def __init__(self, result: Any, firsts: np.ndarray | None) -> None:
        self.result, self.firsts = result, firsts

    def __len__(self) -> int:
        return len(self.result)

    def order_keys(self, nkeys: int) -> pd.DataFrame:
        if not len(self):
            # An empty partition's result may not carry the keys (``ShuffledAgg`` without groups).
            return pd.DataFrame({k: np.zeros(0, np.int64) for k in range(nkeys)})
        if self.firsts is None:
            return _keys(self.result.index)
        return pd.DataFrame({0: self.firsts})

    def take(self, rows: np.ndarray) -> _Groups:
        firsts = None if self.firsts is None else self.firsts[rows]
        return _Groups(self.result.iloc[rows], firsts)


class SampleOrder:
    """Evenly spaced order keys of a partition's groups."""

    def __init__(self, spec: S.SortSpec, size: int) -> None:
        self.sample = S.SampleKeys(spec, size)

    def __call__(self, groups: _Groups) -> pd.DataFrame:
        return self.sample(groups.order_keys(len(self.sample.spec.by)))


class SplitOrder:
    """Cut a partition's groups into ``nout`` ranges of the order keys."""

    def __init__(self, spec: S.SortSpec, nout: int) -> None:
        self.split = S.RangeSplit(spec, nout)
        self.nout, self.nkeys = nout, len(spec.by)

    def __call__(self, groups: _Groups, splitters: pd.DataFrame) -> Any:
        target = self.split.target(groups.order_keys(self.nkeys), splitters)
        pieces = [groups.take(np.flatnonzero(target == j)) for j in range(self.nout)]
        return pieces[0] if self.nout == 1 else tuple(pieces)


def by_order(ex: Any, handles: list[Any], nkeys: int, nout: int) -> list[list[Any]]:
    """Per output partition (``nout``), its pieces of every input (``_Groups``), cut into
    ranges of the order keys (``nkeys`` columns) by splitters sampled from all inputs."""
    spec = _order_spec(nkeys)
    samples = [ex.submit(SampleOrder(spec, SAMPLE_PER_OUTPUT * nout), h) for h in handles]
    splitters = ex.submit(S.ChooseSplitters(spec, nout), *samples)
    grid = []
    for h in handles:
        out = ex.submit(SplitOrder(spec, nout), h, splitters, num_returns=nout)
        grid.append([out] if nout == 1 else list(out))
    return [[row[j] for row in grid] for j in range(nout)]


# -- tree-able aggregations -------------------------------------------------------------------


class TaggedChunk:
    """A partition's partial statistics; with ``sort=False`` each group's first row."""

    def __init__(self, tree: T.TreeAgg, i: int) -> None:
        self.tree, self.i = tree, i

    def __call__(self, part: pd.DataFrame) -> _Groups:
        partial = self.tree.chunk(part)
        if self.tree.spec.opt("sort"):
            return _Groups(partial, None)
        # Partials list groups in order of first appearance: a group's rank is its order.
        return _Groups(partial, np.arange(len(partial), dtype=np.int64) + position_base(self.i))


def _merge(tree: T.TreeAgg, pieces: tuple[_Groups, ...]) -> _Groups:
    """The pieces' partials of the same groups merged (the tree's combine)."""
    full = [p for p in pieces if len(p)] or list(pieces[:1])
    if full[0].firsts is not None and len(full) > 1:
        # Merged in order of first appearance, so a group's first partial carries its order.
        firsts = np.concatenate([p.firsts for p in full])
        order = np.argsort(firsts, kind="stable")
        rows = T.concat_parts([p.result for p in full]).iloc[order]
        merged = tree.merge(rows)
        first = rows.index.duplicated(keep="first")
        return _Groups(merged, firsts[order][~first])
    return _Groups(tree.combine(*[p.result for p in full]), full[0].firsts)


class MergeFinish:
    """Output partition of a tree aggregation by key range: merge, then finish."""

    def __init__(self, tree: T.TreeAgg) -> None:
        self.tree = tree

    def __call__(self, *pieces: _Groups) -> Any:
        return self.tree.finalize(_merge(self.tree, pieces).result)


class MergeByHash:
    """Partials of the groups hashed here merged (``sort=False``; finished after ordering)."""

    def __init__(self, tree: T.TreeAgg) -> None:
        self.tree = tree

    def __call__(self, j: int, *pieces: _Groups) -> _Groups:
        return _merge(self.tree, pieces)


class HashGroups:
    """Shuffle ``split`` of partials by a hash of their keys."""

    def __init__(self, nout: int) -> None:
        self.nout = nout

    def __call__(self, groups: _Groups, i: int) -> list[_Groups]:
        target = shuffle.assignment(_keys(groups.result.index), self.nout)
        return [groups.take(np.flatnonzero(target == j)) for j in range(self.nout)]


class FinishTree:
    """Output partition (``sort=False``): merged groups of one range of first appearance."""

    def __init__(self, tree: T.TreeAgg) -> None:
        self.tree = tree

    def __call__(self, *pieces: _Groups) -> Any:
        groups = _concat(pieces)
        order = np.argsort(groups.firsts, kind="stable")
        return self.tree.finalize(groups.result.iloc[order])


def _concat(pieces: tuple[_Groups, ...]) -> _Groups:
    full = [p for p in pieces if len(p)] or list(pieces[:1])
    firsts = None if full[0].firsts is None else np.concatenate([p.firsts for p in full])
    return _Groups(T.concat_parts([p.result for p in full]), firsts)


def tree_lower(ex: Any, parts: list[Any], tree: T.TreeAgg, nout: int) -> list[Any]:
    nkeys = len(tree.spec.items)
    partials = [ex.submit(TaggedChunk(tree, i), p) for i, p in enumerate(parts)]
    if tree.spec.opt("sort"):
        return [ex.submit(MergeFinish(tree), *col) for col in by_order(ex, partials, nkeys, nout)]
    merged = shuffle.exchange(ex, partials, nout, HashGroups(nout), MergeByHash(tree))
    return [ex.submit(FinishTree(tree), *col) for col in by_order(ex, merged, 1, nout)]


# -- other aggregations: rows shuffled, pandas on whole groups --------------------------------


class AggGroups:
    """``grouped.ShuffledAgg`` on a shuffled partition, as ``_Groups``."""

    def __init__(self, agg: ShuffledAgg) -> None:
        self.agg = agg

    def __call__(self, part: pd.DataFrame) -> _Groups:
        result, firsts = self.agg(part)
        if isinstance(result, NoGroups):
            raise result.error
        sort = self.agg.spec.opt("sort")
        return _Groups(result, None if sort else np.asarray(firsts, dtype=np.int64))


class FinishRows:
    """Output partition: one range of the groups, in pandas' order."""

    def __init__(self, finish: Finish) -> None:
        self.finish = finish

    def __call__(self, *pieces: _Groups) -> Any:
        groups = _concat(pieces)
        return self.finish(groups.result, groups.firsts)


def rows_lower(ex: Any, parts: list[Any], spec: Any, op: Any, finish: Finish, nout: int) -> list[Any]:
    moved = shuffle.exchange(ex, parts, nout, GroupSplit(spec, nout))
    results = [ex.submit(AggGroups(ShuffledAgg(spec, op)), h) for h in moved]
    nkeys = 1 if not spec.opt("sort") else len(spec.items)
    return [ex.submit(FinishRows(finish), *col) for col in by_order(ex, results, nkeys, nout)]
