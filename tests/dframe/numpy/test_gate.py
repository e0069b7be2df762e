"""Issue 14's test gate as hypothesis properties: random shapes (0-d and empty included),
dtypes, chunkings (uneven, empty blocks, more blocks than elements) and memory layouts (C,
Fortran, strided, reversed, transposed) against NumPy — integers and booleans exactly, floats
within a tolerance relative to the sum of magnitudes (1e-9 float64, 1e-5 float32) — with
fallback warnings as errors, in the driver and (fewer examples) on the runtime. Helpers are in
``parity.py``; shapes and indexing in ``test_gate_shapes``.

Where each item of the issue's native list is tested (``gate`` = this module, ``shapes`` =
test_gate_shapes; the parametrized tests of the other modules run on both executors):

- array/asarray, ``chunks=`` (int, per axis, explicit sizes, "auto"), rechunk: test_creation
  (asarray_1d/2d, chunks_forms, rechunk, rechunk_2d); every property here draws its chunks.
- zeros/ones/full/empty and ``_like``, arange, linspace, eye, identity: test_creation;
  gate.test_ranges_and_constants (random arguments, dtypes and chunks).
- fromfunction: test_more.test_fromfunction. random.default_rng random/normal/integers/uniform/
  choice, reproducible whatever the chunking: test_creation.test_random_*, test_more.test_choice,
  gate.test_random_draws_do_not_depend_on_the_chunking.
- load/save .npy, memory-mapped block reads: test_npyio; gate.test_save_then_load.
- every ufunc, broadcasting, NEP 50 (Python scalars with int8/uint8/float32), out=/where=:
  test_elementwise; gate.test_ufunc_chains, gate.test_out_and_where. where, clip,
  isnan/isfinite, isclose, astype: test_elementwise.test_where_clip_isnan/test_isclose_allclose/
  test_astype; gate.test_ufunc_chains (steps). allclose: test_elementwise.test_isclose_allclose.
  outer: test_products.test_dot_and_outer; gate.test_products.
- sum, prod, mean, std, var (ddof), min, max, argmin, argmax, any, all and nan forms, over any
  axis or tuple, keepdims, dtype: test_reductions; gate.test_reductions. cumsum, cumprod (and
  nan forms, ufunc.accumulate), diff: test_scan; gate.test_scans.
- .T/transpose, swapaxes, moveaxis, squeeze, expand_dims, ravel: test_shape.test_transpose_family,
  test_squeeze_expand_dims; shapes.test_axis_moves. reshape, ravel/flatten: test_shape.
  test_reshape*; shapes.test_reshapes. concatenate, stack, hstack, vstack, split/array_split:
  test_shape, test_more.test_split; shapes.test_joins_and_splits. tile, repeat:
  test_more.test_repeat_tile; shapes.test_tile_and_repeat.
- basic slicing and integer indexing: test_shape.test_basic_indexing/test_slices_with_steps_1d;
  shapes.test_basic_indexing. boolean masks (unknown length): test_shape.test_boolean_masks;
  shapes.test_boolean_masks.
- dot/matmul of 1-D and 2-D by blocks: test_products; gate.test_products.
- NumPy's exception types and messages (shape mismatch names both shapes):
  test_elementwise.test_shape_mismatch_is_numpys_error,
  test_products.test_product_errors_are_numpys,
  test_shape.test_concatenate_errors_and_dtypes, test_reductions.test_bad_axes_are_numpys_errors;
  gate.test_errors_are_numpys (exact messages), and every property (same exception type).
- isinstance(x, dframe.numpy.ndarray) and NumPy scalars for scalar results: test_namespace,
  test_reductions.test_1d_scalars_are_numpy_scalars; ``parity.parity`` checks both in every
  property, and every block's shape and dtype against the plan.
- non-contiguous and Fortran-ordered inputs: test_elementwise.test_fortran_ordered_and_non_
  contiguous_inputs; every property here (``parity.in_layout``). 0-d and empty arrays:
  test_elementwise.test_zero_d_arrays, test_reductions.test_empty_arrays; every property here.
- ndarray methods of the list (x.sum(), x.T, x.astype ...): shapes.test_methods; numpy.shape/
  ndim/size from the metadata: shapes.test_shape_ndim_size_compute_nothing; the list is native:
  gate.test_the_issues_list_is_native; compositions (a reduction broadcast back, indexing, a
  scan): gate.test_pipelines.
- the runtime executor: the ``executor`` fixture of the modules above; gate.test_on_the_runtime
  and shapes.test_on_the_runtime (the same checks, fewer examples).
"""

from __future__ import annotations

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dframe.numpy as dnp
from dframe import config
from tests.dframe.numpy.conftest import check_blocks, chunkings
from tests.dframe.numpy.parity import (
    DTYPES, PROPERTY, SHAPES, arrays, axes, both, compare, compare_lazy, magnitude, parity,
    quiet, values,
)

pytestmark = pytest.mark.filterwarnings("error::dframe.NumpyFallbackWarning")


# The functions of the issue's native list (ufuncs such as isnan/isfinite are NumPy's own and
# dispatch to dframe through ``__array_ufunc__``).
NATIVE_LIST = """array asarray zeros ones full empty zeros_like ones_like full_like empty_like
arange linspace eye identity fromfunction load save where clip outer isclose allclose astype sum
prod mean std var min max argmin argmax any all nansum nanprod nanmean nanstd nanvar nanmin
nanmax nanargmin nanargmax cumsum cumprod nancumsum nancumprod diff transpose swapaxes
moveaxis reshape ravel squeeze expand_dims concatenate stack hstack vstack split array_split
tile repeat dot matmul rechunk""".split()


def test_the_issues_list_is_native():
    from dframe.numpy.registry import NATIVE

    assert [name for name in NATIVE_LIST if name not in NATIVE] == []
    assert all(getattr(dnp, name) is not getattr(numpy, name, None) for name in NATIVE_LIST)
    assert isinstance(dnp.isnan, numpy.ufunc) and isinstance(dnp.isfinite, numpy.ufunc)


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
    spread = magnitude(numpy.abs(a).astype("f8") ** 2) if name.endswith(("var", "std")) else 0
    scale = magnitude(a) + spread
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



def _pipeline(lib, a, axis, key):
    """An everyday composition: standardize along an axis (a reduction broadcast back), index,
    scan, reduce again."""
    spread = lib.std(a, axis=axis, keepdims=True) + 1
    centered = (a - lib.mean(a, axis=axis, keepdims=True)) / spread
    picked = centered[key]
    return lib.cumsum(picked, axis=0 if picked.ndim else None), lib.nansum(picked)


@PROPERTY
@given(pair=arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
                   dtypes=["f8", "f4", "i4"]), data=st.data())  # fmt: skip
def test_pipelines(sync, pair, data):
    a, x = pair
    axis = data.draw(axes(a.ndim))
    key = data.draw(hnp.basic_indices(a.shape, min_dims=1, allow_newaxis=True))
    compare(lambda: _pipeline(numpy, a, axis, key), lambda: _pipeline(dnp, x, axis, key),
            magnitude(a) + a.size)  # fmt: skip


# -- products ------------------------------------------------------------------------------


@st.composite
def products(draw):
    m, k, n = (draw(st.integers(0, 4)) for _ in range(3))
    left = draw(st.sampled_from([(m, k), (k,)]))
    right = draw(st.sampled_from([(k, n), (k,)]))
    if draw(st.integers(0, 4)) == 0:  # a mismatch: NumPy's error naming both shapes
        right = (k + 1,) + right[1:]
    # No NaN: BLAS skips zeros of one operand, so NumPy's 0 * NaN may come out 0 or NaN.
    a, x = draw(arrays(shape=left, dtypes=["f8", "f4", "i8", "?"], nan=False))
    b, y = draw(arrays(shape=right, dtypes=["f8", "f4", "i4", "?"], nan=False))
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


@settings(PROPERTY, max_examples=15)
@given(pair=arrays(), lazily=st.booleans(), chunks=st.sampled_from(["auto", 1, 2]))
def test_save_then_load(sync, tmp_path_factory, pair, lazily, chunks):
    """``.npy`` files written block by block and read back (at once when small, else block by
    block from the memory map, Fortran-ordered files too) hold NumPy's values."""
    a, x = pair
    path = tmp_path_factory.mktemp("npy") / "a.npy"
    dnp.save(path, x)
    numpy.testing.assert_array_equal(numpy.load(path), a, strict=True)
    numpy.save(path, a)  # NumPy's file, in the input's layout (Fortran order kept)
    with config.override(sync_threshold_bytes=1 if lazily else 2**20):
        compare(lambda: a.copy(), lambda: dnp.load(path, chunks=chunks if a.ndim else ()))


# -- the runtime ---------------------------------------------------------------------------


CASES = [(ufunc_cases, check_ufunc_chain), (reduction_cases, check_reduction),
         (scan_cases, check_scan), (products, check_product),
         (creations, check_creation)]  # fmt: skip


@settings(PROPERTY, max_examples=10)
@given(case=st.one_of(*(cases().map(lambda c, check=check: (check, c)) for cases, check in CASES)))
def test_on_the_runtime(runtime, case):
    """The same properties with blocks computed in worker processes (fewer examples)."""
    check, args = case
    check(args)
