"""``melt`` and ``explode``: wide rows to long form, partition by partition.

* ``melt`` is partition-wise, one block per value column: pandas stacks whole columns (all rows
  of the first value column, then all rows of the next ...), so the output partitions are
  ordered (column, partition), each block cast to the dtypes all blocks' values give together
  (pandas' dtypes for the whole result).
* ``explode`` is partition-wise; labels are kept (``ignore_index`` renumbers globally).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.execution.lower import common_dtypes
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import SettleDtypes


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | pd.Index | np.ndarray):
        return list(value)
    return [value]


class MeltBlock:
    """One value column of a partition, melted (in the dtypes of its own values)."""

    def __init__(self, id_vars: list[Any], var: Hashable, names: tuple[Any, Any],
                 ignore_index: bool) -> None:
        self.id_vars, self.var, self.names = id_vars, var, names
        self.ignore_index = ignore_index

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        return pd.melt(
            part, id_vars=self.id_vars, value_vars=[self.var], var_name=self.names[0],
            value_name=self.names[1], ignore_index=self.ignore_index,
        )

    def __repr__(self) -> str:
        return f"melt({self.var!r})"


def melt(frame: Any, id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
         value_name: Hashable = "value", col_level: Any = None,
         ignore_index: bool = True) -> Any:
    """``pandas.melt``, partition-wise, in pandas' row order (value column by value column)."""
    kwargs = dict(id_vars=id_vars, value_vars=value_vars, var_name=var_name,
                  value_name=value_name, col_level=col_level, ignore_index=ignore_index)
    meta = frame._meta
    ids = _as_list(id_vars)
    values = _as_list(value_vars) if value_vars is not None else [
        c for c in meta.columns if c not in set(ids)
    ]
    native = (
        col_level is None
        and not isinstance(meta.columns, pd.MultiIndex)
        and not meta.columns.has_duplicates
        and values
        and all(c in meta.columns for c in [*ids, *values])
    )
    if not native:
        return fallback.call_method(frame, "melt", (), kwargs)
    out_meta = pd.melt(M.nonempty(meta), **kwargs).iloc[:0]
    names = (out_meta.columns[-2], out_meta.columns[-1])
    blocks = tuple(MeltBlock(ids, v, names, ignore_index) for v in values)
    return frame._new(Melt(frame._plan, blocks, out_meta, ignore_index))


@dataclass(frozen=True, eq=False)
class Melt(N.Node):
    """Output partitions ordered (value column, input partition), as pandas stacks columns.

    Its own node rather than a ``Concat`` of blocks: a concat would re-derive the dtypes from
    made-up sample values.
    """

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    blocks: tuple[MeltBlock, ...]
    out_meta: Any
    ignore_index: bool

    def _derive(self) -> None:
        self._set(
            meta=self.out_meta,
            npartitions=self.child.npartitions * len(self.blocks),
            lengths=None,
            range_index=self.ignore_index,
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex = lowerer.ex
        parts = lowerer.lower(self.child)
        handles = [ex.submit(b, p) for b in self.blocks for p in parts]
        # The blocks agree on the dtypes their values give together (int and float value
        # columns: float), not on the meta's: a dtype that depends on the values (an int
        # column an outer merge filled with NaN is float) is known only now.
        infos = ex.get([ex.submit(_block_info, h) for h in handles])
        if not any(n for n, _, _ in infos):
            # no rows at all: every value column still has its dtype (int, str: object)
            infos = [(n, m, [True] * len(has)) for n, m, has in infos]
        dtypes = common_dtypes(infos).to_dict()
        lengths = [n for n, _, _ in infos]
        lowerer.found_lengths.setdefault(self, lengths)
        if self.ignore_index:
            return lowerer._renumber(handles, lengths, dtypes)
        return [ex.submit(_cast, h, dtypes) for h in handles]

    def describe(self) -> str:
        return f"Melt({len(self.blocks)} value columns)"


def _block_info(block: pd.DataFrame) -> tuple[int, pd.DataFrame, list[bool]]:
    # A block without rows holds no values: its dtypes do not vote.
    return len(block), block.iloc[:0], [len(block) > 0] * block.shape[1]


def _cast(block: pd.DataFrame, dtypes: dict[Any, Any]) -> pd.DataFrame:
    return block.astype(dtypes)


class _Unconvertible:
    """An element pandas' inference cannot convert: beside it, an exploded column stays object."""

    def __repr__(self) -> str:
        return "<unconvertible>"


_OBJECT = _Unconvertible()


class Explode:
    """``explode`` of one partition, as pandas' explode of the whole column.

    pandas infers an exploded object column's dtype from its elements (``str`` when they are
    strings and missing values, the missing values becoming NaN), which one partition cannot
    know: a partition of strings and <NA> would become ``str``, its <NA> NaN, where the whole
    column (a ``True`` in another partition) stays object and keeps <NA>. So the partition is
    exploded below a *witness* row holding an element that makes pandas take the whole column's
    decision (a string where the whole column is ``str``, an unconvertible object where it stays
    object), and the witness' output row is dropped.
    """

    def __init__(self, column: Any) -> None:
        self.column = column

    def columns(self, part: Any) -> list[Any]:
        """The exploded columns whose dtype pandas infers (object; others keep their dtype)."""
        if isinstance(part, pd.Series):
            return [None] if part.dtype == object else []
        return [c for c in _as_list(self.column) if part[c].dtype == object]

    def __call__(self, part: Any, elements: list[Any] | None = None) -> Any:
        """``part`` exploded; with ``elements`` (one per column of ``columns``: the witness)
        exploded below a row holding them, as the whole column's explode."""
        if elements is None or not self.columns(part):
            return self._explode(part)
        if not len(part):  # nothing to infer from: the whole column's dtype
            out = self._explode(part)
            cast = {c: "str" for c, e in zip(self.columns(part), elements, strict=True) if e == ""}
            if isinstance(out, pd.Series):
                return out.astype("str") if cast else out
            return out.astype(cast)
        if isinstance(part, pd.Series):
            witness = pd.Series([elements], index=part.index[:1], dtype=object, name=part.name)
        else:
            witness = part.iloc[:1].copy()
            for c, element in zip(self.columns(part), elements, strict=True):
                column = pd.Series([[element]], index=witness.index, dtype=object)
                witness.isetitem(witness.columns.get_loc(c), column)
        # (the witness row's lists have one element: one output row)
        return self._explode(pd.concat([witness, part])).iloc[1:]

    def _explode(self, part: Any) -> Any:
        return part.explode() if self.column is None else part.explode(self.column)


class ExplodeKinds:
    """Per inferred column of a partition: whether its elements allow ``str`` (strings and
    missing values: ``str`` with a string added) and whether they alone make it ``str`` (some
    string). The whole column is ``str`` where every partition allows it and some partition
    makes it. Decided by pandas' own inference on the partition's raw elements: exploded below
    an unconvertible witness, which keeps them as they are (<NA> not yet NaN)."""

    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any) -> list[tuple[bool, bool]]:
        columns = self.fn.columns(part)
        if not len(part):
            return [(True, False)] * len(columns)
        out = self.fn(part, [_OBJECT] * len(columns))
        raw = [out] if isinstance(out, pd.Series) else [out[c] for c in columns]
        return [(_infers_str(["", *r]), _infers_str(list(r))) for r in raw]


def _infers_str(elements: list[Any]) -> bool:
    # pandas' inference of exploded elements (its Series constructor's, as in Series.explode)
    return isinstance(pd.Series([elements], dtype=object).explode().dtype, pd.StringDtype)


class ExplodeDtypes:
    def __call__(self, *kinds: list[tuple[bool, bool]]) -> list[list[bool]]:
        as_str = [
            all(k[j][0] for k in kinds) and any(k[j][1] for k in kinds)
            for j in range(len(kinds[0]) if kinds else 0)
        ]
        return [as_str] * len(kinds)


class ApplyExplode:
    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any, as_str: list[bool]) -> Any:
        return self.fn(part, ["" if s else _OBJECT for s in as_str])


def _explode(obj: Any, column: Any, ignore_index: bool) -> Any:
    fn = Explode(column)
    meta = fn(obj._meta)  # pandas' errors (missing column, mismatched lengths)
    plan = N.MapWithContext(
        obj._plan, ExplodeKinds(fn), ExplodeDtypes(), ApplyExplode(fn), meta,
        label="explode", preserves_rows=False,
    )
    # The exploded column's dtype is inferred from the elements (str from lists of strings),
    # which the partitions agree on (ExplodeDtypes): known once computed.
    plan = N.Renumbered(plan) if ignore_index else plan
    return obj._new(SettleDtypes(plan, agreed=True))
