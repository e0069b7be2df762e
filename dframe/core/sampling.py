"""``DataFrame.sample`` / ``Series.sample``: random rows, the same ones for a seed however the
rows are partitioned.

pandas draws ``random_state.choice(len, size, replace, p=weights)`` over all rows at once; a
partitioned draw cannot reproduce that stream, so dframe keeps pandas' semantics (sizes, errors,
no repeated row without ``replace``, weights, labels, dtypes) with a draw of its own that depends
only on the seed and each row's global position:

* every row gets a uniform ``u`` from a counter-based hash (splitmix64) of (seed, position), so
  partition i computes its rows' keys knowing only where it starts;
* without replacement the sample is the ``size`` rows of smallest key (``u``, or with weights
  Efraimidis–Spirakis' ``-log(u) / w``: successive sampling proportional to the weights, as
  numpy's ``choice(replace=False, p=)``): each partition keeps its ``size`` smallest keys in
  parallel and the driver cuts the global ``size`` smallest (8 bytes of positions per sampled
  row cross the driver);
* with replacement the driver draws ``size`` global positions from the seed (with weights it
  needs them all: one float column is collected);
* ``TakeRows`` then gathers the chosen rows, each output partition reading only the input
  partitions that hold its rows.

The rows come back in the order they were drawn (ascending key; with replacement, the draw order),
which is random and the same for a seed at any partitioning — not pandas' own draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pandas.core import common as com
from pandas.core import sample as pd_sample

from dframe import fallback
from dframe.algebra.rows import concat_rows
from dframe.core import alignment as align
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject

_MASK64 = (1 << 64) - 1


def _splitmix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a bijection of uint64 that scatters neighbouring counters."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def uniforms(seed: int, start: int, count: int) -> np.ndarray:
    """Uniforms in (0, 1) of the rows at global positions ``start .. start + count - 1``: a
    function of (seed, position) alone, hence the same for any partitioning.

    >>> bool((uniforms(7, 2, 3) == uniforms(7, 0, 5)[2:]).all())
    True
    """
    key = _splitmix(np.array([seed & _MASK64], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        counters = np.arange(start, start + count, dtype=np.uint64) * np.uint64(
            0x9E3779B97F4A7C15
        )
        bits = _splitmix(counters + key)
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def as_weights(values: Any) -> np.ndarray:
    """Weights as pandas reads them (``Series(values, dtype="float64")``: its error for text)."""
    return np.asarray(pd.Series(values, dtype="float64")._values, dtype=np.float64)


def _filled(weights: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(weights), 0.0, weights)  # pandas: a missing weight is zero


class WeightStats:
    """Task body: (rows, any inf, any negative, sum, max) of a partition's weights."""

    def __call__(self, part: Any) -> tuple[int, bool, bool, float, float]:
        w = as_weights(part)
        filled = _filled(w)
        top = float(filled.max()) if len(w) else 0.0
        return len(w), bool(np.isinf(w).any()), bool((w < 0).any()), float(filled.sum()), top


class FilledWeights:
    """Task body: a partition's weights, missing ones zero."""

    def __call__(self, part: Any) -> np.ndarray:
        return _filled(as_weights(part))


class SmallestKeys:
    """Task body: the ``size`` smallest (key, global position) pairs of the rows at ``start ..
    start + count - 1`` (ties by position), keys ``u`` or with weights ``-log(u) / w``."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed, self.size = seed, size

    def __call__(
        self, start: int, count: int, weights: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        keys = uniforms(self.seed, start, count)
        if weights is not None:
            with np.errstate(divide="ignore"):
                keys = -np.log(keys) / _filled(as_weights(weights))  # zero weight: never
        positions = np.arange(start, start + count, dtype=np.int64)
        return _smallest(keys, positions, self.size)


def _smallest(keys: np.ndarray, positions: np.ndarray, size: int) -> tuple[Any, Any]:
    if len(keys) > size:
        # (a partial sort first: only the few smallest need ordering)
        near = np.argpartition(keys, size - 1)[:size] if size else np.zeros(0, dtype=np.int64)
        border = keys[near].max() if size else -np.inf
        near = np.flatnonzero(keys <= border)  # every key tied at the border competes
        keys, positions = keys[near], positions[near]
    order = np.lexsort((positions, keys))[:size]
    return keys[order], positions[order]


class Take:
    """Task body: rows taken from several partitions, in output order.

    ``spec`` lists ``(k, local positions in parts[k], output positions)``."""

    def __init__(self, spec: list[tuple[int, Any, Any]], empty: Any) -> None:
        self.spec, self.empty = spec, empty

    def __call__(self, *parts: Any) -> Any:
        if not self.spec:
            return self.empty
        pieces = [parts[k].iloc[local] for k, local, _ in self.spec]
        taken = pieces[0] if len(pieces) == 1 else concat_rows(pieces)
        where = np.concatenate([out for _, _, out in self.spec])
        return taken.iloc[np.argsort(where, kind="stable")]


@dataclass(frozen=True, eq=False)
class TakeRows(N.Node):
    """Rows of ``child`` at global positions, labels kept: output partition j holds the rows at
    ``positions[j]`` in that order (a position may repeat)."""

    input_fields: ClassVar[tuple[str, ...]] = ("child",)

    child: N.Node
    positions: tuple[Any, ...]

    def _derive(self) -> None:
        self._set(
            meta=self.child.meta,
            npartitions=len(self.positions),
            lengths=tuple(len(p) for p in self.positions),
            range_index=False,
        )

    def lower_with(self, lowerer: Any) -> list[Any]:
        handles = lowerer.lower(self.child)
        lengths = lowerer.lengths(self.child, handles)
        ends = np.cumsum(lengths)
        starts = ends - np.asarray(lengths, dtype=np.int64)
        out = []
        for positions in self.positions:
            owner = np.searchsorted(ends, positions, side="right")
            spec, used = [], []
            for k in np.unique(owner):
                mine = np.flatnonzero(owner == k)
                spec.append((len(used), positions[mine] - starts[k], mine))
                used.append(handles[k])
            out.append(lowerer.ex.submit(Take(spec, self.child.meta), *used))
        return out

    def describe(self) -> str:
        return f"TakeRows({sum(map(len, self.positions))} rows)"


def _seed(random_state: Any, rs: Any) -> int:
    """The draw's seed: an int ``random_state`` itself; else 64 bits from the generator (or
    numpy's global one for None), advancing it as pandas' draw would."""
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        return int(random_state)
    return int.from_bytes(rs.bytes(8), "little")


def _numpy_error(rs: Any, total: int, size: int, replace: bool) -> None:
    """numpy's own error for an impossible draw (more rows than there are without replacement,
    a draw from no rows), from a generator of the kind pandas would have used."""
    generator = isinstance(rs, np.random.Generator)
    fresh = np.random.default_rng(0) if generator else np.random.RandomState(0)
    fresh.choice(total, size=size, replace=replace)


class _Unsupported(Exception):
    """Weights only pandas can read (a DataFrame, a Series dframe cannot line up)."""


class SampleMethods:
    """Mixin of DataFrame and Series (``self`` is a ``dframe.core.collection.Collection``)."""

    def sample(
        self: Any,
        n: int | None = None,
        frac: float | None = None,
        replace: bool = False,
        weights: Any = None,
        random_state: Any = None,
        axis: Any = None,
        ignore_index: bool = False,
    ) -> Any:
        """A random sample of rows (see pandas). The draw is dframe's own: for a seed it gives
        the same rows in the same order whatever the partitioning, but not pandas' rows. Rows
        come in the order drawn (random), keeping their labels unless ``ignore_index``."""
        kwargs = {
            "n": n, "frac": frac, "replace": replace, "weights": weights,
            "random_state": random_state, "axis": axis, "ignore_index": ignore_index,
        }  # fmt: skip
        if axis is not None and self._meta._get_axis_number(axis) != 0:
            return fallback.call_method(self, "sample", (), kwargs)
        if isinstance(weights, DframeObject) and weights.ndim != 1:
            return fallback.call_method(self, "sample", (), kwargs)
        self._known_meta()  # the rows are gathered into partitions of the data's dtypes
        rs = com.random_state(random_state)
        size = pd_sample.process_sampling_size(n, frac, replace)
        lengths = lower.partition_lengths(self._plan)
        total = sum(lengths)
        if size is None:
            size = round(frac * total)
        size = int(size)
        try:
            drawn = self._draw(rs, _seed(random_state, rs), size, replace, weights, lengths)
        except _Unsupported:
            return fallback.call_method(self, "sample", (), kwargs)
        count = max(1, min(self.npartitions, -(-size * self.npartitions // max(total, 1))))
        cuts = np.cumsum([0, *M.split_lengths(size, count)])
        chunks = tuple(drawn[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True))
        plan: N.Node = TakeRows(self._plan, chunks)
        if ignore_index:
            plan = N.Renumbered(plan)
        return self._new(plan)

    def _draw(
        self: Any, rs: Any, seed: int, size: int, replace: bool, weights: Any, lengths: list[int]
    ) -> np.ndarray:
        """The global positions of the sample, in draw order."""
        total = sum(lengths)
        starts = M.offsets(lengths)
        ex = lower.choose_executor(self._plan)
        parts: list[Any] = [None] * len(lengths)
        if weights is not None:
            ex, parts, stats = self._weights(weights, lengths)
            wsum, wmax = sum(s[3] for s in stats), max((s[4] for s in stats), default=0.0)
            if sum(s[0] for s in stats) != total:
                msg = "Weights and axis to be sampled must be of same length"
                raise ValueError(msg)
            if any(s[1] for s in stats):
                raise ValueError("weights vector may not include `inf` values")
            if any(s[2] for s in stats):
                raise ValueError("weights vector may not include negative values")
            if wsum == 0:
                raise ValueError("Invalid weights: weights sum to zero")
            if not replace and size * (wmax / wsum) > 1:
                msg = (
                    "Weighted sampling cannot be achieved with replace=False. Either set "
                    "replace=True or use smaller weights. See the docstring of sample for details."
                )
                raise ValueError(msg)
        if (total == 0 and size > 0) or (not replace and size > total):
            _numpy_error(rs, total, size, replace)
        rng = np.random.default_rng([seed & _MASK64, 1])
        if replace and weights is None:
            return rng.integers(0, total, size) if size else np.zeros(0, dtype=np.int64)
        if replace:
            filled = [ex.submit(FilledWeights(), p) if _is_handle(p) else _filled(p) for p in parts]
            w = np.concatenate([np.asarray(x) for x in ex.get(filled)] or [np.zeros(0)])
            return rng.choice(total, size=size, p=w / w.sum())
        pick = SmallestKeys(seed, size)
        tasks = [
            ex.submit(pick, start, count, *([] if p is None else [p]))
            for start, count, p in zip(starts, lengths, parts, strict=True)
        ]
        found = ex.get(tasks)
        keys = np.concatenate([k for k, _ in found] or [np.zeros(0)])
        positions = np.concatenate([p for _, p in found] or [np.zeros(0, dtype=np.int64)])
        return _smallest(keys, positions, size)[1]

    def _weights(self: Any, weights: Any, lengths: list[int]) -> tuple[Any, list[Any], list[Any]]:
        """(executor, per-partition weights: handles or arrays, their WeightStats) for pandas'
        ``weights`` argument: a column name, a Series aligned by label, or a list-like by
        position."""
        if isinstance(weights, str):
            if self.ndim == 1:
                msg = "Strings cannot be passed as weights when sampling from a Series."
                raise ValueError(msg)
            if weights not in self._meta.columns:
                raise KeyError("String passed to weights not a valid column")
            weights = self[weights]
        if isinstance(weights, DframeObject):
            if weights._plan.partitioning != self._plan.partitioning:
                weights = align.reindexed_to(self, weights)
                if weights is None:
                    raise _Unsupported
            mat = lower.compute(weights._plan)
            ex = mat.executor
            handles = list(mat.handles)
            stats = ex.get([ex.submit(WeightStats(), h) for h in handles])
            return ex, handles, [tuple(s) for s in stats]
        if isinstance(weights, pd.Series):
            weights = weights.reindex(self.index)
        w = as_weights(weights)
        ex = lower.choose_executor(self._plan)
        if len(w) != sum(lengths):
            return ex, [w], [WeightStats()(w)]  # (the caller raises pandas' length error)
        bounds = np.cumsum([0, *lengths])
        parts = [w[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return ex, parts, [WeightStats()(p) for p in parts]


def _is_handle(part: Any) -> bool:
    return not isinstance(part, np.ndarray)
