"""Lowering: turn an optimized plan into partition tasks and run them on an executor.

``Lowerer`` is a visitor with explicit coverage: every node type has a ``visit_<Node>`` method
returning the node's partitions as a list of executor handles, and a node type without one raises
``LoweringError`` — an engine gap must be loud, never a silent detour.

``compute`` is the entry point the façade uses: it optimizes, picks an executor, lowers, and
caches the result as a ``Materialized`` node keyed by the plan node, so a frame used twice is
computed once (``optimize.rules.use_cache`` substitutes it into later plans).
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import pandas as pd

from dframe import config
from dframe.algebra import tree_reduce
from dframe.algebra.rows import concat_dtype, concat_rows
from dframe.execution import progress
from dframe.execution.executors import (
    Deferred,
    RuntimeExecutor,
    SyncExecutor,
    default_runtime,
    default_sync,
)
from dframe.optimize.rules import CACHE, optimize, toposort
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan import held, positional, value_dtypes
from dframe.plan.nodes import PartitionReader


class LoweringError(NotImplementedError):
    """Raised when a plan contains a node type that has no lowering rule."""


# -- small task functions (module level: they are pickled by reference) ------------------------


def _identity(x: Any) -> Any:
    return x


def _shift_index(part: Any, start: int, dtypes: Any = None) -> Any:
    """Give a partition read with local labels 0..k-1 its global labels start..start+k-1."""
    out = part.copy(deep=False)
    out.index = pd.RangeIndex(start, start + len(part))
    if dtypes is not None:
        out = out.astype(dtypes)
    return out


class _Renumbered:
    """A partition with global labels ``start, start+1, ...`` (``_shift_index`` without a cast)."""

    free = True

    def __init__(self, start: int) -> None:
        self.start = start

    def __call__(self, part: Any) -> Any:
        return _shift_index(part, self.start)


def _read_with_info(part: Any) -> tuple[Any, tuple[int, Any, list[bool]]]:
    # A column with no values in this block says nothing about its dtype (pandas calls it float).
    has_values = [bool(part.iloc[:, j].notna().any()) for j in range(part.shape[1])]
    return part, (len(part), part.iloc[:0], has_values)


def common_dtypes(infos: list[tuple[int, Any, list[bool]]]) -> pd.Series:
    """Per column, the dtype holding the values of every block that has some (int + float →
    float), which is what pandas infers reading the file in one go."""
    metas = [m for _, m, _ in infos]
    out = {}
    for j, name in enumerate(metas[0].columns):
        seen = [m.dtypes.iloc[j] for _, m, has in infos if has[j]] or [metas[0].dtypes.iloc[j]]
        out[name] = concat_dtype(seen)
    return pd.Series(out, dtype=object)


def _conform(part: Any, meta: Any) -> Any:
    """Make a partition's columns, dtypes and names those of ``meta`` (after a concat of unlike
    frames)."""
    part = _renamed(part, meta)
    if isinstance(part, pd.DataFrame):
        if not part.columns.equals(meta.columns):
            part = part.reindex(columns=meta.columns)
        return part.astype(meta.dtypes.to_dict())
    return part.astype(meta.dtype)


def _renamed(part: Any, meta: Any) -> Any:
    """``part`` with ``meta``'s index names (and Series name): pandas' concat names them only
    where all inputs agree."""
    if _names_differ(part, meta):
        part = part.rename_axis(index=meta.index.names)
    if isinstance(part, pd.Series) and part.name != meta.name:
        part = part.rename(meta.name)
    return part


def _names_differ(part: Any, meta: Any) -> bool:
    index = part.index
    return index.nlevels == meta.index.nlevels and list(index.names) != list(meta.index.names)


def _only_context(gather: Any, *summaries: Any) -> Any:
    (context,) = gather(*summaries)
    return context


def _assemble(spec: list[tuple[int, int, int]], *parts: Any) -> Any:
    """Concatenate row slices ``parts[k].iloc[start:stop]`` listed in ``spec``."""
    pieces = [parts[k].iloc[start:stop] for k, start, stop in spec]
    return pieces[0] if len(pieces) == 1 else concat_rows(pieces)


# A driver-held frame's partitions put into the runtime's store: (session, refs) by frame.
_MOVED: weakref.WeakKeyDictionary[N.Node, tuple[str, list[Any]]] = weakref.WeakKeyDictionary()


class _CombineFinalize:
    def __init__(self, combine: Any, finalize: Any) -> None:
        self.combine, self.finalize = combine, finalize

    def __call__(self, *partials: Any) -> Any:
        return self.finalize(self.combine(*partials))


class Lowerer:
    """Visit an optimized plan, submitting tasks to ``executor``; each node is lowered once."""

    def __init__(self, executor: Any, *roots: N.Node) -> None:
        self.ex = executor
        self._done: dict[N.Node, list[Any]] = {}
        # How many nodes of the plans ``roots`` read each node: a node read by one only may
        # hand its last per-partition step to that reader (``lower_then``).
        self._readers: dict[N.Node, int] = {}
        for root in roots:
            for node in toposort(root):
                for child in node.inputs:
                    self._readers[child] = self._readers.get(child, 0) + 1
        # Rows per partition of nodes whose plan does not know them, learned while lowering
        # (a CSV read counts its rows to number them): kept with the computed partitions.
        self.found_lengths: dict[N.Node, list[int]] = {}

    def lower(self, node: N.Node) -> list[Any]:
        if node not in self._done:
            visit = getattr(self, f"visit_{type(node).__name__}", None)
            if visit is None and hasattr(node, "lower_with"):
                # Nodes defined next to their algorithm (e.g. ``algebra.shuffle.Shuffle``)
                # carry their own lowering rule: ``node.lower_with(lowerer) -> handles``.
                visit = lambda n: n.lower_with(self)
            if visit is None:
                msg = f"no lowering rule for plan node {type(node).__name__} ({node.describe()})"
                raise LoweringError(msg)
            handles = visit(node)
            if len(handles) != node.npartitions:
                msg = f"{node.describe()}: {len(handles)} partitions, expected {node.npartitions}"
                raise AssertionError(msg)
            self._done[node] = handles
        return self._done[node]

    def lengths(self, node: N.Node, handles: list[Any]) -> list[int]:
        if node.lengths is not None:
            return list(node.lengths)
        if node not in self.found_lengths:
            counts = self.ex.get([self.ex.submit(len, h) for h in handles])
            self.found_lengths[node] = [int(n) for n in counts]
        return self.found_lengths[node]

    def _partition_args(self, node: N.Node) -> list[list[Any]]:
        """Per input, per partition: a handle, or a reader so the read runs inside the task."""
        out = []
        for child in node.inputs:
            if isinstance(child, N.ReadParquet) and not child.reset_index:
                out.append([child.reader(i) for i in range(child.npartitions)])
            else:
                out.append(self.lower(child))
        return out

    def _renumber(self, handles: list[Any], lengths: list[int], dtypes: Any = None) -> list[Any]:
        starts = M.offsets(lengths)
        if dtypes is None:  # new labels only: a view, made by whatever reads the partitions
            return [Deferred(_Renumbered(s), (h,)) for h, s in zip(handles, starts, strict=True)]
        return [
            self.ex.submit(_shift_index, h, s, dtypes) for h, s in zip(handles, starts, strict=True)
        ]

    # -- sources ---------------------------------------------------------------------------------

    def visit_FromPandas(self, node: N.FromPandas) -> list[Any]:
        handles = [self.ex.put(p) for p in node.partitions]
        if isinstance(self.ex, RuntimeExecutor):
            # Put once: later plans over this frame find the refs through the cache.
            CACHE[node] = N.Materialized(
                tuple(handles),
                self.ex,
                node.meta,
                node.lengths,
                node.range_index,
                node.partitioning,
            )
        return handles

    def visit_Materialized(self, node: N.Materialized) -> list[Any]:
        if node.executor == self.ex or (
            isinstance(node.executor, SyncExecutor) and isinstance(self.ex, SyncExecutor)
        ):
            return list(node.handles)
        # Computed on another executor: move the partitions over — once per runtime session for
        # a small table held in the driver that query after query merges with big ones.
        if not isinstance(self.ex, RuntimeExecutor):
            return list(node.executor.get(list(node.handles)))
        session = self.ex.session()
        moved = _MOVED.get(node)
        if moved is None or moved[0] != session:
            moved = (session, [self.ex.put(v) for v in node.executor.get(list(node.handles))])
            _MOVED[node] = moved
        return list(moved[1])

    def visit_ReadParquet(self, node: N.ReadParquet) -> list[Any]:
        handles = [self.ex.submit(_identity, node.reader(i)) for i in range(node.npartitions)]
        if node.reset_index:
            handles = self._renumber(handles, self.lengths(node, handles))
        return handles

    def visit_ReadCSV(self, node: N.ReadCSV) -> list[Any]:
        pairs = [
            self.ex.submit(_read_with_info, node.reader(i), num_returns=2)
            for i in range(node.npartitions)
        ]
        info = self.ex.get([p[1] for p in pairs])
        lengths = [n for n, _, _ in info]
        self.found_lengths[node] = lengths
        # pandas infers dtypes from the whole file; each block inferred its own.
        dtypes = common_dtypes(info)
        if all(list(m.dtypes) == list(dtypes) for _, m, _ in info):
            dtypes = None
        else:
            dtypes = dtypes.to_dict()
        return self._renumber([p[0] for p in pairs], lengths, dtypes)

    # -- partition-wise --------------------------------------------------------------------------

    def _visit_partitionwise(self, node: N.Node) -> list[Any]:
        fn = node.partition_function()
        if len(node.inputs) == 1:
            (child,) = node.inputs
            if hasattr(child, "lower_then") and self._readers.get(child) == 1:
                # Its only reader: ``fn`` runs in the child's last task on each partition
                # (a merge's finish), so the child's result is neither stored nor read again.
                return child.lower_then(self, fn)
        per_input = self._partition_args(node)
        if getattr(fn, "free", False) and not any(
            isinstance(a, PartitionReader) for args in per_input for a in args
        ):  # (a read is not free: each reader would read the file again)
            return [Deferred(fn, args) for args in zip(*per_input, strict=True)]
        return [self.ex.submit(fn, *args) for args in zip(*per_input, strict=True)]

    visit_MapPartitions = _visit_partitionwise
    visit_Project = _visit_partitionwise
    visit_Filter = _visit_partitionwise
    visit_Assign = _visit_partitionwise

    # -- global ----------------------------------------------------------------------------------

    def visit_Reduce(self, node: N.Reduce) -> list[Any]:
        (parts,) = self._partition_args(node)
        if node.chunk is None:
            partials = list(parts)
        else:
            partials = [self.ex.submit(node.chunk, p) for p in parts]
        fan_in = max(2, node.split_every or config.get("split_every"))
        partials = tree_reduce.combine_partials(
            self.ex, partials, node.combine, most=fan_in, fan_in=fan_in
        )
        if len(partials) == 1:
            return [self.last_step(node, node.finalize, *partials)]
        # The last combine and finalize share a task: one round trip fewer per reduction.
        return [self.last_step(node, _CombineFinalize(node.combine, node.finalize), *partials)]

    def last_step(self, node: N.Node, fn: Any, *handles: Any) -> Any:
        """``fn(*handles)``, the step that makes ``node``'s small result from partials: run by
        the driver as it fetches the result when ``node`` is what the computation returns (no
        task to wait for, no metadata to pickle), else a task."""
        if not self._readers.get(node) and not any(isinstance(h, PartitionReader) for h in handles):
            return Deferred(fn, handles)
        return self.ex.submit(fn, *handles)

    def visit_MapWithContext(self, node: N.MapWithContext) -> list[Any]:
        # The child is lowered once and both passes read its partitions (not fused into either:
        # that would compute the child twice).
        parts = self.lower(node.child)
        summaries = [self.ex.submit(node.summarize, p) for p in parts]
        if len(parts) == 1:
            contexts = [self.ex.submit(_only_context, node.gather, *summaries)]
        else:
            contexts = self.ex.submit(node.gather, *summaries, num_returns=len(parts))
        return [self.ex.submit(node.apply, p, c) for p, c in zip(parts, contexts, strict=True)]

    def visit_ByPosition(self, node: positional.ByPosition) -> list[Any]:
        return positional.lower_by_position(self, node)

    def visit_SettleDtypes(self, node: value_dtypes.SettleDtypes) -> list[Any]:
        return value_dtypes.lower_settle(self, node)

    def visit_SelectPartitions(self, node: N.SelectPartitions) -> list[Any]:
        handles = self.lower(node.child)
        return [handles[i] for i in node.indices]

    def visit_Concat(self, node: N.Concat) -> list[Any]:
        handles: list[Any] = []
        for child in node.children:
            child_handles = self.lower(child)
            if _differs(child.meta, node.meta):
                child_handles = [self.ex.submit(_conform, h, node.meta) for h in child_handles]
            elif _names_differ(child.meta, node.meta) or (
                isinstance(node.meta, pd.Series) and child.meta.name != node.meta.name
            ):  # (names only: the data keeps its dtypes)
                child_handles = [self.ex.submit(_renamed, h, node.meta) for h in child_handles]
            handles.extend(child_handles)
        if node.ignore_index:
            lengths = list(node.lengths) if node.lengths is not None else None
            if lengths is None:
                lengths = [int(n) for n in self.ex.get([self.ex.submit(len, h) for h in handles])]
            handles = self._renumber(handles, lengths)
        return handles

    def visit_Repartition(self, node: N.Repartition) -> list[Any]:
        handles = self.lower(node.child)
        lengths = self.lengths(node.child, handles)
        starts = M.offsets(lengths)
        out = []
        pos = 0
        for size in M.split_lengths(sum(lengths), node.count):
            lo, hi = pos, pos + size
            spec, used = [], []
            for k, (start, n) in enumerate(zip(starts, lengths, strict=True)):
                a, b = max(lo, start), min(hi, start + n)
                if a < b or (size == 0 and not used and k == 0):
                    spec.append((len(used), a - start, max(a, b) - start))
                    used.append(handles[k])
            out.append(self.ex.submit(_assemble, spec, *used))
            pos = hi
        return out


def _differs(child_meta: Any, meta: Any) -> bool:
    if isinstance(meta, pd.DataFrame):
        return not (
            child_meta.columns.equals(meta.columns) and child_meta.dtypes.equals(meta.dtypes)
        )
    return child_meta.dtype != meta.dtype


# -- choosing an executor and computing ------------------------------------------------------------


def _input_bytes(plan: N.Node) -> int:
    total = 0
    # file -> its size as the read saw it: a file changed or deleted since is reported by the
    # read tasks, with an error that says what happened, not by a stat here.
    files: dict[str, int | None] = {}
    for node in toposort(plan):
        if isinstance(node, N.FromPandas):
            for p in node.partitions:
                usage = p.memory_usage(index=False, deep=False)
                total += int(usage.sum() if isinstance(usage, pd.Series) else usage)
        elif hasattr(node, "nbytes_in"):  # sources of other families (dframe.numpy arrays)
            total += node.nbytes_in
        elif isinstance(node, N.ReadParquet | N.ReadCSV):
            for part in node.pieces if isinstance(node, N.ReadParquet) else node.blocks:
                files[part.path] = None if part.identity is None else part.identity[0]
    return total + sum(os.path.getsize(f) if n is None else n for f, n in files.items())


def choose_executor(plan: N.Node) -> Any:
    """The configured executor; under ``"auto"``, the runtime for big inputs or inputs already in
    its object store, the in-process executor otherwise."""
    choice = config.get("executor")
    if not isinstance(choice, str):
        return choice
    if choice == "sync":
        return default_sync()
    if choice == "runtime":
        return default_runtime()
    if choice != "auto":
        msg = f"executor option must be 'auto', 'sync', 'runtime' or an executor, not {choice!r}"
        raise ValueError(msg)
    for node in toposort(plan):
        if isinstance(node, N.Materialized) and isinstance(node.executor, RuntimeExecutor):
            return node.executor
    if _input_bytes(plan) < config.get("sync_threshold_bytes"):
        return default_sync()
    return default_runtime()


def compute(root: N.Node, settle: bool = True) -> N.Materialized:
    """The partitions of ``root``, computed at most once per node (and executor).

    Where dtypes pandas picks from the values lie below ``root``, the partitions are given the
    dtypes of the whole and the result's metadata says which (one round trip of empty frames);
    ``settle=False`` leaves that to the caller, which then caches the result itself.
    """
    for aggregate in held.aggregates_first(root):
        compute(aggregate)
    plan = optimize(root)
    if isinstance(plan, N.Materialized):
        return plan
    ex = choose_executor(plan)
    lowerer = Lowerer(ex, plan)
    meta = root.meta
    unsettled = value_dtypes.unsettled(root)
    with progress.tracking(ex) as tracker:
        handles = lowerer.lower(plan)
        if unsettled and settle:
            handles, meta, found = value_dtypes.settle(ex, handles, meta)
            lowerer.found_lengths.setdefault(plan, list(found))
        if tracker is not None:
            tracker.wait(getattr(ex, "backend", None))
    lengths = root.lengths
    if lengths is None and plan in lowerer.found_lengths:
        lengths = tuple(lowerer.found_lengths[plan])
    result = N.Materialized(tuple(handles), ex, meta, lengths, root.range_index, root.partitioning)
    if settle or not unsettled:
        CACHE[root] = result
    return result


def materialize(root: N.Node) -> N.Materialized:
    """``root``'s partitions computed now, waited for, with their lengths known: what
    ``read_*`` returns a frame over (the data as of the call, read once)."""
    mat = compute(root)
    mat.executor.wait(list(mat.handles))
    if mat.lengths is None:
        partition_lengths(root)
        mat = CACHE[root]
    return mat


def partition_lengths(root: N.Node) -> list[int]:
    """Rows per partition, from the plan when known, else from the computed partitions (the
    answer is cached with them)."""
    if root.lengths is not None:
        return list(root.lengths)
    mat = compute(root)
    if mat.lengths is None:
        ex = mat.executor
        lengths = tuple(int(n) for n in ex.get([ex.submit(len, h) for h in mat.handles]))
        mat = N.Materialized(mat.handles, ex, mat.meta, lengths, mat.range_index, mat.key)
        CACHE[root] = mat
    assert mat.lengths is not None
    return list(mat.lengths)


def collect(root: N.Node) -> Any:
    """The whole result as one pandas object (or the scalar a reduction produced)."""
    unsettled = value_dtypes.unsettled(root)
    mat = compute(root, settle=not unsettled)
    parts = mat.executor.get(list(mat.handles))
    if unsettled:
        # The metadata of dtypes picked from the values, from the data itself (no round trip).
        parts, mat = value_dtypes.settled_parts(parts, mat)
        if mat is not None:
            CACHE[root] = mat
    return _assemble_result(root, parts)


class _Together:
    """Several reductions of one input as one: their chunk (or finalize) steps side by side."""

    def __init__(self, steps: list[Any]) -> None:
        self.steps = steps

    def __call__(self, part: Any) -> tuple[Any, ...]:
        return tuple(step(part) for step in self.steps)


class _TogetherCombine(_Together):
    def __call__(self, *partials: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(step(*[p[k] for p in partials]) for k, step in enumerate(self.steps))


class _TogetherFinalize(_Together):
    def __call__(self, partial: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(step(p) for step, p in zip(self.steps, partial, strict=True))


def _share_passes(roots: list[N.Node]) -> tuple[list[N.Node], list[tuple[int, int | None]]]:
    """Plans computing ``roots``, with reductions of the same input merged into one reduction
    (one pass over the data); and where each root's result is: (plan, slot in its tuple)."""
    by_child: dict[int, list[int]] = {}
    for i, root in enumerate(roots):
        if isinstance(root, N.Reduce) and root.chunk is not None:
            by_child.setdefault(id(root.child), []).append(i)
    plans: list[N.Node] = []
    where: list[tuple[int, int | None]] = [(-1, None)] * len(roots)
    for i, root in enumerate(roots):
        group = by_child.get(id(getattr(root, "child", None)), [])
        if len(group) < 2 or i not in group:
            where[i] = (len(plans), None)
            plans.append(root)
            continue
        if i != group[0]:
            continue  # placed with the group's first member
        members = [roots[k] for k in group]
        fused = N.Reduce(
            root.child,
            _Together([m.chunk for m in members]),
            _TogetherCombine([m.combine for m in members]),
            _TogetherFinalize([m.finalize for m in members]),
            tuple(m.meta for m in members),
            label="+".join(m.label for m in members),
        )
        for slot, k in enumerate(group):
            where[k] = (len(plans), slot)
        plans.append(fused)
    return plans, where


def _assemble_result(root: N.Node, parts: list[Any]) -> Any:
    if not isinstance(root.meta, pd.DataFrame | pd.Series):
        return parts[0]
    # Empty partitions hold no values, so they must not vote on dtypes: pandas' one pass over
    # all rows gives int64 where an empty partition of an element-wise result says float64.
    full = [p for p in parts if len(p)] or parts[:1]
    if len(full) == 1:
        return full[0]
    out = concat_rows(full)
    if _object_index_inferred(out.index, full[0].index):
        out.index = out.index.astype(object)
    return out


def _object_index_inferred(joined: pd.Index, part: pd.Index) -> bool:
    # pd.concat re-infers an object index holding ints as int64; pandas never had it split.
    return (
        part.dtype == object
        and joined.dtype != object
        and not isinstance(joined, pd.MultiIndex)
    )


def collect_many(roots: list[N.Node]) -> list[Any]:
    """The results of several plans, computed together: every task of every plan is submitted
    before the first result is awaited, and reductions of the same input share one pass."""
    plans, where = _share_passes(roots)
    optimized = [optimize(p) for p in plans]
    executors = {id(choose_executor(p)): choose_executor(p) for p in optimized}
    if len(executors) != 1:  # inputs live in different places: one at a time
        return [collect(r) for r in roots]
    (ex,) = executors.values()
    lowerer = Lowerer(ex, *optimized)
    with progress.tracking(ex) as tracker:
        handles = [
            list(p.handles) if isinstance(p, N.Materialized) else lowerer.lower(p)
            for p in optimized
        ]
        if tracker is not None:
            tracker.wait(getattr(ex, "backend", None))
    flat = ex.get([h for hs in handles for h in hs])
    values, start = [], 0
    for plan, hs in zip(plans, handles, strict=True):
        values.append(_assemble_result(plan, flat[start : start + len(hs)]))
        start += len(hs)
    out = []
    for root, (k, slot) in zip(roots, where, strict=True):
        out.append(values[k] if slot is None else values[k][slot])
    return out


def collect_partitions(root: N.Node) -> list[Any]:
    mat = compute(root)
    return list(mat.executor.get(list(mat.handles)))
