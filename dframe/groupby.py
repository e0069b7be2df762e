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
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe import config, fallback, lower
from dframe.algebra import grouped as G
from dframe.algebra import shuffle
from dframe.plan import meta as M
from dframe.plan import nodes as N

# Auto strategy: shuffle when the first partition has at least this many rows and this share
# of them are distinct keys (partial aggregates would be nearly as big as the data).
SHUFFLE_MIN_ROWS = 1000
SHUFFLE_RATIO = 0.2

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
           "pct_change", "ngroup")  # fmt: skip
SUBSETS = ("head", "tail", "nth")
_TREE_KWARGS = {"numeric_only", "ddof"}


# -- plan nodes --------------------------------------------------------------------------------


class _Cardinality:
    def __init__(self, spec: G.GroupSpec) -> None:
        self.spec = spec

    def __call__(self, part: pd.DataFrame) -> tuple[int, int]:
        sample = part.iloc[:100_000]
        if len(sample) == 0:
            return 0, 0
        return len(sample), int(self.spec.key_frame(sample).drop_duplicates().shape[0])


def choose_strategy(
    ex: Any, parts: list[Any], spec: G.GroupSpec, split_out: int | None
) -> str:
    if split_out is not None:
        return "tree" if split_out <= 1 else "shuffle"
    forced = config.get("groupby_strategy")
    if forced != "auto":
        return forced
    if len(parts) == 1:
        return "tree"
    rows, groups = ex.get(ex.submit(_Cardinality(spec), parts[0]))
    return (
        "shuffle"
        if rows >= SHUFFLE_MIN_ROWS and groups > SHUFFLE_RATIO * rows
        else "tree"
    )


@dataclass(frozen=True, eq=False)
class GroupAgg(N.Node):
    """An aggregation of ``child`` (a work frame) per group; one output partition."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: G.GroupSpec
    op: Any
    tree: G.TreeAgg | None
    finish: G.Finish
    split_out: int | None = None

    def _derive(self) -> None:
        self._set(
            meta=self.finish.out_meta, npartitions=1, lengths=None, range_index=False
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        strategy = "shuffle" if self.tree is None else "tree"
        if self.tree is not None:
            strategy = choose_strategy(ex, parts, self.spec, self.split_out)
        if strategy == "tree":
            assert self.tree is not None
            partials = [ex.submit(G.ChunkThen(self.tree, "chunk"), p) for p in parts]
            fan_in = max(2, config.get("split_every"))
            combine = G.ChunkThen(self.tree, "combine")
            while len(partials) > 1:
                partials = [
                    ex.submit(combine, *partials[i : i + fan_in])
                    for i in range(0, len(partials), fan_in)
                ]
            return [ex.submit(G.ChunkThen(self.tree, "finalize"), partials[0])]
        nout = self.split_out if self.split_out and self.split_out > 1 else len(parts)
        moved = shuffle.exchange(ex, parts, nout, G.GroupSplit(self.spec, nout))
        results = [ex.submit(G.ShuffledAgg(self.spec, self.op), h) for h in moved]
        return [ex.submit(G.Assemble(self.finish), *results)]

    def describe(self) -> str:
        return f"GroupAgg({self.op!r}, by={self.spec.key_columns})"


@dataclass(frozen=True, eq=False)
class GroupShuffle(N.Node):
    """Rows hash-shuffled by group key, ``per_part`` on each shuffled partition (every group is
    whole there), ``assemble`` of all their results into one partition in pandas' order."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    spec: G.GroupSpec
    per_part: Any
    assemble: Any
    out_meta: Any
    split_out: int | None = None

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        ex, parts = lowerer.ex, lowerer.lower(self.child)
        nout = self.split_out if self.split_out and self.split_out > 1 else len(parts)
        moved = shuffle.exchange(ex, parts, nout, G.GroupSplit(self.spec, nout))
        results = [ex.submit(self.per_part, h) for h in moved]
        return [ex.submit(self.assemble, *results)]

    def describe(self) -> str:
        return (
            f"GroupShuffle({type(self.per_part).__name__}, by={self.spec.key_columns})"
        )


@dataclass(frozen=True, eq=False)
class Gather(N.Node):
    """One task over every partition of ``children``: ``func(counts, *partitions)``."""

    input_fields: ClassVar[tuple[str, ...]] = ("children",)

    children: tuple[N.Node, ...]
    func: Any
    out_meta: Any = None

    def _derive(self) -> None:
        self._set(meta=self.out_meta, npartitions=1, lengths=None, range_index=False)

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = [lowerer.lower(c) for c in self.children]
        flat = [h for hs in handles for h in hs]
        return [lowerer.ex.submit(self.func, len(handles[0]), *flat)]


class _AddKeys:
    """Work frame: the rows (a Series becomes column VAL) plus hidden key columns taken from
    aligned Series (``("input", j)``) or index levels (``("level", k)``)."""

    def __init__(
        self, series: bool, sources: list[tuple[Hashable, tuple[str, Any]]]
    ) -> None:
        self.series, self.sources = series, sources

    def __call__(self, part: Any, *inputs: Any) -> pd.DataFrame:
        out = part.to_frame(VAL) if self.series else part.copy(deep=False)
        for column, (kind, ref) in self.sources:
            values = (
                inputs[ref] if kind == "input" else part.index.get_level_values(ref)
            )
            out[column] = values.array
        return out


VAL = G.VAL


# -- building a groupby ------------------------------------------------------------------------


def _is_label(key: Any) -> bool:
    return (
        isinstance(key, Hashable)
        and not isinstance(key, tuple)
        and pd.api.types.is_scalar(key)
    )


def make_groupby(
    obj: Any,
    by: Any = None,
    level: Any = None,
    as_index: bool = True,
    sort: bool = True,
    group_keys: bool = True,
    observed: bool = True,
    dropna: bool = True,
    split_out: int | None = None,
) -> Any:
    from dframe.collection import Collection

    meta = obj._meta
    series = isinstance(meta, pd.Series)
    options = {"as_index": as_index, "sort": sort, "group_keys": group_keys}
    options.update(observed=observed, dropna=dropna)
    # pandas validates the arguments (missing columns, bad levels) on the empty meta.
    meta_by = by
    if isinstance(by, Collection):
        meta_by = by._meta
    elif isinstance(by, list):
        meta_by = [b._meta if isinstance(b, Collection) else b for b in by]
    sample_options = {
        k: v for k, v in options.items() if not (series and k == "as_index")
    }
    meta.groupby(by=meta_by, level=level, **sample_options)

    if isinstance(by, pd.Grouper) and by.freq is not None and level is None:
        from dframe.resample import grouper_resampler

        return grouper_resampler(obj, by, options)
    if isinstance(by, list) and any(isinstance(b, pd.Grouper) for b in by):
        binned = _time_bin_keys(obj, by, options) if level is None else None
        if binned is None:
            return FallbackGroupBy(obj, by, level, options)
        obj, by = binned
    keys = by if isinstance(by, list) else ([] if by is None else [by])
    items: list[tuple[Any, ...]] = []
    sources: list[tuple[Hashable, tuple[str, Any]]] = []
    inputs: list[N.Node] = []
    native = by is None or level is None
    for key in keys:
        if isinstance(key, Collection):
            if (
                not isinstance(key._meta, pd.Series)
                or key._plan.partitioning != obj._plan.partitioning
            ):
                native = False
                break
            column = f"__dframe_key_{len(items)}__"
            sources.append((column, ("input", len(inputs))))
            inputs.append(key._plan)
            items.append(("tmp", column, key._meta.name))
        elif _is_label(key) and not series and key in set(meta.columns):
            items.append(("col", key))
        elif _is_label(key) and key in meta.index.names:
            column = f"__dframe_key_{len(items)}__"
            sources.append((column, ("level", key)))
            items.append(("tmp", column, key))
        else:
            native = False
            break
    if level is not None and native:
        levels = level if isinstance(level, list | tuple) else [level]
        for lev in levels:
            name = (
                meta.index.names[lev]
                if isinstance(lev, int) and lev not in meta.index.names
                else lev
            )
            column = f"__dframe_key_{len(items)}__"
            sources.append((column, ("level", lev)))
            items.append(("tmp", column, name))
        by_is_list = isinstance(level, list | tuple)
    else:
        by_is_list = isinstance(by, list)
    if not native or not items:
        return FallbackGroupBy(obj, by, level, options)
    if series or sources:
        fn = _AddKeys(series, sources)
        work = N.MapPartitions(
            fn,
            (obj._plan, *inputs),
            M.infer_meta(fn, meta, *[i.meta for i in inputs]),
            label="groupby keys",
        )
    else:
        work = obj._plan
    spec = G.GroupSpec(
        tuple(items),
        by_is_list,
        series=series,
        series_name=meta.name if series else None,
        options=options,
    )
    fb = FallbackGroupBy(obj, by, level, options)
    cls = SeriesGroupBy if series else DataFrameGroupBy
    return cls(work, spec, split_out, fb)


def _time_bin_keys(obj: Any, by: list[Any], options: dict[str, Any]) -> Any:
    """``by`` with each ``pd.Grouper(freq=...)`` replaced by the Series of its bin labels (and
    its ``key`` column left out of the values, as pandas leaves it out); None if not native."""
    from dframe.resample import bin_labels

    if not options["sort"] or not options["dropna"]:
        # pandas' group order then mixes sorted bins with unsorted keys: not done.
        return None
    keys, drop = [], []
    for key in by:
        if not isinstance(key, pd.Grouper):
            keys.append(key)
            continue
        labels = bin_labels(obj, key) if key.freq is not None else None
        if labels is None:
            return None
        keys.append(labels)
        if key.key is not None:
            drop.append(key.key)
    if drop:
        obj = obj[[c for c in obj._meta.columns if c not in set(drop)]]
    return obj, keys


class FallbackGroupBy:
    """pandas' GroupBy over the collected data; results come back as dframe objects."""

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

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        kind = "SeriesGroupBy" if self._is_series() else "DataFrameGroupBy"
        fallback.warn(f"{kind}.{name}")
        pargs, _ = fallback.to_pandas(args)
        pkwargs, _ = fallback.to_pandas(kwargs)
        result = getattr(self.pandas(), name)(*pargs, **pkwargs)
        return fallback.wrap(result, self.obj.npartitions)

    def _is_series(self) -> bool:
        return isinstance(self.obj._meta, pd.Series) or (
            self.selection is not G.NONE and not isinstance(self.selection, list)
        )

    def __getitem__(self, key: Any) -> FallbackGroupBy:
        return self.select(key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        meta = self.obj._meta
        if (
            self.selection is G.NONE
            and isinstance(meta, pd.DataFrame)
            and name in set(meta.columns)
            and not hasattr(pd.core.groupby.DataFrameGroupBy, name)
        ):
            return self.select(name)

        def method(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs)

        return method

    def __iter__(self) -> Any:
        fallback.warn("GroupBy.__iter__")
        return iter(self.pandas())

    def __len__(self) -> int:
        return len(self.pandas())


# -- the GroupBy objects -----------------------------------------------------------------------


def _wrap(plan: N.Node) -> Any:
    from dframe.collection import wrap_plan

    return wrap_plan(plan)


def _shape(result: Any) -> Any:
    return result.iloc[:0] if isinstance(result, pd.DataFrame | pd.Series) else result


class GroupBy:
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
    ) -> Any:
        out_meta = _shape(op(self._sample()))
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
            and set(kwargs) <= _TREE_KWARGS
            and all(
                G.tree_supported(n, self._value_dtype(c))
                if c is not None
                else n == "size"
                for c, n in pairs
            )
        ):
            tree = G.TreeAgg(self._spec, pairs, int(kwargs.get("ddof", 1)), finish)
        # Resample: rows must be in time order within a group, which partials in partition
        # order are not, so first/last run whole per group after a shuffle.
        if self._spec.presort is not None and any(
            n in ("first", "last") for _, n in pairs or ()
        ):
            tree = None
        node = GroupAgg(self._work, self._spec, op, tree, finish, self._split_out)
        return _wrap(node)

    def _pairs_for(self, name: str, out_meta: Any) -> list[tuple[Any, str]] | None:
        if name == "size":
            return [(None, "size")]
        if name not in G.STATS:
            return [
                (None, name)
            ]  # only the name matters (no tree), for unobserved fills
        if self._is_series_like():
            return [(self._selected_columns()[0], name)]
        columns = list(out_meta.columns)
        if self._spec.options.get("as_index", True) is False:
            columns = columns[len(columns) - len(self._value_columns_after(out_meta)) :]
        return [(c, name) for c in columns]

    def _value_columns_after(self, out_meta: Any) -> list[Any]:
        chosen = set(self._selected_columns())
        return [c for c in out_meta.columns if c in chosen]

    def _named(self, name: str, *args: Any, **kwargs: Any) -> Any:
        op = G.Call(name, *args, **kwargs)
        out_meta = _shape(op(self._sample()))
        pairs = self._pairs_for(name, out_meta) if not args else None
        if (
            pairs is not None
            and name in G.STATS
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
        meta = _shape(op(self._sample(positional=True)))
        nin = work.npartitions
        nout = self._split_out if self._split_out and self._split_out > 1 else nin
        forward = shuffle.Shuffle(
            work, nout, G.GroupSplit(self._spec, nout), label="groupby"
        )
        row_op = G.RowOp(self._spec, op, meta, aligned)
        sample = M.nonempty(work.meta).assign(**{G.POS: np.arange(2, dtype=np.int64)})
        mid = N.MapPartitions(
            row_op,
            (forward,),
            _shape(row_op(sample)),
            label=repr(op),
            preserves_rows=False,
        )
        where = (work.partitioning, work.lengths, work.range_index) if aligned else None
        home = shuffle.Shuffle(
            mid,
            nin,
            G.HomeSplit(nin),
            G.HomeCombine(meta),
            out_meta=meta,
            label="home",
            aligned=where,
        )
        return _wrap(home)

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
            G.GroupsOf(self._spec, func, args, kwargs),
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
        out_meta = _shape(op(self._sample()))
        pairs = self._agg_pairs(func, kwargs, out_meta) if not args else None
        return self._aggregate(op, pairs, "agg", (func, *args), kwargs)

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
            isinstance(f, str) and f in G.STATS and f != "size" for _, f in pairs
        ):
            return None
        width = (
            1
            if isinstance(out_meta, pd.Series)
            else out_meta.shape[1] - self._key_columns_in(out_meta)
        )
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

    def _value_counts(
        self, name: str, kwargs: dict[str, Any], options: dict[str, Any]
    ) -> Any:
        """``value_counts`` (``kwargs``: what each partition counts by; ``options``:
        normalize/sort/ascending, applied once all counts are together)."""
        meta = self._work.meta
        op = G.Call("value_counts", **kwargs, **options)
        out_meta = _shape(op(self._sample()))
        # pandas counts categorical values over all their categories (and categorical keys
        # with observed=False): not done here.
        values = [c for c in self._selected_columns() if c in meta.columns]
        subset = kwargs.get("subset")
        if subset is not None:
            values = list(subset) if isinstance(subset, list | tuple) else [subset]
        if any(isinstance(meta[c].dtype, pd.CategoricalDtype) for c in values) or (
            not self._spec.opt("observed") and self._keys_categorical()
        ):
            return self._fb.call("value_counts", **kwargs, **options)
        try:
            empty = op(self._spec.grouped(meta))
        except (TypeError, ValueError, KeyError, IndexError):
            empty = out_meta
        columns_dtype = None if self._spec.series else meta.columns.dtype
        assemble = G.ValueCountsAssemble(
            self._spec,
            name,
            options["normalize"],
            options["sort"],
            options["ascending"],
            empty,
            columns_dtype,
        )
        part = G.ValueCountsPart(self._spec, kwargs)
        return _wrap(
            GroupShuffle(
                self._work, self._spec, part, assemble, out_meta, self._split_out
            )
        )

    def _window(self, op: Any) -> Any:
        """A per-group window result (rows of each group in order), groups in pandas' order."""
        sample = M.nonempty(self._work.meta).assign(
            **{G.POS: np.arange(2, dtype=np.int64)}
        )
        probe = G.WindowPart(self._spec, op)(sample)[0]
        try:
            empty = op(self._spec.grouped(self._work.meta))
        except (TypeError, ValueError, KeyError, IndexError):
            empty = _shape(probe)
        assemble = G.WindowAssemble(self._spec.opt("sort"), empty)
        part = G.WindowPart(self._spec, op)
        node = GroupShuffle(
            self._work, self._spec, part, assemble, _shape(probe), self._split_out
        )
        return _wrap(node)

    def rolling(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Rolling windows within each group (see pandas)."""
        return GroupedWindow(self, "rolling", args, kwargs)

    def expanding(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Expanding windows within each group (see pandas)."""
        return GroupedWindow(self, "expanding", args, kwargs)

    def ewm(self, *args: Any, **kwargs: Any) -> GroupedWindow:
        """Exponentially weighted windows within each group (see pandas)."""
        return GroupedWindow(self, "ewm", args, kwargs)

    # -- row-wise ----------------------------------------------------------------------------------

    def transform(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return self._rowwise(G.Call("transform", func, *args, **kwargs), aligned=True)

    def filter(self, func: Any, dropna: bool = True, *args: Any, **kwargs: Any) -> Any:
        return self._rowwise(
            G.Call("filter", func, dropna, *args, **kwargs), aligned=not dropna
        )

    def head(self, n: int = 5) -> Any:
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
        gather = Gather(
            (keys, groups), G.ApplyCombine(self._spec, name, self._spec.opt("sort"))
        )
        (result,) = lower.collect_partitions(gather)
        n = self._work.npartitions
        from dframe.collection import from_pandas

        if isinstance(result, pd.DataFrame | pd.Series):
            return from_pandas(result, npartitions=max(1, min(n, len(result))))
        return result

    # -- groups ------------------------------------------------------------------------------------

    def __iter__(self) -> Any:
        pieces = lower.collect_partitions(self._groups())
        return iter(G.ordered_groups(pieces, self._spec.opt("sort")))

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


class DataFrameGroupBy(GroupBy):
    def __getitem__(self, key: Any) -> Any:
        if self._spec.selection is not G.NONE:
            msg = f"Column(s) {key!r} already selected"
            raise IndexError(msg)
        columns = key if isinstance(key, list) else [key]
        M.check_columns(self._work.meta, columns)
        spec = self._spec.with_selection(key)
        cls = DataFrameGroupBy if isinstance(key, list) else SeriesGroupBy
        return cls(self._work, spec, self._split_out, self._fb.select(key))

    def __getattr__(self, name: str) -> Any:
        if (
            not name.startswith("_")
            and self._spec.selection is G.NONE
            and name in set(self._work.meta.columns)
            and not hasattr(pd.core.groupby.DataFrameGroupBy, name)
        ):
            return self[name]
        return super().__getattr__(name)

    def value_counts(
        self,
        subset: Any = None,
        normalize: bool = False,
        sort: bool = True,
        ascending: bool = False,
        dropna: bool = True,
    ) -> Any:
        """Count of each combination of values in each group (see pandas)."""
        name = "proportion" if normalize else "count"
        options = {"normalize": normalize, "sort": sort, "ascending": ascending}
        return self._value_counts(name, {"subset": subset, "dropna": dropna}, options)


class SeriesGroupBy(GroupBy):
    def value_counts(
        self,
        normalize: bool = False,
        sort: bool = True,
        ascending: bool = False,
        bins: Any = None,
        dropna: bool = True,
    ) -> Any:
        """Count of each value in each group (see pandas); ``bins`` runs on pandas."""
        options = {"normalize": normalize, "sort": sort, "ascending": ascending}
        if bins is not None:
            return self._fb.call("value_counts", bins=bins, dropna=dropna, **options)
        name = "proportion" if normalize else "count"
        return self._value_counts(name, {"dropna": dropna}, options)


class _WindowCall:
    """``<groupby>.<kind>(*args, **kwargs).<method>(*margs, **mkwargs)``."""

    def __init__(
        self,
        kind: str,
        args: tuple,
        kwargs: dict,
        method: str,
        margs: tuple,
        mkwargs: dict,
    ) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.method, self.margs, self.mkwargs = method, margs, mkwargs

    def __call__(self, gb: Any) -> Any:
        window = getattr(gb, self.kind)(*self.args, **self.kwargs)
        return getattr(window, self.method)(*self.margs, **self.mkwargs)

    def __repr__(self) -> str:
        return f"{self.kind}().{self.method}()"


class GroupedWindow:
    """``groupby(...).rolling(...)`` / ``.expanding()`` / ``.ewm()``: each method runs per group
    after a shuffle by key; results come in pandas' order (groups sorted, rows in order)."""

    def __init__(self, gb: GroupBy, kind: str, args: tuple, kwargs: dict) -> None:
        self._gb, self._kind, self._args, self._kwargs = gb, kind, args, kwargs
        # pandas validates the window arguments at once.
        getattr(gb._sample(), kind)(*args, **kwargs)

    def __getitem__(self, key: Any) -> GroupedWindow:
        gb = self._gb[key] if isinstance(self._gb, DataFrameGroupBy) else None
        if gb is None:
            msg = f"cannot select {key!r} from a Series window"
            raise KeyError(msg)
        return GroupedWindow(gb, self._kind, self._args, self._kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        window = getattr(self._gb._sample(), self._kind)(*self._args, **self._kwargs)
        if not callable(getattr(window, name)):
            return getattr(window, name)

        def method(*args: Any, **kwargs: Any) -> Any:
            call = _WindowCall(self._kind, self._args, self._kwargs, name, args, kwargs)
            return self._gb._window(call)

        method.__name__ = name
        return method
