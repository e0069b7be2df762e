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
    """One value column of a partition, melted (in the dtypes of its own values; its object
    columns, ``raw``, as they are: pandas infers their dtype from the whole column's values,
    which the lowering decides)."""

    def __init__(self, id_vars: list[Any], var: Hashable, names: tuple[Any, Any],
                 ignore_index: bool, value_dtype: Any = None, raw: tuple[Any, ...] = ()) -> None:
        self.id_vars, self.var, self.names = id_vars, var, names
        self.ignore_index, self.value_dtype, self.raw = ignore_index, value_dtype, raw

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        if not self.raw or not len(part):
            return self._melt(part)
        # below a witness row holding what pandas cannot convert, pandas' inference leaves
        # the object columns' values as they are (a partition of strings and None alone
        # would become str, its None NaN)
        witness = part.iloc[:1].copy()
        for c in self.raw:
            column = pd.Series([_OBJECT], index=witness.index, dtype=object)
            witness.isetitem(witness.columns.get_loc(c), column)
        out = self._melt(pd.concat([witness, part])).iloc[1:]
        return out.set_axis(pd.RangeIndex(len(out))) if self.ignore_index else out

    def _melt(self, part: pd.DataFrame) -> pd.DataFrame:
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
    objects = tuple(c for c in ids if meta[c].dtype == object)
    blocks = tuple(
        MeltBlock(ids, v, names, ignore_index, meta[v].dtype,
                  objects + ((v,) if meta[v].dtype == object else ()))
        for v in values
    )
    plan: N.Node = Melt(frame._plan, blocks, out_meta, ignore_index)
    if objects or any(meta[v].dtype == object for v in values):
        # pandas infers the dtype of melted object columns from their values (str from
        # strings and missing values, object beside other values): the stand-in's strings
        # tell nothing, the blocks' dtypes (unified by Melt) are known once computed.
        plan = SettleDtypes(plan, agreed=True)
    return frame._new(plan)


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
        mixed = len({str(b.value_dtype) for b in self.blocks}) > 1
        # Output columns (by position) pandas' constructor infers from all their values: the
        # value column of unlike or object value columns, object id columns.
        width = len(self.out_meta.columns)
        objects = self.blocks[0].raw if self.blocks else ()
        infer = [j for j, c in enumerate(self.blocks[0].id_vars) if c in objects]
        if mixed or any(b.value_dtype == object for b in self.blocks):
            infer.append(width - 1)
        found = ex.get([ex.submit(BlockInfo(infer), h) for h in handles])
        infos = [f[:3] for f in found]
        if not any(n for n, _, _ in infos):
            # no rows at all: every value column still has its dtype (int, str: object)
            infos = [(n, m, [True] * len(has)) for n, m, has in infos]
        dtypes = common_dtypes(infos).to_dict()
        columns = list(self.out_meta.columns)
        infer = [j for j in infer if dtypes[columns[j]] == object]
        wholes = [representatives([x for f in found for x in f[3].get(j, [])]) for j in infer]
        if any(wholes):
            # pandas concatenates value columns of unlike dtypes into objects, then its
            # constructor infers their dtype from all the values (datetimes beside a column of
            # NaN only: datetime64; strings and None: str): each block infers beside
            # representatives of them all
            pairs = tuple((j, w) for j, w in zip(infer, wholes, strict=True) if w)
            handles = [ex.submit(_InferValues(pairs), h) for h in handles]
            for j, whole in pairs:
                dtypes[columns[j]] = _infer_with(pd.Series([], dtype=object), whole).dtype
        lengths = [n for n, _, _ in infos]
        lowerer.found_lengths.setdefault(self, lengths)
        if self.ignore_index:
            return lowerer._renumber(handles, lengths, dtypes)
        return [ex.submit(_cast, h, dtypes) for h in handles]

    def describe(self) -> str:
        return f"Melt({len(self.blocks)} value columns)"


class BlockInfo:
    """A block's rows, empty self and which columns vote on the dtypes (a block without rows
    holds no values: its dtypes do not vote); with ``mixed`` value columns, representatives of
    its values as objects (see ``representatives``)."""

    def __init__(self, infer: list[int]) -> None:
        self.infer = infer  # positions of the columns whose values are inferred together

    def __call__(
        self, block: pd.DataFrame
    ) -> tuple[int, pd.DataFrame, list[bool], dict[int, list[Any]]]:
        reps = {j: representatives(block.iloc[:, j].to_numpy(dtype=object)) for j in self.infer}
        return len(block), block.iloc[:0], [len(block) > 0] * block.shape[1], reps


class _InferValues:
    """A block's columns (by position) as objects, each inferred beside the whole column's
    representatives."""

    def __init__(self, pairs: tuple[tuple[int, list[Any]], ...]) -> None:
        self.pairs = pairs

    def __call__(self, block: pd.DataFrame) -> pd.DataFrame:
        out = block.copy(deep=False)
        for j, whole in self.pairs:
            out.isetitem(j, _infer_with(block.iloc[:, j].astype(object), whole))
        return out


def _cast(block: pd.DataFrame, dtypes: dict[Any, Any]) -> pd.DataFrame:
    return block.astype(dtypes)


class _Unconvertible:
    """An element pandas' inference cannot convert: beside it, an exploded column stays object."""

    def __repr__(self) -> str:
        return "<unconvertible>"


_OBJECT = _Unconvertible()


class Explode:
    """``explode`` of one partition, as pandas' explode of the whole column.

    pandas infers an exploded object column's dtype from all its elements (``str`` from strings
    and missing values, the missing values becoming NaN; datetime64 from Timestamps ...), which
    one partition cannot know: a partition of strings and <NA> would become ``str``, its <NA>
    NaN, where the whole column (a ``True`` in another partition) stays object and keeps <NA>.
    So each partition is first exploded with its elements kept as they are (below a witness
    row holding an element pandas cannot convert), then each such column is inferred by pandas'
    own constructor together with *representatives* of the whole column — one element of each
    kind found in any partition (``representatives``) — which makes pandas take the whole
    column's decision; the representatives are then dropped.
    """

    def __init__(self, column: Any) -> None:
        self.column = column

    def columns(self, part: Any) -> list[Any]:
        """The exploded columns whose dtype pandas infers (object; others keep their dtype)."""
        if isinstance(part, pd.Series):
            return [None] if part.dtype == object else []
        return [c for c in _as_list(self.column) if part[c].dtype == object]

    def raw(self, part: Any) -> Any:
        """``part`` exploded, its inferred columns left as object with their elements as is."""
        columns = self.columns(part)
        if not columns or not len(part):
            return self._explode(part)
        if isinstance(part, pd.Series):
            witness = pd.Series([[_OBJECT]], index=part.index[:1], dtype=object, name=part.name)
        else:
            witness = part.iloc[:1].copy()
            for c in columns:
                column = pd.Series([[_OBJECT]], index=witness.index, dtype=object)
                witness.isetitem(witness.columns.get_loc(c), column)
        # (the witness row's lists have one element: one output row)
        return self._explode(pd.concat([witness, part])).iloc[1:]

    def __call__(self, part: Any, whole: dict[Any, list[Any]] | None = None) -> Any:
        """``part`` exploded; with ``whole`` (per column of ``columns``: the representatives of
        the whole column's elements) its columns take the whole column's dtype."""
        if whole is None or not self.columns(part):
            return self._explode(part)
        out = self.raw(part)
        if isinstance(out, pd.Series):
            return _infer_with(out, whole.get(None, []))
        out = out.copy(deep=False)
        for c in self.columns(part):
            out.isetitem(out.columns.get_loc(c), _infer_with(out[c], whole.get(c, [])))
        return out

    def _explode(self, part: Any) -> Any:
        return part.explode() if self.column is None else part.explode(self.column)


def _infer_with(raw: pd.Series, reps: list[Any]) -> pd.Series:
    """``raw``'s elements as pandas' constructor (Series.explode's) infers them beside ``reps``."""
    values = np.empty(len(reps) + len(raw), dtype=object)
    values[: len(reps)] = reps
    values[len(reps) :] = raw.to_numpy(dtype=object)
    inferred = pd.Series(values, copy=False).iloc[len(reps) :]
    return inferred.set_axis(raw.index).rename(raw.name)


def _kind(x: Any) -> Any:
    """What pandas' inference can tell apart about an element: its type, unit, time zone,
    frequency and whether it is missing (NaN is a float but counts as missing)."""
    missing = pd.api.types.is_scalar(x) and bool(pd.isna(x))
    attrs = tuple(str(getattr(x, a, None)) for a in ("unit", "tz", "freq", "dtype"))
    return (type(x), attrs, bool(missing))


def representatives(elements: Any) -> list[Any]:
    """One element of each kind, and the smallest and largest integers (their range decides
    int64, uint64 or object)."""
    out: dict[Any, Any] = {}
    for x in elements:
        key = _kind(x)
        if isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_):
            low, high = (key, "min"), (key, "max")
            if low not in out or x < out[low]:
                out[low] = x
            if high not in out or x > out[high]:
                out[high] = x
        elif key not in out:
            out[key] = x
    return list(out.values())


class ExplodeKinds:
    """Per inferred column of a partition: representatives of its exploded elements, as they
    are (before pandas' inference turned <NA> into NaN)."""

    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any) -> dict[Any, list[Any]]:
        columns = self.fn.columns(part)
        if not len(part) or not columns:
            return {c: [] for c in columns}
        out = self.fn.raw(part)
        raw = [out] if isinstance(out, pd.Series) else [out[c] for c in columns]
        pairs = zip(columns, raw, strict=True)
        return {c: representatives(r.to_numpy(dtype=object)) for c, r in pairs}


class ExplodeDtypes:
    """Every partition gets the representatives of the whole columns (by label: a column may
    be object in one partition and not in another whose dtypes are not settled yet)."""

    def __call__(self, *reps: dict[Any, list[Any]]) -> list[dict[Any, list[Any]]]:
        whole: dict[Any, list[Any]] = {}
        for r in reps:
            for c, kinds in r.items():
                whole[c] = representatives([*whole.get(c, []), *kinds])
        return [whole] * len(reps)


class ApplyExplode:
    def __init__(self, fn: Explode) -> None:
        self.fn = fn

    def __call__(self, part: Any, whole: list[list[Any]]) -> Any:
        return self.fn(part, whole)


def _explode(obj: Any, column: Any, ignore_index: bool) -> Any:
    fn = Explode(column)
    meta = fn(obj._meta)  # pandas' errors (missing column, mismatched lengths)
    plan = N.MapWithContext(
        obj._plan, ExplodeKinds(fn), ExplodeDtypes(), ApplyExplode(fn), meta,
        label="explode", preserves_rows=False,
    )
    # The exploded column's dtype is inferred from the elements (str from lists of strings),
    # which the partitions agree on (ExplodeDtypes) unless their input's dtypes were not
    # settled yet (str here, object there): known once computed.
    plan = N.Renumbered(plan) if ignore_index else plan
    return obj._new(SettleDtypes(plan))
