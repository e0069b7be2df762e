"""Pure plan → plan rewrites, applied in this order by ``optimize``:

1. ``use_cache``       a node computed before is replaced by its ``Materialized`` partitions;
   ``select_sources``  a selection of partitions moves down to the sources, so ``head`` reads
                       only the partitions it shows;
2. ``push_predicates`` ``df[mask]`` over a Parquet read becomes a pyarrow filter in the reader;
3. ``prune_columns``   readers read only the columns something above them uses;
4. ``fuse``            each maximal region of partition-wise nodes becomes one ``MapPartitions``
                       running a small program, so a chain of operations is one task per partition.

Every rule returns a new plan and leaves its input untouched; the input may be shared by other
frames the user still holds.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from dframe.algebra.elementwise import BinaryOp, MethodCall
from dframe.io.parquet import Predicate
from dframe.plan import nodes as N

# node -> Materialized, filled in when a frame is computed; weak so a dropped plan frees its data.
CACHE: weakref.WeakKeyDictionary[N.Node, N.Materialized] = weakref.WeakKeyDictionary()


def transform(root: N.Node, rewrite: Callable[[N.Node], N.Node]) -> N.Node:
    """Rebuild the plan bottom-up, applying ``rewrite`` to each node once (shared nodes stay
    shared)."""
    done: dict[N.Node, N.Node] = {}

    def visit(node: N.Node) -> N.Node:
        if node not in done:
            rebuilt = node.with_inputs(tuple(visit(i) for i in node.inputs))
            done[node] = rewrite(keep_partitioning(rebuilt, node))
        return done[node]

    return visit(root)


def keep_partitioning(rebuilt: N.Node, node: N.Node) -> N.Node:
    """``rebuilt`` (``node`` over rewritten inputs holding the same rows) makes the same
    partitions: it keeps ``node``'s partitioning, which other parts of the plan may be combined
    with (a Series computed before from a shuffled frame, assigned back to the frame)."""
    if rebuilt is not node:
        object.__setattr__(rebuilt, "token", node.token)
    return rebuilt


def substitute(root: N.Node, old: N.Node, new: N.Node) -> N.Node:
    return transform(root, lambda n: new if n is old else n)


def toposort(root: N.Node) -> list[N.Node]:
    """Nodes with every consumer before its inputs (root first)."""
    order: list[N.Node] = []
    seen: set[N.Node] = set()

    def visit(node: N.Node) -> None:
        if node in seen:
            return
        seen.add(node)
        for i in node.inputs:
            visit(i)
        order.append(node)

    visit(root)
    return order[::-1]


def partitionwise_leaves(node: N.Node) -> list[N.Node]:
    """The non-partition-wise nodes a partition-wise region reads from."""
    out: dict[N.Node, N.Node] = {}

    def visit(n: N.Node) -> None:
        if not n.partitionwise:
            out.setdefault(n, n)
            return
        for i in n.inputs:
            visit(i)

    visit(node)
    return list(out.values())


# -- 1. cache ----------------------------------------------------------------------------------


def use_cache(root: N.Node) -> N.Node:
    # Checked top-down so a computed node hides everything below it.
    done: dict[N.Node, N.Node] = {}

    def visit(node: N.Node) -> N.Node:
        if node not in done:
            hit = CACHE.get(node)
            if hit is None:
                rebuilt = node.with_inputs(tuple(visit(i) for i in node.inputs))
                hit = keep_partitioning(rebuilt, node)
            done[node] = hit
        return done[node]

    return visit(root)


def _select(node: N.Node, indices: tuple[int, ...], memo: dict[Any, N.Node]) -> N.Node:
    key = (node, indices)
    if key in memo:
        return memo[key]
    out: N.Node
    if isinstance(node, N.FromPandas):
        prefix = indices == tuple(range(len(indices)))
        parts = tuple(node.partitions[i] for i in indices)
        out = N.FromPandas(parts, range_index=node.range_index and prefix)
    elif isinstance(node, N.ReadParquet):
        # Pieces carry their global first row label, so a subset keeps pandas' labels.
        out = dataclasses.replace(node, pieces=tuple(node.pieces[i] for i in indices))
    elif isinstance(node, N.Materialized):
        lengths = None if node.lengths is None else tuple(node.lengths[i] for i in indices)
        prefix = indices == tuple(range(len(indices)))
        out = N.Materialized(
            tuple(node.handles[i] for i in indices),
            node.executor,
            node.meta,
            lengths,
            node.range_index and prefix,
            ("select", node.key, indices),
        )
    elif node.partitionwise:
        inputs = tuple(_select(i, indices, memo) for i in node.inputs)
        wrapped = [isinstance(i, N.SelectPartitions) for i in inputs]
        if any(wrapped) and not all(wrapped):
            # Some inputs reach a source and some stop at a node that needs every partition
            # (a shift's halo): their partitions would no longer line up. Select above.
            out = N.SelectPartitions(node, indices)
        else:
            out = node.with_inputs(inputs)
    else:
        out = N.SelectPartitions(node, indices)
    memo[key] = out
    return out


def select_sources(root: N.Node) -> N.Node:
    memo: dict[Any, N.Node] = {}

    def rewrite(node: N.Node) -> N.Node:
        if isinstance(node, N.SelectPartitions) and not isinstance(node.child, N.SelectPartitions):
            pushed = _select(node.child, node.indices, memo)
            return node if isinstance(pushed, N.SelectPartitions) else pushed
        return node

    return transform(root, rewrite)


# -- 2. predicates -----------------------------------------------------------------------------

_ARROW_COMPARE = {"eq": "__eq__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}


def _pushable_scalar(value: Any) -> bool:
    return isinstance(value, bool | int | float | str) and value == value  # not NaN


def _column_of(node: N.Node, source: N.Node) -> str | None:
    """The column name if ``node`` is ``source[col]`` of a dtype whose comparisons mean the same
    in Arrow and pandas."""
    if not (isinstance(node, N.Project) and node.series and node.child is source):
        return None
    dtype = node.meta.dtype
    if not (pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.StringDtype)):
        return None
    return str(node.columns[0])


def to_arrow(mask: N.Node, source: N.Node) -> Predicate | None:
    """``mask`` as a pyarrow predicate over ``source``'s columns, if it has an exact translation.

    Only operations where a missing value gives False in pandas and null in Arrow (which then
    drops the row) translate: comparisons except ``!=``, ``isin``, ``isna``/``notna``, ``&`` and
    ``|``. Negation does not (pandas' ``~(NaN > 1)`` is True, Arrow's is null).
    """
    if not isinstance(mask, N.MapPartitions):
        return None
    fn = mask.func
    if isinstance(fn, BinaryOp) and fn.name in ("and_", "or_") and not fn.has_scalar:
        parts = [to_arrow(i, source) for i in mask.inputs]
        if None in parts:
            return None
        a, b = parts
        assert a is not None and b is not None
        expr = a.expr & b.expr if fn.name == "and_" else a.expr | b.expr
        sym = "&" if fn.name == "and_" else "|"
        return Predicate(
            expr, list(dict.fromkeys(a.fields + b.fields)), f"({a.text} {sym} {b.text})"
        )
    if len(mask.inputs) != 1:
        return None
    col = _column_of(mask.inputs[0], source)
    if col is None:
        return None
    field = pc.field(col)
    if isinstance(fn, BinaryOp) and fn.name in _ARROW_COMPARE and fn.has_scalar:
        if not _pushable_scalar(fn.scalar):
            return None
        # ``3 < x`` arrives reflected as gt with the operands swapped back by Python already.
        name = fn.name
        if fn.reflected:
            name = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le", "eq": "eq"}[name]
        expr = getattr(field, _ARROW_COMPARE[name])(fn.scalar)
        return Predicate(expr, [col], f"{col} {_SYM[name]} {fn.scalar!r}")
    if isinstance(fn, MethodCall) and fn.name == "isin" and not fn.kwargs:
        values = list(fn.args[0])
        if not all(_pushable_scalar(v) for v in values):
            return None
        return Predicate(field.isin(values), [col], f"{col} in {values!r}")
    if isinstance(fn, MethodCall) and fn.name in ("isna", "isnull", "notna", "notnull"):
        expr = field.is_null(nan_is_null=True)
        if fn.name.startswith("not"):
            expr = ~expr  # is_null never yields null, so negating it is exact
        return Predicate(expr, [col], f"{col}.{fn.name}()")
    return None


_SYM = {"eq": "==", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _conjuncts(mask: N.Node) -> list[N.Node]:
    fn = getattr(mask, "func", None)
    if isinstance(fn, BinaryOp) and fn.name == "and_" and not fn.has_scalar:
        return [c for i in mask.inputs for c in _conjuncts(i)]
    return [mask]


def push_predicates(root: N.Node) -> N.Node:
    def rewrite(node: N.Node) -> N.Node:
        if not isinstance(node, N.Filter):
            return node
        leaves = partitionwise_leaves(node)
        if len(leaves) != 1 or not isinstance(leaves[0], N.ReadParquet):
            return node
        source = leaves[0]
        if source.reset_index:
            return node
        translated = [to_arrow(c, source) for c in _conjuncts(node.mask)]
        pushed = [p for p in translated if p is not None]
        if not pushed:
            return node
        predicate = pushed[0]
        for p in pushed[1:]:
            predicate = predicate & p
        if source.predicate is not None:
            predicate = source.predicate & predicate
        reader = N.ReadParquet(
            source.pieces, source.full_meta, source.columns, predicate, False, source.stored_index
        )
        child = substitute(node.child, source, reader)
        if len(pushed) == len(translated):
            return child
        # Part of the mask has no exact Arrow form: filter again in pandas. Re-applying the pushed
        # part is harmless (those rows all pass it) and keeps the rewrite simple.
        return N.Filter(child, substitute(node.mask, source, reader))

    return transform(root, rewrite)


# -- 3. columns --------------------------------------------------------------------------------

Need = frozenset[Hashable] | None  # None: every column


def _input_needs(node: N.Node, need: Need) -> list[Need]:
    """Columns each input must provide so that ``node`` can produce the ``need`` columns."""
    if isinstance(node, N.Project):
        return [frozenset(node.columns)]
    if isinstance(node, N.Filter):
        return [need, None]
    if isinstance(node, N.Assign):
        own = None if need is None else frozenset(c for c in need if c not in set(node.names))
        return [own] + [None] * len(node.values)
    if isinstance(node, N.MapPartitions) and node.columnwise and len(node.inputs) == 1:
        return [need]
    if isinstance(node, N.Concat | N.Repartition):
        return [need] * len(node.inputs)
    if hasattr(node, "input_columns"):
        # Nodes of a family say which columns they read (a groupby: its keys and values).
        return node.input_columns(need)
    return [None] * len(node.inputs)


def pinned(root: N.Node) -> set[Hashable]:
    """Partitionings that results computed earlier stand for (``Materialized`` keys). A node
    with one of them is combined partition by partition with such a result, so it must run as
    it did then: its rows in the same partitions and order."""
    return {n.partitioning for n in toposort(root) if isinstance(n, N.Materialized)}


def prune_columns(root: N.Node) -> N.Node:
    """Readers read only the union of the columns their consumers use; data in memory is
    narrowed to them before anything else runs on it."""
    needs: dict[N.Node, Need] = {root: None}
    keep = pinned(root)
    for node in toposort(root):
        need = needs.get(node, frozenset())
        child_needs = _input_needs(node, need)
        if node.partitioning in keep and node.partitioning is node.token:
            # Rebuilt, it would be another partitioning. (A node that takes its partitioning
            # from its input — a filter's mask, a projection of the data read — keeps it when
            # rebuilt over a narrowed input: it is narrowed like any other.)
            child_needs = [None] * len(node.inputs)
        for child, child_need in zip(node.inputs, child_needs, strict=True):
            if child.is_series:
                child_need = None
            prev = needs.get(child, frozenset())
            needs[child] = None if prev is None or child_need is None else prev | child_need

    def rewrite(node: N.Node) -> N.Node:
        need = needs.get(node)
        if need is None:
            return node
        if isinstance(node, N.ReadParquet):
            cols = tuple(c for c in node.meta.columns if c in need)
            if len(cols) < len(node.meta.columns):
                return N.ReadParquet(
                    node.pieces,
                    node.full_meta,
                    cols,
                    node.predicate,
                    node.reset_index,
                    node.stored_index,
                )
        if isinstance(node, N.ReadCSV):
            cols = tuple(c for c in node.meta.columns if c in need)
            if len(cols) < len(node.meta.columns):
                return N.ReadCSV(node.blocks, node.full_meta, node.options, cols)
        if isinstance(node, N.Materialized | N.FromPandas) and not node.is_series:
            # Data already in memory (what read_* returns): select the used columns first,
            # so a filter or a copy downstream moves only those (a selection copies nothing).
            columns = node.meta.columns
            cols = tuple(c for c in columns if c in need)
            if columns.is_unique and 0 < len(cols) < len(columns):
                return N.Project(node, cols)
        return node

    # ``needs`` is keyed by the original nodes, so rewrite before parents are rebuilt.
    return _rewrite_original(root, rewrite)


def _rewrite_original(root: N.Node, rewrite: Callable[[N.Node], N.Node]) -> N.Node:
    done: dict[N.Node, N.Node] = {}

    def visit(node: N.Node) -> N.Node:
        if node not in done:
            replaced = rewrite(node)
            if replaced is node:
                replaced = node.with_inputs(tuple(visit(i) for i in node.inputs))
            done[node] = keep_partitioning(replaced, node)  # (narrowed: the same rows)
        return done[node]

    return visit(root)


# -- 4. fusion ---------------------------------------------------------------------------------


class FusedProgram:
    """Evaluate a region of partition-wise nodes on one partition of each of its leaves.

    ``steps`` are ``(function, argument slots)`` in dependency order; slots ``0..k-1`` are the
    leaves' partitions and each step's result takes the next slot. A node used twice in the
    region is computed once.
    """

    def __init__(self, steps: list[tuple[Callable[..., Any], tuple[int, ...]]], labels: list[str]):
        self.steps, self.labels = steps, labels
        # Every step costs nothing (column selections): readers run it (``executors.Deferred``).
        self.free = all(getattr(fn, "free", False) for fn, _ in steps)

    def __call__(self, *leaves: Any) -> Any:
        values = list(leaves)
        for fn, slots in self.steps:
            values.append(fn(*[values[s] for s in slots]))
        return values[-1]

    def __repr__(self) -> str:
        return " -> ".join(self.labels)


def _fuse_region(root: N.Node) -> N.MapPartitions:
    leaves = partitionwise_leaves(root)
    slot: dict[N.Node, int] = {leaf: k for k, leaf in enumerate(leaves)}
    steps: list[tuple[Callable[..., Any], tuple[int, ...]]] = []
    labels: list[str] = []

    def visit(n: N.Node) -> int:
        if n not in slot:
            args = tuple(visit(i) for i in n.inputs)
            steps.append((n.partition_function(), args))
            labels.append(n.describe())
            slot[n] = len(leaves) + len(steps) - 1
        return slot[n]

    visit(root)
    program = FusedProgram(steps, labels)
    return N.MapPartitions(
        program,
        tuple(leaves),
        root.meta,
        label=f"fused: {program!r}",
        preserves_rows=root.lengths is not None and root.lengths == leaves[0].lengths,
        columnwise=False,
    )


def fuse(root: N.Node) -> N.Node:
    """Replace every maximal partition-wise region by one ``MapPartitions``.

    A region's leaves are kept as inputs; reads among them are fused too, by lowering (it hands
    the task a reader instead of a partition).
    """
    done: dict[N.Node, N.Node] = {}

    def visit(node: N.Node) -> N.Node:
        if node in done:
            return done[node]
        original = node
        if isinstance(node, N.Reduce) and node.chunk is not None and node.child.partitionwise:
            # The per-partition step of a reduction joins the region below it, so reducing
            # a computed column is one task per partition, not two.
            chunk = N.MapPartitions(
                node.chunk, (node.child,), None, label=f"chunk {node.label}", preserves_rows=False
            )
            node = dataclasses.replace(node, child=chunk, chunk=None)
        if node.partitionwise:
            region = _fuse_region(node)
            out: N.Node = region.with_inputs(tuple(visit(leaf) for leaf in region.inputs))
            # A lone node needs no program around it.
            if len(region.func.steps) == 1 and isinstance(node, N.MapPartitions):
                out = node.with_inputs(tuple(visit(i) for i in node.inputs))
        else:
            out = node.with_inputs(tuple(visit(i) for i in node.inputs))
        done[original] = out
        return out

    return visit(root)


def unordered(root: N.Node) -> N.Node:
    """Nodes whose rows' order and labels nothing downstream looks at (below a sorted
    aggregation, through row-by-row steps and merges on columns) skip restoring pandas' order
    (a merge: its order exchange)."""
    free: dict[N.Node, bool] = {root: False}
    keep = pinned(root)
    for node in toposort(root):
        use = "uses" if node.partitioning in keep else node.input_order()
        for child in node.inputs:
            passes = use == "ignores" or (use == "passes" and free[node])
            free[child] = free.get(child, True) and passes
    done: dict[N.Node, N.Node] = {}

    def visit(node: N.Node) -> N.Node:
        if node not in done:
            new = node.with_inputs(tuple(visit(i) for i in node.inputs))
            if free[node] and hasattr(new, "unordered") and node.partitioning not in keep:
                new = new.unordered()
            done[node] = new
        return done[node]

    return visit(root)


def optimize(root: N.Node) -> N.Node:
    """The plan that will run: cache hits, pushed-down predicates and columns, order not
    restored where nothing looks at it, fused regions."""
    return fuse(unordered(prune_columns(push_predicates(select_sources(use_cache(root))))))
