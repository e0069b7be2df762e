"""``dframe.Series``: pandas' Series API over a partitioned plan."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import MethodCall
from dframe.core import display
from dframe.core.accessors import AccessorMixin
from dframe.core.collection import Collection
from dframe.core.combining import CombineMethods
from dframe.core.conversion import SeriesConversionMethods
from dframe.core.correlation import SeriesCorrelationMethods
from dframe.core.distinct import DistinctMethods
from dframe.core.filling import FillMethods
from dframe.core.interpolation import InterpolateMethods
from dframe.core.info import InfoMethods
from dframe.core.interop import InteropMethods
from dframe.core.iteration import SeriesIterationMethods
from dframe.core.mutation import SeriesMutationMethods
from dframe.core.replacing import ReplacingMethods
from dframe.core.sampling import SampleMethods
from dframe.core.summaries import SummaryMethods
from dframe.core.values import ValueMethods
from dframe.fallback.inplace import NO_DEFAULT, flag
from dframe.io import api, json_output
from dframe.plan import nodes as N
from dframe.plan.wrap import from_pandas, set_classes


class Series(
    FillMethods,
    ReplacingMethods,
    InterpolateMethods,
    SeriesMutationMethods,
    AccessorMixin,
    ValueMethods,
    SummaryMethods,
    SeriesCorrelationMethods,
    DistinctMethods,
    InfoMethods,
    InteropMethods,
    SampleMethods,
    CombineMethods,
    SeriesIterationMethods,
    SeriesConversionMethods,
    Collection,
):
    """A pandas-compatible Series whose rows are split into partitions computed in parallel.

    >>> s = Series([1, 2, 3], name="x", npartitions=2)
    >>> (s * 2).to_pandas().tolist()
    [2, 4, 6]
    """

    def __init__(
        self,
        data: Any = None,
        index: Any = None,
        dtype: Any = None,
        name: Any = None,
        copy: bool | None = None,
        npartitions: int | None = None,
    ):
        if isinstance(data, Series) and index is None and dtype is None and name is None:
            plan = data._plan if npartitions is None else N.Repartition(data._plan, npartitions)
            self._plan = plan
            return
        data, _ = fallback.to_pandas(data)
        ps = pd.Series(data, index=index, dtype=dtype, name=name, copy=copy)
        self._plan = from_pandas(ps, npartitions=npartitions)._plan

    @property
    def name(self) -> Hashable:
        return self._meta.name

    @name.setter
    def name(self, value: Hashable) -> None:
        self._replace_plan(self.rename(value)._plan)

    @property
    def dtype(self) -> Any:
        return self._known_meta().dtype

    dtypes = dtype

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def size(self) -> int:
        return len(self)

    def __contains__(self, key: Any) -> bool:
        return key in self.index

    def __repr__(self) -> str:
        return display.series_repr(self)

    def __getitem__(self, key: Any) -> Any:
        if callable(key):  # pandas calls it with the Series (s[lambda s: s > 1])
            key = key(self)
        if isinstance(key, Collection) and isinstance(key._meta, pd.Series):
            if pd.api.types.is_bool_dtype(key._meta.dtype) and self._aligned(key):
                return self._filter(key)
        return fallback.call_method(self, "__getitem__", (key,), {})

    def rename(
        self,
        index: Any = None,
        *,
        axis: Any = None,
        copy: Any = None,
        inplace: Any = NO_DEFAULT,
        level: Any = None,
        errors: str = "ignore",
    ) -> Any:
        if not pd.api.types.is_scalar(index) and index is not None:
            kwargs = dict(index=index, axis=axis, inplace=inplace, level=level, errors=errors)
            return fallback.call_method(self, "rename", (), kwargs)
        fn = MethodCall("rename", index)
        out = self._inplace(self._map(fn, meta=fn(self._meta), label="rename"), inplace, "rename")
        return self if flag(inplace) else out  # pandas returns the Series renamed in place

    def dropna(
        self, *, axis: Any = 0, inplace: Any = NO_DEFAULT, how: Any = None, ignore_index: bool = False
    ) -> Any:
        if ignore_index:
            return fallback.call_method(
                self, "dropna", (), {"ignore_index": True, "inplace": inplace}
            )
        fn = MethodCall("dropna")
        out = self._map(fn, meta=self._meta, label="dropna", preserves_rows=False)
        return self._inplace(out, inplace, "dropna")

    def to_frame(self, name: Any = None) -> Any:
        fn = MethodCall("to_frame") if name is None else MethodCall("to_frame", name)
        return self._map(fn, meta=fn(self._meta), label="to_frame")

    def to_csv(self, path_or_buf: Any = None, **kwargs: Any) -> str | None:
        return api.to_csv(self, path_or_buf, **kwargs)

    def to_json(self, path_or_buf: Any = None, **kwargs: Any) -> str | None:
        return json_output.to_json(self, path_or_buf, **kwargs)


set_classes(Series=Series)
