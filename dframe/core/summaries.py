"""Reductions and value summaries that are not simple tree reductions: exact ``median``,
``quantile`` and ``describe``; ``nunique``, ``unique``, ``value_counts``; ``idxmin``/``idxmax``;
``sem``; ``duplicated``/``drop_duplicates``; ``nlargest``/``nsmallest``.

How each stays exact:

* ``median``/``quantile``/``describe`` gather the columns they summarize (only those) and run
  pandas' own method on them, in row order: an exact quantile needs every value, and pandas
  then computes bit-for-bit what it computes on the whole frame. Numeric columns are
  summarized one per task, in parallel, and the per-column results joined.
* ``value_counts``/``nunique``/``unique`` reduce per-partition distinct values or counts; partials
  are merged in partition order, so "first appearance" is global first appearance, and pandas'
  order (count descending, ties in order of first appearance) is a stable sort of the merge.
* ``idxmin``/``idxmax``/``nlargest``/``nsmallest`` keep, per partition, the few rows that can win
  (ties included) in their original order; pandas' own method on those rows decides.
* ``duplicated`` learns from a ``MapWithContext`` which of a partition's keys occur in earlier
  (keep="first"), later ("last") or other (False) partitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra import tree_reduce
from dframe.algebra.elementwise import MethodCall
from dframe.algebra.rows import concat_rows
from dframe.core.collection import compute
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import from_pandas

_no_default = object()


def concat_parts(parts: Any, ignore_index: bool = False) -> Any:
    """Rows of ``parts`` in order; empty parts do not vote on dtypes (they have no values)."""
    parts = list(parts)
    full = [p for p in parts if len(p)] or parts[:1]
    if len(full) == 1:
        return full[0].reset_index(drop=True) if ignore_index else full[0]
    return concat_rows(full, ignore_index=ignore_index)


# -- partition functions (picklable, free of plan state) ---------------------------------------


class Gather:
    """A partition's ``columns`` (positions; None for a Series), without its labels."""

    def __init__(self, positions: list[int] | None) -> None:
        self.positions = positions

    def __call__(self, part: Any) -> Any:
        out = part if self.positions is None else part.iloc[:, self.positions]
        return out.reset_index(drop=True)


class ConcatRows:
    def __init__(self, ignore_index: bool = True) -> None:
        self.ignore_index = ignore_index

    def __call__(self, *parts: Any) -> Any:
        return concat_parts(parts, ignore_index=self.ignore_index)


class ColumnCall:
    """``call`` on one column (by position) of all partitions, concatenated in row order."""

    def __init__(self, call: MethodCall, position: int) -> None:
        self.call, self.position = call, position

    def __call__(self, *parts: Any) -> Any:
        pieces = [p.iloc[:, [self.position]] for p in parts]
        full = [p for p in pieces if len(p)] or pieces[:1]
        column = full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)
        return self.call(column.reset_index(drop=True))


class JoinColumns:
    """Per-column summaries side by side (frames) or one after another (series), labelled
    by ``labels`` (pandas' own: concatenating would re-infer them, an object Index of ints
    becoming int64)."""

    def __init__(self, labels: pd.Index | None = None) -> None:
        self.labels = labels

    def __call__(self, *results: Any) -> Any:
        axis = 1 if isinstance(results[0], pd.DataFrame) else 0
        out = pd.concat(results, axis=axis)
        if self.labels is not None and len(self.labels) == out.shape[axis]:
            out = out.set_axis(self.labels, axis=axis)
        return out


@dataclass(frozen=True, eq=False)
class ColumnSummaries(N.Node):
    """``call`` run by pandas on each of ``positions``' columns in its own task (in parallel),
    the results joined in one partition: a frame's describe/median/quantile, column by column."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    call: MethodCall
    positions: tuple[int, ...]
    out_meta: Any
    labels: Any = None  # the summarized columns' labels, as pandas gives them

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        results = [ex.submit(ColumnCall(self.call, p), *parts) for p in self.positions]
        return [ex.submit(JoinColumns(self.labels), *results)]

    def describe(self) -> str:
        return f"ColumnSummaries({self.call!r}, {len(self.positions)} columns)"


class ThenCall:
    """Concatenate partials, then ``<result>.<name>(...)``; used as combine and as finalize."""

    def __init__(self, call: MethodCall) -> None:
        self.call = call

    def __call__(self, *parts: Any) -> Any:
        return self.call(concat_parts(parts))

    def __repr__(self) -> str:
        return repr(self.call)


class InOrder:
    """Rows of ``call(rows)`` (an nlargest-like selection) in their original order: the next
    step breaks ties by that order ("first"/"last"), not by the order ``call`` returns."""

    def __init__(self, call: MethodCall) -> None:
        self.call = call

    def __call__(self, *parts: Any) -> Any:
        rows = concat_parts(parts)
        chosen = self.call(rows.reset_index(drop=True))
        return rows.iloc[np.sort(chosen.index.to_numpy())]


class TopCandidates:
    """Rows that can be in a frame's ``nlargest``/``nsmallest(n, columns, keep)`` over several
    columns, in their original order: pandas' selection on them equals its selection on all rows.

    pandas goes column by column: the rows tied at the border value of one column are decided by
    the next, and where such a tied group has fewer than the wanted count of values in a column
    (a column with missing values) pandas takes every row of the group (NaN, NaT) or none
    (``<NA>``), so pandas' own selection of a part can drop rows the whole needs. Kept here: the
    first ``n + 1`` rows by the columns (missing last, ties by position as ``keep`` says; the spare
    row keeps pandas' count decisions), rows tied with the last of those (``keep="all"``) and
    every row with a missing value in a column that keeps ties."""

    def __init__(self, name: str, n: int, columns: list[Any], keep: str) -> None:
        self.n, self.columns, self.keep = n, columns, keep
        self.ascending = name == "nsmallest"

    def __call__(self, *parts: Any) -> Any:
        rows = concat_parts(parts)
        k = len(self.columns)
        keys = rows[self.columns].reset_index(drop=True).set_axis(range(k), axis=1)
        keys[k] = np.arange(len(rows))  # the tie-break: position
        ascending = [self.ascending] * k + [self.keep != "last"]
        order = keys.sort_values(list(keys.columns), ascending=ascending, na_position="last")
        top = order[k].to_numpy()[: self.n + 1]
        chosen = np.zeros(len(rows), dtype=bool)
        chosen[top] = True
        tied = self.columns if self.keep == "all" else self.columns[:-1]
        if self.keep == "all" and len(rows) > self.n + 1:
            same = np.ones(len(rows), dtype=bool)
            for j in range(k):  # (a missing value ties nothing: such rows are kept below)
                border = keys[j].iloc[top[-1]]
                same &= False if pd.isna(border) else (keys[j] == border).fillna(False).to_numpy(bool)
            chosen |= same
        chosen |= rows[tied].isna().any(axis=1).to_numpy()
        return rows.iloc[np.flatnonzero(chosen)]


class LabelAsInt:
    """``call`` on the candidates; a label of a default RangeIndex is an ``int``, as in pandas."""

    def __init__(self, call: MethodCall, as_int: bool) -> None:
        self.call, self.as_int = call, as_int

    def __call__(self, *parts: Any) -> Any:
        out = self.call(concat_parts(parts))
        return int(out) if self.as_int and isinstance(out, np.integer) else out


class Columnwise:
    """``func`` on each column of a frame (positions), as a list."""

    def __init__(self, func: Any) -> None:
        self.func = func

    def __call__(self, part: pd.DataFrame) -> list[Any]:
        return [self.func(part.iloc[:, j]) for j in range(part.shape[1])]


class CombineColumnwise:
    def __init__(self, combine: Any) -> None:
        self.combine = combine

    def __call__(self, *partials: list[Any]) -> list[Any]:
        return [self.combine(*column) for column in zip(*partials, strict=True)]


class IdxCandidates:
    """Rows of a partition that may be a column's global idxmin/idxmax: per column the first
    extreme valid value, and the first missing value when it decides (``skipna=False``, or no
    valid value at all, for pandas' error)."""

    def __init__(self, name: str, positions: list[int] | None, skipna: bool) -> None:
        self.name, self.positions, self.skipna = name, positions, skipna

    def __call__(self, part: Any) -> Any:
        if part.ndim == 2 and part.shape[1] == 0:
            # pandas answers a frame without columns by whether it has rows (an empty Series
            # of the index' dtype if so, else one over the columns): a row, if any, says so
            return part.iloc[:1]
        frame = part if self.positions is None else part.iloc[:, self.positions]
        columns = (
            [frame]
            if frame.ndim == 1
            else [frame.iloc[:, j] for j in range(frame.shape[1])]
        )
        rows: set[int] = set()
        for column in columns:
            missing = column.isna().to_numpy()
            if not missing.all():
                values = column.reset_index(drop=True)[~missing]
                rows.add(
                    int(getattr(values, self.name)())
                )  # a position: labels were reset
            if missing.any() and (not self.skipna or missing.all()):
                rows.add(int(np.argmax(missing)))
        return frame.iloc[sorted(rows)]


class SemFinal:
    """Standard error of the mean from the (count, mean, M2) partial of ``var``."""

    def __init__(self, var_final: Any) -> None:
        self.var_final = var_final

    def __call__(self, partial: tuple[int, Any]) -> Any:
        n = partial[1][0]
        var = self.var_final(partial)
        if var is pd.NA:  # a nullable Series without two values: pandas' sem is <NA> too
            return var
        with np.errstate(invalid="ignore", divide="ignore"):
            if isinstance(var, pd.Series):
                return np.sqrt(var) / np.sqrt(pd.Series(n, index=var.index))
            return np.float64(np.sqrt(var) / np.sqrt(n[0]))


# -- duplicated ----------------------------------------------------------------------------------


def _positions(meta: pd.DataFrame, labels: pd.Index) -> list[int]:
    if not meta.columns.is_unique:
        msg = "duplicate column labels"
        raise _Unsupported(msg)
    return [meta.columns.get_loc(c) for c in labels]


def _plain_numbers(meta: pd.DataFrame, positions: list[int]) -> bool:
    # Numpy numbers summarize to the same rows and dtypes one column at a time as together.
    dtypes = [meta.dtypes.iloc[p] for p in positions]
    return all(isinstance(dt, np.dtype) and dt.kind in "iuf" for dt in dtypes)


_AGG_NAMES = frozenset(tree_reduce.NAMES) | {"median", "nunique", "sem"}


def _agg_plan(obj: Any, func: Any) -> list[tuple[Any, list[str]]] | None:
    """(column or None for all, reduction names) pairs of ``obj.agg(func)``, or None when
    pandas must run it (functions, unknown names, repeated names, other columns)."""
    def names(f: Any) -> list[str] | None:
        f = [f] if isinstance(f, str) else f
        ok = isinstance(f, list) and f and all(isinstance(n, str) and n in _AGG_NAMES for n in f)
        return list(f) if ok and len(set(f)) == len(f) else None

    if isinstance(func, dict):
        if obj.ndim == 1 or not func or not all(k in obj._meta.columns for k in func):
            return None
        if not obj._meta.columns.is_unique:
            return None
        pairs = [(k, names(v)) for k, v in func.items()]
        return None if any(n is None for _, n in pairs) else pairs  # type: ignore[return-value]
    found = names(func)
    if found is None or (obj.ndim == 2 and not obj._meta.columns.is_unique):
        return None
    return [(None, found)]


def _agg_depends_on_rows(meta: pd.DataFrame, func: Any) -> bool:
    """Whether pandas' ``agg(func)`` of the frame gives other dtypes when it has no rows."""
    try:
        without_rows = meta.agg(func)
        with_rows = M.nonempty(meta).agg(func)
    except Exception:  # noqa: BLE001 - pandas cannot say on a sample: rows or not, ours
        return False
    if isinstance(without_rows, pd.DataFrame) and isinstance(with_rows, pd.DataFrame):
        return not without_rows.dtypes.equals(with_rows.dtypes)
    return without_rows.dtype != with_rows.dtype


def _from_result(result: pd.DataFrame | pd.Series) -> Any:
    return from_pandas(result, npartitions=1)


class _Unsupported(Exception):
    """Internal: this call runs on pandas."""


class SummaryMethods:
    """Mixin of DataFrame and Series (``self`` is a ``dframe.core.collection.Collection``)."""

    def _result(self, plan: N.Node) -> Any:
        if isinstance(plan.meta, pd.DataFrame | pd.Series):
            return self._new(plan)
        return lower.collect(plan)

    def _gathered(self, name: str, kwargs: dict[str, Any], sample_out: Any) -> Any:
        """``<frame>.<name>(**kwargs)`` by pandas, on the summarized columns gathered in order."""
        positions = None
        if self.ndim == 2:
            labels = (
                sample_out.columns
                if isinstance(sample_out, pd.DataFrame)
                else sample_out.index
            )
            positions = _positions(self._meta, labels)
        call = MethodCall(name, **kwargs)
        out_meta = sample_out.iloc[:0] if hasattr(sample_out, "iloc") else sample_out
        if positions is not None and len(positions) > 1 and _plain_numbers(self._meta, positions):
            plan = ColumnSummaries(self._plan, call, tuple(positions), out_meta, labels)
            return self._result(plan)
        plan = N.Reduce(
            self._plan,
            Gather(positions),
            ConcatRows(),
            ThenCall(call),
            out_meta,
            label=name,
        )
        return self._result(plan)

    def _summary(self, name: str, kwargs: dict[str, Any], axis: Any = 0) -> Any:
        self._known_meta()  # which columns and how they are summarized depend on dtypes
        if self.ndim == 2 and axis in (1, "columns"):
            fn = MethodCall(name, axis=1, **kwargs)
            return self._map(fn, meta=M.infer_meta(fn, self._meta), label=name)
        if axis not in (0, "index", None):
            return fallback.call_method(self, name, (), {"axis": axis, **kwargs})
        try:
            sample_out = getattr(M.nonempty(self._meta), name)(**kwargs)
        except TypeError:
            # Objects may hold what pandas can summarize; without rows pandas answers NaN even
            # for dtypes it refuses (the quantile of bools).
            if not M.holds_objects(self._meta) and len(self):
                raise
            return fallback.call_method(self, name, (), {"axis": axis, **kwargs})
        try:
            return self._gathered(name, kwargs, sample_out)
        except _Unsupported:
            return fallback.call_method(self, name, (), kwargs)

    def median(
        self,
        axis: Any = 0,
        skipna: bool = True,
        numeric_only: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Exact median (pandas' own, over the gathered column values)."""
        options = {"skipna": skipna, **kwargs}
        if self.ndim == 2:
            options["numeric_only"] = numeric_only
        elif numeric_only:
            return fallback.call_method(
                self, "median", (), {"numeric_only": True, **options}
            )
        return self._summary("median", options, axis)

    def quantile(self, q: Any = 0.5, *args: Any, **kwargs: Any) -> Any:
        """Exact quantiles (pandas' own, over the gathered column values)."""
        if args:
            return fallback.call_method(self, "quantile", (q, *args), kwargs)
        axis = kwargs.pop("axis", 0)
        if not pd.api.types.is_scalar(q):
            q = list(q)
        return self._summary("quantile", {"q": q, **kwargs}, axis)

    def describe(
        self, percentiles: Any = None, include: Any = None, exclude: Any = None
    ) -> Any:
        """pandas' ``describe``, exactly: computed by pandas on the described columns."""
        kwargs: dict[str, Any] = {"percentiles": percentiles}
        if self.ndim == 2 or include is not None or exclude is not None:
            kwargs.update(include=include, exclude=exclude)
        return self._summary("describe", kwargs)

    def sem(
        self,
        axis: Any = 0,
        skipna: bool = True,
        ddof: int = 1,
        numeric_only: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Standard error of the mean, from the same tree reduction as ``var``."""
        options: dict[str, Any] = {"skipna": skipna, "ddof": ddof}
        if self.ndim == 2:
            options["numeric_only"] = numeric_only
        full = {"axis": axis, **options, **kwargs}
        if self.ndim == 1 and numeric_only:
            return fallback.call_method(self, "sem", (), {**full, "numeric_only": True})
        if (
            kwargs
            or axis not in (0, "index", None)
            or (self.ndim == 2 and axis is None)
        ):
            if self.ndim == 2 and axis in (1, "columns") and not kwargs:
                fn = MethodCall("sem", axis=1, **options)
                return self._map(fn, meta=M.infer_meta(fn, self._meta), label="sem")
            return fallback.call_method(self, "sem", (), full)
        try:
            chunk, combine, final, _ = tree_reduce.plan_reduction("var", self._meta, **options)
            out_meta = M.nonempty(self._meta).sem(**options)
        except TypeError:
            if not M.holds_objects(self._meta):
                raise
            return fallback.call_method(self, "sem", (), full)
        if isinstance(out_meta, pd.Series):
            out_meta = out_meta.iloc[:0]
        if chunk.dtypes is None or not tree_reduce.supported("var", chunk.dtypes):
            return fallback.call_method(self, "sem", (), full)
        plan = N.Reduce(
            self._plan, chunk, combine, SemFinal(final), out_meta, label="sem"
        )
        return self._result(plan)

    # -- several reductions at once ----------------------------------------------------------

    def aggregate(self, func: Any = None, axis: Any = 0, *args: Any, **kwargs: Any) -> Any:
        """Reductions by name (a name, a list, or a dict of column -> name(s)), computed in one
        pass where they are tree reductions; the result is assembled as pandas does."""
        plan = _agg_plan(self, func) if not args and not kwargs and axis in (0, "index") else None
        if plan is None:
            return fallback.call_method(self, "aggregate", (func, axis, *args), kwargs)
        if isinstance(func, str):
            return getattr(self, func)()
        if self.ndim == 2 and not len(self._meta.columns):
            return _from_result(self._meta.agg(func))  # no column: no data to reduce
        if self.ndim == 2 and _agg_depends_on_rows(self._meta, func) and len(self) == 0:
            # An empty column's min is NaN (its int/bool dtype goes), where a column with rows
            # keeps its dtype: without rows, pandas' answer is its own on the empty frame.
            return _from_result(self._meta.agg(func))
        wanted = [(column, name) for column, names in plan for name in names]
        calls = [getattr(self if column is None else self[column], name)() for column, name in wanted]
        values = dict(zip(wanted, compute(*calls), strict=True))
        if self.ndim == 1:
            (_, names), = plan
            return _from_result(
                pd.Series([values[None, n] for n in names], index=names, name=self._meta.name)
            )
        if isinstance(func, dict) and all(isinstance(v, str) for v in func.values()):
            return _from_result(
                pd.Series([values[c, n] for c, (n,) in plan], index=[c for c, _ in plan])
            )
        columns = {}
        for column, names in plan:
            if column is None:  # a list for every column: each result is a Series over columns
                for c in self._meta.columns:
                    columns[c] = pd.Series([values[None, n][c] for n in names], index=names)
            else:
                columns[column] = pd.Series([values[column, n] for n in names], index=names)
        out = pd.concat(columns, axis=1)
        out.columns.names = self._meta.columns.names  # pandas keeps the columns' name
        if plan[0][0] is None:
            # concat re-infers the labels (an object Index of ints comes back int64); a list for
            # every column keeps the frame's own.
            out.columns = self._meta.columns
        # A list for every column reduces each column alone in pandas (an int column's min
        # stays int), here all at once: each column gets the dtype pandas gives it.
        try:
            dtypes = M.nonempty(self._meta).agg(func).dtypes
        except Exception:  # noqa: BLE001 - pandas cannot say on a sample: keep ours
            dtypes = None
        if dtypes is not None and dtypes.index.equals(out.columns):
            changed = {c: d for c, d, o in zip(out.columns, dtypes, out.dtypes) if d != o}
            if changed and out.columns.is_unique:
                # Missing values do not always cast: a timedelta column's NaT alone was taken
                # for datetimes, and <NA> (of a frame's reduction to Float64) is no float. They
                # cast as None.
                for c in changed:
                    if changed[c] != object and out[c].isna().any():
                        out[c] = out[c].astype(object).where(out[c].notna(), None)
                out = out.astype(changed)
        return _from_result(out)

    agg = aggregate

    # -- distinct values -----------------------------------------------------------------------

    def idxmin(
        self, axis: Any = 0, skipna: bool = True, *args: Any, **kwargs: Any
    ) -> Any:
        """Label of the first minimum."""
        return self._idx("idxmin", axis, skipna, args, kwargs)

    def idxmax(
        self, axis: Any = 0, skipna: bool = True, *args: Any, **kwargs: Any
    ) -> Any:
        """Label of the first maximum."""
        return self._idx("idxmax", axis, skipna, args, kwargs)

    def _idx(
        self, name: str, axis: Any, skipna: bool, args: Any, kwargs: dict[str, Any]
    ) -> Any:
        if self.ndim == 2 and axis in (1, "columns") and not args:
            fn = MethodCall(name, axis=1, skipna=skipna, **kwargs)
            return self._map(fn, meta=M.infer_meta(fn, self._meta), label=name)
        numeric_only = kwargs.pop("numeric_only", False) if self.ndim == 2 else False
        if args or kwargs or axis not in (0, "index"):
            full = {"axis": axis, "skipna": skipna, **kwargs}
            return fallback.call_method(self, name, args, full)
        positions = None
        call = MethodCall(name, skipna=skipna)
        if self.ndim == 2:
            sample = getattr(M.nonempty(self._meta), name)(numeric_only=numeric_only)
            try:
                positions = _positions(self._meta, sample.index)
            except _Unsupported:
                return fallback.call_method(
                    self, name, (), {"numeric_only": numeric_only}
                )
            out_meta: Any = sample.iloc[:0]
        else:
            out_meta = getattr(M.nonempty(self._meta), name)()
        plan = N.Reduce(
            self._plan,
            IdxCandidates(name, positions, skipna),
            ConcatRows(ignore_index=False),
            LabelAsInt(call, self._plan.range_index and self.ndim == 1),
            out_meta,
            label=name,
        )
        return self._result(plan)

    def nlargest(self, n: int = 5, *args: Any, **kwargs: Any) -> Any:
        """The ``n`` largest rows, ties kept like pandas."""
        return self._extremes("nlargest", n, args, kwargs)

    def nsmallest(self, n: int = 5, *args: Any, **kwargs: Any) -> Any:
        """The ``n`` smallest rows, ties kept like pandas."""
        return self._extremes("nsmallest", n, args, kwargs)

    def _extremes(self, name: str, n: int, args: Any, kwargs: dict[str, Any]) -> Any:
        call = MethodCall(name, n, *args, **kwargs)
        meta = call(self._meta)  # pandas' errors: bad keep, column, dtype
        # One spare candidate: pandas orders its answer differently when it has at most n rows
        # (it sorts them all), so the last step must see more than n rows when pandas did.
        keep = MethodCall(name, n + 1, *args, **kwargs) if n >= 0 else call
        candidates: Any = InOrder(keep)
        columns = _extreme_columns(self.ndim, args, kwargs)
        if n >= 0 and len(columns) > 1:
            option = kwargs.get("keep", args[1] if len(args) > 1 else "first")
            candidates = TopCandidates(name, n, columns, option)
        plan = N.Reduce(
            self._plan, candidates, candidates, ThenCall(call), meta, label=name
        )
        return self._new(plan)

    # -- duplicates ------------------------------------------------------------------------------


def _extreme_columns(ndim: int, args: Any, kwargs: dict[str, Any]) -> list[Any]:
    """The ``columns`` of a frame's ``nlargest``/``nsmallest`` as a list (a Series: none)."""
    if ndim == 1:
        return []
    columns = kwargs.get("columns", args[0] if args else None)
    if not pd.api.types.is_list_like(columns) or isinstance(columns, tuple):
        return [columns]
    return list(columns)
