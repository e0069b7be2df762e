"""Results whose dtypes pandas picks from the values: known once computed.

A mask leaving NaN in an int column, a fill or replacement of another type, ``dt.day`` over NaT,
``x // s`` with a zero in ``s``: pandas infers the dtype from the values of the whole column, and
each partition infers its own from its rows. Planning cannot know the answer, so such a result is
wrapped in ``SettleDtypes``: its metadata is a guess (the dtypes of a result with rows and no
missing values), and lowering computes the partitions, finds the dtype pandas' one pass would give
(what concatenating the partitions that hold rows gives) and casts the partitions that differ to
it. Every later step (a ``tail`` reading one partition, a ``.str`` call on a partition of missing
values only) then sees pandas' dtypes, and the plan stays lazy: nothing runs before a result is
asked for.

A plan with such a guess below it is *unsettled*: asking it for its dtypes computes it
(``Collection._known_meta``), and ``execution.lower.compute`` settles the dtypes of any unsettled
result it computes, so what the cache holds carries the true metadata.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dframe.algebra.rows import concat_dtype, same_dtype
from dframe.plan.nodes import Materialized, Node


@dataclass(frozen=True, eq=False)
class SettleDtypes(Node):
    """``child``'s partitions cast to the dtypes of their concatenation.

    Same rows, labels and partitioning as ``child``; not partition-wise (each partition's dtype
    depends on all the others), so neither fused nor narrowed to some partitions.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: Node
    # The child's partitions already agree on their dtypes (a merge's own last step unifies
    # them): only the metadata is unknown until computed, and lowering adds nothing.
    agreed: bool = False
    # The plan guessed ``str`` for object values (a groupby min/max): a groupby of it must not
    # plan on that guess (the other guesses, int -> float, plan the same aggregations).
    strings_guessed: bool = False

    def _derive(self) -> None:
        self._set(
            meta=self.child.meta,
            npartitions=self.child.npartitions,
            lengths=self.child.lengths,
            range_index=self.child.range_index,
            found=None,  # the metadata lowering found, once it has run
        )

    @property
    def partitioning(self) -> Hashable:
        return self.child.partitioning

    def input_order(self) -> str:
        return "passes"

    def input_columns(self, need: Any) -> list[Any]:
        return [need]  # column by column: a column's dtype depends on that column alone

    def describe(self) -> str:
        return "SettleDtypes"


def unsettled(root: Node, strings_guessed: bool = False) -> bool:
    """Whether ``root``'s metadata may differ from its computed result's: a ``SettleDtypes``
    below it has not run yet, or ran and found other dtypes than the guess the plan above it
    was built on (``strings_guessed``: only one that guessed ``str`` for object values)."""
    from dframe.optimize.rules import CACHE  # (optimize imports plan: a cycle at module level)

    seen: dict[int, bool] = {}

    def visit(node: Node) -> bool:
        key = id(node)
        if key not in seen:
            if isinstance(node, Materialized) or node in CACHE:
                seen[key] = False
            elif isinstance(node, SettleDtypes) and (node.strings_guessed or not strings_guessed):
                seen[key] = node.found is None or not same_meta(node.found, node.meta)
            else:
                seen[key] = any(visit(i) for i in node.inputs)
        return seen[key]

    return visit(root)


def same_meta(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        return a.columns.equals(b.columns) and all(
            same_dtype(x, y) for x, y in zip(a.dtypes, b.dtypes, strict=True)
        )
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        return same_dtype(a.dtype, b.dtype)
    return type(a) is type(b)


# -- the partitions' side -------------------------------------------------------------------


def rows_and_meta(part: Any) -> tuple[int, Any, frozenset[int]]:
    """What a partition tells the driver: its rows, its empty self (columns and dtypes) and
    the positions of its object columns that hold missing values only (see ``common_meta``)."""
    if isinstance(part, pd.DataFrame | pd.Series):
        return len(part), part.iloc[:0], _blank_objects(part)
    return 0, part, frozenset()


def _blank_objects(part: Any) -> frozenset[int]:
    if not len(part):
        return frozenset()
    columns = [part] if isinstance(part, pd.Series) else [part.iloc[:, j] for j in
                                                          range(part.shape[1])]
    return frozenset(
        j for j, c in enumerate(columns) if c.dtype == object and bool(c.isna().all())
    )


def _dtypes(meta: Any) -> list[Any]:
    return list(meta.dtypes) if isinstance(meta, pd.DataFrame) else [meta.dtype]


def common_meta(infos: list[tuple[Any, ...]], guess: Any) -> Any:
    """The partitions' metadata with, column by column (by position: labels may repeat), the
    dtype pandas gives their concatenation. Partitions without rows do not vote (pandas' one
    pass never saw them) unless no partition has rows (pandas' answer for no values is then
    every partition's).

    A partition whose strings were all missing values was left object by pandas' inference
    (``reset_index`` of an object index, say) where the whole column, strings beside them, is
    ``str``: such a column votes for nothing beside ``str`` columns."""
    voting = [i for i in infos if i[0]] or list(infos)
    voters = [i[1] for i in voting]
    if not voters or not isinstance(voters[0], pd.DataFrame | pd.Series):
        return guess
    meta = voters[0]
    if isinstance(meta, pd.DataFrame) and any(
        not m.columns.equals(meta.columns) for m in voters[1:]
    ):
        # (str.partition of missing values only gives fewer columns than of strings)
        return pd.concat(voters).iloc[:0]
    blanks = [i[2] if len(i) > 2 else frozenset() for i in voting]
    per_column = []
    for j, ds in enumerate(zip(*(_dtypes(m) for m in voters), strict=True)):
        strings = [d for d in ds if isinstance(d, pd.StringDtype)]
        if strings and all(
            isinstance(d, pd.StringDtype) or (d == object and j in blank)
            for d, blank in zip(ds, blanks, strict=True)
        ):
            ds = tuple(strings)
        per_column.append(concat_dtype(list(ds)))
    return cast(meta, per_column)


def cast(part: Any, dtypes: list[Any]) -> Any:
    """``part`` with its columns (by position) of ``dtypes``."""
    if isinstance(part, pd.Series):
        return part if same_dtype(part.dtype, dtypes[0]) else part.astype(dtypes[0])
    out = part
    for j, dtype in enumerate(dtypes):
        if not same_dtype(out.dtypes.iloc[j], dtype):
            if out is part:
                out = part.copy(deep=False)
            out.isetitem(j, out.iloc[:, j].astype(dtype))
    return out


def conform(part: Any, meta: Any) -> Any:
    """``part`` with ``meta``'s columns (missing ones all-missing) and dtypes."""
    if isinstance(part, pd.DataFrame) and not part.columns.equals(meta.columns):
        part = part.reindex(columns=meta.columns)
    return cast(part, _dtypes(meta))


def settle(ex: Any, handles: list[Any], guess: Any) -> tuple[list[Any], Any, tuple[int, ...]]:
    """Partitions of one dtype per column (tasks only where a partition differs), that
    metadata, and the rows per partition — one round trip of empty frames."""
    infos = ex.get([ex.submit(rows_and_meta, h) for h in handles])
    meta = common_meta(infos, guess)
    out = []
    for handle, (_, part_meta, _) in zip(handles, infos, strict=True):
        # (partitions that are not frames, e.g. the indexes ``DataFrame.index`` collects over
        # unsettled values, have no dtypes to settle)
        differs = (
            isinstance(part_meta, pd.DataFrame | pd.Series)
            and isinstance(meta, pd.DataFrame | pd.Series)
            and not same_meta(part_meta, meta)
        )
        out.append(ex.submit(conform, handle, meta) if differs else handle)
    return out, meta, tuple(int(n) for n, _, _ in infos)


def settled_parts(parts: list[Any], mat: Materialized) -> tuple[list[Any], Materialized | None]:
    """Computed ``parts`` of one dtype per column, and ``mat`` with that metadata to cache —
    or None when some partition had to be cast here (the stored ones still differ)."""
    infos = [rows_and_meta(p) for p in parts]
    meta = common_meta(infos, mat.meta)
    if not isinstance(meta, pd.DataFrame | pd.Series):
        return parts, None
    differ = [not same_meta(m, meta) for _, m, _ in infos]
    if any(differ):
        return [conform(p, meta) if d else p for p, d in zip(parts, differ, strict=True)], None
    lengths = tuple(n for n, _, _ in infos)
    return parts, Materialized(mat.handles, mat.executor, meta, lengths, mat.range_index, mat.key)


def lower_settle(lowerer: Any, node: SettleDtypes) -> list[Any]:
    """Partitions of ``node`` (called by ``Lowerer.visit_SettleDtypes``)."""
    if node.agreed:
        return lowerer.lower(node.child)  # (what is computed from it settles its metadata)
    handles, meta, lengths = settle(lowerer.ex, lowerer.lower(node.child), node.meta)
    object.__setattr__(node, "found", meta)
    lowerer.found_lengths.setdefault(node, list(lengths))
    return handles
