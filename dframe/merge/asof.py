"""``pandas.merge_asof`` of dframe frames: each left partition against the whole right side.

pandas matches every left row on its own (the last right row at or before it, for
``direction="backward"``; after it, or the nearest), so a left partition, a contiguous run of
the sorted left rows, gets exactly the matches the whole left frame would. The right side (the
table looked up, usually the smaller) is put in the store once as one partition and every task
reads it. pandas' checks run where pandas runs them: the arguments on the metadata at the call,
the left keys' order inside each task and across partitions at the call (last key of one
partition <= first of the next), the right side's order in each task. Rows are numbered
0..n-1 as pandas numbers them; columns that some left rows found no match for are float (or
object) as in pandas: the dtypes are settled from the computed partitions.

>>> import pandas as pd
>>> import dframe
>>> left = dframe.from_pandas(pd.DataFrame({"t": [1, 5, 10], "v": [1, 2, 3]}), npartitions=2)
>>> right = pd.DataFrame({"t": [2, 3, 7], "w": [20, 30, 70]})
>>> dframe.merge_asof(left, right, on="t").to_pandas()["w"].tolist()
[nan, 30.0, 70.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from dframe import fallback
from dframe.execution import lower
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import SettleDtypes
from dframe.plan.wrap import DframeObject, from_pandas, wrap_plan

# Arguments whose meaning needs the left index or rows of other partitions: pandas runs them.
_FALLBACK = {"left_index", "right_index"}


class _AsofTask:
    """``pandas.merge_asof(left_part, right, ...)``, rows numbered from ``start``."""

    def __init__(self, kwargs: dict[str, Any], start: int) -> None:
        self.kwargs, self.start = kwargs, start

    def __call__(self, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
        out = pd.merge_asof(left, right, **self.kwargs)
        return out.set_axis(pd.RangeIndex(self.start, self.start + len(out)), axis=0)


@dataclass(frozen=True, eq=False)
class AsofMerge(N.Node):
    """Left partition i merged against the one partition of ``right``."""

    input_fields: ClassVar[tuple[str, ...]] = ("left", "right")

    left: N.Node
    right: N.Node
    kwargs: tuple[tuple[str, Any], ...]
    out_meta: Any

    def _derive(self) -> None:
        self._set(
            meta=self.out_meta,
            npartitions=self.left.npartitions,
            lengths=self.left.lengths,
            range_index=True,
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        left = lowerer.lower(self.left)
        (right,) = lowerer.lower(self.right)
        lengths = lowerer.lengths(self.left, left)
        kwargs = dict(self.kwargs)
        out, start = [], 0
        for handle, n in zip(left, lengths, strict=True):
            out.append(lowerer.ex.submit(_AsofTask(kwargs, start), handle, right))
            start += n
        return out

    def describe(self) -> str:
        return f"AsofMerge({dict(self.kwargs)})"


def merge_asof(left: Any, right: Any, **kwargs: Any) -> Any:
    """``pandas.merge_asof``; native for a dframe (or pandas) DataFrame on each side, matched
    on columns."""
    frames = all(isinstance(x, DframeObject | pd.DataFrame) and x.ndim == 2 for x in (left, right))
    if not frames or not isinstance(left, DframeObject) or _FALLBACK & set(kwargs):
        return fallback.function("merge_asof", pd.merge_asof)(left, right, **kwargs)
    if isinstance(right, pd.DataFrame):
        right = from_pandas(right, npartitions=1)
    left._known_meta()
    right._known_meta()
    meta = pd.merge_asof(left._meta, right._meta, **kwargs)  # pandas' argument errors, now
    left_plan = lower.materialize(left._plan)
    _check_sorted(left_plan, _left_keys(left._meta, kwargs))
    right_plan = lower.materialize(N.Repartition(right._plan, 1))
    node = AsofMerge(left_plan, right_plan, tuple(sorted(kwargs.items())), meta.iloc[:0])
    return wrap_plan(SettleDtypes(node))


def _left_keys(meta: pd.DataFrame, kwargs: dict[str, Any]) -> Any:
    return kwargs.get("on", kwargs.get("left_on"))


class _Ends:
    def __init__(self, key: Any) -> None:
        self.key = key

    def __call__(self, part: pd.DataFrame) -> pd.Series:
        keys = part[self.key]
        return pd.Series([keys.iloc[0], keys.iloc[-1]] if len(keys) else [], dtype=object)

    def __repr__(self) -> str:
        return "key ends"


def _check_sorted(plan: N.Node, key: Any) -> None:
    """pandas' error for left keys out of order where two partitions meet (each task checks
    its own rows)."""
    frame = wrap_plan(plan)
    ends = lower.collect_partitions(
        frame._map(_Ends(key), meta=pd.Series([], dtype=object), preserves_rows=False)._plan
    )
    pairs = [e.tolist() for e in ends if len(e)]
    for (_, last), (first, _) in zip(pairs, pairs[1:], strict=False):
        if not pd.isna(last) and not pd.isna(first) and first < last:
            msg = "left keys must be sorted"
            raise ValueError(msg)
