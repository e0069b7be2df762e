"""Issue 14's test gate as hypothesis properties: random shapes (0-d and empty included),
dtypes, chunkings (uneven, empty blocks, more blocks than elements) and memory layouts (C,
Fortran, strided, transposed) against NumPy — integers and booleans exactly, floats within a
tolerance relative to the sum of magnitudes (1e-9 float64, 1e-5 float32) — with fallback
warnings as errors, in the driver and a few examples on the runtime.

Where each item of the issue's native list is tested (``test_gate`` is this module):

- array/asarray, ``chunks=`` forms, rechunk: test_creation (asarray_1d/2d, chunks_forms, rechunk*);
  layouts and random chunkings: every property here.
- zeros/ones/full/empty and ``_like``, arange, linspace, eye, identity: test_creation;
  random arguments and chunkings: test_gate.test_ranges_and_constants.
- fromfunction: test_more.test_fromfunction. random.default_rng random/normal/integers/uniform/
  choice reproducible whatever the chunking: test_creation.test_random_*, test_more.test_choice,
  test_gate.test_random_draws_do_not_depend_on_the_chunking.
- load/save .npy (read block by block): test_npyio.
- ufuncs, broadcasting, NEP 50, out=/where=: test_elementwise; test_gate.test_ufunc_chains,
  test_gate.test_out_and_where. where, clip, isnan/isfinite, isclose/allclose, astype:
  test_elementwise; test_gate.test_ufunc_chains (where, clip, isclose, astype steps).
  outer: test_products.test_dot_and_outer.
- reductions over any axis/tuple, keepdims, dtype, ddof, nan forms, argmin/argmax:
  test_reductions; test_gate.test_reductions. cumsum, cumprod, diff: test_scan;
  test_gate.test_scans.
- .T/transpose, swapaxes, moveaxis, reshape, ravel, squeeze, expand_dims: test_shape;
  test_gate.test_axis_moves, test_gate.test_reshapes. concatenate, stack, hstack, vstack, split,
  tile, repeat: test_shape, test_more; test_gate.test_joins_and_splits,
  test_gate.test_tile_and_repeat.
- basic slicing, integer indexing, boolean masks: test_shape; test_gate.test_basic_indexing,
  test_gate.test_boolean_masks.
- dot/matmul 1-D and 2-D by blocks: test_products; test_gate.test_products.
- NumPy's exception types and messages (shape mismatch names both shapes):
  test_elementwise.test_shape_mismatch_is_numpys_error, test_products, test_shape, test_reductions;
  test_gate.test_errors_are_numpys.
- isinstance(x, dframe.numpy.ndarray), NumPy scalars for scalar results: test_namespace,
  test_reductions.test_1d_scalars_are_numpy_scalars; ``parity`` below checks both everywhere.
- both executors: the ``executor`` fixture of the modules above; test_gate.test_on_the_runtime.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dframe.numpy as dnp
from dframe import config
from dframe.execution.executors import RuntimeExecutor
from dframe.numpy import fallback as numpy_fallback
from tests.dframe.numpy.conftest import check_blocks, chunkings

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DTYPES = ["f8", "f4", "i8", "i4", "i1", "u1", "?"]
LAYOUTS = ["C", "F", "strided", "reversed", "transposed"]
TOLERANCE = {4: 1e-5, 8: 1e-9}  # by float itemsize: float32, float64 (complex: its parts)


# -- data ----------------------------------------------------------------------------------


def values(dtype, shape, seed, nan=True):
    """Small values (sums and products stay exact in integers and finite in float32), a NaN
    among floats."""
    rng = numpy.random.default_rng(seed)
    a = numpy.asarray(rng.integers(-3, 4, shape))
    dtype = numpy.dtype(dtype)
    if dtype.kind == "b":
        return numpy.asarray(a > 0)
    if dtype.kind == "u":
        a = numpy.abs(a)
    a = a.astype(dtype)
    if dtype.kind == "f":
        a = a + numpy.asarray(0.25, dtype)
        if nan and a.size > 1 and seed % 3 == 0:
            a.flat[seed % a.size] = numpy.nan
    return numpy.asarray(a)


def in_layout(a, layout):
    """``a``'s values in another memory layout: Fortran order, a strided or reversed view, or
    the transpose of a C array."""
    if layout == "F" and a.ndim:
        return numpy.asfortranarray(a)
    if layout == "strided" and a.ndim:
        wide = numpy.repeat(a, 2, axis=-1)
        return wide[..., ::2]
    if layout == "reversed" and a.ndim:
        return numpy.flip(numpy.flip(a).copy())
    if layout == "transposed" and a.ndim > 1:
        return numpy.ascontiguousarray(a.T).T
    return a.copy()


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES, nan=True):
    """A NumPy array (random shape, dtype and layout) and the same values as a dframe array
    with random chunks."""
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    elif not isinstance(shape, tuple):
        shape = draw(shape)  # a strategy of shapes
    a = values(draw(st.sampled_from(dtypes)), shape, draw(st.integers(0, 2**16)), nan)
    a = in_layout(a, draw(st.sampled_from(LAYOUTS)))
    chunks = draw(st.one_of(st.just("auto"), st.tuples(*(chunkings(n) for n in shape))))
    return a, dnp.asarray(a, chunks=chunks)


def magnitude(*arrays) -> float:
    """The scale of a float result's error: the sum of the magnitudes it was computed from."""
    total = 0.0
    for a in arrays:
        a = numpy.abs(numpy.asarray(a, dtype=complex).real) + numpy.abs(
            numpy.asarray(a, dtype=complex).imag
        )
        total += float(numpy.sum(a[numpy.isfinite(a)], dtype="f8"))
    return total


def parity(expected, got, scale=0.0):
    """``got`` is what NumPy gave: a dframe array for an array (blocks as the plan says) or the
    same NumPy scalar type; same shape and dtype; integers and booleans exactly, floats within
    the gate's tolerance relative to ``scale`` (NaN where NumPy has NaN)."""
    if isinstance(expected, numpy.ndarray):
        assert isinstance(got, dnp.ndarray), type(got)
        assert (got.shape, got.dtype) == (expected.shape, expected.dtype)
        check_blocks(got)
        got = got.compute()
    else:
        assert type(got) is type(expected), (type(got), type(expected))
    kind = numpy.asarray(expected).dtype
    if kind.kind in "fc":
        tol = TOLERANCE.get(kind.itemsize // (2 if kind.kind == "c" else 1), 1e-3)
        numpy.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale, strict=True)
    else:
        numpy.testing.assert_array_equal(got, expected, strict=True)


@contextlib.contextmanager
def quiet():
    """NumPy's warnings silenced (fallback warnings stay errors)."""
    numpy_fallback.reset_warnings()  # each example warns again, whatever ran before
    with warnings.catch_warnings(), numpy.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", numpy.exceptions.ComplexWarning)
        yield


def both(fn, *args, **kwargs):
    """``fn`` run ``quiet``ly; NumPy's exception, if any, is returned instead of raised."""
    with quiet():
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError, IndexError, OverflowError) as exc:
            return exc


def compare(fn_numpy, fn_dframe, scale=0.0, message=True):
    """NumPy's and dframe's results agree, or both raise the same exception type (and message
    when it names shapes, unless ``message`` is false)."""
    expected = both(fn_numpy)
    got = both(fn_dframe)
    if isinstance(expected, Exception):
        assert isinstance(got, type(expected)), (expected, got)
        if message and "shape" in str(expected):
            assert str(got) == str(expected)
        return
    if isinstance(got, Exception):
        raise got
    with quiet():
        if isinstance(expected, list | tuple):
            assert len(got) == len(expected)
            for e, g in zip(expected, got, strict=True):
                parity(e, g, scale)
        else:
            parity(expected, got, scale)


def compare_lazy(fn_numpy, fn_dframe, scale=0.0):
    """``compare``, where dframe may raise NumPy's error only when the array is computed (a
    value-dependent error, as ``nanargmin`` of an all-NaN slice)."""
    expected = both(fn_numpy)
    if isinstance(expected, Exception):
        got = both(fn_dframe)
        if isinstance(got, dnp.ndarray):
            got = both(got.compute)
        assert isinstance(got, type(expected)), (expected, got)
        return
    compare(fn_numpy, fn_dframe, scale)


# -- element-wise --------------------------------------------------------------------------

UNARY = ["negative", "absolute", "sqrt", "sign", "isnan", "isfinite", "floor", "exp",
         "logical_not", "square", "invert"]  # fmt: skip
BINARY = ["add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "power",
          "maximum", "fmin", "arctan2", "equal", "less", "logical_and", "bitwise_or"]  # fmt: skip
# Python scalars are weak (NEP 50): they take the array's dtype, or overflow it (300, -1 for
# small integers); NumPy scalars are not.
SCALARS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([300, -1, 2**40, 0.5, -2.25, 1e300, True, 1j]),
    st.sampled_from([numpy.float32(1.5), numpy.int16(7), numpy.uint8(2)]),
)
STEPS = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.booleans()),
    st.tuples(st.just("scalar"), st.sampled_from(BINARY), st.booleans(), SCALARS),
    st.tuples(st.just("where")),
    st.tuples(st.just("clip"), st.sampled_from([None, -1, 0.5]), st.sampled_from([None, 2, 2.5])),
    st.tuples(st.just("isclose")),
    st.tuples(st.just("astype"), st.sampled_from(DTYPES)),
)


@st.composite
def ufunc_cases(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                    max_side=4)).input_shapes  # fmt: skip
    a, x = draw(arrays(shape=shapes[0]))
    b, y = draw(arrays(shape=shapes[1]))
    return a, x, b, y, draw(st.lists(STEPS, min_size=1, max_size=4))


def run_steps(lib, x, y, steps):
    for step in steps:
        kind, *args = step
        if kind == "unary":
            x = getattr(numpy, args[0])(x)
        elif kind in ("binary", "scalar"):
            ufunc, flip = getattr(numpy, args[0]), args[1]
            other = y if kind == "binary" else args[2]
            x = ufunc(other, x) if flip else ufunc(x, other)
        elif kind == "where":
            x = lib.where(x > 0, x, y)
        elif kind == "clip":
            x = lib.clip(x, *args) if args != [None, None] else x
        elif kind == "isclose":
            x = lib.isclose(x, y, equal_nan=True)
        else:
            x = x.astype(args[0])
    return x


def check_ufunc_chain(case):
    a, x, b, y, steps = case
    expected = both(run_steps, numpy, a, b, steps)
    scale = magnitude(expected) if not isinstance(expected, Exception) else 0.0
    compare_lazy(lambda: run_steps(numpy, a, b, steps), lambda: run_steps(dnp, x, y, steps),
                 scale)  # fmt: skip


@PROPERTY
@given(case=ufunc_cases())
def test_ufunc_chains(sync, case):
    check_ufunc_chain(case)


@PROPERTY
@given(case=ufunc_cases(), name=st.sampled_from(["add", "multiply", "maximum"]),
       masked=st.sampled_from([None, "numpy", "dframe"]))  # fmt: skip
def test_out_and_where(sync, case, name, masked):
    a, x, b, y, _ = case
    ufunc = getattr(numpy, name)
    shape = numpy.broadcast_shapes(a.shape, b.shape)
    base = values("f8", shape, 1)
    mask = values("?", shape, 2)
    out_a, out_x = base.copy(), dnp.asarray(base, chunks=2 if shape else ())
    kwargs_a = {} if masked is None else {"where": mask}
    kwargs_x = {} if masked is None else {"where": mask if masked == "numpy" else dnp.asarray(mask)}
    expected = both(ufunc, a, b, out=out_a, **kwargs_a)
    got = both(ufunc, x, y, out=out_x, **kwargs_x)
    if isinstance(expected, Exception):
        assert isinstance(got, type(expected)), (expected, got)
        return
    assert got is out_x
    with quiet():
        parity(out_a, out_x, magnitude(out_a))


# -- reductions and scans ------------------------------------------------------------------

PLAIN = ["sum", "prod", "mean", "std", "var", "min", "max", "any", "all"]
NAN = ["nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"]
ARG = ["argmin", "argmax", "nanargmin", "nanargmax"]


@st.composite
def axes(draw, ndim, single=False):
    """None, one axis or a tuple of distinct axes in any order, negative or not."""
    if ndim == 0 or draw(st.integers(0, 3)) == 0:
        return None
    pick = st.integers(0, ndim - 1).flatmap(lambda a: st.sampled_from([a, a - ndim]))
    if single or draw(st.booleans()):
        return draw(pick)
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(draw(st.sampled_from([a, a - ndim])) for a in chosen)


@st.composite
def reduction_cases(draw):
    a, x = draw(arrays(shape=draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                   max_side=4))))  # fmt: skip
    name = draw(st.sampled_from(PLAIN + NAN + ARG))
    kwargs = {"axis": draw(axes(a.ndim, single=name in ARG)), "keepdims": draw(st.booleans())}
    if name.removeprefix("nan") in ("sum", "prod"):
        kwargs["dtype"] = draw(st.sampled_from([None, "f8", "f4", "i8"]))
    if name.removeprefix("nan") in ("mean", "std", "var"):
        kwargs["dtype"] = draw(st.sampled_from([None, "f8", "f4"]))
    if name.removeprefix("nan") in ("std", "var"):
        kwargs["ddof"] = draw(st.integers(0, 2))
    return a, x, name, kwargs


def check_reduction(case):
    a, x, name, kwargs = case
    scale = magnitude(a) + (magnitude(numpy.square(a, dtype="f8")) if "s" in name[-3:] else 0)
    compare_lazy(
        lambda: getattr(numpy, name)(a, **kwargs), lambda: getattr(dnp, name)(x, **kwargs), scale
    )


@PROPERTY
@given(case=reduction_cases())
def test_reductions(sync, case):
    check_reduction(case)


@st.composite
def scan_cases(draw):
    a, x = draw(arrays(shape=draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                   max_side=4))))  # fmt: skip
    name = draw(st.sampled_from(["cumsum", "cumprod", "nancumsum", "nancumprod", "diff",
                                 "add.accumulate"]))  # fmt: skip
    kwargs = {"axis": draw(axes(a.ndim, single=True))}
    if name == "diff":
        kwargs = {"axis": kwargs["axis"] if kwargs["axis"] is not None else -1,
                  "n": draw(st.integers(0, 3))}  # fmt: skip
    elif name == "add.accumulate":
        kwargs["axis"] = kwargs["axis"] or 0
    else:
        kwargs["dtype"] = draw(st.sampled_from([None, "f8", "i8"]))
    return a, x, name, kwargs


def _scan(lib, name, a, kwargs):
    if name == "add.accumulate":
        return numpy.add.accumulate(a, **kwargs)
    return getattr(lib, name)(a, **kwargs)


def check_scan(case):
    a, x, name, kwargs = case
    compare(lambda: _scan(numpy, name, a, kwargs), lambda: _scan(dnp, name, x, kwargs),
            magnitude(a))  # fmt: skip


@PROPERTY
@given(case=scan_cases())
def test_scans(sync, case):
    check_scan(case)


# -- shapes and indexing -------------------------------------------------------------------

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@st.composite
def axis_moves(draw):
    a, x = draw(arrays(shape=draw(SHAPES)))
    n = a.ndim
    axis = st.integers(-n, n - 1) if n else st.just(0)
    op = draw(st.sampled_from(["T", "transpose", "swapaxes", "moveaxis", "expand_dims",
                               "squeeze", "ravel"]))  # fmt: skip
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
    else:
        args = ()
    return a, x, op, args


def _move(lib, a, op, args):
    if op == "T":
        return a.T
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
    compare(lambda: a[want_mask] * 2, lambda: x[got_mask] * 2)


# -- products ------------------------------------------------------------------------------


@st.composite
def products(draw):
    m, k, n = (draw(st.integers(0, 4)) for _ in range(3))
    left = draw(st.sampled_from([(m, k), (k,)]))
    right = draw(st.sampled_from([(k, n), (k,)]))
    if draw(st.integers(0, 4)) == 0:  # a mismatch: NumPy's error naming both shapes
        right = (k + 1,) + right[1:]
    a, x = draw(arrays(shape=left, dtypes=["f8", "f4", "i8", "?"]))
    b, y = draw(arrays(shape=right, dtypes=["f8", "f4", "i4", "?"]))
    return a, x, b, y, draw(st.sampled_from(["matmul", "dot", "@", "outer"]))


def _product(lib, a, b, op):
    return a @ b if op == "@" else getattr(lib, op)(a, b)


def check_product(case):
    a, x, b, y, op = case
    scale = both(_product, numpy, abs(a), abs(b), "dot" if op != "outer" else op)
    scale = 0.0 if isinstance(scale, Exception) else magnitude(scale)
    compare(lambda: _product(numpy, a, b, op), lambda: _product(dnp, x, y, op), scale)


@PROPERTY
@given(case=products())
def test_products(sync, case):
    check_product(case)


# -- errors --------------------------------------------------------------------------------

ERRORS = {
    "add": lambda lib, a, b: numpy.add(a, b),
    "where": lambda lib, a, b: lib.where(a > 0, a, b),
    "concatenate": lambda lib, a, b: lib.concatenate([a, b]),
    "stack": lambda lib, a, b: lib.stack([a, b]),
    "matmul": lambda lib, a, b: lib.matmul(a, b),
    "reshape": lambda lib, a, b: a.reshape(b.shape),
    "moveaxis": lambda lib, a, b: lib.moveaxis(a, b.ndim, 0),
    "sum": lambda lib, a, b: lib.sum(a, axis=b.ndim),
}


@PROPERTY
@given(
    left=arrays(shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)),
    right=arrays(shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)),
    name=st.sampled_from(sorted(ERRORS)),
)
def test_errors_are_numpys(sync, left, right, name):
    """Random shapes, most of them incompatible: NumPy's exception type, and its message
    exactly (the shapes named as NumPy names them)."""
    (a, x), (b, y) = left, right
    expected = both(ERRORS[name], numpy, a, b)
    got = both(ERRORS[name], dnp, x, y)
    if isinstance(expected, Exception):
        assert type(got) is type(expected), (expected, got)
        assert str(got) == str(expected)
    else:
        with quiet():
            parity(expected, got, magnitude(expected))


# -- creation ------------------------------------------------------------------------------


@st.composite
def creations(draw):
    name = draw(st.sampled_from(["arange", "linspace", "eye", "full", "like"]))
    number = st.one_of(st.integers(-5, 5), st.sampled_from([0.5, -1.25, 2.75]))
    dtype = draw(st.sampled_from([None, "f8", "f4", "i8", "i1"]))
    if name == "arange":
        args = (draw(number), draw(number), draw(number.filter(bool)))
        kwargs = {"dtype": dtype}
    elif name == "linspace":
        args = (draw(number), draw(number), draw(st.integers(0, 9)))
        kwargs = {"endpoint": draw(st.booleans()), "dtype": dtype}
    elif name == "eye":
        args = (draw(st.integers(0, 5)), draw(st.one_of(st.none(), st.integers(0, 5))),
                draw(st.integers(-3, 3)))  # fmt: skip
        kwargs = {"dtype": dtype or float}
    elif name == "full":
        args = (draw(SHAPES), draw(number))
        kwargs = {"dtype": dtype}
    else:
        a, x = draw(arrays())
        kind = draw(st.sampled_from(["zeros_like", "ones_like", "full_like"]))
        extra = (draw(number),) if kind == "full_like" else ()
        return kind, (a, *extra), (x, *extra), {"dtype": dtype}, None
    expected = both(getattr(numpy, name), *args, **kwargs)
    shape = getattr(expected, "shape", ())
    chunks = draw(st.one_of(st.just("auto"), st.integers(1, 4),
                            st.tuples(*(chunkings(n) for n in shape))))  # fmt: skip
    return name, args, args, kwargs, chunks


def check_creation(case):
    name, args_numpy, args_dframe, kwargs, chunks = case
    chunked = {} if chunks is None else {"chunks": chunks}
    compare(lambda: getattr(numpy, name)(*args_numpy, **kwargs),
            lambda: getattr(dnp, name)(*args_dframe, **kwargs, **chunked),
            magnitude(args_numpy[:2]) if name in ("arange", "linspace") else 0.0)  # fmt: skip


@PROPERTY
@given(case=creations())
def test_ranges_and_constants(sync, case):
    check_creation(case)


DRAWS = {
    "random": lambda rng, shape, **chunks: rng.random(shape, **chunks),
    "normal": lambda rng, shape, **chunks: rng.normal(1.0, 2.0, shape, **chunks),
    "integers": lambda rng, shape, **chunks: rng.integers(-4, 9, shape, **chunks),
    "uniform": lambda rng, shape, **chunks: rng.uniform(-1, 1, shape, **chunks),
    "choice": lambda rng, shape, **chunks: rng.choice(7, size=shape, **chunks),
}


@settings(PROPERTY, max_examples=20)
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=6),
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(sorted(DRAWS)),
    data=st.data(),
)
def test_random_draws_do_not_depend_on_the_chunking(sync, shape, seed, name, data):
    """The same seed gives the same values whatever two random chunkings; shape and dtype are
    NumPy's Generator's."""
    first, second = (data.draw(st.tuples(*(chunkings(n) for n in shape))) for _ in range(2))
    a = DRAWS[name](dnp.random.default_rng(seed), shape, chunks=first)
    b = DRAWS[name](dnp.random.default_rng(seed), shape, chunks=second)
    model = DRAWS[name](numpy.random.default_rng(seed), shape)
    assert isinstance(a, dnp.ndarray) and (a.shape, a.dtype) == (model.shape, model.dtype)
    check_blocks(a)
    numpy.testing.assert_array_equal(a.compute(), b.compute(), strict=True)


# -- the runtime ---------------------------------------------------------------------------


@pytest.fixture
def runtime(shared_ray):
    with config.override(executor=RuntimeExecutor()):
        yield


CASES = [(ufunc_cases, check_ufunc_chain), (reduction_cases, check_reduction),
         (scan_cases, check_scan), (axis_moves, check_axis_move), (reshapes, check_reshape),
         (joins, check_join), (indexings, check_indexing), (products, check_product),
         (creations, check_creation)]  # fmt: skip


@settings(PROPERTY, max_examples=12)
@given(case=st.one_of(*(cases().map(lambda c, check=check: (check, c)) for cases, check in CASES)))
def test_on_the_runtime(runtime, case):
    """The same properties with blocks computed in worker processes (fewer examples)."""
    check, args = case
    check(args)
