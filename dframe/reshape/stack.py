"""``DataFrame.stack``, natively and in parallel.

``stack`` is row-local: each partition stacks its own rows (pandas' order is row by row, each
row's columns in column order), cast to the dtypes pandas gives the whole result. pandas' first
level is the whole frame's index (its distinct values in order): where the index is not sorted,
every partition gets that level, as a slice of pandas' result would have it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra.rows import same_dtype
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import SettleDtypes
from dframe.reshape.unstack import is_sorted


class Stack:
    """``DataFrame.stack`` (pandas 3 semantics) of one partition, cast to the result's dtypes."""

    def __init__(self, level: Any, dtypes: Any) -> None:
        self.level, self.dtypes = level, dtypes

    def __call__(self, part: pd.DataFrame, context: Any = None) -> Any:
        out = part.stack(self.level, future_stack=True).astype(self.dtypes)
        return out if context is None else _on_whole_level(out, context[1])

    def __repr__(self) -> str:
        return f"stack({self.level!r})"


def _on_whole_level(out: Any, level: pd.Index | None) -> Any:
    """``out`` (a partition's stack) with the whole frame's index level in place of its own
    piece: pandas' one stack has the frame's whole index as its first level (its distinct
    values in the frame's order), and an ``unstack`` orders the rows by that level. The union
    of the partitions' pieces is that level only when the index is sorted."""
    if level is None:
        return out
    index = out.index
    codes = level.get_indexer(index.levels[0])[index.codes[0]]
    out = out.copy(deep=False)
    out.index = pd.MultiIndex(
        levels=[level, *index.levels[1:]], codes=[codes, *index.codes[1:]], names=index.names,
        verify_integrity=False,
    )
    return out


def _whole_index_level(indexes: list[pd.Index]) -> pd.Index | None:
    """The first level of pandas' stack of the whole frame (its index's distinct values, in
    order, a missing one included), or ``None`` when the partitions' own levels make it."""
    whole = indexes[0].append(indexes[1:]) if len(indexes) > 1 else indexes[0]
    if is_sorted(whole) and not whole.hasnans:
        return None
    return pd.Index(pd.factorize(whole, use_na_sentinel=False)[1], name=whole.name)


class _StackSummary:
    """Per partition: which columns hold a value, and its index if the whole level is asked."""

    def __init__(self, whole_level: bool) -> None:
        self.whole_level = whole_level

    def __call__(self, part: pd.DataFrame) -> tuple[list[bool], pd.Index | None]:
        return part.notna().any().tolist(), part.index if self.whole_level else None


class _StackContext:
    """For every partition: which columns hold a value in some partition, and the whole
    frame's index level when the partitions' own levels would not make it (``None``)."""

    def __init__(self, whole_level: bool) -> None:
        self.whole_level = whole_level

    def __call__(self, *summaries: tuple[list[bool], pd.Index]) -> list[Any]:
        anywhere = [any(col) for col in zip(*(s[0] for s in summaries), strict=True)]
        level = _whole_index_level([s[1] for s in summaries]) if self.whole_level else None
        return [(anywhere, level)] * len(summaries)


class StackToSeries:
    """``DataFrame.stack`` to a Series, of one partition, as pandas' stack of the whole frame.

    pandas' one stack concatenates the columns and, like ``concat``, a column of missing values
    only does not vote on the dtype: a partition where one column happens to be all missing
    would pick another dtype (datetime64 for a categorical of NaN beside datetimes) and turn its
    NaN into NaT. So each partition is stacked below a *witness* row — a value in the columns
    that hold one in some partition, missing in the others — which makes pandas take the whole
    frame's decision; the witness' cells are then dropped.
    """

    def __init__(self, level: Any, meta: pd.DataFrame) -> None:
        self.level, self.meta = level, meta

    def __call__(self, part: pd.DataFrame, context: Any) -> pd.Series:
        has_values, level = context
        if not any(has_values):  # no values anywhere: every partition's answer is pandas'
            return _on_whole_level(part.stack(self.level, future_stack=True), level)
        witness = M.nonempty(self.meta, 1).copy()
        for j, has in enumerate(has_values):
            if not has:
                column = witness.iloc[:, j]
                witness.isetitem(j, column.where(np.zeros(len(column), dtype=bool)))
        if len(part):
            # (the witness labelled as the first row: a label of its own would stay in the
            # result's levels, unused, and pandas' unstack then orders rows by appearance)
            witness.index = part.index[:1]
        out = pd.concat([witness, part]).stack(self.level, future_stack=True)
        out = out.iloc[witness.shape[1]:]
        if not len(part):
            out.index = out.index.remove_unused_levels()
        return _on_whole_level(out, level)

    def __repr__(self) -> str:
        return f"stack({self.level!r})"


def stack(frame: Any, level: Any = -1, dropna: Any = None, sort: Any = None,
          future_stack: bool = True) -> Any:
    """``DataFrame.stack``: partition-wise (each row's cells, row after row)."""
    kwargs: dict[str, Any] = {"level": level, "future_stack": future_stack}
    if dropna is not None:
        kwargs["dropna"] = dropna
    if sort is not None:
        kwargs["sort"] = sort
    # (dtypes pandas picks from the values, as a clip's upcast: computed first, the stacked
    # column's dtype comes from them)
    meta = frame._known_meta()
    if future_stack and len(kwargs) > 2:
        M.nonempty(meta).stack(**kwargs)  # pandas' error: no dropna/sort with future_stack
    if not future_stack or len(kwargs) > 2 or meta.columns.has_duplicates:
        return fallback.call_method(frame, "stack", (), kwargs)
    sample = M.nonempty(meta).stack(level, future_stack=True)  # pandas' errors for a bad level
    out_meta = sample.iloc[:0]
    dtypes = out_meta.dtype if isinstance(out_meta, pd.Series) else out_meta.dtypes.to_dict()
    one_dtype = all(same_dtype(d, meta.dtypes.iloc[0]) for d in meta.dtypes)
    plain = one_dtype or isinstance(out_meta, pd.DataFrame)
    # Not for a frame numbered 0..n-1 (the union of its pieces is sorted) nor a MultiIndex,
    # whose levels pandas keeps as they are (and the partitions carry whatever they have).
    whole_level = not frame._plan.range_index and not isinstance(meta.index, pd.MultiIndex)
    if plain and not whole_level:
        # (one dtype: no column can change the answer; a DataFrame result — MultiIndex columns —
        # still casts each partition's own answer: not yet checked for columns missing in one
        # partition only)
        return frame._map(Stack(level, dtypes), meta=out_meta, label="stack", preserves_rows=False)
    apply = Stack(level, dtypes) if plain else StackToSeries(level, meta)
    plan = N.MapWithContext(
        frame._plan, _StackSummary(whole_level), _StackContext(whole_level), apply, out_meta,
        label="stack", preserves_rows=False,
    )
    if plain:
        return frame._new(plan)
    # Which columns are missing everywhere decides the dtype: known once computed.
    return frame._new(SettleDtypes(plan, agreed=True))
