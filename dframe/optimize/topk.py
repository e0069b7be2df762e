"""Top-k: ``head(n)``/``tail(n)`` of a sort — also through projections, ``assign`` and other
row-preserving steps between the sort and the ``head`` — without sorting everything.

A node that can produce its own first or last rows cheaply says so through ``Node.ends`` (a
sort: per-partition top-k, then one final top-k). Steps that keep every row of their input
(column selection, assignment, element-wise maps) commute with ``head``: the first ``n`` rows
of ``f(sorted)`` are ``f`` of the first ``n`` sorted rows, so the sort below them is replaced by
its ends and the steps are rebuilt over that.
"""

from __future__ import annotations

from dframe.plan import nodes as N


def _keeps_rows(node: N.Node) -> bool:
    if isinstance(node, N.Project | N.Assign):
        return True
    # A partition-wise map that keeps its rows gives, on any prefix of them, the same prefix of
    # its output (partition-wise maps never depend on where partitions are cut).
    return isinstance(node, N.MapPartitions) and node.preserves_rows


def ends(plan: N.Node, n: int, which: str) -> N.Node | None:
    """The first (``which="head"``) or last ``n`` rows of ``plan`` as a top-k plan, or None
    when no sort (or other node with cheap ends) lies below row-preserving steps."""
    own = plan.ends(n, which)
    if own is not None or not _keeps_rows(plan):
        return own
    leaf = None
    stack, seen = [plan], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if _keeps_rows(node):
            stack.extend(node.inputs)
        elif leaf is None:
            leaf = node
        elif leaf is not node:
            return None  # rows from two sources: their first rows need not line up
    inner = None if leaf is None else leaf.ends(n, which)
    if inner is None:
        return None
    memo: dict[N.Node, N.Node] = {leaf: inner}

    def rebuild(node: N.Node) -> N.Node:
        if node not in memo:
            memo[node] = node.with_inputs(tuple(rebuild(i) for i in node.inputs))
        return memo[node]

    return rebuild(plan)
