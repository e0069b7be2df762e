"""``dframe.DataFrame``: pandas' DataFrame API over a partitioned plan."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import MethodCall, SetColumns
from dframe.core import assignment, display
from dframe.core.collection import Collection, _no_default
from dframe.core.combining import CombineMethods
from dframe.core.conversion import FrameConversionMethods
from dframe.core.correlation import FrameCorrelationMethods
from dframe.core.distinct import DistinctMethods
from dframe.core.filling import FillMethods
from dframe.core.interpolation import InterpolateMethods
from dframe.core.info import InfoMethods
from dframe.core.interop import InteropMethods
from dframe.core.iteration import FrameIterationMethods
from dframe.core.mutation import FrameMutationMethods
from dframe.core.replacing import ReplacingMethods
from dframe.core.row_labels import FrameRowLabelMethods
from dframe.core.sampling import SampleMethods
from dframe.core.summaries import SummaryMethods
from dframe.core.values import ValueMethods
from dframe.fallback.inplace import NO_DEFAULT
from dframe.io import api
from dframe.io import json_output
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import from_pandas, set_classes


class DataFrame(
    FillMethods,
    ReplacingMethods,
    InterpolateMethods,
    FrameMutationMethods,
    FrameRowLabelMethods,
    ValueMethods,
    SummaryMethods,
    FrameCorrelationMethods,
    DistinctMethods,
    InfoMethods,
    InteropMethods,
    SampleMethods,
    CombineMethods,
    FrameIterationMethods,
    FrameConversionMethods,
    Collection,
):
    """A pandas-compatible DataFrame whose rows are split into partitions computed in parallel.

    Accepts everything ``pandas.DataFrame`` accepts, plus ``npartitions`` (default: one
    partition per ``partition_bytes`` of data).

    >>> df = DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]}, npartitions=2)
    >>> df.npartitions
    2
    >>> (df.a + df.b).sum()
    np.float64(21.0)
    """

    def __init__(
        self,
        data: Any = None,
        index: Any = None,
        columns: Any = None,
        dtype: Any = None,
        copy: bool | None = None,
        npartitions: int | None = None,
    ):
        if isinstance(data, DataFrame) and index is None and columns is None and dtype is None:
            plan = data._plan if npartitions is None else N.Repartition(data._plan, npartitions)
            self._plan = plan
            return
        data, _ = fallback.to_pandas(data)
        pdf = pd.DataFrame(data, index=index, columns=columns, dtype=dtype, copy=copy)
        self._plan = from_pandas(pdf, npartitions=npartitions)._plan

    # -- shape and labels ------------------------------------------------------------------------

    @property
    def columns(self) -> pd.Index:
        return self._meta.columns

    @columns.setter
    def columns(self, labels: Any) -> None:
        fn = SetColumns(pd.Index(labels))
        self._replace_plan(self._map(fn, meta=fn(self._meta), label=repr(fn))._plan)

    @property
    def dtypes(self) -> pd.Series:
        return self._known_meta().dtypes

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), len(self.columns)

    @property
    def size(self) -> int:
        return len(self) * len(self.columns)

    @property
    def axes(self) -> list[pd.Index]:
        return [self.index, self.columns]

    def keys(self) -> pd.Index:
        return self.columns

    def __iter__(self) -> Any:
        return iter(self.columns)

    def __contains__(self, key: Any) -> bool:
        return key in self.columns

    def __repr__(self) -> str:
        return display.frame_repr(self)

    def _repr_html_(self) -> str | None:
        return display.frame_html(self)

    def __getattr__(self, name: str) -> Any:
        # pandas' own attributes win over columns (df.sum is the method even with a "sum" column);
        # a column with a private-looking name is still one (merge(indicator=True)'s ``_merge``).
        plan = self.__dict__.get("_plan")  # (none yet while unpickling)
        if plan is not None and not name.startswith("__") and not hasattr(pd.DataFrame, name):
            if name in plan.meta.columns:
                return self[name]
        return super().__getattr__(name)

    # -- columns ---------------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> Any:
        if callable(key):  # pandas calls it with the frame (df[lambda d: d.x > 1]) before all else
            key = key(self)
        if isinstance(key, Collection):
            if isinstance(key._meta, pd.Series) and pd.api.types.is_bool_dtype(key._meta.dtype):
                if N.division_of(key._plan.partitioning) == N.division_of(self._plan.partitioning):
                    return self._filter(key)
            return fallback.call_method(self, "__getitem__", (key,), {})
        columns = self._meta.columns
        if isinstance(key, list | pd.Index) and not any(isinstance(k, bool) for k in key):
            if isinstance(columns, pd.MultiIndex):
                key = self._meta[key].columns  # first-level labels select all under them
            return self._new(N.Project(self._plan, tuple(key)))
        if isinstance(columns, pd.MultiIndex) and isinstance(key, Hashable):
            return self._select_levels(key)
        if isinstance(key, Hashable) and not isinstance(key, slice | tuple):
            if key not in set(columns):
                raise _missing(key, columns)
            return self._new(N.Project(self._plan, (key,), series=True))
        return fallback.call_method(self, "__getitem__", (key,), {})

    def _select_levels(self, key: Hashable) -> Any:
        """``df[key]`` with MultiIndex columns: a whole label is one column; a first-level label
        (``agg(...)["amount"]``) the sub-frame pandas returns, by pandas' own selection in each
        partition after a projection of the columns under it."""
        columns = self._meta.columns
        picked = self._meta[key]  # pandas' KeyError
        if isinstance(picked, pd.Series) and key in set(columns):
            return self._new(N.Project(self._plan, (key,), series=True))
        where = columns.get_loc(key)
        labels = [columns[where]] if isinstance(where, int) else list(columns[where])
        projected = self._new(N.Project(self._plan, tuple(labels)))
        return projected._map(MethodCall("__getitem__", key), meta=picked, label=f"[{key!r}]")

    def assign(self, **kwargs: Any) -> DataFrame:
        """New columns (later ones may refer to earlier ones through callables)."""
        out: DataFrame = self
        for name, value in kwargs.items():
            if callable(value):
                value = value(out)
            plan = None
            if not isinstance(self._meta.columns, pd.MultiIndex):
                plan = assignment.column(out._plan, name, value)
            if plan is None:
                return fallback.call_method(out, "assign", (), {name: value, **_rest(kwargs, name)})
            out = self._new(plan)
        return out

    def drop(
        self,
        labels: Any = None,
        *,
        axis: Any = 0,
        index: Any = None,
        columns: Any = None,
        level: Any = None,
        inplace: Any = NO_DEFAULT,
        errors: str = "raise",
    ) -> Any:
        by_columns = columns is not None or (labels is not None and axis in (1, "columns"))
        if index is not None or level is not None or not by_columns:
            kwargs = dict(
                labels=labels,
                axis=axis,
                index=index,
                columns=columns,
                level=level,
                inplace=inplace,
                errors=errors,
            )
            return fallback.call_method(self, "drop", (), kwargs)
        # pandas validates the labels and raises its own KeyError.
        dropped = labels if columns is None else columns
        kept = self._meta.drop(columns=dropped, errors=errors)
        if self._meta.columns.has_duplicates:
            # (a projection selects by label: a repeated label kept would be taken twice)
            fn = MethodCall("drop", columns=dropped, errors=errors)
            return self._inplace(self._map(fn, meta=kept, label="drop"), inplace, "drop")
        return self._inplace(self._new(N.Project(self._plan, tuple(kept.columns))), inplace, "drop")

    def rename(
        self,
        mapper: Any = None,
        *,
        index: Any = None,
        columns: Any = None,
        axis: Any = None,
        copy: Any = None,
        inplace: Any = NO_DEFAULT,
        level: Any = None,
        errors: str = "ignore",
    ) -> Any:
        if mapper is not None and axis in (1, "columns"):
            columns, mapper = mapper, None
        if mapper is not None or index is not None or level is not None:
            kwargs = dict(
                mapper=mapper,
                index=index,
                columns=columns,
                axis=axis,
                inplace=inplace,
                level=level,
                errors=errors,
            )
            return fallback.call_method(self, "rename", (), kwargs)
        fn = MethodCall("rename", columns=columns, errors=errors)
        return self._inplace(self._map(fn, meta=fn(self._meta), label="rename"), inplace, "rename")

    def dropna(
        self,
        *,
        axis: Any = 0,
        how: Any = _no_default,
        thresh: Any = None,
        subset: Any = None,
        inplace: Any = NO_DEFAULT,
        ignore_index: bool = False,
    ) -> Any:
        kwargs: dict[str, Any] = {"axis": axis, "subset": subset}
        if how is not _no_default:
            kwargs["how"] = how
        if thresh is not None:
            kwargs["thresh"] = thresh
        if axis not in (0, "index") or ignore_index:
            return fallback.call_method(
                self, "dropna", (), {**kwargs, "inplace": inplace, "ignore_index": ignore_index}
            )
        fn = MethodCall("dropna", **kwargs)
        fn(self._meta)  # pandas' argument errors, raised here
        out = self._map(fn, meta=self._meta, label="dropna", preserves_rows=False)
        return self._inplace(out, inplace, "dropna")

    def to_frame(self) -> DataFrame:
        return self

    # -- output ----------------------------------------------------------------------------------

    def to_parquet(self, path: Any, **kwargs: Any) -> None:
        api.to_parquet(self, path, **kwargs)

    def to_csv(self, path_or_buf: Any = None, **kwargs: Any) -> str | None:
        return api.to_csv(self, path_or_buf, **kwargs)

    def to_json(self, path_or_buf: Any = None, **kwargs: Any) -> str | None:
        return json_output.to_json(self, path_or_buf, **kwargs)


def _rest(kwargs: dict[str, Any], name: str) -> dict[str, Any]:
    keys = list(kwargs)
    return {k: kwargs[k] for k in keys[keys.index(name) + 1 :]}


def _missing(key: Any, columns: pd.Index) -> KeyError:
    return M.missing_columns_error([key], columns)


set_classes(DataFrame=DataFrame)
