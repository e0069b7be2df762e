"""``dframe.numpy.random``: ``default_rng(seed)`` and its ``random``, ``uniform``, ``normal``,
``integers`` and ``choice`` (with replacement), generated block by block inside the tasks that
use them.

Reproducible whatever the chunking: the array's flat (C-order) index space is cut into
fixed segments of ``SEGMENT`` values, and segment s of the k-th call of a generator seeded with
``seed`` always comes from ``SeedSequence(seed, spawn_key=(k, s))``. A block generates the
segments it touches and keeps its elements, so any chunking gives the same numbers (not
NumPy's stream, which is sequential). Other names of ``numpy.random`` are NumPy's, with the
fallback for functions.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy

from dframe.numpy import fallback
from dframe.numpy.array import ndarray
from dframe.numpy.creation import _shape, generated
from dframe.numpy.elementwise import elementwise

SEGMENT = 1 << 16


class _Draw:
    """Values of one block: ``method(*params, size=n)`` of each segment's generator."""

    def __init__(self, entropy: int, call: int, method: str, params: dict[str, Any], dtype: numpy.dtype, total: int, shape: tuple[int, ...]) -> None:  # fmt: skip
        self.entropy, self.call, self.method, self.params = entropy, call, method, params
        self.dtype, self.total, self.shape = dtype, total, shape

    def _segment(self, s: int) -> Any:
        seq = numpy.random.SeedSequence(self.entropy, spawn_key=(self.call, s))
        gen = numpy.random.Generator(numpy.random.PCG64(seq))
        n = min(SEGMENT, self.total - s * SEGMENT)
        return getattr(gen, self.method)(size=n, **self.params)

    def __call__(self, info: Any) -> Any:
        out = numpy.empty(info.shape, self.dtype)
        if out.size == 0:
            return out
        # Flat positions of the block's elements in the whole array, ascending (C order).
        strides = numpy.cumprod((1, *self.shape[::-1]))[:-1][::-1] if self.shape else ()
        flat = numpy.zeros(info.shape, numpy.int64)
        for axis, (start, n, stride) in enumerate(
            zip(info.start, info.shape, strides, strict=True)
        ):
            index = [None] * len(info.shape)
            index[axis] = slice(None)
            flat += (numpy.arange(start, start + n, dtype=numpy.int64) * int(stride))[tuple(index)]
        flat = flat.ravel()
        values = out.reshape(-1)
        first, last = int(flat[0]) // SEGMENT, int(flat[-1]) // SEGMENT
        for s in range(first, last + 1):
            lo = int(numpy.searchsorted(flat, s * SEGMENT))
            hi = int(numpy.searchsorted(flat, (s + 1) * SEGMENT))
            if lo < hi:
                values[lo:hi] = self._segment(s)[flat[lo:hi] - s * SEGMENT]
        return out

    def __repr__(self) -> str:
        return f"random.{self.method}"


class Generator:
    """``numpy.random.Generator``'s API for dframe arrays (``default_rng(seed)``)."""

    def __init__(self, seed: Any = None) -> None:
        if seed is None:
            seed = numpy.random.SeedSequence().entropy
        self._entropy = int(seed) if numpy.ndim(seed) == 0 else tuple(int(s) for s in seed)
        self._calls = itertools.count()

    def _draw(self, method: str, size: Any, chunks: Any, **params: Any) -> Any:
        call = next(self._calls)
        values = [v for k, v in params.items() if k not in ("dtype", "endpoint")]
        if any(isinstance(v, ndarray) or numpy.ndim(v) for v in values):
            # Array-valued parameters: NumPy's generator over the collected values.
            gen = numpy.random.default_rng(
                numpy.random.SeedSequence(self._entropy, spawn_key=(call,))
            )
            return fallback.call(
                f"random.Generator.{method}", getattr(gen, method), (), {"size": size, **params}
            )
        if size is None:
            return _Draw(self._entropy, call, method, params, None, 1, ())._segment(0)[0]
        shape = _shape(size)
        # NumPy's dtype and argument checks, on a draw of one value.
        sample = getattr(numpy.random.default_rng(0), method)(size=1, **params)
        dtype = sample.dtype
        total = int(numpy.prod(shape))
        fill = _Draw(self._entropy, call, method, params, dtype, total, shape)
        return generated(fill, shape, dtype, chunks, f"random.{method}")

    def random(
        self, size: Any = None, dtype: Any = numpy.float64, out: Any = None, *, chunks: Any = "auto"
    ) -> Any:
        return self._draw("random", size, chunks, dtype=dtype)

    def uniform(
        self, low: Any = 0.0, high: Any = 1.0, size: Any = None, *, chunks: Any = "auto"
    ) -> Any:
        return self._draw("uniform", size, chunks, low=low, high=high)

    def normal(
        self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, chunks: Any = "auto"
    ) -> Any:
        return self._draw("normal", size, chunks, loc=loc, scale=scale)

    def standard_normal(
        self, size: Any = None, dtype: Any = numpy.float64, *, chunks: Any = "auto"
    ) -> Any:
        return self._draw("standard_normal", size, chunks, dtype=dtype)

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = numpy.int64, endpoint: bool = False, *, chunks: Any = "auto") -> Any:  # fmt: skip
        return self._draw(
            "integers", size, chunks, low=low, high=high, dtype=dtype, endpoint=endpoint
        )

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, axis: int = 0, shuffle: bool = True, *, chunks: Any = "auto") -> Any:  # fmt: skip
        """Samples of ``a`` (an int n: ``arange(n)``); with replacement and uniform weights,
        block by block like ``integers``; otherwise on NumPy's generator (the fallback)."""
        n = a if isinstance(a, int | numpy.integer) else None
        if n is None and numpy.ndim(a) == 1 and not isinstance(a, ndarray):
            n = len(a)
        if not replace or p is not None or n is None or size is None or axis != 0:
            call = next(self._calls)
            gen = numpy.random.default_rng(
                numpy.random.SeedSequence(self._entropy, spawn_key=(call,))
            )
            kw = {"size": size, "replace": replace, "p": p, "axis": axis, "shuffle": shuffle}
            return fallback.call("random.Generator.choice", gen.choice, (a,), kw)
        if n <= 0:
            msg = "a cannot be empty unless no samples are taken"
            raise ValueError(msg)
        index = self.integers(0, n, size, chunks=chunks)
        if isinstance(a, int | numpy.integer):
            return index
        values = numpy.asarray(a)
        return elementwise(_Take(values), (index,), name="choice")

    def __repr__(self) -> str:
        return f"Generator(seed={self._entropy!r})  # dframe.numpy"


class _Take:
    def __init__(self, values: numpy.ndarray) -> None:
        self.values = values

    def __call__(self, index: Any) -> Any:
        return self.values[index]


def default_rng(seed: Any = None) -> Generator:
    """A generator of chunked random arrays, reproducible for ``seed`` whatever the chunking."""
    return Generator(seed)


def __getattr__(name: str) -> Any:
    value = getattr(numpy.random, name)
    if callable(value) and not isinstance(value, type):
        return fallback.function(f"random.{name}", value)
    return value
