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
from dframe.plan.sources import Materialized

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


def aggregates_first(root: Node) -> list[Node]:
    """The held aggregates below ``root`` to compute before it, inputs first. ``root`` and its
    inputs (the object whose method asked for the result) are never among them."""
    # (optimize imports plan: a cycle at module level)
    from dframe.optimize.rules import CACHE, toposort

    chosen: set[Node] = set()
    order: list[Node] = []

    def done(n: Node) -> bool:
        return n in chosen or isinstance(n, Materialized) or n in CACHE

    skip = {root, *root.inputs}
    for node in toposort(root):
        if node in skip or done(node) or not is_held(node):
            continue
        frontier = _work(node, done, through=False)
        if not frontier or not all(n.aggregates for n in frontier):
            continue
        if _work(node, done) & _work(root, lambda n, node=node: done(n) or n is node):
            continue  # apart, the work both do would run twice
        chosen.add(node)
        order.append(node)
    return order


def _work(node: Node, stop: Callable[[Node], bool], through: bool = True) -> set[Node]:
    """The nodes at and below ``node`` that do work (neither partition-wise nor a source), not
    looking below those ``stop`` accepts (computed ones); ``through=False``: only the nearest."""
    out: set[Node] = set()
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n in seen or stop(n):
            continue
        seen.add(n)
        if n.inputs and not n.partitionwise:
            out.add(n)
            if not through:
                continue
        stack.extend(n.inputs)
    return out
