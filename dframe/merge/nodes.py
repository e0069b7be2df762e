"""``merge`` / ``DataFrame.merge`` / ``DataFrame.join``, natively and in parallel.

Two strategies, chosen when the merge is built (``merge_strategy`` option; "auto" by size):

* **broadcast**: the small side is concatenated into one object in the store, and every partition
  of the big side is merged with it. Valid when every output row comes from a row of the big side
  (big left: inner/left/cross; big right: inner/right);
* **shuffle**: both sides are hash-partitioned on the keys into the same number of partitions
  (equal keys meet), and partition j of the left is merged with partition j of the right.

Either way pandas merges each pair of partitions, so suffixes, ``indicator``, ``validate`` (with
the shuffle every key's rows meet in one partition), index labels and dtypes are pandas' own.

Row order. Before the exchange, each row is tagged with its global position (partition number
and row in it, packed in one int64). pandas' order is then a sort: inner/left by (left position,
right position), right by (right, left), and outer or ``sort=True`` by the keys (categorical keys
by their codes in the left's categories, missing first as pandas' code -1; other missing keys
last) and then the positions. The exchange hashes categorical keys by their codes when both sides
share one dtype (no task hashes every category). The result is range-partitioned on that
order: by the left (right) partition a tag came from when positions lead, else by boundaries
sampled from the merged partitions. Every tag pair is unique, so a skewed key is spread over
partitions like any other. A broadcast against the big side in its own order needs no reordering.

Finally partitions agree on dtypes (an unmatched row turns int into float in its partition only,
as pandas would for the whole result) and, unless an index was merged on, are numbered 0..n-1.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dframe import config
from dframe.algebra.rows import concat_rows, index_of
from dframe.algebra.shuffle import ConcatPieces, assignment, split_by, split_grid
from dframe.execution.executors import Deferred, PartitionReader
from dframe.merge import finish, index_join, unlike_keys, whole_index
from dframe.merge.order import Bounds, RangeSplit, Sample, SortPieces, without_labels
from dframe.plan import meta as M
from dframe.plan import nodes as N

TAG_L, TAG_R = "__dframe_lpos__", "__dframe_rpos__"
_EMPTINESS = ((False, False), (True, False), (False, True), (True, True))
_SHIFT = 1 << 40  # position = partition * _SHIFT + row within the partition
HOWS = ("inner", "left", "right", "outer", "cross")
_VALIDATE = {None, "one_to_one", "1:1", "one_to_many", "1:m", "many_to_one", "m:1",
             "many_to_many", "m:m"}  # fmt: skip
_LEFT_UNIQUE = {"one_to_one", "1:1", "one_to_many", "1:m"}
_RIGHT_UNIQUE = {"one_to_one", "1:1", "many_to_one", "m:1"}
SAMPLES_PER_PARTITION = 32


def broadcastable(how: str, validate: Any) -> list[str]:
    """The broadcast strategies pandas' semantics allow: the broadcast side must not be the one
    whose unmatched rows are kept, nor one ``validate`` checks for unique keys (each task sees
    only part of the other side)."""
    out = []
    if how in ("inner", "left", "cross") and validate not in _LEFT_UNIQUE:
        out.append("broadcast_right")
    if how in ("inner", "right") and validate not in _RIGHT_UNIQUE:
        out.append("broadcast_left")
    return out


def _lkey(j: int) -> str:
    return f"__dframe_lk{j}__"


def _rkey(j: int) -> str:
    return f"__dframe_rk{j}__"


def _skey(j: int) -> str:
    return f"__dframe_sk{j}__"


def _hidden(n: int) -> list[str]:
    return [TAG_L, TAG_R, *(_skey(j) for j in range(n))]


# -- partition functions (picklable, free of plan references) ---------------------------------


def _key_values(part: pd.DataFrame, sel: tuple[str, Any]) -> Any:
    kind, ref = sel
    if kind == "col":
        return part[ref].array
    return part.index.get_level_values(ref).array


def _hashable(values: Any) -> Any:
    """Key values in a form that hashes alike on both sides when their dtypes differ: numbers
    as floats, in an object array (pandas matches an object column's True or 1 with an int
    column's 1), missing values as NaN."""
    s = pd.Series(values)
    if s.dtype.kind == "M" and getattr(s.dtype, "tz", None) is None:
        return s.astype("datetime64[ns]").array
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64").to_numpy(dtype=object)
    out = s.to_numpy(dtype=object, na_value=np.nan, copy=True)
    numbers = np.fromiter((isinstance(v, bool | int | float | np.number) for v in out), bool, len(out))
    out[numbers] = [float(v) for v in out[numbers]]
    return out


@dataclass(frozen=True)
class Side:
    """How to tag one side: its tag column, key selectors, keys to hash in a common form, and
    whether to carry sortable key copies (``codes``: per key, use categorical codes)."""

    tag: str
    keys: tuple[tuple[str, Any], ...]
    normalize: tuple[bool, ...]
    copies: str | None  # "l" / "r": add sortable key copies named _lkey/_rkey
    codes: tuple[bool, ...]
    hash_codes: tuple[bool, ...] = ()  # per key: both sides share one categorical dtype
    recode: tuple[Any, ...] = ()  # per key: the left's categorical dtype to sort the codes by

    def tagged(self, part: pd.DataFrame, i: int) -> pd.DataFrame:
        out = part.copy(deep=False)
        out[self.tag] = np.arange(len(part), dtype=np.int64) + i * _SHIFT
        if self.copies is not None:
            name = _lkey if self.copies == "l" else _rkey
            for j, sel in enumerate(self.keys):
                values = _key_values(part, sel)
                if self.codes[j]:
                    if self.recode and self.recode[j] is not None:
                        values = pd.Categorical(values, dtype=self.recode[j])
                    values = values.codes
                elif self.normalize[j]:
                    # Against a key of another dtype pandas merges and sorts the values in a
                    # common form (a categorical by value, not by its categories' order), and
                    # the copies of both sides must fit in one column.
                    values = _hashable(values)
                out[name(j)] = values
        return out

    def hash_keys(self, part: pd.DataFrame) -> pd.DataFrame:
        cols = {}
        for j, sel in enumerate(self.keys):
            values = _key_values(part, sel)
            if self.hash_codes and self.hash_codes[j]:
                # Both sides hold this one categorical dtype: equal codes are equal values, and
                # hashing the codes skips hashing every category in every task.
                cols[j] = values.codes
            else:
                # Object keys too: pandas matches equal numbers of other types (1 and 1.0)
                common = self.normalize[j] or pd.api.types.is_object_dtype(values.dtype)
                cols[j] = _hashable(values) if common else values
        return pd.DataFrame(cols)


class TagSplit:
    """Shuffle ``split``: tag rows with their positions, then cut by a hash of the keys."""

    def __init__(self, side: Side, nout: int, labels: bool = True) -> None:
        self.side, self.nout, self.labels = side, nout, labels

    def __call__(self, part: pd.DataFrame, i: int) -> list[Any]:
        tagged = self.side.tagged(part, i)
        pieces = split_by(tagged, assignment(self.side.hash_keys(part), self.nout), self.nout)
        if any(self.side.normalize):
            # keys of different dtypes: every merge task learns that this side has rows
            pieces = unlike_keys.with_witnesses(tagged, pieces, self.side.tag)
        return without_labels(pieces, self.labels)


class TagConcat:
    """The whole small side as one tagged frame (the broadcast object)."""

    def __init__(self, side: Side, labels: bool = True) -> None:
        self.side, self.labels = side, labels

    def __call__(self, *parts: pd.DataFrame) -> pd.DataFrame:
        tagged = [self.side.tagged(p, i) for i, p in enumerate(parts)]
        full = [t for t in tagged if len(t)] or tagged[:1]
        return without_labels([full[0] if len(full) == 1 else concat_rows(full)], self.labels)[0]


@dataclass(frozen=True)
class Spec:
    how: str
    kwargs: tuple[tuple[str, Any], ...]  # passed to pandas.merge on every pair of partitions
    left: Side
    right: Side
    order: tuple[str, ...]  # columns giving pandas' row order; () if already in order
    nkeys_sorted: int  # sortable key columns among ``order``
    fresh_index: bool
    strategy: str  # "shuffle" / "broadcast_right" / "broadcast_left"
    # The index's names pandas gives the whole join of two indexes (None: as the pairs give)
    index_names: tuple[Any, ...] | None = None
    sort: bool = False
    # pandas' order for this join of two indexes depends on whether they are sorted: look
    order_facts: bool = False
    keep_order: bool = True  # False: nothing looks at the rows' order (``Merge.unordered``)
    # A join of object indexes: labels and order from pandas' join of the whole indexes
    whole_labels: bool = False


def with_order(spec: Spec, by_keys: bool) -> Spec:
    """``spec`` putting the rows in key order (``by_keys``) or in the leading side's order:
    the sortable key copies, the order columns, none for a broadcast against the big side in
    its own order."""
    nsorted = len(spec.left.keys) if by_keys else 0
    tags = (TAG_R, TAG_L) if spec.how == "right" else (TAG_L, TAG_R)
    order: tuple[str, ...] = (*(_skey(j) for j in range(nsorted)), *tags)
    if spec.whole_labels:
        # the first order column is each row's place in the whole join (``whole_index``)
        order = (_skey(0), TAG_L, TAG_R) if spec.keep_order else ()
        left = dataclasses.replace(spec.left, copies=None)
        right = dataclasses.replace(spec.right, copies=None)
        return dataclasses.replace(spec, order=order, nkeys_sorted=1, left=left, right=right)
    in_order = not by_keys and (
        spec.strategy == "broadcast_right"
        or (spec.strategy == "broadcast_left" and spec.how == "right")
    )
    if in_order or not spec.keep_order:
        order, nsorted = (), 0
    left = dataclasses.replace(spec.left, copies="l" if nsorted else None)
    right = dataclasses.replace(spec.right, copies="r" if nsorted else None)
    return dataclasses.replace(spec, order=order, nkeys_sorted=nsorted, left=left, right=right)


class MergePair:
    """pandas' merge of one left and one right partition (tagged), plus the sort keys.
    ``tag_small``: the broadcast side is its one untagged partition, tagged here (a view)
    rather than copied into the store tagged."""

    def __init__(self, spec: Spec, i: int | None = None, tag_small: bool = False) -> None:
        self.spec, self.i, self.tag_small = spec, i, tag_small

    def __call__(
        self, left: pd.DataFrame, right: pd.DataFrame, coerced: Any = False
    ) -> pd.DataFrame:
        """``coerced``: True when ``unlike_keys.as_whole`` coerced the keys already; for a
        broadcast of keys of unlike dtypes, whether the big side has rows (``BigSideRows``)."""
        spec = self.spec
        if spec.strategy == "broadcast_right":
            left = spec.left.tagged(left, self.i)
            right = spec.right.tagged(right, 0) if self.tag_small else right
        elif spec.strategy == "broadcast_left":
            right = spec.right.tagged(right, self.i)
            left = spec.left.tagged(left, 0) if self.tag_small else left
        if isinstance(coerced, unlike_keys.BigSideRows):
            # keys of unlike dtypes against an empty broadcast side: pandas' one merge checks
            # them only if the big side has no rows anywhere
            coerced = not len(left) and not len(right) and coerced.any
        merge = unlike_keys.merge_coerced if coerced else pd.merge
        out = merge(left, right, how=spec.how, sort=False, **dict(spec.kwargs))
        for j in range(spec.nkeys_sorted if spec.left.copies else 0):
            lk, rk = out.pop(_lkey(j)), out.pop(_rkey(j))
            out[_skey(j)] = lk.where(lk.notna(), rk) if len(out) else lk
        return out


def _nbytes(*parts: pd.DataFrame) -> int:
    return sum(int(p.memory_usage(index=True, deep=False).sum()) for p in parts)


class MergePieces:
    """``MergePair`` of output partition ``j`` of the hash exchange, given the pieces of both
    sides (``nleft`` of the left first): concatenated here, not by a task of their own, so each
    row is written once by the exchange."""

    def __init__(self, spec: Spec, nleft: int) -> None:
        self.pair, self.nleft = MergePair(spec), nleft

    def __call__(self, *pieces: pd.DataFrame) -> pd.DataFrame:
        spec = self.pair.spec
        lpieces, rpieces = pieces[: self.nleft], pieces[self.nleft :]
        if not any(spec.left.normalize):
            return self.pair(ConcatPieces()(0, *lpieces), ConcatPieces()(0, *rpieces))
        lreal, lwitness = unlike_keys.real_pieces(lpieces, spec.left.tag)
        rreal, rwitness = unlike_keys.real_pieces(rpieces, spec.right.tag)
        left, right = ConcatPieces()(0, *lreal), ConcatPieces()(0, *rreal)
        kwargs = dict(spec.kwargs)
        left, right, keep, coerced = unlike_keys.as_whole(
            left, right, lwitness, rwitness, spec.how, kwargs
        )
        out = self.pair(left, right, coerced)
        return out if keep else out.iloc[:0]


# -- the plan node ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Merge(N.Node):
    """pandas' merge of ``left`` and ``right`` (see the module docstring for the algorithm)."""

    input_fields: ClassVar[tuple[str, ...]] = ("left", "right")

    left: N.Node
    right: N.Node
    spec: Spec
    out_meta: Any

    def _derive(self) -> None:
        self._set(
            meta=self.out_meta,
            npartitions=self._output_count(),
            lengths=None,
            range_index=self.spec.fresh_index,
        )

    def input_columns(self, need: Any) -> list[frozenset | None]:
        """What each side must keep for the output columns ``need``: the keys, the columns asked
        for, and every label both sides have (without one, the other would lose its suffix).
        Only those columns are then moved by the exchanges and merged."""
        lcols, rcols = self.left.meta.columns, self.right.meta.columns
        unique = lcols.is_unique and rcols.is_unique and self.out_meta.columns.is_unique
        if need is None or not unique:
            return [None, None]
        both = set(lcols) & set(rcols)
        out = []
        for cols, side in ((lcols, self.spec.left), (rcols, self.spec.right)):
            keys = {ref for kind, ref in side.keys if kind == "col"}
            out.append(frozenset(c for c in cols if c in need or c in both or c in keys))
        return out

    def input_order(self) -> str:
        # Keys are columns: which rows pair up does not depend on the sides' order or labels.
        keys = [*self.spec.left.keys, *self.spec.right.keys]
        return "passes" if all(kind == "col" for kind, _ in keys) else "uses"

    def unordered(self) -> Merge:
        """This merge when nothing looks at its rows' order: the pairs in whatever order the
        tasks make them, without the exchange that restores pandas' order."""
        if not self.spec.order and not self.spec.order_facts:
            return self
        spec = with_order(dataclasses.replace(self.spec, keep_order=False), False)
        return dataclasses.replace(self, spec=spec)

    def with_inputs(self, inputs: tuple[N.Node, ...]) -> N.Node:
        new = super().with_inputs(inputs)
        if new is self:
            return new
        # Sides narrowed to ``input_columns``: what they lost is neither a key nor a label of
        # both sides, so it leaves the output under its own name and nothing else changes.
        dropped = [
            c
            for old, side in zip(self.inputs, new.inputs, strict=True)
            for c in old.meta.columns.difference(side.meta.columns, sort=False)
        ]
        if not dropped:
            return new
        return dataclasses.replace(new, out_meta=self.out_meta.drop(columns=dropped))

    def _merge_count(self) -> int:
        s = self.spec.strategy
        if s == "broadcast_right":
            return self.left.npartitions
        if s == "broadcast_left":
            return self.right.npartitions
        return max(self.left.npartitions, self.right.npartitions)

    def _output_count(self) -> int:
        if not self.spec.order:
            return self._merge_count()  # a broadcast against the big side, in its own order
        # Sized by the data, never by whichever side came first: a chain of merges that starts
        # from a one-partition dimension table must not end as one partition.
        return max(self._merge_count(), self.left.npartitions, self.right.npartitions)

    def _leading_tag_partitions(self, order: tuple[str, ...]) -> int | None:
        """Partitions of the side whose positions lead pandas' order (None: keys lead)."""
        if order and order[0] == TAG_L:
            return self.left.npartitions
        if order and order[0] == TAG_R:
            return self.right.npartitions
        return None

    def _broadcast_now(self, ex: Any, lparts: list[Any], rparts: list[Any]) -> str:
        """The strategy once the sides are computed: a shuffle chosen because a side's size was
        not known (a filter of unknown selectivity: q18's orders in a few big orders) broadcasts
        that side if it turned out small — when the output keeps its partition count."""
        n = self._merge_count()
        sides = {"broadcast_right": (self.left, rparts), "broadcast_left": (self.right, lparts)}
        validate = dict(self.spec.kwargs).get("validate")
        allowed = [
            (s, sides[s][1])
            for s in broadcastable(self.spec.how, validate)
            if sides[s][0].npartitions == n  # the kept side sizes the output
        ]
        if config.get("merge_strategy") != "auto" or not allowed:
            return "shuffle"
        if any(isinstance(p, PartitionReader) for _, parts in allowed for p in parts):
            return "shuffle"  # read inside the tasks: its size is not known without reading
        sizes = ex.get([ex.submit(_nbytes, *parts) for _, parts in allowed])  # one round trip
        size, strategy = min(zip(sizes, (s for s, _ in allowed)))
        return strategy if size < config.get("merge_broadcast_bytes") else "shuffle"

    def lower_with(self, lowerer: Any) -> list[Any]:
        return self.lower_then(lowerer, None)

    def lower_then(self, lowerer: Any, then: Any) -> list[Any]:
        """The merged partitions, each passed through ``then`` (its only reader's partition
        function, or None) in the task that finishes it."""
        ex, spec = lowerer.ex, self.spec
        # A side read from Parquet is read inside the tasks that use it: no partition of it is
        # stored on its own (or held by the driver while the merge waits for lengths below).
        lparts, rparts = lowerer._partition_args(self)
        if spec.strategy == "shuffle":
            spec = dataclasses.replace(spec, strategy=self._broadcast_now(ex, lparts, rparts))
        if spec.order_facts:
            spec = self._index_order_now(ex, spec, lparts, rparts)
        if spec.strategy in ("broadcast_right", "broadcast_left"):
            small_side = spec.right if spec.strategy == "broadcast_right" else spec.left
            big, rest = (lparts, rparts) if spec.strategy == "broadcast_right" else (rparts, lparts)
            small, whole = self._broadcast(ex, small_side, rest, spec.fresh_index)
            extra = []
            if any(spec.left.normalize):
                # whether the big side has rows anywhere decides pandas' check of the keys
                extra = [ex.submit(unlike_keys.BigSideRows.of, *big)]
            calls = [
                (MergePair(spec, i, whole), ((p, small) if small_side is spec.right
                                             else (small, p)) + tuple(extra))
                for i, p in enumerate(big)
            ]  # fmt: skip
        else:
            n = self._merge_count()
            labels = not spec.fresh_index
            lgrid = split_grid(ex, lparts, n, TagSplit(spec.left, n, labels))
            rgrid = split_grid(ex, rparts, n, TagSplit(spec.right, n, labels))
            merge = MergePieces(spec, len(lparts))
            calls = [
                (merge, (*[row[j] for row in lgrid], *[row[j] for row in rgrid]))
                for j in range(n)
            ]
        if spec.whole_labels:
            calls = self._whole_labels(ex, _submit_all(ex, calls), spec, lparts, rparts)
        calls = self._order(ex, calls, spec)
        # What every partition must agree on (dtypes, first labels, index names) is worked out
        # by a task from each partition's info, not by the driver: the tasks of what follows
        # are submitted at once, without a round trip per merge. The task that makes each
        # partition also returns its info (no task of its own re-reading the partition).
        hidden = tuple(_hidden(spec.nkeys_sorted))
        with_info = [
            ex.submit(finish.WithInfo(fn, hidden, (TAG_L, TAG_R)), *args, num_returns=2)
            for fn, args in calls
        ]
        ordered, infos = [h for h, _ in with_info], [i for _, i in with_info]
        names = self._names_by_emptiness(spec)
        agree, lengths = self._agree(ex, spec, names, lparts, rparts)
        common = ex.submit(agree, *infos, *lengths)
        if then is None:  # dropping helper columns and labelling: done by what reads it
            return [Deferred(finish.Finish(hidden, j), (h, common)) for j, h in enumerate(ordered)]
        return [
            ex.submit(finish.Finish(hidden, j, then), h, common) for j, h in enumerate(ordered)
        ]

    @staticmethod
    def _broadcast(ex: Any, side: Side, parts: list[Any], fresh_index: bool) -> tuple[Any, bool]:
        """The small side as one object, and whether it is still to be tagged: a side of one
        computed partition is that object itself (each task tags a view of it), so the store
        holds no second copy; several partitions are concatenated and tagged once."""
        if len(parts) == 1 and not isinstance(parts[0], PartitionReader):
            return parts[0], True
        return ex.submit(TagConcat(side, not fresh_index), *parts), False

    @staticmethod
    def _whole_labels(ex: Any, merged: list[Any], spec: Spec, lparts: list, rparts: list) -> list:
        """The calls that give the merged partitions the labels and places of pandas' join of
        the whole indexes (gathered by one task: the labels only)."""
        indexes = [ex.submit(index_of, p) for p in [*lparts, *rparts]]
        join = whole_index.WholeJoin(spec.how, spec.sort, len(lparts), _SHIFT)
        whole = ex.submit(join, *indexes)
        relabel = whole_index.Relabel((TAG_L, TAG_R), _skey(0))
        return [(relabel, (h, whole)) for h in merged]

    def _index_order_now(self, ex: Any, spec: Spec, lparts: list, rparts: list) -> Spec:
        """pandas' names and order for this join of two indexes, once it is known which sides
        are in ascending order (one round trip of a few labels per partition)."""
        facts = ex.get([ex.submit(index_join.OrderFacts(), p) for p in [*lparts, *rparts]])
        ascending = (
            index_join.ascending_from(facts[: len(lparts)]),
            index_join.ascending_from(facts[len(lparts) :]),
        )
        rule = index_join.rule(self.left, self.right, spec.how, spec.sort, ascending=ascending)
        if rule is None:
            return spec
        spec = dataclasses.replace(spec, index_names=rule.names)
        return with_order(spec, bool(rule.by_keys)) if spec.keep_order else spec

    def _names_by_emptiness(self, spec: Spec) -> dict[tuple[bool, bool], Any]:
        """The index names by which sides turn out empty: the plan's, except that pandas keeps
        the index of the side with rows (name and all) when a side of an outer join is empty."""
        names = spec.index_names
        if names is None and not spec.fresh_index:
            # A merge that keeps a side's labels: each partition's pandas merge names its
            # index by which of its own sides are empty; the whole merge's by the whole sides'.
            return {e: self._kept_index_names(spec, *e) for e in _EMPTINESS}
        out = {(False, False): names}
        for empty in ((True, False), (False, True), (True, True)):
            rule = None
            if names is not None and spec.how == "outer":
                rule = index_join.rule(self.left, self.right, "outer", True, *empty)
            out[empty] = names if rule is None else rule.names
        return out

    def _agree(
        self, ex: Any, spec: Spec, names: dict, lparts: list, rparts: list
    ) -> tuple[finish.Agree, list]:
        """The ``Agree`` task and the length tasks it reads: where the index names depend on
        whether an input side is empty and the merged rows do not tell (a left join keeps
        every left row, so they tell for its left side), the side's known lengths say, else
        a length task per partition."""
        tells = {"left": (True, False), "right": (False, True), "outer": (True, True)}
        empty: list[bool | None] = [None, None]
        counted, lengths = [0, 0], []
        for side, (node, parts) in enumerate(((self.left, lparts), (self.right, rparts))):
            flip = [(e, tuple(not x if k == side else x for k, x in enumerate(e))) for e in names]
            told = tells.get(spec.how, (False, False))[side]
            if told or all(names[a] == names[b] for a, b in flip):
                continue
            if node.lengths is not None:
                empty[side] = not sum(node.lengths)
            else:
                counted[side] = len(parts)
                lengths += [ex.submit(len, p) for p in parts]
        agree = finish.Agree(
            spec.fresh_index, names, (empty[0], empty[1]), (counted[0], counted[1])
        )
        return agree, lengths

    def _kept_index_names(self, spec: Spec, lempty: bool, rempty: bool) -> Any:
        """pandas' index names for this merge when the sides are empty or not, or None."""
        lmeta, rmeta = self.left.meta, self.right.meta
        left = lmeta.iloc[:0] if lempty else M.nonempty(lmeta)
        right = rmeta.iloc[:0] if rempty else M.nonempty(rmeta)
        kwargs = {k: v for k, v in spec.kwargs if k != "validate"}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return list(pd.merge(left, right, how=spec.how, **kwargs).index.names)
        except Exception:  # noqa: BLE001  # no answer from these stand-ins: leave the names
            return None

    def _order(self, ex: Any, calls: list[tuple], spec: Spec) -> list[tuple]:
        """The calls ``(fn, args)`` that make the merge's partitions in pandas' order: ``calls``
        themselves when the merged pieces are in order already."""
        order, nout = spec.order, self._output_count()
        if not order and len(calls) == nout:
            return calls
        merged = _submit_all(ex, calls)
        if not order:
            # in order already, but the plan said more partitions (it chose to reorder before
            # the strategy changed at run time): the leading side's positions spread them
            order = (TAG_R, TAG_L) if spec.how == "right" else (TAG_L, TAG_R)
        labels = not spec.fresh_index
        if self._leading_tag_partitions(order) == nout:
            # Positions lead: output j holds the rows tagged from input partition j.
            bounds: Any = pd.DataFrame({order[0]: np.arange(1, nout, dtype=np.int64) * _SHIFT})
        else:
            # Boundaries sampled on the whole order (keys and/or both position tags: every row
            # is distinct), so even the rows of one input partition spread over all outputs;
            # chosen by a task the splits wait for, not by the driver.
            samples = [ex.submit(Sample(order, SAMPLES_PER_PARTITION), h) for h in merged]
            bounds = ex.submit(Bounds(order, nout), *samples)
        grid = split_grid(ex, merged, nout, RangeSplit(nout, labels), bounds)
        combine = SortPieces(order, labels)
        return [(combine, (j, *[row[j] for row in grid])) for j in range(nout)]

    def describe(self) -> str:
        return f"Merge(how={self.spec.how!r}, {self.spec.strategy})"


def _submit_all(ex: Any, calls: list[tuple]) -> list[Any]:
    return [ex.submit(fn, *args) for fn, args in calls]


# -- building a merge -------------------------------------------------------------------------
