"""pandas' row and column iteration: ``DataFrame.itertuples``, ``iterrows`` and ``items``;
``Series.__iter__`` and ``Series.items`` — streamed partition by partition.

The driver holds one partition's rows at a time (and, on the runtime, the workers compute the
next ``AHEAD`` partitions meanwhile). Partition *i* is computed on its own, as the selection of
that one partition pushed down to the sources (as ``head`` reads only what it shows), so a loop
left after the first rows never computes the later partitions. A plan whose partitions cannot
be computed alone (a sort, a shuffle, a merge: each output partition needs every input one) is
computed once into the object store, and its partitions are fetched one at a time.
``DataFrame.items`` yields a column at a time, each a column selection: of the data where it is
read, of the frame's partitions computed once (into the object store) where there is work to do.

Dtypes that pandas picks from all the values are settled over every partition first (the
collection's ``_known_meta``), so each partition's values have the whole column's dtype.
"""

from __future__ import annotations

import collections
from collections.abc import Hashable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from dframe.execution import lower
from dframe.execution.executors import SyncExecutor
from dframe.optimize import optimize
from dframe.optimize.rules import toposort
from dframe.plan import nodes as N

# Partitions the runtime computes ahead of the one being iterated: the next one is ready when
# the loop reaches it, while the driver still holds only one partition's data.
AHEAD = 2


def _one(plan: N.Node, i: int) -> N.Node:
    """The plan of ``plan``'s partition ``i`` alone, optimized."""
    return optimize(N.SelectPartitions(plan, (i,)))


def _alone(plan: N.Node) -> tuple[bool, Any]:
    """Whether one partition of ``plan`` is computed without computing the others (the
    selection reaches the sources), and the executor that would compute it."""
    if plan.npartitions == 0:
        return True, None
    selected = _one(plan, 0)
    alone = not any(isinstance(node, N.SelectPartitions) for node in toposort(selected))
    return alone, lower.choose_executor(selected)


def _reads_only(plan: N.Node) -> bool:
    """Whether computing ``plan`` only reads data (sources, computed partitions, columns of
    them): nothing to compute once and keep."""
    kinds = (N.FromPandas, N.Materialized, N.ReadParquet, N.Project)
    return all(isinstance(node, kinds) for node in toposort(optimize(plan)))


def partitions(obj: Any) -> Iterator[Any]:
    """``obj``'s computed partitions (pandas objects) in order, one at a time; partitions
    without rows are skipped (they hold nothing to iterate)."""
    obj._known_meta()
    plan = obj._plan
    alone, ex = _alone(plan)
    if not alone:
        mat = lower.compute(plan)
        for handle in mat.handles:
            part = mat.executor.get(handle)
            if len(part):
                yield part
        return
    # In process a partition is computed when it is asked for: reading ahead would only compute
    # partitions a loop may never reach.
    ahead = 0 if isinstance(ex, SyncExecutor) else AHEAD
    pending: collections.deque[Any] = collections.deque()
    following = 0
    while pending or following < plan.npartitions:
        while following < plan.npartitions and len(pending) <= ahead:
            # Submitted by a lowerer of its own, not ``lower.compute``: that waits for the
            # tasks (its progress bar), and the partitions ahead must run while the loop reads.
            selected = _one(plan, following)
            (handle,) = lower.Lowerer(ex, selected).lower(selected)
            pending.append(handle)
            following += 1
        part = ex.get(pending.popleft())
        if len(part):
            yield part


def _rows_dtype(frame: Any) -> Any:
    """The dtype of the whole frame's ``values``, which pandas gives every row, where the
    partitions' may differ (a nullable column's is object only where a value is missing), else
    None. Knowing it computes the partitions once more, before the first row."""
    if not any(_values_vary(t) for t in frame._meta.dtypes):
        return None
    kinds = frame._map(_ValuesDtype(), meta=pd.Series([], dtype=object), preserves_rows=False)
    found = [d for part in lower.collect_partitions(kinds._plan) for d in part]
    return np.result_type(*found) if found else None


def _values_vary(dtype: Any) -> bool:
    """Whether a column's values (as ``frame.values`` holds them) may have another dtype in a
    partition than in the whole column: nullable, categorical and Arrow dtypes, by missing
    values (text, times with a zone and periods are objects whatever they hold)."""
    steady = (np.dtype, pd.StringDtype, pd.DatetimeTZDtype, pd.PeriodDtype, pd.IntervalDtype)
    return not isinstance(dtype, steady)


class _ValuesDtype:
    def __call__(self, part: pd.DataFrame) -> pd.Series:
        return pd.Series([part.values.dtype] if len(part) else [], dtype=object)

    def __repr__(self) -> str:
        return "values dtype"


def _tuples(obj: Any, index: bool, make: Any) -> Iterator[tuple[Any, ...]]:
    for part in partitions(obj):
        rows = part.itertuples(index=index, name=None)
        yield from rows if make is None else map(make, rows)


def _values(obj: Any) -> Iterator[Any]:
    for part in partitions(obj):
        yield from iter(part)


def _pairs(obj: Any) -> Iterator[tuple[Hashable, Any]]:
    for part in partitions(obj):
        yield from zip(iter(part.index), iter(part), strict=True)


class _ColumnAt:
    """A partition's column at position ``i`` (labels may repeat, or be a MultiIndex's)."""

    def __init__(self, i: int) -> None:
        self.i = i

    def __call__(self, part: pd.DataFrame) -> pd.Series:
        return part.iloc[:, self.i]

    def __repr__(self) -> str:
        return f"iloc[:, {self.i}]"


class FrameIterationMethods:
    """Mixed into ``DataFrame``."""

    def itertuples(self: Any, index: bool = True, name: str | None = "Pandas") -> Any:
        """Rows as namedtuples (plain tuples with ``name=None``), as pandas, computing one
        partition at a time.

        >>> import dframe
        >>> df = dframe.DataFrame({"a": [1, 2], "b": ["x", "y"]}, npartitions=2)
        >>> list(df.itertuples(name=None))
        [(0, 1, 'x'), (1, 2, 'y')]
        """
        fields = list(self._meta.columns)
        if index:
            fields.insert(0, "Index")
        make = None
        if name is not None:
            # One class for every row (pandas makes it once per call), made now so that a bad
            # ``name`` raises at the call, as in pandas.
            make = collections.namedtuple(name, fields, rename=True)._make  # type: ignore[misc]
        return _tuples(self, bool(index), make)

    def iterrows(self: Any) -> Iterator[tuple[Hashable, pd.Series]]:
        """``(label, row as a Series)`` pairs, as pandas, computing one partition at a time."""
        dtype = _rows_dtype(self)
        for part in partitions(self):
            values = part.values
            if dtype is None or values.dtype == dtype:
                yield from part.iterrows()
                continue
            for label, row in zip(part.index, values.astype(dtype), strict=True):
                yield label, pd.Series(row, index=part.columns, name=label)

    def items(self: Any) -> Iterator[tuple[Hashable, pd.Series]]:
        """``(column label, column as a pandas Series)`` pairs, computing one column at a time.

        Columns of data as read (or computed before) are selected where they are; a frame
        still to be computed is computed once, into the object store, and each column read
        from there — selecting a column from the plan would compute the plan once per column.
        """
        columns = self._meta.columns
        if len(columns) and not _reads_only(self._plan):
            lower.compute(self._plan)
        by_label = columns.is_unique and not isinstance(columns, pd.MultiIndex)
        for i, label in enumerate(columns):
            if by_label:
                column = self._new(N.Project(self._plan, (label,), series=True))
            else:
                fn = _ColumnAt(i)
                column = self._map(fn, meta=fn(self._meta), label=repr(fn), probe=False)
            yield label, column.to_pandas()


class SeriesIterationMethods:
    """Mixed into ``Series``."""

    def __iter__(self: Any) -> Iterator[Any]:
        return _values(self)

    def items(self: Any) -> Iterator[tuple[Hashable, Any]]:
        """``(label, value)`` pairs, as pandas, computing one partition at a time.

        >>> import dframe
        >>> list(dframe.Series([1.5, 2.5], index=["x", "y"], npartitions=2).items())
        [('x', 1.5), ('y', 2.5)]
        """
        return _pairs(self)
