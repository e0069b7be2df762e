"""``df.groupby(...)``: pandas' GroupBy API, computed natively and in parallel.

Aggregations choose between a tree reduction (few groups: per-partition partial aggregates are
merged) and a hash shuffle (many groups: rows move so each group lives in one partition, then
pandas' own groupby runs there). The choice is made when the plan runs, from the number of
distinct keys in the first partition relative to its rows; ``groupby(..., split_out=n)`` or the
``groupby_strategy`` option force it (``split_out=1``: tree; ``n > 1``: shuffle into ``n``
partitions). Reductions that need all of a group's values (``nunique``, ``median``,
``quantile`` ...) always shuffle.

Row-wise operations (``transform``, ``cumsum``, ``rank``, ``filter``, ``head`` ...) shuffle,
run pandas per partition, and shuffle the rows home again, in their original order and labels.
``apply`` runs the function on each group in parallel and lets pandas combine the results.
Whatever is not native runs on pandas with a ``PandasFallbackWarning``.

The parts live next to this module (see the package's docstring): ``keys`` (which keys are
native, ``make_groupby``), ``nodes`` (the plan nodes), ``counts`` (value_counts), ``windows``
(rolling/expanding/ewm per group), ``fallback`` (pandas' GroupBy); the partition functions are in
``grouped``, ``tree_reduce``, ``count_parts`` and ``window_parts``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra import shuffle
from dframe.execution import lower
from dframe.groupby import apply_parts as A
from dframe.groupby import grouped as G
from dframe.groupby import levels as L
from dframe.groupby import rowwise as R
from dframe.groupby import tree_reduce as T
from dframe.groupby.counts import DataFrameGroupCounts, SeriesGroupCounts
from dframe.groupby.fallback import FallbackGroupBy
from dframe.groupby.nodes import Gather, GroupAgg, GroupNumbers, GroupShuffle
from dframe.groupby.windows import GroupWindowMethods
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import SettleDtypes, same_meta
from dframe.plan.wrap import from_pandas, wrap_plan
from dframe.sort.group_heads import sorted_group_heads

__all__ = ["DataFrameGroupBy", "FallbackGroupBy", "GroupBy", "SeriesGroupBy"]

AGGREGATIONS = (
    "sum",
    "mean",
    "count",
    "size",
    "min",
    "max",
    "std",
    "var",
    "sem",
    "prod",
    "first",
    "last",
    "nunique",
    "any",
    "all",
    "median",
    "quantile",
    "idxmin",
    "idxmax",
    "ohlc",
)
ROWWISE = ("cumsum", "cumprod", "cummin", "cummax", "cumcount", "shift", "diff", "rank",
           "pct_change")  # fmt: skip
SUBSETS = ("head", "tail", "nth")
_TREE_KWARGS = {"numeric_only", "ddof"}
VAL = G.VAL


# -- the GroupBy objects -----------------------------------------------------------------------


_wrap = wrap_plan


class GroupBy(GroupWindowMethods):
    """Shared by DataFrameGroupBy and SeriesGroupBy."""

    def __init__(
        self,
        work: N.Node,
        spec: G.GroupSpec,
        split_out: int | None,
        fb: FallbackGroupBy,
    ) -> None:
        self._work, self._spec, self._split_out, self._fb = work, spec, split_out, fb

    # -- helpers ---------------------------------------------------------------------------------

    def _sample(self, positional: bool = False, **override: Any) -> Any:
        return self._spec.grouped(
            M.nonempty(self._work.meta), positional=positional, **override
        )

    def _sample_of(self, op: Any) -> Any:
        """pandas' answer on the stand-in, without rows; None where pandas raises only because
        object columns stand in as strings (the data may hold numbers, or only missing values:
        pandas then runs on the data)."""
        try:
            return G.no_rows(op(self._sample()))
        except (TypeError, ValueError):
            if not M.holds_objects(self._work.meta):
                raise
            return None

    def _keys_categorical(self) -> bool:
        dtypes = [self._work.meta[c].dtype for c in self._spec.key_columns]
        return any(isinstance(d, pd.CategoricalDtype) for d in dtypes)

    def _value_dtype(self, column: Any) -> Any:
        if column is None:
            return None
        return self._work.meta[VAL if self._spec.series else column].dtype

    def _selected_columns(self) -> list[Any]:
        sel = self._spec.selection
        if self._spec.series:
            return [VAL]
        if sel is G.NONE:
            hidden = set(self._spec.hidden) | {
                c for it in self._spec.items if it[0] == "col" for c in [it[1]]
            }
            return [c for c in self._work.meta.columns if c not in hidden]
        return list(sel) if isinstance(sel, list) else [sel]

    def _is_series_like(self) -> bool:
        sel = self._spec.selection
        return self._spec.series or (sel is not G.NONE and not isinstance(sel, list))

    def _aggregate(
        self,
        op: Any,
        pairs: list[tuple[Any, str]] | None,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        by_level: bool = False,
        used: frozenset | None = None,
    ) -> Any:
        out_meta = G.no_rows(op(self._sample()))
        try:
            empty = op(self._spec.grouped(self._work.meta))
        except (TypeError, ValueError, KeyError, IndexError):
            empty = out_meta  # pandas cannot run it on zero rows; the shape is enough
        complete = not self._spec.opt("observed") and self._keys_categorical()
        fills = None if pairs is None else [n for _, n in pairs]
        if complete and fills is None:
            return self._fb.call(name, *args, **kwargs)
        finish = G.Finish(self._spec, out_meta, empty, fills, complete)
        finish.by_level = by_level
        tree = None
        if (
            pairs is not None
            # Named aggregations' keywords are output columns, not options.
            and (name == "agg" and args[:1] == (None,) or set(kwargs) <= _TREE_KWARGS)
            and all(
                T.tree_supported(n, self._value_dtype(c))
                if c is not None
                else n == "size"
                for c, n in pairs
            )
        ):
            key_dtypes = [self._work.meta[c].dtype for c in self._spec.key_columns]
            tree = T.TreeAgg(
                self._spec, pairs, int(kwargs.get("ddof", 1)), finish, key_dtypes
            )
        # Resample: rows must be in time order within a group, which partials in partition
        # order are not, so first/last run whole per group after a shuffle.
        if self._spec.presort is not None and any(
            n in ("first", "last") for _, n in pairs or ()
        ):
            tree = None
        # The columns the result reads, when every aggregation names its column.
        known = pairs is not None and all(c is not None or n == "size" for c, n in pairs)
        if used is None and known:
            used = frozenset(c for c, _ in pairs or () if c is not None)
        if used is not None and self._spec.selection is not G.NONE:
            # pandas' GroupBy over the rows selects these (size reads none, but a selected
            # column must exist)
            used = used | frozenset(self._selected_columns())
        node = GroupAgg(self._work, self._spec, op, tree, finish, self._split_out, used)
        # Unobserved categories' rows are filled with missing values (int64 -> float64), and an
        # object column's min/max is str only if its values are strings: known once computed.
        strings = self._str_if_strings(pairs)
        return _wrap(SettleDtypes(node, strings_guessed=strings) if complete or strings else node)

    def _str_if_strings(self, pairs: list[tuple[Any, str]] | None) -> bool:
        # (of a Series or of a frame's columns alike: pandas infers str for each)
        return any(
            c is not None and self._value_dtype(c) == object and n in ("min", "max")
            for c, n in pairs or ()
        )

    def _pairs_for(self, name: str, out_meta: Any) -> list[tuple[Any, str]] | None:
        if name == "size":
            return [(None, "size")]
        if self._is_series_like() or not isinstance(out_meta, pd.DataFrame):
            column = self._selected_columns()[0] if name in T.STATS else None
            return [(column, name)]
        columns = list(out_meta.columns)
        if self._spec.options.get("as_index", True) is False:
            columns = columns[len(columns) - len(self._value_columns_after(out_meta)) :]
        if name not in T.STATS:
            # No tree for it: only the name matters, to fill unobserved groups (one per column).
            return [(None, name)] * len(columns)
        return [(c, name) for c in columns]

    def _value_columns_after(self, out_meta: Any) -> list[Any]:
        chosen = set(self._selected_columns())
        return [c for c in out_meta.columns if c in chosen]

    def _named(self, name: str, *args: Any, **kwargs: Any) -> Any:
        op = G.Call(name, *args, **kwargs)
        out_meta = self._sample_of(op)
        if out_meta is None:
            return self._fb.call(name, *args, **kwargs)
        pairs = self._pairs_for(name, out_meta) if not args else None
        if (
            pairs is not None
            and name in T.STATS
            and isinstance(out_meta, pd.DataFrame)
            and len(pairs) != out_meta.shape[1] - self._key_columns_in(out_meta)
        ):
            pairs = None
        if pairs is not None and any(
            c is not None and c not in self._work.meta.columns and not self._spec.series
            for c, _ in pairs
        ):
            pairs = None
        return self._aggregate(op, pairs, name, args, kwargs)

    def _key_columns_in(self, out_meta: Any) -> int:
        if self._spec.options.get("as_index", True) is False and not self._spec.series:
            return out_meta.shape[1] - len(self._value_columns_after(out_meta))
        return 0

    def _rowwise(self, op: Any, aligned: bool) -> Any:
        work = self._work
        no_rows = None
        if work.lengths is not None and sum(work.lengths) == 0:
            # No rows at all: pandas' own answer (shift keeps bools bool), or its error (diff of
            # bools raises on no rows only; partitions without rows are skipped below).
            meta = G.no_rows(op(self._spec.grouped(work.meta, positional=True)))
        else:
            try:
                meta = G.no_rows(op(self._sample(positional=True)))
            except (TypeError, ValueError):
                if not M.holds_objects(work.meta) or not isinstance(op, G.Call):
                    raise
                # strings stand in for object values, which may be numbers pandas takes
                # (transform('std') of object ints): pandas answers for the data
                return self._fb.call(op.method, *op.args, **op.kwargs)
            # The sample is labelled by position; the rows keep their own labels (HomeCombine).
            meta = meta.set_axis(work.meta.index[:0])
            no_rows = self._no_rows_meta(op, meta)
        nin = work.npartitions
        nout = self._split_out if self._split_out and self._split_out > 1 else nin
        forward = shuffle.Shuffle(
            work, nout, G.GroupSplit(self._spec, nout), label="groupby"
        )
        missing_meta = R.missing_key_meta(self._spec, op, M.nonempty(work.meta), meta)
        row_op = R.RowOp(self._spec, op, meta, aligned, missing_meta)
        sample = M.nonempty(work.meta).assign(**{G.POS: np.arange(2, dtype=np.int64)})
        try:
            mid_meta = G.no_rows(row_op(sample))
        except Exception:  # noqa: BLE001  # stand-ins pandas refuses (std of strings)
            # the layout is the same for no rows, where pandas answered above
            mid_meta = G.no_rows(row_op(sample.iloc[:0]))
        mid = N.MapPartitions(
            row_op,
            (forward,),
            mid_meta,
            label=repr(op),
            preserves_rows=False,
        )
        where = (work.partitioning, work.lengths, work.range_index) if aligned else None
        home = shuffle.Shuffle(
            mid,
            nin,
            R.HomeSplit(nin),
            R.HomeCombine(meta, missing_meta, no_rows),
            out_meta=meta,
            label="home",
            aligned=where,
        )
        if (no_rows is not None and not same_meta(no_rows, meta)) or M.holds_objects(work.meta):
            # pandas' dtypes for no rows differ (shift of ints): whether the filtered rows
            # left any is known once computed (empty partitions hold those dtypes, and vote
            # only if no partition has rows); so are those of object values (str if strings)
            return _wrap(SettleDtypes(home))
        if not same_meta(missing_meta, meta):
            # whether any key is missing (rows of dropped groups hold NaN) decides the dtypes,
            # which the partitions agree on (HomeCombine): known once computed
            return _wrap(SettleDtypes(home, agreed=True))
        return _wrap(home)

    def _no_rows_meta(self, op: Any, meta: Any) -> Any:
        """pandas' result of ``op`` on no rows, labelled as ``meta``; None if pandas raises."""
        try:
            empty = G.no_rows(op(self._spec.grouped(self._work.meta, positional=True)))
        except Exception:  # noqa: BLE001  # pandas' error on no rows surfaces when computed
            return None
        if type(empty) is not type(meta) or not R.same_columns(empty, meta):
            return None
        return empty.set_axis(meta.index[:0])

    def _per_group(
        self, part: Any, assemble: Any, out_meta: Any, levels: dict[Any, bool] | None = None
    ) -> Any:
        """``part`` on each partition after a shuffle by key, ``assemble`` of all their
        results (value_counts, windows). ``levels``: the columns of the result's index levels
        and whether each drops missing values (see ``levels``)."""
        levels = levels or {}
        dtypes = [self._work.meta[c].dtype for c in levels]
        if not L.needs_key_values(dtypes, list(levels.values())):
            levels = {}
        node = GroupShuffle(
            self._work, self._spec, part, assemble, out_meta, self._split_out,
            tuple(levels), tuple(levels.values()),
        )  # fmt: skip
        return _wrap(node)

    def _groups(self, func: Any = None, args: tuple = (), kwargs: Any = None) -> N.Node:
        work = self._work
        nout = (
            self._split_out
            if self._split_out and self._split_out > 1
            else work.npartitions
        )
        forward = shuffle.Shuffle(
            work, nout, G.GroupSplit(self._spec, nout), label="groupby"
        )
        return N.MapPartitions(
            A.GroupsOf(self._spec, func, args, kwargs),
            (forward,),
            None,
            label="groups",
            preserves_rows=False,
        )

    # -- aggregations ------------------------------------------------------------------------------

    def aggregate(self, func: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(func, str) and not args:
            return self._named(func, **kwargs)
        op = G.Call("agg", func, *args, **kwargs)
        out_meta = self._sample_of(op)
        if out_meta is None:
            return self._fb.call("agg", func, *args, **kwargs)
        pairs = self._agg_pairs(func, kwargs, out_meta) if not args else None
        used = self._agg_columns(func, kwargs) if not args else None
        return self._aggregate(op, pairs, "agg", (func, *args), kwargs, used=used)

    def _agg_columns(self, func: Any, kwargs: dict[str, Any]) -> frozenset | None:
        """The value columns ``agg(func, **kwargs)`` reads, whatever its functions (None: not
        known): named aggregations' columns, a dict's keys, the selected column."""
        if self._is_series_like():
            return frozenset(self._selected_columns()[:1])
        if func is None and kwargs:
            cols = [spec[0] if isinstance(spec, tuple) else getattr(spec, "column", None)
                    for spec in kwargs.values()]
        elif isinstance(func, dict):
            cols = list(func)
        else:
            return None
        columns = set(self._work.meta.columns)
        if not all(isinstance(c, str | int) and c in columns for c in cols):
            return None
        return frozenset(cols)

    agg = aggregate

    def _agg_pairs(
        self, func: Any, kwargs: dict[str, Any], out_meta: Any
    ) -> list[tuple[Any, str]] | None:
        series_like = self._is_series_like()
        value = self._selected_columns()[0] if series_like else None
        pairs: list[tuple[Any, str]] = []
        if func is None and kwargs:
            for spec in kwargs.values():
                if series_like:
                    pairs.append((value, spec))
                elif isinstance(spec, tuple) and len(spec) == 2:
                    pairs.append((spec[0], spec[1]))
                else:
                    pairs.append(
                        (getattr(spec, "column", None), getattr(spec, "aggfunc", None))
                    )
        elif isinstance(func, list):
            if series_like:
                pairs = [(value, f) for f in func]
            elif isinstance(out_meta, pd.DataFrame) and out_meta.columns.nlevels == 2:
                pairs = [(c, f) for c, f in out_meta.columns]
            else:
                return None
        elif isinstance(func, dict) and not series_like:
            for col, fs in func.items():
                pairs.extend((col, f) for f in (fs if isinstance(fs, list) else [fs]))
        else:
            return None
        if not all(
            isinstance(f, str) and f in T.STATS and f != "size" for _, f in pairs
        ):
            return None
        if isinstance(out_meta, pd.Series):
            width = 1
        elif func is None and kwargs:
            # Named aggregation: the outputs are the keywords, after any key columns
            # (``as_index=False``), whatever the value columns were called.
            named = list(out_meta.columns[out_meta.shape[1] - len(kwargs) :])
            width = len(kwargs) if named == list(kwargs) else -1
        else:
            width = out_meta.shape[1] - self._key_columns_in(out_meta)
        if len(pairs) != width:
            return None
        if not self._spec.series and any(
            c not in self._work.meta.columns for c, _ in pairs
        ):
            return None
        return pairs

    def size(self) -> Any:
        return self._named("size")

    def quantile(self, q: Any = 0.5, **kwargs: Any) -> Any:
        return self._aggregate(
            G.Call("quantile", q, **kwargs), None, "quantile", (q,), kwargs
        )

    def describe(self, *args: Any, **kwargs: Any) -> Any:
        """Summary statistics of each group (exact quantiles: each group is computed whole,
        after a shuffle)."""
        if not self._spec.opt("observed") and self._keys_categorical():
            return self._fb.call("describe", *args, **kwargs)
        op = G.Call("describe", *args, **kwargs)
        # pandas builds describe's result with ``unstack``, which orders unsorted groups
        # level by level.
        return self._aggregate(op, None, "describe", args, kwargs, by_level=True)

    # -- row-wise ----------------------------------------------------------------------------------

    def transform(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return self._rowwise(G.Call("transform", func, *args, **kwargs), aligned=True)

    def filter(self, func: Any, dropna: bool = True, *args: Any, **kwargs: Any) -> Any:
        return self._rowwise(
            G.Call("filter", func, dropna, *args, **kwargs), aligned=not dropna
        )

    def ngroup(self, ascending: bool = True) -> Any:
        """Number of each row's group, rows in their original order (see pandas).

        A number depends on the groups of every partition, so it is not computed after a
        shuffle: the partitions' distinct keys are numbered in one task (``GroupNumbers``).
        """
        meta = self._spec.grouped(self._work.meta).ngroup(ascending)
        node = GroupNumbers(self._work, self._spec, ascending, G.no_rows(meta))
        return _wrap(node)

    def head(self, n: int = 5) -> Any:
        heads = sorted_group_heads(self._work, self._spec, n)
        if heads is not None:  # of sorted rows: each group's first n rows picked in place
            return _wrap(heads)
        return self._rowwise(G.Call("head", n), aligned=False)

    def tail(self, n: int = 5) -> Any:
        return self._rowwise(G.Call("tail", n), aligned=False)

    def apply(
        self, func: Any, *args: Any, include_groups: bool = False, **kwargs: Any
    ) -> Any:
        if include_groups or not callable(func):
            return self._fb.call(
                "apply", func, *args, include_groups=include_groups, **kwargs
            )
        groups = self._groups(func, args, kwargs)
        keys = N.MapPartitions(
            G.KeysOnly(self._spec.key_columns), (self._work,), None, label="keys"
        )
        name = self._spec.series_name if self._spec.series else self._spec.selection
        combine = A.ApplyCombine(self._spec, name, self._spec.opt("sort"), self._work.meta)
        gather = Gather((keys, groups), combine)
        (result,) = lower.collect_partitions(gather)
        n = self._work.npartitions

        if isinstance(result, pd.DataFrame | pd.Series):
            return from_pandas(result, npartitions=max(1, min(n, len(result))))
        return result

    # -- groups ------------------------------------------------------------------------------------

    def __iter__(self) -> Any:
        """``(key, rows)`` of each group in pandas' order; the rows are dframe objects."""
        pieces = lower.collect_partitions(self._groups())
        groups = A.ordered_groups(pieces, self._spec.opt("sort"))
        return (fallback.wrap_item(group) for group in groups)

    def pipe(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """``func(self, *args, **kwargs)`` (see pandas)."""
        if isinstance(func, tuple):
            func, keyword = func
            kwargs[keyword] = self
            return func(*args, **kwargs)
        return func(self, *args, **kwargs)

    @property
    def ngroups(self) -> int:
        return len(self.size())

    def __len__(self) -> int:
        return self.ngroups

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._fb, name)


def _aggregation(name: str) -> Any:
    def method(self: GroupBy, *args: Any, **kwargs: Any) -> Any:
        return self._named(name, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"``{name}`` of each group (see pandas)."
    return method


def _row_method(name: str) -> Any:
    def method(self: GroupBy, *args: Any, **kwargs: Any) -> Any:
        return self._rowwise(G.Call(name, *args, **kwargs), aligned=True)

    method.__name__ = name
    method.__doc__ = (
        f"``{name}`` within each group, rows in their original order (see pandas)."
    )
    return method


for _name in AGGREGATIONS:
    if _name not in ("size", "quantile"):
        setattr(GroupBy, _name, _aggregation(_name))
for _name in ROWWISE:
    setattr(GroupBy, _name, _row_method(_name))


class DataFrameGroupBy(GroupBy, DataFrameGroupCounts):
    """``df.groupby(...)``: columns can be selected (``gb["v"]``, ``gb.v``, ``gb[["v", "w"]]``)."""

    def __getitem__(self, key: Any) -> Any:
        if self._spec.selection is not G.NONE:
            msg = f"Column(s) {key!r} already selected"
            raise IndexError(msg)
        columns = key if isinstance(key, list) else [key]
        M.check_columns(self._work.meta, columns)
        spec = self._spec.with_selection(key)
        cls = DataFrameGroupBy if isinstance(key, list) else SeriesGroupBy
        return cls(self._work, spec, self._split_out, self._fb.select(key))

    def corr(
        self, method: Any = "pearson", min_periods: int = 1, numeric_only: bool = False
    ) -> Any:
        """Each group's correlation matrix: pandas' ``corr`` on the group's rows (``apply``)."""
        kwargs = {"method": method, "min_periods": min_periods, "numeric_only": numeric_only}
        if callable(method):
            return self._fb.call("corr", **kwargs)
        return self.apply(A.OnEachGroup("corr", kwargs))

    def cov(self, min_periods: int | None = None, ddof: int | None = 1,
            numeric_only: bool = False) -> Any:  # fmt: skip
        """Each group's covariance matrix (``apply`` of pandas' ``cov``)."""
        kwargs = {"min_periods": min_periods, "ddof": ddof, "numeric_only": numeric_only}
        return self.apply(A.OnEachGroup("cov", kwargs))

    def __getattr__(self, name: str) -> Any:
        if (
            not name.startswith("_")
            and self._spec.selection is G.NONE
            and name in set(self._work.meta.columns)
            and not hasattr(pd.core.groupby.DataFrameGroupBy, name)
        ):
            return self[name]
        return super().__getattr__(name)


class SeriesGroupBy(GroupBy, SeriesGroupCounts):
    """``s.groupby(...)`` or one column selected from a DataFrameGroupBy."""
