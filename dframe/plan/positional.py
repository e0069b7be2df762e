"""A plan node whose per-partition work depends on where the partition sits among the others.

``iloc`` needs to know which global row numbers a partition holds, ``reset_index`` the number of
its first row, a positional assignment which of its rows to change. All of them are "given the
rows per partition, a function for each partition": ``ByPosition`` carries that rule
(``layout``), and lowering hands it the lengths — from the plan when known, else counted from the
computed partitions (one round trip of small integers) — so the node stays lazy.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

from dframe.plan.nodes import Node

Layout = Callable[[list[int]], list[Callable[[Any], Any]]]


@dataclass(frozen=True, eq=False)
class ByPosition(Node):
    """Output partition i is ``layout(lengths)[i](input partition i)``.

    ``layout`` runs on the driver and is never shipped; the functions it returns travel to
    workers. ``out_lengths``/``out_range_index`` are the output's metadata when the caller knows
    them (``iloc`` on known lengths, ``reset_index``); ``same_rows`` says output partition i has
    exactly the rows and labels of input i (a positional assignment), so it lines up with it.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    layout: Layout
    out_meta: Any
    label: str = "by_position"
    out_lengths: tuple[int, ...] | None = None
    out_range_index: bool = False
    same_rows: bool = False

    def _derive(self) -> None:
        lengths = self.child.lengths if self.same_rows else self.out_lengths
        if lengths is not None and len(lengths) != self.child.npartitions:
            msg = f"{len(lengths)} partition lengths for {self.child.npartitions} partitions"
            raise ValueError(msg)
        self._set(
            meta=self.out_meta,
            npartitions=self.child.npartitions,
            lengths=lengths,
            range_index=self.child.range_index
            if self.same_rows
            else self.out_range_index,
        )

    @property
    def partitioning(self) -> Hashable:
        return self.child.partitioning if self.same_rows else self.token

    def describe(self) -> str:
        return f"ByPosition({self.label})"


def lower_by_position(lowerer: Any, node: ByPosition) -> list[Any]:
    """Partitions of ``node`` (called by ``Lowerer.visit_ByPosition``)."""
    handles = lowerer.lower(node.child)
    functions = node.layout(lowerer.lengths(node.child, handles))
    return [lowerer.ex.submit(f, h) for f, h in zip(functions, handles, strict=True)]
