"""Issue 14's gate for shapes and indexing as hypothesis properties (see ``test_gate``'s map):
transposes, axis moves, reshapes, joins and splits, tile/repeat, basic and integer indexing,
boolean masks, on random shapes (0-d and empty), layouts and chunkings against NumPy, with
fallback warnings as errors, in the driver and on the runtime."""

from __future__ import annotations

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dframe.numpy as dnp
from tests.dframe.numpy.conftest import chunkings
from tests.dframe.numpy.parity import PROPERTY, SHAPES, arrays, compare, magnitude, values

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")


# -- shapes and indexing -------------------------------------------------------------------

@st.composite
def axis_moves(draw):
    a, x = draw(arrays(shape=draw(SHAPES)))
    n = a.ndim
    axis = st.integers(-n, n - 1) if n else st.just(0)
    op = draw(st.sampled_from(["T", "transpose", "swapaxes", "moveaxis", "expand_dims",
                               "squeeze", "ravel", "rechunk"]))  # fmt: skip
    if op == "transpose":
        args = (draw(st.one_of(st.none(), st.permutations(range(n)))),)
    elif op == "swapaxes":
        args = (draw(axis), draw(axis))
    elif op == "moveaxis":
        src = draw(st.lists(st.integers(0, max(n - 1, 0)), unique=True, max_size=n))
        args = (src, draw(st.permutations(range(n)))[: len(src)])
    elif op == "expand_dims":
        new = draw(st.lists(st.integers(0, n), unique=True, min_size=1, max_size=2))
        args = (tuple(new) if len(new) > 1 else new[0],)
    elif op == "squeeze":
        ones = [i for i, s in enumerate(a.shape) if s == 1]
        args = (draw(st.one_of(st.none(), st.sampled_from(ones or [None]))),)
    elif op == "rechunk":
        per_axis = st.tuples(*(st.one_of(chunkings(s), st.just(-1)) for s in a.shape))
        args = (draw(st.one_of(st.just("auto"), per_axis)),)
    else:
        args = ()
    return a, x, op, args


def _move(lib, a, op, args):
    if op == "T":
        return a.T
    if op == "rechunk":  # the same values, cut another way
        return a.copy() if lib is numpy else lib.rechunk(a, *args)
    if op == "ravel":
        return lib.ravel(a)
    return getattr(lib, op)(a, *args)


def check_axis_move(case):
    a, x, op, args = case
    compare(lambda: _move(numpy, a, op, args), lambda: _move(dnp, x, op, args))


@PROPERTY
@given(case=axis_moves())
def test_axis_moves(sync, case):
    check_axis_move(case)


@st.composite
def reshapes(draw):
    a, x = draw(arrays(shape=draw(SHAPES)))
    n, shape = a.size, []
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, max(n, 1) + 1) if n % d == 0] if n else [0, 1, 2]
        d = draw(st.sampled_from(divisors))
        shape.append(d)
        n = n // d if d else n
    shape.append(n if a.size else draw(st.integers(0, 2)))
    if draw(st.booleans()):
        shape[draw(st.integers(0, len(shape) - 1))] = -1
    order = draw(st.sampled_from(["reshape", "method", "flatten"]))
    return a, x, tuple(shape), order


def _reshape(lib, a, shape, order):
    if order == "flatten":
        return a.flatten()
    return lib.reshape(a, shape) if order == "reshape" else a.reshape(*shape)


def check_reshape(case):
    a, x, shape, order = case
    # NumPy names another shape when an unknown dimension meets an empty array: (-1, 0) -> (0)
    quirk = a.size == 0 and -1 in shape
    compare(lambda: _reshape(numpy, a, shape, order), lambda: _reshape(dnp, x, shape, order),
            message=not quirk)  # fmt: skip


@PROPERTY
@given(case=reshapes())
def test_reshapes(sync, case):
    check_reshape(case)


@st.composite
def joins(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    other = list(shape)
    other[axis] = draw(st.integers(0, 3))
    a, x = draw(arrays(shape=shape))
    b, y = draw(arrays(shape=tuple(other)))
    c, z = draw(arrays(shape=shape))
    op = draw(st.sampled_from(["concatenate", "stack", "hstack", "vstack", "array_split",
                               "split"]))  # fmt: skip
    if op in ("array_split", "split"):
        arg = draw(st.one_of(st.integers(1, 5), st.lists(st.integers(0, 6), max_size=3)))
        return (a,), (x,), op, {"indices_or_sections": arg, "axis": axis}
    if op == "concatenate":
        return (a, b, c), (x, y, z), op, {"axis": draw(st.sampled_from([axis, None]))}
    if op == "stack":
        return (a, c), (x, z), op, {"axis": draw(st.integers(-a.ndim - 1, a.ndim))}
    return (a, b), (x, y), op, {}


def _join(lib, arrays, op, kwargs):
    if op in ("array_split", "split"):
        return getattr(lib, op)(arrays[0], **kwargs)
    return getattr(lib, op)(list(arrays), **kwargs)


def check_join(case):
    arrays_a, arrays_x, op, kwargs = case
    compare(lambda: _join(numpy, arrays_a, op, kwargs), lambda: _join(dnp, arrays_x, op, kwargs))


@PROPERTY
@given(case=joins())
def test_joins_and_splits(sync, case):
    check_join(case)


@PROPERTY
@given(
    pair=arrays(),
    reps=st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), max_size=4).map(tuple)),
    repeats=st.integers(0, 3),
    axis=st.one_of(st.none(), st.integers(-3, 2)),
)
def test_tile_and_repeat(sync, pair, reps, repeats, axis):
    a, x = pair
    compare(lambda: numpy.tile(a, reps), lambda: dnp.tile(x, reps))
    compare(lambda: numpy.repeat(a, repeats, axis=axis), lambda: dnp.repeat(x, repeats, axis=axis))


@st.composite
def indexings(draw):
    a, x = draw(arrays(shape=draw(SHAPES)))
    key = draw(hnp.basic_indices(a.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    return a, x, key


def check_indexing(case):
    a, x, key = case
    compare(lambda: a[key], lambda: x[key])


@PROPERTY
@given(case=indexings())
def test_basic_indexing(sync, case):
    check_indexing(case)


@PROPERTY
@given(pair=arrays(), seed=st.integers(0, 100), mask_kind=st.integers(0, 2))
def test_boolean_masks(sync, pair, seed, mask_kind):
    a, x = pair
    mask = values("?", a.shape, seed)
    got_mask = (mask, dnp.asarray(mask, chunks=1 if a.ndim else ()), x > 0)[mask_kind]
    want_mask = (mask, mask, a > 0)[mask_kind]
    compare(lambda: a[want_mask], lambda: x[got_mask])
    compare(lambda: a[want_mask] * 2, lambda: x[got_mask] * 2)  # unknown length, then fused
    compare(lambda: a[want_mask].sum(), lambda: x[got_mask].sum(), magnitude(a))


# NumPy's ndarray methods of the list, with arguments for an array of ``ndim`` axes.
METHODS = {
    "sum": lambda n: ((), {"axis": n - 1 if n else None}),
    "prod": lambda n: ((), {}),
    "mean": lambda n: ((), {"keepdims": True}),
    "std": lambda n: ((), {"ddof": 1}),
    "var": lambda n: ((), {}),
    "min": lambda n: ((), {"axis": 0} if n else {}),
    "max": lambda n: ((), {}),
    "argmin": lambda n: ((), {}),
    "argmax": lambda n: ((0,) if n else (), {}),
    "any": lambda n: ((), {}),
    "all": lambda n: ((), {"axis": -1} if n else {}),
    "cumsum": lambda n: ((), {}),
    "cumprod": lambda n: ((), {"axis": 0} if n else {}),
    "ravel": lambda n: ((), {}),
    "flatten": lambda n: ((), {}),
    "transpose": lambda n: ((), {}),
    "swapaxes": lambda n: ((0, n - 1) if n else (0, 0), {}),
    "squeeze": lambda n: ((), {}),
    "repeat": lambda n: ((2,), {}),
    "clip": lambda n: ((0, 2), {}),
    "astype": lambda n: (("f4",), {}),
    "reshape": lambda n: ((-1,), {}),
    "dot": lambda n: ((2,), {}),
    "copy": lambda n: ((), {}),
}


@PROPERTY
@given(pair=arrays(), name=st.sampled_from(sorted(METHODS)))
def test_methods(sync, pair, name):
    """The ndarray methods of the issue's list, natively, as NumPy's methods answer."""
    a, x = pair
    args, kwargs = METHODS[name](a.ndim)
    compare(lambda: getattr(a, name)(*args, **kwargs), lambda: getattr(x, name)(*args, **kwargs),
            magnitude(a))  # fmt: skip


@PROPERTY
@given(pair=arrays(), axis=st.integers(-3, 2))
def test_shape_ndim_size_compute_nothing(sync, pair, axis):
    a, x = pair
    before = sync.tasks_submitted
    for fn in (numpy.shape, numpy.ndim, numpy.size):
        assert fn(x) == fn(a)
    compare(lambda: numpy.size(a, axis), lambda: numpy.size(x, axis))
    assert sync.tasks_submitted == before


CASES = [(axis_moves, check_axis_move), (reshapes, check_reshape), (joins, check_join),
         (indexings, check_indexing)]  # fmt: skip


@settings(PROPERTY, max_examples=8)
@given(case=st.one_of(*(cases().map(lambda c, check=check: (check, c)) for cases, check in CASES)))
def test_on_the_runtime(runtime, case):
    """The same properties with blocks computed in worker processes (fewer examples)."""
    check, args = case
    check(args)
