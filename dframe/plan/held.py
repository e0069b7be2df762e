"""Aggregates the user holds are computed once, as pandas computed them once.

pandas users name an aggregate and read it twice — a scalar of it, then a filter by that scalar
(``top = rev[rev.total == rev.total.max()]``), or the aggregate beside the frame it came from —
and pandas computed it once, at the assignment. A lazy plan would redo its groupby at each use.
So before a computation runs, an aggregate below it that the user still holds (a ``DataFrame``
or ``Series`` object stands for its plan) and that nothing has computed yet is computed first,
on its own, and cached with its plan like any computed result; the computation then reads it.

Only aggregates (a groupby's or a reduction's result: smaller than what they read), so a big
join the user names is not stored whole where its consumer needs two of its columns; and not
when the rest of the computation repeats work the aggregate does (q17's groupby of a merge
that is merged again): apart, that work would run twice.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from dframe.plan.node import Node

# plan -> weak references to the objects (DataFrame, Series: unhashable) standing for it
_holders: weakref.WeakKeyDictionary[Node, list[weakref.ref]] = weakref.WeakKeyDictionary()


def hold(plan: Node, obj: Any) -> None:
    """``obj`` stands for ``plan`` now (set with every object's plan)."""
    holders = _holders.get(plan)
    if holders is None:
        _holders[plan] = [weakref.ref(obj)]
    else:
        holders[:] = [r for r in holders if r() is not None] + [weakref.ref(obj)]


def is_held(plan: Node) -> bool:
    """Some live object stands for ``plan`` (not one whose plan an in-place change swapped)."""
    return any(getattr(r(), "_plan", None) is plan for r in _holders.get(plan, ()))


def aggregates_first(root: Node, computed: Callable[[Node], bool]) -> list[Node]:
    """The held aggregates below ``root`` to compute before it, inputs first. ``root`` and its
    inputs (the object whose method asked for the result) are never among them."""
    from dframe.optimize.rules import toposort  # (optimize imports plan: a cycle at module level)

    order = toposort(root)
    skip = {root, *root.inputs}
    chosen: list[Node] = []
    for node in order:
        if node in skip or computed(node) or not is_held(node):
            continue
        frontier = _frontier(node, computed)
        if not frontier or not all(getattr(n, "aggregates", False) for n in frontier):
            continue
        done = lambda n, c=tuple(chosen): computed(n) or n in c  # noqa: E731
        if _work(node, done) & _work(root, lambda n: done(n) or n is node):
            continue
        chosen.append(node)
    return chosen


def _frontier(node: Node, computed: Callable[[Node], bool]) -> list[Node]:
    """The nodes not computed yet that do work (not partition-wise, not a source) nearest
    below ``node`` (``node`` itself if it is one)."""
    out: dict[Node, None] = {}
    stack = [node]
    seen: set[Node] = set()
    while stack:
        n = stack.pop()
        if n in seen or computed(n) or not n.inputs:
            continue
        seen.add(n)
        if n.partitionwise:
            stack.extend(n.inputs)
        else:
            out[n] = None
    return list(out)


def _work(node: Node, computed: Callable[[Node], bool]) -> set[Node]:
    """Every node below ``node`` (itself included) that is neither computed nor partition-wise
    nor a source: what computing ``node`` does beyond per-partition steps."""
    out: set[Node] = set()
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n in seen or computed(n):
            continue
        seen.add(n)
        if n.inputs and not n.partitionwise:
            out.add(n)
        stack.extend(n.inputs)
    return out
