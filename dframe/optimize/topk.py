"""Top-k: ``head(n)``/``tail(n)`` of a sort — also through projections, ``assign``, other
row-preserving steps and a filter between the sort and the ``head`` — without sorting everything.

A node that can produce its own first or last rows cheaply says so through ``Node.ends`` (a
sort: per-partition top-k, then one final top-k). Steps that keep every row of their input
(column selection, assignment, element-wise maps) commute with ``head``: the first ``n`` rows
of ``f(sorted)`` are ``f`` of the first ``n`` sorted rows, so the sort below them is replaced by
its ends and the steps are rebuilt over that.

A filter does not commute with ``head`` (the first ``n`` rows that pass are not among the first
``n`` sorted rows), but it commutes with the sort: its mask, computed row by row from the sorted
rows, is the same mask computed from the unsorted ones. So the mask is rebuilt over the sort's
input and handed to the sort (``Node.ends_where``), which takes its top-k among the rows that
pass; the filter itself goes (every row left passes it). Several filters fold into one mask.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dframe.plan import nodes as N


def _keeps_rows(node: N.Node) -> bool:
    if isinstance(node, N.Project | N.Assign):
        return True
    # A partition-wise map that keeps its rows gives, on any prefix of them, the same prefix of
    # its output (partition-wise maps never depend on where partitions are cut).
    return isinstance(node, N.MapPartitions) and node.preserves_rows


def _walk(plan: N.Node) -> tuple[N.Node | None, list[N.Filter]] | None:
    """The one node below ``plan``'s row-preserving steps and filters, and the filters (None:
    rows from two sources, whose first rows need not line up)."""
    leaf, filters = None, []
    stack, seen = [plan], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if _keeps_rows(node) or isinstance(node, N.Filter):
            if isinstance(node, N.Filter):
                filters.append(node)
            stack.extend(node.inputs)
        elif leaf is None:
            leaf = node
        elif leaf is not node:
            return None
    return leaf, filters


def _rebuild(plan: N.Node, memo: dict[N.Node, N.Node]) -> N.Node:
    def rebuild(node: N.Node) -> N.Node:
        if node not in memo:
            memo[node] = node.with_inputs(tuple(rebuild(i) for i in node.inputs))
        return memo[node]

    return rebuild(plan)


def ends(plan: N.Node, n: int, which: str) -> N.Node | None:
    """The first (``which="head"``) or last ``n`` rows of ``plan`` as a top-k plan, or None
    when no sort (or other node with cheap ends) lies below row-preserving steps and filters."""
    own = plan.ends(n, which)
    if own is not None or not (_keeps_rows(plan) or isinstance(plan, N.Filter)):
        return own
    found = _walk(plan)
    if found is None or found[0] is None:
        return None
    leaf, filters = found
    if not filters:
        inner = leaf.ends(n, which)
        return None if inner is None else _rebuild(plan, {leaf: inner})
    source = leaf.reorders()
    if source is None:
        return None
    keep = _kept_rows(filters, leaf, source)
    inner = leaf.ends_where(n, which, keep)
    if inner is None:
        return None
    memo = {leaf: inner}
    for where in _bottom_up(filters):
        memo[where] = _rebuild(where.child, memo)
    return _rebuild(plan, memo)


def _bottom_up(filters: list[N.Filter]) -> list[N.Filter]:
    """``filters`` (one chain of steps) from the one nearest the sort up."""

    def below(node: N.Node) -> int:
        seen, stack, count = set(), list(node.inputs), 0
        while stack:
            x = stack.pop()
            if x not in seen:
                seen.add(x)
                count += x in filters
                stack.extend(x.inputs)
        return count

    return sorted(filters, key=below)


def _kept_rows(filters: list[N.Filter], leaf: N.Node, source: N.Node) -> N.Node:
    """One boolean Series over ``source``'s rows: True where a row passes every filter.

    Each mask is rebuilt over the rows the filters below it keep (a second filter's mask is
    computed from the first one's output), then the masks are folded, partition by partition,
    into one over all rows."""
    memo: dict[N.Node, N.Node] = {leaf: source}
    masks = []
    for where in _bottom_up(filters):
        mask = _rebuild(where.mask, memo)
        masks.append(mask)
        memo[where] = N.Filter(_rebuild(where.child, memo), mask)
    if len(masks) == 1:
        return masks[0]
    return N.MapPartitions(_fold_masks, tuple(masks), masks[0].meta, label="kept rows")


def _fold_masks(first: pd.Series, *later: pd.Series) -> pd.Series:
    # The row positions, filtered as the Filter steps filter rows (pandas' ``rows[mask]``,
    # aligned by label), so a later mask over all rows is read as the steps read it.
    rows = pd.Series(np.arange(len(first)), index=first.index)
    for mask in (first, *later):
        rows = rows[mask]
    kept = np.zeros(len(first), dtype=bool)
    kept[rows.to_numpy()] = True
    return pd.Series(kept, index=first.index, name=first.name)
