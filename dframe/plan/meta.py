"""Metadata of plan nodes: "meta" objects and partition lengths.

A node's meta is an empty pandas object with the output's columns, dtypes, index type and name.
It is how the plan knows the shape of a result without computing it. When an operation's output
dtypes are not obvious, the operation is run on a small *non-empty* stand-in of the input
(``nonempty``): pandas picks dtypes from values, so running on zero rows can give different ones.
"""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

PandasObject = pd.DataFrame | pd.Series


def make_meta(obj: PandasObject) -> PandasObject:
    """Empty object with ``obj``'s columns, dtypes, index type and name."""
    return obj.iloc[:0]


def missing_columns_error(missing: Sequence[Hashable], existing: Iterable[Hashable]) -> KeyError:
    """KeyError naming the missing column(s) and listing those that exist."""
    names = ", ".join(repr(c) for c in missing)
    msg = f"column(s) {names} not found; existing columns are {list(existing)!r}"
    return KeyError(msg)


def check_columns(meta: pd.DataFrame, columns: Iterable[Hashable]) -> None:
    """Raise ``KeyError`` at plan-construction time if any column is missing."""
    present = set(meta.columns)
    # (a NaN label is found by the Index, not by a set: each NaN is a new object)
    missing = [c for c in columns if c not in present and not (_is_nan(c) and meta.columns.hasnans)]
    if missing:
        raise missing_columns_error(missing, meta.columns)


def _is_nan(label: Any) -> bool:
    return isinstance(label, float) and math.isnan(label)


def _nonempty_values(dtype: Any, n: int) -> Any:
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        values = [cats[0]] * n if len(cats) else [np.nan] * n
        return pd.Categorical(values, dtype=dtype)
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        sample: Any = [True, False]
    elif kind in "iu":
        sample = [1, 2]
    elif kind == "f":
        sample = [1.5, 2.5]
    elif kind == "c":
        sample = [1 + 1j, 2 + 2j]
    elif kind == "M":
        tz = getattr(dtype, "tz", None)
        sample = [pd.Timestamp("2000-01-01", tz=tz), pd.Timestamp("2000-01-02", tz=tz)]
    elif kind == "m":
        sample = [pd.Timedelta(1, "s"), pd.Timedelta(2, "s")]
    else:
        sample = ["a", "b"]
    try:
        return pd.array((sample * n)[:n], dtype=dtype)
    except (TypeError, ValueError):
        return pd.array(["a"] * n, dtype=object)


def _nonempty_index(index: pd.Index, n: int) -> pd.Index:
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(n, name=index.name)
    if isinstance(index, pd.MultiIndex):
        levels = [_nonempty_index(lev, n) for lev in index.levels]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    values = _nonempty_values(index.dtype, n)
    return pd.Index(values, name=index.name, dtype=values.dtype)


# Stand-ins already built, by id of their meta (checked through a weak reference): planning
# builds one per call, and making one costs more than the rest of planning a simple operation.
_STAND_INS: dict[tuple[int, Hashable], tuple[Any, Any]] = {}


def _stand_in(meta: Any, kind: Hashable, make: Callable[[], Any]) -> Any:
    """``make()``, remembered for ``meta`` (by identity) and ``kind``."""
    key = (id(meta), kind)
    hit = _STAND_INS.get(key)
    if hit is not None and hit[0]() is meta:
        return hit[1].copy(deep=True)  # callers may change it (user functions run on it)
    out = make()
    if len(_STAND_INS) > 4096:
        _STAND_INS.clear()
    _STAND_INS[key] = (weakref.ref(meta), out.copy(deep=True))
    return out


def nonempty(meta: Any, n: int = 2) -> Any:
    """A small object of the same type and dtypes as ``meta`` with ``n`` made-up rows."""
    if not isinstance(meta, pd.DataFrame | pd.Series):
        return meta
    return _stand_in(meta, n, lambda: _make_nonempty(meta, n))


def _make_nonempty(meta: Any, n: int) -> Any:
    if isinstance(meta, pd.DataFrame):
        index = _nonempty_index(meta.index, n)
        # Series of their dtype: pandas would infer str for the strings standing in for object.
        data = {
            i: pd.Series(_nonempty_values(dt, n), index=index, dtype=dt)
            for i, dt in enumerate(meta.dtypes)
        }
        out = pd.DataFrame(data, index=index)
        for i, dt in enumerate(meta.dtypes):
            if out.dtypes.iloc[i] != dt:  # pandas took the object sample for str
                out.isetitem(i, out.iloc[:, i].astype(dt))
        out.columns = meta.columns
        return out
    if isinstance(meta, pd.Series):
        index = _nonempty_index(meta.index, n)
        values = _nonempty_values(meta.dtype, n)
        return pd.Series(values, index=index, name=meta.name, dtype=values.dtype)
    return meta


def holds_objects(meta: Any) -> bool:
    """Whether ``meta`` is or has an object column: its stand-in holds strings where the data
    may hold numbers (or no values), so pandas' error on the stand-in need not be its answer on
    the data — the call then runs on pandas."""
    dtypes = meta.dtypes if isinstance(meta, pd.DataFrame) else [getattr(meta, "dtype", None)]
    return any(dt is not None and pd.api.types.is_object_dtype(dt) for dt in dtypes)


def infer_meta(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Meta of ``func(*args)`` found by running it on non-empty stand-ins of pandas arguments.

    Errors pandas would raise for these dtypes (a bad operand type, a missing column) surface
    here, at the user's call, which is where a pandas user expects them.
    """
    try:
        result = func(*[nonempty(a) for a in args], **kwargs)
    except TypeError:
        if not any(holds_objects(a) for a in args if isinstance(a, pd.DataFrame | pd.Series)):
            raise
        # Object columns stand in as strings; the data may hold numbers, which pandas takes
        # (an object column compared with 1), or values like the operand it meets (Timestamps
        # compared with a Timestamp, after a transpose). If one passes, the data decides when
        # computed.
        for values in _object_values(func):
            try:
                result = func(*[_objects_as(nonempty(a), values) for a in args], **kwargs)
            except Exception:  # noqa: BLE001  # no stand-in passes: pandas' first error
                continue
            return result.iloc[:0] if isinstance(result, pd.DataFrame | pd.Series) else result
        raise
    if isinstance(result, pd.DataFrame | pd.Series):
        return result.iloc[:0]
    return result


def logical_of_missing_floats(func: Callable[..., Any], *args: Any) -> Any:
    """Meta of a logical ``&``/``|``/``^`` whose float operands pandas refuses unless every
    value is NaN (then it answers): pandas' answer on all-NaN stand-ins, or None."""
    if getattr(func, "name", None) not in ("and_", "or_", "xor"):
        return None
    frames = [a for a in args if isinstance(a, pd.DataFrame | pd.Series)]
    dtypes = [d for a in frames for d in (a.dtypes if isinstance(a, pd.DataFrame) else [a.dtype])]
    if not any(isinstance(d, np.dtype) and d.kind == "f" for d in dtypes):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = func(*[_missing_and_zero(a, True) for a in args])
    except Exception:  # noqa: BLE001  # refused whatever the values
        return None
    return out.iloc[:0] if isinstance(out, pd.DataFrame | pd.Series) else None


def _object_values(func: Callable[..., Any]) -> list[Callable[[int], list[Any]]]:
    """Values other than the strings of ``nonempty`` that object columns may hold, as makers of
    ``n`` of them: numbers, then the scalar operand of an element-wise ``func``."""
    makers: list[Callable[[int], list[Any]]] = [lambda n: list(range(1, n + 1))]
    if getattr(func, "has_scalar", False):
        makers.append(lambda n: [func.scalar] * n)  # type: ignore[attr-defined]
    return makers


def _objects_as(stand_in: Any, values: Callable[[int], list[Any]]) -> Any:
    """``stand_in`` with ``values(len)`` in its object columns."""
    if not isinstance(stand_in, pd.DataFrame | pd.Series) or not holds_objects(stand_in):
        return stand_in
    held = np.empty(len(stand_in), dtype=object)
    held[:] = values(len(stand_in))
    if isinstance(stand_in, pd.Series):
        return pd.Series(held, index=stand_in.index, name=stand_in.name, dtype=object)
    out = stand_in.copy()
    for i, dt in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dt):
            out.isetitem(i, pd.Series(held, index=out.index, dtype=object))
    return out


def meta_of_no_rows(func: Callable[..., Any], *metas: Any) -> Any:
    """``func`` of empty inputs (pandas' answer for no rows), or None where pandas raises or
    gives no frame for them (the error surfaces when the partitions run)."""
    try:
        out = func(*metas)
    except Exception:  # noqa: BLE001
        return None
    return out.iloc[:0] if isinstance(out, pd.DataFrame | pd.Series) else None


def depends_on_values(
    func: Callable[..., Any], meta: Any, *args: Any, columnwise: bool = False
) -> bool:
    """Whether pandas picks the dtypes of ``func(*args)`` from the values: run on stand-ins
    whose rows are a missing value and a zero (a mask leaving NaN in ints, a fill of another
    type, ``dt.day`` over NaT, ``x // s`` by zero), does it give other dtypes than ``meta``'s?

    A stand-in that makes pandas raise tells nothing (the values are not the data's); for a
    ``columnwise`` function of one frame, each column is then asked on its own (``fillna(0)``
    raises on a boolean column's stand-in NA, yet turns a str column's into object).
    """
    if not isinstance(meta, pd.DataFrame | pd.Series):
        return False
    frames = [a for a in args if isinstance(a, pd.DataFrame | pd.Series)]
    # (wide frames: the probe would cost more than planning; they keep the guess)
    if not frames or any(len(a.columns) > 64 for a in frames if isinstance(a, pd.DataFrame)):
        return False
    answer = _probe(func, meta, args)
    if answer is not None or not columnwise or len(args) != 1:
        return bool(answer)
    (frame,) = args
    if not (isinstance(frame, pd.DataFrame) and isinstance(meta, pd.DataFrame)):
        return False
    if not frame.columns.equals(meta.columns):
        return False
    return any(
        _probe(func, meta.iloc[:, [j]], (frame.iloc[:, [j]],)) for j in range(frame.shape[1])
    )


def _probe(func: Callable[..., Any], meta: Any, args: tuple) -> bool | None:
    """Whether the stand-ins change the dtypes; None if pandas refused them both times."""
    answered = False
    for only_missing in (False, True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = func(*[_missing_and_zero(a, only_missing) for a in args])
        except Exception:  # noqa: BLE001, S112  # pandas refused these values: no answer
            continue
        answered = True
        if type(out) is type(meta) and _dtypes_of(out) != _dtypes_of(meta):
            return True
    return False if answered else None


def _dtypes_of(obj: Any) -> Any:
    if isinstance(obj, pd.DataFrame):
        return (list(obj.columns), [str(t) for t in obj.dtypes])
    return str(obj.dtype)


def _missing_and_zero_values(dtype: Any, only_missing: bool) -> Any:
    """A missing value (a zero where ``dtype`` holds none), then a zero (a made-up value where
    it is not numeric) or a second missing value."""
    if isinstance(dtype, pd.CategoricalDtype):
        # (by codes: looking values up would build the categories' hash table, which pandas
        # then counts in the user's frame's memory_usage)
        codes = [-1, -1] if only_missing or not len(dtype.categories) else [-1, 0]
        return pd.Categorical.from_codes(codes, dtype=dtype)
    kind = getattr(dtype, "kind", "O")
    holds_missing = not (isinstance(dtype, np.dtype) and kind in "iub")
    zero = (False if kind == "b" else 0) if kind in "iufb" else None
    missing = None if holds_missing else zero
    if only_missing:
        return pd.array([missing, missing], dtype=dtype)
    if zero is None:
        return pd.array([missing, _nonempty_values(dtype, 1)[0]], dtype=dtype)
    return pd.array([missing, zero], dtype=dtype)


def _missing_and_zero(obj: Any, only_missing: bool) -> Any:
    """A two-row stand-in of ``obj`` (as ``nonempty``): a missing value, then a zero (or a
    second missing value)."""
    if not isinstance(obj, pd.DataFrame | pd.Series):
        return obj
    index = _nonempty_index(obj.index, 2)
    if isinstance(obj, pd.Series):
        values = _missing_and_zero_values(obj.dtype, only_missing)
        return pd.Series(values, index=index, name=obj.name)
    out = pd.DataFrame(
        {i: _missing_and_zero_values(dt, only_missing) for i, dt in enumerate(obj.dtypes)},
        index=index,
    )
    out.columns = obj.columns
    return out


def split_lengths(total: int, npartitions: int) -> list[int]:
    """Lengths of ``npartitions`` near-equal pieces of ``total`` rows; the first ones get extras.

    >>> split_lengths(10, 3)
    [4, 3, 3]
    >>> split_lengths(2, 4)
    [1, 1, 0, 0]
    """
    base, extra = divmod(total, npartitions)
    return [base + (1 if i < extra else 0) for i in range(npartitions)]


def offsets(lengths: Sequence[int]) -> list[int]:
    """Global row number where each partition starts.

    >>> offsets([2, 0, 3])
    [0, 2, 2]
    """
    return [int(x) for x in np.concatenate([[0], np.cumsum(lengths)[:-1]])] if lengths else []


def is_default_range(index: pd.Index) -> bool:
    """True for the ``RangeIndex(0, n)`` pandas gives a frame built without an index."""
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )


def frame_of(columns: dict[Hashable, Any], index: Any = None) -> pd.DataFrame:
    """``pd.DataFrame(columns, index=index)`` with each array's dtype kept: pandas 3's
    constructor infers ``str`` from an object array of strings (and missing values), where the
    column the array came from is object.

    >>> values = np.array(["a", None], dtype=object)
    >>> pd.DataFrame({"o": values}).dtypes["o"], frame_of({"o": values}).dtypes["o"]
    (<StringDtype(na_value=nan)>, dtype('O'))
    """
    out = pd.DataFrame(columns, index=index)
    for j, values in enumerate(columns.values()):
        if _object_array(values) and out.dtypes.iloc[j] != object:
            column = pd.Series(np.asarray(values, dtype=object), index=out.index, dtype=object)
            out.isetitem(j, column)
    return out


def series_of(values: Any, index: Any = None, name: Hashable = None) -> pd.Series:
    """``pd.Series(values, index=index, name=name)``, an object array staying object (see
    ``frame_of``)."""
    dtype = object if _object_array(values) else None
    return pd.Series(values, index=index, name=name, dtype=dtype)


def _object_array(values: Any) -> bool:
    # (a Series keeps its dtype in the constructors: arrays only; a NumpyExtensionArray says
    # its NumPy dtype by ``numpy_dtype``)
    if isinstance(values, pd.Series | pd.Index):
        return False
    dtype = getattr(values, "dtype", None)
    dtype = getattr(dtype, "numpy_dtype", dtype)
    return isinstance(dtype, np.dtype) and dtype == object


def set_column(frame: pd.DataFrame, name: Hashable, value: Any) -> None:
    """``frame[name] = value`` in place, as pandas sets a whole frame: where several columns are
    labelled ``name``, each becomes ``value``. pandas' own setitem lays such a value out
    column-wise when there are as many rows as columns so labelled, so a partition of that many
    rows would come out scrambled where the whole frame does not (the caller sends that case of
    the whole frame to pandas)."""
    if frame.columns.is_unique or pd.api.types.is_scalar(value) or name not in frame.columns:
        frame[name] = value
        return
    for loc in frame.columns.get_indexer_for([name]):
        frame.isetitem(int(loc), value)
