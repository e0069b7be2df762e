"""Immutable nodes of dframe's logical plan.

Every DataFrame/Series operation adds one node; nothing is computed until a result is needed.
Nodes are frozen dataclasses compared by identity (they may hold pandas data, which has no useful
hash), and each derives its output metadata when built:

``meta``         empty pandas object with the output's columns, dtypes and index type;
``npartitions``  number of row partitions;
``lengths``      rows per partition when known without computing, else ``None``;
``range_index``  the global index is the default ``RangeIndex(0, n)`` (partitions hold slices);
``partitioning`` a key; two nodes with equal keys have row-for-row identical partitions, so an
                 operation combining them can run partition by partition.

Building a node validates it: a missing column raises ``KeyError`` at the user's call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd


def division_of(partitioning: Hashable) -> Hashable:
    """The source row ranges behind a partitioning: a filter keeps its input's division.

    Frames with the same division hold, in partition i, rows from the same source partition, so
    index labels line up partition by partition; pandas' alignment inside each partition then
    gives pandas' global answer (``df[df.x > 0].assign(y=df.x * 2)``).
    """
    while isinstance(partitioning, tuple) and partitioning and partitioning[0] == "filter":
        partitioning = partitioning[1]
    return partitioning


class _Token:
    """A unique, hashable marker (``object()`` with a readable repr)."""

    __slots__ = ("__weakref__",)

    def __repr__(self) -> str:
        return f"<partitioning {id(self):#x}>"


@dataclass(frozen=True, eq=False)
class Node:
    """Base class. Subclasses set the derived attributes in ``_derive``."""

    # Partition-wise nodes compute output partition i from input partitions i alone.
    partitionwise: ClassVar[bool] = False
    # An aggregate (a groupby's, a reduction's result): far smaller than what it reads, so worth
    # computing once and keeping while the user holds it (``plan.held``).
    aggregates: ClassVar[bool] = False
    input_fields: ClassVar[tuple[str, ...]] = ()

    meta: Any = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "meta", None)
        # Identity of this node's row partitioning. A plain object rather than the node itself:
        # cached results store partitioning keys, and a key referring to its node would keep
        # the node (a weak cache key) alive forever.
        object.__setattr__(self, "token", _Token())
        self._derive()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _derive(self) -> None:
        raise NotImplementedError

    # -- graph ---------------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple[Node, ...]:
        out: list[Node] = []
        for name in self.input_fields:
            value = getattr(self, name)
            out.extend(value if isinstance(value, tuple) else (value,))
        return tuple(out)

    def with_inputs(self, inputs: tuple[Node, ...]) -> Node:
        """A copy of this node reading from ``inputs`` (same order as ``self.inputs``)."""
        if all(a is b for a, b in zip(inputs, self.inputs, strict=True)):
            return self
        changes: dict[str, Any] = {}
        rest = list(inputs)
        for name in self.input_fields:
            value = getattr(self, name)
            if isinstance(value, tuple):
                changes[name], rest = tuple(rest[: len(value)]), rest[len(value) :]
            else:
                changes[name], rest = rest[0], rest[1:]
        return dataclasses.replace(self, **changes)

    @property
    def partitioning(self) -> Hashable:
        return self.token

    def input_order(self) -> str:
        """How this node's result depends on the row order and labels of its inputs: "uses"
        (in any way), "passes" (row by row: only through its own order), "ignores" (not at all).
        Says where pandas' order need not be restored (``optimize.rules.unordered``)."""
        return "uses"

    def partition_function(self) -> Callable[..., Any]:
        """For partition-wise nodes: ``f(*input_partitions) -> output partition``; picklable and
        free of plan references, because it travels to workers."""
        msg = f"{type(self).__name__} is not partition-wise"
        raise TypeError(msg)

    def describe(self) -> str:
        return type(self).__name__

    def ends(self, n: int, which: str) -> Node | None:
        """The first (``which="head"``) or last ``n`` rows of this node's output as a cheaper
        plan than computing it all (a sort's top-k), or None when there is none."""
        return None

    def reorders(self) -> Node | None:
        """The input whose rows, and only they, this node's output holds in another order (a
        sort's input), or None."""
        return None

    def ends_where(self, n: int, which: str, keep: Node) -> Node | None:
        """``ends`` of the rows where ``keep``, a boolean Series over ``reorders()``'s rows, is
        True (a filter between a sort and its ``head``), or None."""
        return None

    @property
    def known_empty(self) -> bool:
        """The plan knows this node's output has no rows (pandas' dtypes for no rows apply)."""
        return self.lengths is not None and not any(self.lengths)

    @property
    def is_series(self) -> bool:
        return isinstance(self.meta, pd.Series)


def _same_partitions(nodes: tuple[Node, ...]) -> None:
    counts = {n.npartitions for n in nodes}
    if len(counts) > 1:
        msg = f"inputs have different partition counts {sorted(counts)}; repartition them first"
        raise ValueError(msg)


def format_plan(root: Node) -> str:
    """The plan as an indented tree, inputs below their consumer; a node used twice is shown
    once and referred to as ``(see #k)`` afterwards."""
    lines: list[str] = []
    seen: dict[Node, int] = {}

    def walk(node: Node, depth: int) -> None:
        pad = "  " * depth
        if node in seen:
            lines.append(f"{pad}(see #{seen[node]}) {node.describe()}")
            return
        seen[node] = len(seen) + 1
        parts = f"{node.npartitions} partition{'s' if node.npartitions != 1 else ''}"
        lines.append(f"{pad}#{seen[node]} {node.describe()}  [{parts}]")
        for child in node.inputs:
            walk(child, depth + 1)

    walk(root, 0)
    return "\n".join(lines)
