"""NumPy reductions as tree reductions: ``sum``, ``prod``, ``mean``, ``std``, ``var``, ``min``,
``max``, ``argmin``, ``argmax``, ``any``, ``all`` and their ``nan`` forms, over any axis or
tuple of axes, with ``keepdims`` and ``dtype``.

Each block is reduced to a small *partial* (``chunk``, a ``MapPartitions`` step the optimizer
fuses with the work that produced the block), and for every output block the partials of the
input blocks it covers are merged ``split_every`` at a time (``combine``) until one is left,
which ``finalize`` turns into NumPy's values (``GroupReduce``). A result NumPy returns as a
scalar is computed at once and returned as a NumPy scalar; other results stay lazy arrays.

The result's dtype, and NumPy's error for a bad call (an axis out of range, the minimum of an
empty array), come from running NumPy on a stand-in of one element per axis (zero where the
array is empty). Means keep (sum, count); variances merge (count, mean, M2) with Chan et al.'s
pairwise update, as a one-pass sum of squares would lose digits NumPy keeps.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy

from dframe.numpy.array import collect, wrap
from dframe.numpy.chunks import ArrayMeta
from dframe.numpy.elementwise import as_array
from dframe.numpy.nodes import BlockIndex, GroupReduce
from dframe.numpy.registry import implements
from dframe.plan import nodes as N


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple | list) else (axis,)
    out = []
    for a in items:
        a = int(a)
        if not -ndim <= a < ndim:
            raise numpy.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        msg = "duplicate value in 'axis'"
        raise ValueError(msg)
    return tuple(sorted(out))


def _quiet(fn: Any) -> Any:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)

    return run


# -- partial steps (module-level classes: they travel to workers) --------------------------------


class _Step:
    def __init__(self, kind: str, axes: tuple[int, ...], acc: Any, out: numpy.dtype, extra: Any = None) -> None:  # fmt: skip
        self.kind, self.axes, self.acc, self.out, self.extra = kind, axes, acc, out, extra

    def __repr__(self) -> str:
        return self.kind


_SIMPLE = {
    "sum": (numpy.sum, numpy.add),
    "nansum": (numpy.nansum, numpy.add),
    "prod": (numpy.prod, numpy.multiply),
    "nanprod": (numpy.nanprod, numpy.multiply),
    "any": (numpy.any, numpy.logical_or),
    "all": (numpy.all, numpy.logical_and),
    "min": (numpy.min, numpy.minimum),
    "max": (numpy.max, numpy.maximum),
    "nanmin": (numpy.nanmin, numpy.fmin),
    "nanmax": (numpy.nanmax, numpy.fmax),
}
_NO_IDENTITY = ("min", "max", "nanmin", "nanmax")


class Chunk(_Step):
    @_quiet
    def __call__(self, block: Any, info: Any = None) -> Any:
        kind, axes = self.kind, self.axes
        if kind in _SIMPLE:
            if kind in _NO_IDENTITY and any(block.shape[a] == 0 for a in axes):
                return None
            kw = {"dtype": self.acc} if kind in ("sum", "nansum", "prod", "nanprod") else {}
            return _SIMPLE[kind][0](block, axis=axes, keepdims=True, **kw)
        if kind in ("mean", "nanmean"):
            if kind == "nanmean":
                valid = ~numpy.isnan(block)
                return numpy.nansum(block, axis=axes, keepdims=True, dtype=self.acc), valid.sum(
                    axis=axes, keepdims=True
                )
            n = int(numpy.prod([block.shape[a] for a in axes]))
            return numpy.sum(block, axis=axes, keepdims=True, dtype=self.acc), numpy.int64(n)
        if kind in ("var", "nanvar"):
            x = block.astype(self.acc, copy=False)
            if kind == "nanvar":
                valid = ~numpy.isnan(x)
                n = valid.sum(axis=axes, keepdims=True)
                total = numpy.nansum(x, axis=axes, keepdims=True)
            else:
                n = numpy.int64(numpy.prod([block.shape[a] for a in axes]))
                total = numpy.sum(x, axis=axes, keepdims=True)
            mean = numpy.where(n > 0, total / numpy.maximum(n, 1), 0)
            dev = x - mean
            sq = dev.real**2 + dev.imag**2 if numpy.iscomplexobj(dev) else dev * dev
            m2 = (numpy.nansum if kind == "nanvar" else numpy.sum)(sq, axis=axes, keepdims=True)
            return n, mean, m2
        # argmin / argmax and nan forms: (values, global indices, non-NaN counts)
        (axis,) = axes if self.extra is not None else (None,)
        if block.shape[axis] == 0 if axis is not None else block.size == 0:
            return None  # nothing to choose from (other blocks of the group have values)
        data = block
        count = None
        if kind.startswith("nan"):
            nan = numpy.isnan(block)
            count = (~nan).sum(axis=axis, keepdims=True) if axis is not None else (~nan).sum()
            data = numpy.where(nan, numpy.inf if kind == "nanargmin" else -numpy.inf, block)
        fn = numpy.argmin if kind.endswith("argmin") else numpy.argmax
        if axis is None:
            local = int(fn(data))
            pos = numpy.unravel_index(local, block.shape)
            glob = (
                numpy.ravel_multi_index(
                    tuple(p + s for p, s in zip(pos, info.start, strict=True)), info.array_shape
                )
                if block.ndim
                else 0
            )
            return data.reshape(-1)[local], numpy.int64(glob), count
        local = numpy.expand_dims(fn(data, axis=axis), axis)
        values = numpy.take_along_axis(data, local, axis=axis)
        return values, local + info.start[axis], count


class Combine(_Step):
    @_quiet
    def __call__(self, *partials: Any) -> Any:
        kind = self.kind
        if kind in _SIMPLE:
            got = [p for p in partials if p is not None]
            if not got:
                return None
            return functools.reduce(_SIMPLE[kind][1], got)
        if kind in ("mean", "nanmean"):
            return sum(p[0] for p in partials), sum(p[1] for p in partials)
        if kind in ("var", "nanvar"):
            n, mean, m2 = partials[0]
            for nb, mb, m2b in partials[1:]:
                total = n + nb
                safe = numpy.maximum(total, 1)
                delta = mb - mean
                mean = mean + delta * (nb / safe)
                m2 = (
                    m2
                    + m2b
                    + (
                        delta.real**2 + delta.imag**2
                        if numpy.iscomplexobj(delta)
                        else delta * delta
                    )
                    * (n * nb / safe)
                )
                n = total
            return n, mean, m2
        got = [p for p in partials if p is not None]
        if not got:
            return None
        values = numpy.stack([numpy.asarray(p[0]) for p in got])
        index = numpy.stack([numpy.asarray(p[1]) for p in got])
        fn = numpy.argmin if kind.endswith("argmin") else numpy.argmax
        # NumPy's order (NaN first, complex lexicographic) picks the best value; among equal
        # values the smallest global index wins, as NumPy returns the first occurrence.
        best = numpy.take_along_axis(values, numpy.expand_dims(fn(values, axis=0), 0), axis=0)
        same = (
            (values == best) | (numpy.isnan(values) & numpy.isnan(best))
            if values.dtype.kind in "fc"
            else values == best
        )
        chosen = numpy.where(same, index, numpy.iinfo(numpy.int64).max).min(axis=0)
        counts = [p[2] for p in got]
        count = None if counts[0] is None else sum(counts)
        return best[0], chosen, count


class Finalize(_Step):
    """``extra``: (keepdims, ddof, reduced axes of the output, output block dtype)."""

    @_quiet
    def __call__(self, partial: Any) -> Any:
        kind, (keepdims, ddof, ndim) = self.kind, self.extra
        if kind in _SIMPLE:
            out = partial
        elif kind in ("mean", "nanmean"):
            out = partial[0] / partial[1]
        elif kind in ("var", "nanvar", "std", "nanstd"):
            n, _, m2 = partial
            out = m2 / numpy.maximum(n - ddof, 0)
            if kind.endswith("std"):
                out = numpy.sqrt(out)
        else:
            _, index, count = partial
            if count is not None and numpy.any(numpy.asarray(count) == 0):
                msg = "All-NaN slice encountered"
                raise ValueError(msg)
            out = index
        out = numpy.asarray(out)
        if keepdims and out.ndim < ndim:  # an argmin/argmax over every axis
            out = out.reshape((1,) * ndim)
        if not keepdims and out.ndim:
            out = out.reshape([s for a, s in enumerate(out.shape) if a not in self.axes])
        return out.astype(self.out, copy=False)


def _accumulator(kind: str, dtype: Any, given: Any) -> Any:
    if given is not None:
        return numpy.dtype(given)
    if kind in ("mean", "nanmean", "var", "nanvar", "std", "nanstd"):
        if dtype.kind in "biu":
            return numpy.dtype("float64")
        if dtype == numpy.float16:
            return numpy.dtype("float32")
        return dtype
    return None


def reduce(kind: str, a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False, ddof: float = 0, **numpy_kwargs: Any) -> Any:  # fmt: skip
    """NumPy's ``kind`` of ``a`` as a tree reduction (see the module docstring)."""
    kind = {"amin": "min", "amax": "max"}.get(kind, kind)
    x = as_array(a)
    is_arg = "arg" in kind
    if is_arg and isinstance(axis, tuple | list):
        msg = "'tuple' object cannot be interpreted as an integer"
        raise TypeError(msg)
    if x.ndim == 0 and isinstance(axis, int | numpy.integer) and axis in (0, -1):
        if kind not in ("mean", "var", "std"):
            axis = None  # NumPy's ufunc-based reductions take axis 0 of a 0-d array
    axes = normalize_axes(axis, x.ndim)
    # NumPy's dtype and errors, from a stand-in with the array's empty axes.
    stand_in = numpy.ones(tuple(0 if s == 0 else 1 for s in x.shape), x.dtype)
    kw: dict[str, Any] = {"axis": axis, "keepdims": keepdims}
    if dtype is not None:
        kw["dtype"] = dtype
    if kind.endswith(("var", "std")):
        kw["ddof"] = ddof
    with warnings.catch_warnings(), numpy.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        sample = getattr(numpy, kind)(stand_in, **kw, **numpy_kwargs)
    out_dtype = numpy.asarray(sample).dtype
    if kind.startswith("nan") and x.dtype.kind not in "fc":
        kind = kind[3:]  # no NaN to skip: the plain reduction (NumPy's answers are the same)
    base = {"std": "var", "nanstd": "nanvar"}.get(kind, kind)
    acc = _accumulator(kind, x.dtype, dtype)
    if kind in ("sum", "nansum", "prod", "nanprod") and acc is None:
        acc = out_dtype
    keep = [a for a in range(x.ndim) if a not in axes]
    meta = x._meta
    out_shape = (
        tuple(1 if a in axes else s for a, s in enumerate(x.shape))
        if keepdims
        else tuple(x.shape[a] for a in keep)
    )
    out_chunks = (
        tuple((1,) if a in axes else meta.chunks[a] for a in range(x.ndim))
        if keepdims
        else tuple(meta.chunks[a] for a in keep)
    )
    out_meta = ArrayMeta(out_shape, out_chunks, out_dtype)
    groups: dict[tuple[int, ...], list[int]] = {}
    for flat, position in enumerate(meta.blocks()):
        groups.setdefault(tuple(position[a] for a in keep), []).append(flat)
    chunk = Chunk(base, axes, acc, out_dtype, axes if (is_arg and axis is not None) else None)
    inputs: tuple[N.Node, ...] = (x._plan, BlockIndex(meta)) if is_arg else (x._plan,)
    partials = N.MapPartitions(chunk, inputs, meta.with_dtype(object), label=f"chunk {kind}")
    node = GroupReduce(
        partials,
        out_meta,
        tuple(tuple(g) for g in groups.values()),
        Combine(base, axes, acc, out_dtype),
        Finalize(kind, axes, acc, out_dtype, (keepdims, ddof, x.ndim)),
        label=kind,
    )
    if not out_shape:  # also keepdims on a 0-d array
        return collect(node)[()]  # NumPy returns a scalar: so does dframe
    return wrap(node)


def _register(kind: str, params: tuple[str, ...]) -> None:
    def reduction(a: Any, *args: Any, **kwargs: Any) -> Any:
        bound = dict(zip(params, args, strict=False))
        bound.update(kwargs)
        if (
            bound.pop("out", None) is not None
            or bound.get("where", True) is not True
            or "initial" in bound
        ):
            return NotImplemented  # the fallback runs NumPy with them
        bound.pop("where", None)
        if "correction" in bound:
            bound["ddof"] = bound.pop("correction")
        if bound.pop("mean", None) is not None:
            return NotImplemented
        return reduce(kind, a, **bound)

    reduction.__name__ = kind
    reduction.__doc__ = f"``numpy.{kind}`` as a tree reduction over the blocks."
    implements(kind)(reduction)


for _kind in ("sum", "nansum", "prod", "nanprod", "mean", "nanmean"):
    _register(_kind, ("axis", "dtype", "out", "keepdims"))
for _kind in ("min", "max", "nanmin", "nanmax", "any", "all", "amin", "amax"):
    _register(_kind, ("axis", "out", "keepdims"))
for _kind in ("var", "std", "nanvar", "nanstd"):
    _register(_kind, ("axis", "dtype", "out", "ddof", "keepdims"))
for _kind in ("argmin", "argmax", "nanargmin", "nanargmax"):
    _register(_kind, ("axis", "out"))
