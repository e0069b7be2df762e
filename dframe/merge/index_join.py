"""The index of ``DataFrame.join`` and ``merge(left_index=True, right_index=True)``: its names
and whether pandas puts the rows in key order, as ``pandas.Index.join`` decides them for the
whole of both indexes.

Each partition pair is joined by pandas, but what pandas decides for one pair need not be what
it decides for the whole: a pair whose other side is empty keeps its own index (and name), two
RangeIndex slices join by range arithmetic (the common name only, ascending) where the whole
index is not a RangeIndex, and so on. So the facts pandas decides by are taken from the plan —
each side's index type (a RangeIndex joins by its own rules), dtype, name, direction of a
range, emptiness — and ``Index.join`` is run on small stand-ins that share them (on the real
ranges when both are RangeIndexes the plan knows). What the stand-ins cannot know (whether two
unknown indexes are equal) is taken to be the usual case: they differ.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dframe.plan import meta as M
from dframe.plan import nodes as N


@dataclass(frozen=True)
class IndexJoin:
    names: tuple[Any, ...]  # the result index's names
    # pandas orders the rows by the key values (True), in the leading side's order (False) or
    # the two are the same (None)
    by_keys: bool | None


def known_range(node: N.Node) -> pd.RangeIndex | None:
    """The node's whole index when the plan knows it is a RangeIndex (and which), else None."""
    name = node.meta.index.name
    if node.range_index and node.lengths is not None:
        return pd.RangeIndex(sum(node.lengths), name=name)
    if isinstance(node, N.FromPandas):
        indexes = [p.index for p in node.partitions]
        if all(isinstance(i, pd.RangeIndex) for i in indexes):
            # RangeIndex.append stays a RangeIndex exactly when the slices continue each other
            whole = indexes[0].append(indexes[1:]) if len(indexes) > 1 else indexes[0]
            if isinstance(whole, pd.RangeIndex):
                return whole.rename(name)
    return None


def _three_values(dtype: Any) -> pd.Index | None:
    """Three distinct values of ``dtype``, ascending (None when there is no easy third)."""
    kind = getattr(dtype, "kind", "O")
    if isinstance(dtype, pd.CategoricalDtype) or kind not in "iufMmOUT":
        return None
    try:
        a, b = pd.Index(M._nonempty_values(dtype, 2))
        c = "c" if kind in "OUT" else b + (b - a)
        values = pd.Index([a, b, c], dtype=dtype)
    except (TypeError, ValueError):
        return None
    return values if values.is_unique and values.is_monotonic_increasing else None


def _small_range(real: pd.RangeIndex, side: str, empty: bool) -> pd.RangeIndex:
    """A short range in the direction of ``real`` (so the join does not build indexers as long
    as the data), different for the two sides."""
    if empty or len(real) == 0:
        return real[:0]
    n = 4 if side == "left" else 5
    out = pd.RangeIndex(n) if real.step > 0 or len(real) == 1 else pd.RangeIndex(n - 1, -1, -1)
    return out.rename(real.name)


def _stand_in(node: N.Node, side: str, empty: bool, ascending: bool) -> pd.Index | None:
    index = node.meta.index
    if index.nlevels != 1:
        return None
    if node.lengths is not None and sum(node.lengths) == 0:
        empty = True
    real = known_range(node)
    if real is not None:
        return _small_range(real, side, empty)
    if node.range_index:
        # A RangeIndex 0..n-1 of unknown n: taken to differ from the other side's
        return _small_range(pd.RangeIndex(1, name=index.name), side, empty)
    values = _three_values(index.dtype)
    if values is None:
        return None
    # two values in common (a, b against a, b, c), both out of order unless ``ascending``
    values = values[:0] if empty else values[:2] if side == "left" else values
    return (values if ascending else values[::-1]).rename(index.name)


def stand_ins(
    left: N.Node,
    right: N.Node,
    lempty: bool = False,
    rempty: bool = False,
    ascending: tuple[bool, bool] = (False, False),
) -> tuple[pd.Index | None, pd.Index | None]:
    """Indexes that join as the two nodes' whole indexes would (None: none can be made). Unless
    they are ranges or said to be ``ascending``, both are out of order, so the result's order
    tells whether pandas kept a side's order or the keys'. Two ranges the plan knows to be
    equal stand in as one range (pandas keeps the index as it is)."""
    lreal, rreal = known_range(left), known_range(right)
    if lreal is not None and rreal is not None and lreal.equals(rreal) and not (lempty or rempty):
        same = _small_range(lreal, "left", False)
        return same.rename(lreal.name), same.rename(rreal.name)
    return (
        _stand_in(left, "left", lempty, ascending[0]),
        _stand_in(right, "right", rempty, ascending[1]),
    )


def decide(left: pd.Index | None, right: pd.Index | None, how: str, sort: bool) -> IndexJoin | None:
    """pandas' names and order for joining ``left`` with ``right`` (stand-ins), or None."""
    if left is None or right is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            joined, lidx, ridx = left.join(right, how=how, sort=sort, return_indexers=True)
    except (TypeError, ValueError):
        return None
    lead = ridx if how == "right" else lidx
    side = right if how == "right" else left
    if lead is None:
        lead = np.arange(len(side)) if len(joined) == len(side) else None
    # The leading side's rows in its order (then, for outer, the other side's unmatched rows):
    # the order the position tags give. Else key order: sorted values (for an outer join of
    # values that do not compare, whatever order a sort of the keys gives them).
    in_position_order = lead is not None and bool(np.all(np.diff(lead[lead >= 0]) >= 0))
    ascending = _ascending(joined)
    if in_position_order and ascending:
        by_keys = True if how == "outer" else None
    elif in_position_order:
        by_keys = False
    elif ascending or how == "outer":
        by_keys = True
    else:
        return None
    return IndexJoin(names=tuple(joined.names), by_keys=by_keys)


def _ascending(index: pd.Index) -> bool:
    try:
        return bool(index.is_monotonic_increasing)
    except TypeError:
        return False


def rule(
    left: N.Node,
    right: N.Node,
    how: str,
    sort: bool,
    lempty: bool = False,
    rempty: bool = False,
    ascending: tuple[bool, bool] = (False, False),
) -> IndexJoin | None:
    """The rule for joining the two nodes' indexes, from what the plan knows and, once the
    sides are computed, whether either turned out empty (pandas keeps the index of the side
    that has rows) or is in ascending order."""
    return decide(*stand_ins(left, right, lempty, rempty, ascending), how, sort)


def needs_order_facts(left: N.Node, right: N.Node, how: str, sort: bool) -> bool:
    """Whether pandas' rule depends on which sides are in ascending order (an outer join of a
    str index with an int index keeps the sides' order when both are sorted, else sorts)."""
    combos = [(a, b) for a in (False, True) for b in (False, True)]
    rules = [rule(left, right, how, sort, ascending=c) for c in combos]
    if any(r is None for r in rules):
        return any(r is not None for r in rules)
    orders = {r.by_keys for r in rules if r.by_keys is not None}
    return len(orders) > 1 or len({r.names for r in rules}) > 1


class OrderFacts:
    """Per partition: whether its index is ascending, and its first and last labels."""

    def __call__(self, part: pd.DataFrame) -> tuple[int, bool, Any, Any]:
        index = part.index
        if len(index) == 0:
            return 0, True, None, None
        return len(index), _ascending(index), index[0], index[-1]


def ascending_from(facts: list[tuple[int, bool, Any, Any]]) -> bool:
    """Whether the partitions with ``facts`` make one ascending index."""
    full = [f for f in facts if f[0]]
    if not all(f[1] for f in full):
        return False
    try:
        return all(a[3] <= b[2] for a, b in itertools.pairwise(full))
    except TypeError:
        return False
