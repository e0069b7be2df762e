"""pandas' GroupBy over the collected data: what a groupby dframe does not do natively."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.groupby import grouped as G


class FallbackGroupBy:
    """pandas' GroupBy over the collected data, made when a method is used (so a native
    GroupBy can keep one for what it does not do). Uses go through a ``FallbackObject``:
    results are dframe objects, each method warns once."""

    def __init__(
        self,
        obj: Any,
        by: Any,
        level: Any,
        options: dict[str, Any],
        selection: Any = G.NONE,
    ):
        self.obj, self.by, self.level, self.options, self.selection = (
            obj,
            by,
            level,
            options,
            selection,
        )

    def select(self, selection: Any) -> FallbackGroupBy:
        return FallbackGroupBy(self.obj, self.by, self.level, self.options, selection)

    def pandas(self) -> Any:
        data = self.obj.to_pandas()
        by, _ = fallback.to_pandas(self.by)
        options = dict(self.options)
        if isinstance(data, pd.Series):
            options.pop("as_index", None)
        gb = data.groupby(by=by, level=self.level, **options)
        return gb if self.selection is G.NONE else gb[self.selection]

    def _proxy(self) -> fallback.FallbackObject:
        return fallback.FallbackObject(self.pandas(), self.obj.npartitions)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._proxy(), name)(*args, **kwargs)

    def _pandas_type(self) -> type:
        series = isinstance(self.obj._meta, pd.Series) or (
            self.selection is not G.NONE and not isinstance(self.selection, list)
        )
        return (
            pd.core.groupby.SeriesGroupBy
            if series
            else pd.core.groupby.DataFrameGroupBy
        )

    def __getitem__(self, key: Any) -> FallbackGroupBy:
        return self.select(key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        meta, kind = self.obj._meta, self._pandas_type()
        try:
            static = inspect.getattr_static(kind, name)
        except AttributeError:
            if (
                self.selection is G.NONE
                and isinstance(meta, pd.DataFrame)
                and name in set(meta.columns)
            ):
                return self.select(name)
            msg = f"{kind.__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg) from None
        if not (
            inspect.isfunction(static) or isinstance(static, functools.partialmethod)
        ):
            return getattr(self._proxy(), name)  # groups, indices, plot ...

        # Data is collected when the method is called, not when it is looked up.
        @functools.wraps(getattr(kind, name))
        def method(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs)

        return method

    def __iter__(self) -> Any:
        return iter(self._proxy())

    def __len__(self) -> int:
        return len(self.pandas())
