"""What DataFrame and Series share: a plan instead of data, computing it, element-wise
operators, missing-data methods, ``head``/``tail``, reductions and the pandas fallback.

A collection holds exactly one thing, ``_plan``. Every method returns a new collection over a
new plan node; pandas' in-place operations replace ``_plan`` (the old plan, shared with other
collections, is untouched).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra import tree_reduce
from dframe.algebra.elementwise import ARITHMETIC, COMPARISON, BinaryOp, MethodCall, UnaryOp
from dframe.algebra.rows import index_of
from dframe.core import categorize, formatting, row_labels
from dframe.core.cross_section import CrossSectionMethods
from dframe.core.indexing import IndexingMethods
from dframe.execution import lower
from dframe.execution.executors import in_partition_task
from dframe.optimize import optimize, topk
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan import value_dtypes
from dframe.plan.wrap import DframeObject, from_pandas, wrap_plan

_no_default = object()


def _is_scalar(value: Any) -> bool:
    return pd.api.types.is_scalar(value) or value is None


class Collection(
    IndexingMethods, CrossSectionMethods, row_labels.RowLabelMethods, DframeObject
):
    """Base of DataFrame and Series."""

    _plan: N.Node
    __array_priority__ = 1000  # numpy defers `ndarray <op> dframe` to our reflected operators

    def __new__(cls, *args: Any, npartitions: int | None = None, **kwargs: Any) -> Any:
        if in_partition_task():
            # Inside a partition function (user code given to ``apply`` ...) data is pandas'.
            return getattr(pd, cls.__name__)(*args, **kwargs)
        return object.__new__(cls)

    # -- plan and computation ------------------------------------------------------------------

    @property
    def _meta(self) -> Any:
        return self._plan.meta

    @property
    def npartitions(self) -> int:
        """Number of row partitions."""
        return self._plan.npartitions

    def _new(self, plan: N.Node, dtypes_from_values: bool = False) -> Any:
        """The collection standing for ``plan``. ``dtypes_from_values``: pandas picks the
        result's dtypes from its values, so they are settled when it is computed
        (``plan.value_dtypes``)."""
        return wrap_plan(value_dtypes.SettleDtypes(plan) if dtypes_from_values else plan)

    def _known_meta(self) -> Any:
        """The metadata, computing the result first when its dtypes depend on its values (asking
        for them is asking for the data's): later operations then plan with the true ones."""
        if value_dtypes.unsettled(self._plan):
            self._plan = lower.compute(self._plan)
        return self._plan.meta

    def copy(self, deep: bool = True) -> Any:
        """A new object over the same immutable plan: in-place changes to either one swap only
        that object's plan, so sharing the plan (and computed partitions) is a true copy."""
        return self._new(self._plan)

    def _replace_plan(self, plan: N.Node) -> None:
        """In-place operations: this object now stands for ``plan``."""
        self._plan = plan

    def _replace_data(self, data: Any) -> None:
        n = max(1, min(self.npartitions, len(data)))
        self._replace_plan(from_pandas(data, npartitions=n)._plan)

    def _map(
        self,
        fn: Any,
        *others: Collection,
        meta: Any = None,
        label: str = "",
        by_values: bool = False,
        probe: bool = True,
        **flags: Any,
    ) -> Any:
        """``fn`` on each partition (of ``self`` and the aligned ``others``). The result's dtypes
        are settled when computed if pandas picks them from the values: where ``by_values``
        says so (a map through a dict: do all values hit?) or stand-ins of missing values and
        zeros show it (a mask leaving NaN in ints, ``dt.day`` over NaT); ``probe=False`` where
        ``meta`` is exact whatever the values."""
        inputs = (self._plan, *(o._plan for o in others))
        metas = [i.meta for i in inputs]
        empty = all(i.known_empty for i in inputs)
        if empty:
            # No values to pick dtypes from: pandas' answer is the one for no rows.
            exact = M.meta_of_no_rows(fn, *metas)
            meta = meta if exact is None else exact
        if meta is None:
            try:
                meta = M.infer_meta(fn, *metas)
            except Exception:
                if any(value_dtypes.unsettled(i) for i in inputs):
                    # pandas refused the guessed dtypes of values not computed yet (a str
                    # column ``fillna(0)`` may have made object): the error is only pandas' if
                    # the data's dtypes give it too
                    for obj in (self, *others):
                        obj._known_meta()
                    return self._map(fn, *others, label=label, by_values=by_values,
                                     probe=probe, **flags)  # fmt: skip
                meta = M.logical_of_missing_floats(fn, *metas)
                if meta is None:
                    raise
                # pandas answers ``f & g`` of floats only when all are NaN: the data decides,
                # when computed (pandas' TypeError there otherwise)
                by_values = True
        plan = N.MapPartitions(fn, inputs, meta, label=label or repr(fn), **flags)
        by_values = by_values or (
            probe
            and M.depends_on_values(fn, meta, *metas, columnwise=bool(flags.get("columnwise")))
        )
        return self._new(plan, not empty and by_values)

    def to_pandas(self) -> Any:
        """Compute and return the result as a pandas object."""
        out = lower.collect(self._plan)
        if isinstance(out, pd.DataFrame | pd.Series):
            # The computed result is cached and shared by every object over this plan (with one
            # partition it *is* that partition): the caller gets an object of its own, which
            # Copy-on-Write keeps from writing into the shared data — as long as that data has
            # a second owner alive (it may be read-only shared memory), hence the reference.
            shared, out = out, out.copy(deep=False)
            object.__setattr__(out, "_dframe_shares", shared)
        return out

    def compute(self) -> Any:
        """Alias of ``to_pandas`` (the dask spelling)."""
        return self.to_pandas()

    def persist(self) -> Any:
        """Compute the partitions now and keep them in the object store; returns ``self``."""
        mat = lower.compute(self._plan)
        mat.executor.wait(list(mat.handles))
        return self

    def explain(self) -> None:
        """Print the optimized plan: what would run to compute this object."""
        print(N.format_plan(optimize(self._plan)))

    def __len__(self) -> int:
        return sum(lower.partition_lengths(self._plan))

    @property
    def index(self) -> pd.Index:
        if self._plan.range_index and self._plan.lengths is not None:
            return pd.RangeIndex(sum(self._plan.lengths))
        parts = lower.collect_partitions(
            self._map(index_of, meta=pd.Series([], dtype=object), preserves_rows=False)._plan
        )
        if not parts:
            return self._meta.index
        # Empty partitions' labels do not vote on the dtype (as in ``lower.collect``).
        full = [p for p in parts if len(p)] or parts[:1]
        joined = full[0].append(full[1:]) if len(full) > 1 else full[0]
        if full[0].dtype == object and joined.dtype != object:
            joined = joined.astype(object)  # append re-infers an object index of ints
        return joined

    @index.setter
    def index(self, labels: Any) -> None:
        row_labels.set_labels(self, labels)

    @property
    def empty(self) -> bool:
        return len(self) == 0 or (
            isinstance(self._meta, pd.DataFrame) and len(self._meta.columns) == 0
        )

    @property
    def ndim(self) -> int:
        return self._meta.ndim

    def to_numpy(
        self, dtype: Any = None, copy: bool = False, na_value: Any = _no_default
    ) -> np.ndarray:
        kwargs = {} if na_value is _no_default else {"na_value": na_value}
        return self.to_pandas().to_numpy(dtype=dtype, copy=copy, **kwargs)

    @property
    def values(self) -> Any:
        return self.to_pandas().values

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.asarray(self.to_pandas(), dtype=dtype)

    def __bool__(self) -> bool:
        return bool(self._meta)  # pandas' own "truth value ... is ambiguous" ValueError

    __hash__ = None  # type: ignore[assignment]  # like pandas: mutable, so unhashable

    def __getattr__(self, name: str) -> Any:
        # Private names are not pandas API; IPython also probes _repr_latex_ and friends, which
        # must not collect the data.
        if name.startswith("_"):
            msg = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg)
        if name in ("str", "dt"):
            getattr(self._meta, name)  # the accessor refused this dtype: pandas' error, no data
        return fallback.attribute(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(dir(type(self._meta))))

    # -- element-wise operators ----------------------------------------------------------------

    def _binary(self, name: str, other: Any, reflected: bool = False) -> Any:
        if _is_scalar(other):
            fn = BinaryOp(name, other, reflected)
            return self._map(fn, columnwise=True)
        if isinstance(other, Collection) and self._aligned(other):
            return self._map(BinaryOp(name, reflected=reflected), other)
        # Unaligned partitions, array-likes, frame-with-series broadcasting: pandas decides.
        dunder = f"__{'r' if reflected else ''}{name.rstrip('_')}__"
        return fallback.call_method(self, dunder, (other,), {})

    def _aligned(self, other: Collection) -> bool:
        same_kind = isinstance(self._meta, pd.DataFrame) == isinstance(other._meta, pd.DataFrame)
        return same_kind and self._plan.partitioning == other._plan.partitioning

    def __neg__(self) -> Any:
        return self._map(UnaryOp("neg"), columnwise=True)

    def __pos__(self) -> Any:
        return self._map(UnaryOp("pos"), columnwise=True)

    def __abs__(self) -> Any:
        return self._map(UnaryOp("abs"), columnwise=True)

    def __invert__(self) -> Any:
        return self._map(UnaryOp("invert"), columnwise=True)

    def abs(self) -> Any:
        return self.__abs__()

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs (``np.sqrt(s)``, ``np.add(df, 1)``) element-wise per partition, returning
        dframe objects as pandas returns pandas objects."""
        frames = [x for x in inputs if isinstance(x, Collection)]
        elementwise = (
            method == "__call__"
            and not kwargs
            and ufunc.nout == 1
            and all(
                (isinstance(x, Collection) and self._aligned(x)) or _is_scalar(x) for x in inputs
            )
        )
        if not elementwise:
            fallback.warn(f"numpy.{ufunc.__name__}")
            args, _ = fallback.to_pandas(inputs)
            result = getattr(ufunc, method)(*args, **kwargs)
            return fallback.wrap(result, self.npartitions)
        # Positions by identity: ``==`` on collections is element-wise.
        position = {id(f): i for i, f in enumerate(frames)}
        slots = tuple(
            ("input", position[id(x)]) if isinstance(x, Collection) else ("scalar", x)
            for x in inputs
        )
        fn = UfuncCall(ufunc, slots)
        return frames[0]._map(fn, *frames[1:], columnwise=len(frames) == 1)

    # -- missing data and dtypes -----------------------------------------------------------------

    def isna(self) -> Any:
        return self._map(MethodCall("isna"), columnwise=True)

    def notna(self) -> Any:
        return self._map(MethodCall("notna"), columnwise=True)

    isnull = isna
    notnull = notna

    def astype(self, dtype: Any, copy: bool | None = None, errors: str = "raise") -> Any:
        # Each partition would infer its own categories; pandas infers them from all rows:
        # find them first (one pass per column), then every partition uses the same ones.
        dtype = self._with_categories(dtype)
        fn = MethodCall("astype", dtype, errors=errors)
        # Made-up sample values might not convert ("a" to int); the empty meta always does.
        meta = fn(self._meta)  # pandas' KeyError for a column the mapping names wrongly
        columnwise = isinstance(dtype, dict) and self.ndim == 2
        if columnwise or isinstance(dtype, pd.CategoricalDtype):
            fn = categorize.Astype(dtype, errors, columnwise)
        plan = formatting.astype_plan(self._plan, fn, meta)  # datetimes as text: one format
        if plan is not None:
            return self._new(plan)
        # The result's dtypes are the ones asked for, whatever the values: no stand-in probe
        # (which would code made-up values against every category).
        return self._map(fn, meta=meta, columnwise=True, probe=False)

    def _with_categories(self, dtype: Any) -> Any:
        """``dtype`` with every "category" (categories to infer) replaced by the categories
        pandas infers from all the rows of its column."""
        def infer(column: Any, target: Any) -> Any:
            if not _needs_categories(target):
                return target
            if isinstance(column._meta.dtype, pd.CategoricalDtype):
                # pandas keeps a categorical's own categories (and order, unless told)
                return column._meta.dtype.update_dtype(target)
            ordered = bool(getattr(target, "ordered", False))
            return categorize.sorted_categories(column.unique(), ordered)

        if self.ndim == 1:
            return infer(self, dtype)
        if isinstance(dtype, dict):
            return {c: infer(self[c], t) if c in self._meta.columns else t for c, t in dtype.items()}
        if _needs_categories(dtype) and self._meta.columns.is_unique:
            return {c: infer(self[c], dtype) for c in self._meta.columns}
        return dtype

    def _inplace(self, out: Collection, inplace: Any, method: str) -> Any:
        """``out``, or with ``inplace=True`` this object now ``out`` (returning what pandas
        returns: itself or None); pandas' deprecation warning where pandas gives it."""
        if fallback.warn_inplace_deprecated(self, method, inplace):
            self._replace_plan(out._plan)
            return fallback.inplace_result(self, method)
        return out

    # -- rows ------------------------------------------------------------------------------------

    def head(self, n: int = 5) -> Any:
        """The first ``n`` rows."""
        if n < 0:
            return fallback.call_method(self, "head", (n,), {})
        return self._ends(n, "head")

    def tail(self, n: int = 5) -> Any:
        """The last ``n`` rows."""
        if n < 0:
            return fallback.call_method(self, "tail", (n,), {})
        return self._ends(n, "tail")

    def _ends(self, n: int, which: str) -> Any:
        plan = self._plan
        sorted_ends = topk.ends(plan, n, which)
        if sorted_ends is not None:
            return self._new(sorted_ends)  # the first rows of a sort, without sorting all
        lengths = plan.lengths
        if lengths is not None:
            # Known lengths: only the partitions holding those rows are read or computed.
            order = range(len(lengths)) if which == "head" else range(len(lengths) - 1, -1, -1)
            chosen, rows = [], 0
            for i in order:
                chosen.append(i)
                rows += lengths[i]
                if rows >= n:
                    break
            plan = N.SelectPartitions(plan, tuple(sorted(chosen)))
        fn = MethodCall(which, n)
        ends = self._new(plan)._map(fn, meta=self._meta, preserves_rows=False)
        one = self._new(N.Repartition(ends._plan, 1))
        return one._map(fn, meta=self._meta, preserves_rows=False)

    def _filter(self, mask: Collection) -> Any:
        return self._new(N.Filter(self._plan, mask._plan))

    def isin(self, values: Any) -> Any:
        if isinstance(values, Collection | dict):
            return fallback.call_method(self, "isin", (values,), {})
        return self._map(MethodCall("isin", list(values)), columnwise=True)

    # -- reductions ------------------------------------------------------------------------------

    def _reduce(self, name: str, axis: Any, **options: Any) -> Any:
        self._known_meta()  # a reduction plans by dtype (and computes its input anyway)
        is_frame = isinstance(self._meta, pd.DataFrame)
        full = {"axis": axis, **options}
        if is_frame and axis in (1, "columns"):
            fn = MethodCall(name, axis=1, **options)
            return self._map(fn, meta=M.infer_meta(fn, self._meta), label=name)
        if is_frame and axis is None:
            return self._reduce_all(name, full, options)
        if is_frame and axis in (0, "index") and len(self._meta.columns) == 0:
            return self._reduce_no_columns(name, full)
        if axis not in (0, "index", None):
            return fallback.call_method(self, name, (), full)
        try:
            planned = tree_reduce.plan_reduction(name, self._meta, **options)
        except TypeError:
            if not M.holds_objects(self._meta):
                raise  # pandas' error for these dtypes, at the user's line
            # The stand-in's object values are strings; the data's may be numbers, which pandas
            # reduces (or no values at all: NaN). Only pandas on the data can tell.
            return fallback.call_method(self, name, (), full)
        chunk, combine, finalize, out_meta = planned
        if chunk.dtypes is None or not tree_reduce.supported(name, chunk.dtypes):
            return fallback.call_method(self, name, (), full)
        plan = N.Reduce(self._plan, chunk, combine, finalize, out_meta, label=name)
        if is_frame:
            return self._new(plan)
        return lower.collect(plan)


    def _reduce_no_columns(self, name: str, full: dict[str, Any]) -> Any:
        """A frame without columns reduces to no values, but pandas picks that empty answer's
        dtype (or raises) from the dtypes it keeps of columns gone (an unstack of no rows
        keeps its blocks): only the partitions' data hold them."""
        fn = MethodCall(name, **full)
        each = self._map(fn, meta=fn(self._meta), preserves_rows=False, by_values=True)
        return self._new(N.Repartition(each._plan, 1), True)

    def _reduce_all(self, name: str, full: dict[str, Any], options: dict[str, Any]) -> Any:
        """``frame.<name>(axis=None)``: one scalar over every value (pandas' 2-D reduction)."""
        self._known_meta()
        sample = getattr(M.nonempty(self._meta), name)(**full)  # pandas' errors, at the call
        chunk, combine, _, _ = tree_reduce.plan_reduction(name, self._meta, **options)
        if chunk.dtypes is None or not tree_reduce.pooled_supported(name, chunk.dtypes):
            return fallback.call_method(self, name, (), full)
        frame_options = {k: v for k, v in options.items() if k not in ("numeric_only", "bool_only")}
        empty = getattr(self._meta, name)(**full)
        final = tree_reduce.Pooled(name, sample, empty, frame_options)
        return lower.collect(N.Reduce(self._plan, chunk, combine, final, sample, label=name))


class UfuncCall:
    """``ufunc(*operands)`` on partitions; ``slots`` say which operands are partitions."""

    def __init__(self, ufunc: np.ufunc, slots: tuple[tuple[str, Any], ...]) -> None:
        self.ufunc, self.slots = ufunc, slots

    def __call__(self, *parts: Any) -> Any:
        return self.ufunc(*[parts[v] if k == "input" else v for k, v in self.slots])

    def __repr__(self) -> str:
        return f"numpy.{self.ufunc.__name__}"


def _needs_categories(dtype: Any) -> bool:
    return (isinstance(dtype, str) and dtype == "category") or (
        isinstance(dtype, pd.CategoricalDtype) and dtype.categories is None
    )


def _add_operators(cls: type) -> None:
    """Install ``__add__``/``__radd__`` ... and comparisons on ``cls`` (the method forms,
    ``add``/``radd``/``eq`` ..., are ``dframe.core.values.ValueMethods``')."""

    def dunder(name: str, reflected: bool) -> Any:
        def op(self: Collection, other: Any) -> Any:
            return self._binary(name, other, reflected)

        return op

    for name in ARITHMETIC:
        setattr(cls, f"__{name}__", dunder(name, False))
        setattr(cls, f"__r{name}__", dunder(name, True))
    for name in COMPARISON:
        setattr(cls, f"__{name}__", dunder(name, False))
    for name, symbol in (("and_", "and"), ("or_", "or"), ("xor", "xor")):
        setattr(cls, f"__{symbol}__", dunder(name, False))
        setattr(cls, f"__r{symbol}__", dunder(name, True))


_add_operators(Collection)


def _reduction(name: str, doc: str) -> Any:
    def method(
        self: Collection,
        axis: Any = _no_default,
        skipna: bool = True,
        numeric_only: bool = False,
        **kwargs: Any,
    ) -> Any:
        if axis is _no_default:
            axis = 0
        options: dict[str, Any] = {"skipna": skipna, "numeric_only": numeric_only, **kwargs}
        if name == "count":
            options.pop("skipna")
        if not isinstance(self._meta, pd.DataFrame):
            options.pop("numeric_only", None)
            options.pop("bool_only", None)
            if numeric_only:  # pandas raises for Series(numeric_only=True) on non-numeric data
                full = {"axis": axis, "numeric_only": True, **options, **kwargs}
                return fallback.call_method(self, name, (), full)
        return self._reduce(name, axis, **options)

    method.__name__ = name
    method.__doc__ = doc
    return method


def _truth_reduction(name: str, doc: str) -> Any:
    # pandas' any/all take bool_only, not numeric_only: anything else is a TypeError.
    def method(
        self: Collection, axis: Any = 0, bool_only: bool = False, skipna: bool = True
    ) -> Any:
        options: dict[str, Any] = {"skipna": skipna}
        if isinstance(self._meta, pd.DataFrame):
            options["bool_only"] = bool_only
        return self._reduce(name, axis, **options)

    method.__name__ = name
    method.__doc__ = doc
    return method


for _name in tree_reduce.NAMES:
    _make = _truth_reduction if _name in ("any", "all") else _reduction
    setattr(Collection, _name, _make(_name, f"``{_name}`` by tree reduction (see pandas)."))


def compute(*objs: Any) -> tuple[Any, ...]:
    """Compute several dframe objects together and return their pandas results (as
    ``dask.compute``); other arguments are returned as they are.

    Every task of every object is submitted before any result is awaited, and reductions of the
    same input (``df.sum()``, ``df.mean()`` ...) share one pass over its partitions.

    >>> import pandas
    >>> df = from_pandas(pandas.DataFrame({"a": [1, 2, 3]}))
    >>> total, largest = compute(df.sum(), df.max())
    >>> int(total["a"]), int(largest["a"])
    (6, 3)
    """
    positions = [i for i, o in enumerate(objs) if isinstance(o, Collection)]
    results = lower.collect_many([objs[i]._plan for i in positions])
    out = list(objs)
    for i, value in zip(positions, results, strict=True):
        out[i] = value
    return tuple(out)
