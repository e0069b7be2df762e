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


class Explode:
    """``explode`` with the exploded columns left as object: pandas infers ``str`` only when
    every value of the whole column is a string, which one partition cannot know."""

    def __init__(self, column: Any) -> None:
        self.column = column

    def columns(self, out: Any) -> list[Any]:
        if isinstance(out, pd.Series):
            return [None]
        return _as_list(self.column)

    def __call__(self, part: Any) -> Any:
        out = part.explode() if self.column is None else part.explode(self.column)
        # (a column that is not object, the float64 of str.split over missing values only, is
        # exploded as it is: pandas keeps its dtype)
        if isinstance(out, pd.Series):
            return out.astype(object) if part.dtype == object else out
        return out.astype({c: object for c in _as_list(self.column) if part[c].dtype == object})


class ExplodeKinds:
    """Per exploded column, pandas' inferred kind of this partition's values."""

    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any) -> list[str]:
        out = self.fn(part)
        cols = [out] if isinstance(out, pd.Series) else [out[c] for c in self.fn.columns(out)]
        return [pd.api.types.infer_dtype(c.to_numpy(object), skipna=True) for c in cols]


class ExplodeDtypes:
    def __call__(self, *kinds: list[str]) -> list[list[bool]]:
        as_str = [
            all(k[j] in ("string", "empty") for k in kinds) and any(k[j] == "string" for k in kinds)
            for j in range(len(kinds[0]))
        ]
        return [as_str] * len(kinds)


class ApplyExplode:
    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any, as_str: list[bool]) -> Any:
        out = self.fn(part)
        if isinstance(out, pd.Series):
            return out.astype("str") if as_str[0] else out
        cast = {c: "str" for c, s in zip(self.fn.columns(out), as_str, strict=True) if s}
        return out.astype(cast) if cast else out


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
