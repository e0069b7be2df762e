"""pandas' ``select_dtypes``, ``equals``, ``to_dict`` and ``transpose``/``T`` of DataFrame and
Series.

``select_dtypes`` is metadata: pandas picks the columns from the dtypes the plan knows, and
each partition keeps those (a projection). ``equals`` compares partition with partition, in
parallel, where both objects have their rows in partitions of the same lengths (one boolean per
partition comes back to the driver); otherwise both are computed and pandas compares them.
``to_dict`` and ``transpose`` answer with all of the data in the driver, so they compute it and
let pandas shape it — after checking that it fits, as a fallback would (a transposed frame is
cut into partitions again; one too big for the driver takes the fallback's path, which says so).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.execution import lower
from dframe.execution.executors import SyncExecutor
from dframe.fallback import memory
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject, from_pandas

_no_default = object()


def _checked_on_meta(meta: Any, name: str, *args: Any, **kwargs: Any) -> None:
    """pandas' errors for the arguments, at the call and without computing, from the metadata
    (its warnings are left to the call on the data, which gives them once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(meta, name)(*args, **kwargs)


def _same_rows(a: Any, b: Any) -> bool | None:
    """pandas' ``equals`` of two partitions holding the same rows of two objects; None when
    both are empty: an empty partition's dtypes do not count (as when they are collected)."""
    if len(a) == 0 and len(b) == 0:
        return None
    return bool(a.equals(b))


def _same_partitions(a: Any, b: Any) -> bool | None:
    """``a.equals(b)`` partition by partition, or None if their partitions do not line up
    (other lengths, or stored by executors that cannot read each other's)."""
    lengths = lower.partition_lengths(a._plan)
    if lengths != lower.partition_lengths(b._plan):
        return None
    left, right = lower.compute(a._plan), lower.compute(b._plan)
    ex = left.executor
    both_local = isinstance(ex, SyncExecutor) and isinstance(right.executor, SyncExecutor)
    if not (both_local or ex == right.executor):
        return None
    pairs = list(zip(left.handles, right.handles, strict=True))
    verdicts = ex.get([ex.submit(_same_rows, x, y) for x, y in pairs])
    if False in verdicts:
        return False
    if any(verdicts):
        return True
    # No rows at all: collected, each is its first partition, which pandas compares whole.
    (x, y) = pairs[0]
    return bool(ex.get(ex.submit(_compare_whole, x, y)))


def _compare_whole(a: Any, b: Any) -> bool:
    return bool(a.equals(b))


class ConversionMethods:
    """Mixed into ``DataFrame`` and ``Series``."""

    def equals(self: Any, other: Any) -> bool:
        """Whether ``other`` has the same shape, labels, dtypes and elements (missing values in
        the same places are equal), as pandas; a pandas object is compared with the data.

        >>> import dframe
        >>> a = dframe.DataFrame({"x": [1.0, None]}, npartitions=2)
        >>> a.equals(a + 0), a.equals(a.astype("float32"))
        (True, False)
        """
        if isinstance(other, pd.DataFrame | pd.Series):
            return bool(self.to_pandas().equals(other))
        if not isinstance(other, DframeObject) or type(other._meta) is not type(self._meta):
            return False  # pandas: only an object of the same kind can be equal
        self._known_meta()
        other._known_meta()
        if self.ndim == 2 and not self._meta.columns.equals(other._meta.columns):
            return False
        verdict = _same_partitions(self, other)
        if verdict is None:
            return bool(self.to_pandas().equals(other.to_pandas()))
        return verdict


class FrameConversionMethods(ConversionMethods):
    """Mixed into ``DataFrame``."""

    def transpose(self: Any, *args: Any, copy: Any = _no_default) -> Any:
        """Rows as columns and columns as rows, as pandas: the data is collected, transposed by
        pandas and cut into partitions again (each result column is a row of this frame).

        >>> import dframe
        >>> dframe.DataFrame({"a": [1, 2], "b": [3, 4]}).transpose().to_pandas().values.tolist()
        [[1, 2], [3, 4]]
        """
        kwargs = {} if copy is _no_default else {"copy": copy}
        _checked_on_meta(self._meta, "transpose", *args, **kwargs)
        # (data too big for the driver takes the fallback's path, which names ``transpose``)
        return self._transposed("transpose", args, kwargs)

    @property
    def T(self: Any) -> Any:  # noqa: N802 - pandas' name
        # (data too big for the driver takes the fallback's path, which names ``T``)
        return self._transposed("T", (), {})

    def _transposed(self: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not memory.fits(memory.collected_bytes(self)):
            # Too big to collect: the fallback's path, whose MemoryError names the method.
            if name == "T":
                return fallback.attribute(self, "T")
            return fallback.call_method(self, name, args, kwargs)
        out = self.to_pandas().transpose(*args, **kwargs)
        return from_pandas(out, npartitions=max(1, min(self.npartitions, len(out))))

    def select_dtypes(self: Any, include: Any = None, exclude: Any = None) -> Any:
        """The columns whose dtypes ``include`` names and ``exclude`` does not, as pandas,
        chosen from the metadata (no data is read).

        >>> import dframe
        >>> df = dframe.DataFrame({"a": [1], "b": ["x"], "c": [1.5]})
        >>> list(df.select_dtypes("number").columns)
        ['a', 'c']
        """
        picked = self._known_meta().select_dtypes(include=include, exclude=exclude)
        columns = self._meta.columns
        # (a list of bool labels would select as a mask: unstack's [True] columns)
        bools = any(isinstance(c, bool | np.bool_) for c in columns)
        if columns.is_unique and not isinstance(columns, pd.MultiIndex) and not bools:
            return self._new(N.Project(self._plan, tuple(picked.columns)))
        fn = MethodCall("select_dtypes", include=include, exclude=exclude)
        return self._map(fn, meta=picked, label="select_dtypes", probe=False)

    def to_dict(self: Any, orient: str = "dict", *, into: Any = dict, index: bool = True) -> Any:
        """The data as a dict (or a list of dicts with ``orient="records"``), as pandas.

        >>> import dframe
        >>> dframe.DataFrame({"a": [1, 2]}, npartitions=2).to_dict("list")
        {'a': [1, 2]}
        """
        _checked_on_meta(self._known_meta(), "to_dict", orient, into=into, index=index)
        memory.check_collect("DataFrame.to_dict", self)
        return self.to_pandas().to_dict(orient, into=into, index=index)


class SeriesConversionMethods(ConversionMethods):
    """Mixed into ``Series``."""

    def transpose(self: Any, *args: Any, **kwargs: Any) -> Any:
        """A Series is its own transpose (pandas' argument errors still apply)."""
        _checked_on_meta(self._meta, "transpose", *args, **kwargs)
        return self

    T = property(transpose)

    def to_dict(self: Any, *, into: Any = dict) -> Any:
        """``{label: value}``, as pandas.

        >>> import dframe
        >>> dframe.Series([1.5, 2.5], index=["x", "y"]).to_dict()
        {'x': 1.5, 'y': 2.5}
        """
        _checked_on_meta(self._known_meta(), "to_dict", into=into)
        memory.check_collect("Series.to_dict", self)
        return self.to_pandas().to_dict(into=into)
