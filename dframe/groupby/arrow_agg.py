"""Per-partition partial aggregates of a groupby on Arrow's hash aggregation.

``tree_reduce.TreeAgg.chunk`` reduces each partition to per-group partial statistics. When
``native`` says every key and every (statistic, value dtype) of the aggregation is covered
here, ``partials`` computes them with ``pyarrow.Table.group_by(keys).aggregate(...)`` and
gives back exactly the frame pandas' chunk gives: the same columns, dtypes, index and group
order, so ``combine`` and ``finalize`` cannot tell the kernels apart. The ``groupby_kernel``
option picks the kernel; the choice depends on dtypes only, made before a row is read.
``nunique`` needs all of a group's values, so it runs after the hash shuffle: there
``grouped.ShuffledAgg`` counts each shuffled partition's groups here (Arrow's
``count_distinct``), laid out as pandas' ``nunique`` of that partition.

Why the two kernels agree:

* Group order. pandas' chunk has groups in order of first appearance (``sort=False``).
  Arrow's does not, even single-threaded: its hash table (used for fixed-width and
  ``string`` keys) numbers the new keys of a batch in its own order; only the generic grouper
  (``large_string`` keys) happens to keep first appearance. So each group also gets the
  ``min`` of a row-number column, and groups are sorted by it (a no-op when in order).
  A missing key is one group of its own (pandas' ``dropna=False``; ``dropna=True`` drops the
  groups with a missing key).
* Missing values. pandas skips NaN/NaT/NA; Arrow skips nulls. Values are handed over with
  NaN (of numpy floats), NaT and NA as nulls, categoricals as their codes (-1 null),
  datetimes as int64 ticks; a NaN inside a masked float stays a value, as it is to pandas.
* Integer sums wrap on overflow in both (Arrow's ``sum`` is the unchecked kernel).

What stays on pandas, and why (decided per statistic and dtype by ``native``):

* Float keys: Arrow groups 0.0 and -0.0 apart, pandas together. Object, float16 and
  ``pd.ArrowDtype`` keys and values: not converted (Python objects cost more to convert than
  pandas' groupby takes; the rest has not been checked).
* Sums of int8/16/32 and uint8/16/32: pandas gives back the input dtype when every group's
  sum fits, else int64 — a data-dependent dtype. float32 sums and moments: pandas keeps
  float32, Arrow float64. min/max of masked floats: pandas' min of a group holding only NaN
  (a value, not NA) is inf. ``prod``: not asked of Arrow.
* The whole chunk, when any one of its statistics or keys is not covered.

Float sums are not bit-identical: pandas' groupby sum is Kahan-compensated; Arrow's grouped
``sum`` and ``mean`` add naively in row order (its non-grouped ``sum`` is pairwise;
apache/arrow#45681). The error is bounded by about n·eps·Σ|x| per group (n: the group's
rows in the partition; measured ~1e-14·Σ|x| at 7e4 rows, pandas ~1e-19), so results agree to
a tolerance relative to Σ|x|, not to the sum itself when it cancels; ``groupby_kernel=
"pandas"`` keeps pandas' summation. The moments partial (count, mean, M2) comes from Arrow's
``variance`` (ddof=0), which is stable: at a mean 1e9 times the spread it is as close to the
exact variance (~1e-8 relative) as pandas' Welford.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_MASKED = (
    pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype,
    pd.UInt8Dtype, pd.UInt16Dtype, pd.UInt32Dtype, pd.UInt64Dtype,
    pd.Float32Dtype, pd.Float64Dtype, pd.BooleanDtype,
)  # fmt: skip
_NAT = np.iinfo(np.int64).min
# Arrow's options for each statistic: skip nulls; min_count=0 where an empty group has a value
# (0 for sum, False/True for any/all), 1 where it has none (min of nothing is missing).
_EMPTY_IS_ZERO = pc.ScalarAggregateOptions(skip_nulls=True, min_count=0)
_EMPTY_IS_NULL = pc.ScalarAggregateOptions(skip_nulls=True, min_count=1)
_M2 = pc.VarianceOptions(ddof=0, skip_nulls=True, min_count=0)
_VALID = pc.CountOptions(mode="only_valid")
_ALL = pc.CountOptions(mode="all")
_ROW = "row"  # the row-number column (value columns are c0, c1, ...)


def kind_of(dtype: Any) -> str:
    """The family of a dtype, as this module converts it (``"other"``: not converted).

    >>> kind_of(np.dtype("int32")), kind_of(pd.StringDtype()), kind_of(pd.Int64Dtype())
    ('int', 'str', 'masked')
    """
    if isinstance(dtype, pd.CategoricalDtype):
        return "cat"
    if isinstance(dtype, pd.StringDtype):
        return "str"
    if isinstance(dtype, _MASKED):
        return "masked"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "time"
    if isinstance(dtype, np.dtype):
        if dtype.kind == "f":  # float16 has no Arrow kernels
            return "float" if dtype.itemsize >= 4 else "other"
        return {"i": "int", "u": "int", "b": "bool", "M": "time", "m": "time"}.get(
            dtype.kind, "other"
        )
    return "other"


def _is_float64(dtype: Any) -> bool:
    return dtype == np.dtype("float64") or isinstance(dtype, pd.Float64Dtype)


def _wide_int(dtype: Any) -> bool:
    """int64/uint64, numpy or masked: the integers whose sums keep their dtype in pandas."""
    name = str(dtype).lower()
    return name in ("int64", "uint64")


# Per statistic: does Arrow reproduce pandas' chunk for values of this dtype? (see the module
# docstring for the exclusions)
def _value_native(stat: str, dtype: Any) -> bool:
    kind = kind_of(dtype)
    if stat in ("size", "count"):
        return kind != "other"
    if stat == "sum":
        return (
            kind == "bool"
            or _is_float64(dtype)
            or _wide_int(dtype)
            or isinstance(dtype, pd.BooleanDtype)
        )
    if stat == "moments":
        return (
            kind == "int"
            or _is_float64(dtype)
            or (kind == "masked" and not isinstance(dtype, pd.BooleanDtype | pd.Float32Dtype))
        )
    if stat in ("min", "max"):
        # Masked floats: pandas' min of a group holding only NaN is inf; Arrow's is NaN.
        masked_float = isinstance(dtype, pd.Float32Dtype | pd.Float64Dtype)
        return kind in ("int", "bool", "float", "time", "str", "masked") and not masked_float
    if stat in ("first", "last"):
        return kind in ("int", "bool", "float", "time", "str", "masked", "cat")
    if stat in ("any", "all"):
        return kind in ("int", "bool", "masked") or _is_float64(dtype)
    if stat in ("nunique", "nunique_all"):
        # Floats: Arrow counts 0.0 and -0.0 apart, pandas as one value.
        masked_float = isinstance(dtype, pd.Float32Dtype | pd.Float64Dtype)
        return kind in ("int", "bool", "time", "str", "masked", "cat") and not masked_float
    return False


def _key_native(dtype: Any) -> bool:
    kind = kind_of(dtype)
    if kind == "masked":  # floats: -0.0
        return not isinstance(dtype, pd.Float32Dtype | pd.Float64Dtype)
    return kind in ("int", "bool", "time", "str", "cat")


def native(
    kernel: str,
    key_dtypes: list[Any],
    stats: list[tuple[Any, str]],
    value_dtypes: dict[Any, Any],
) -> bool:
    """Whether the partial statistics ``stats`` (``(column, statistic)``) grouped by keys of
    ``key_dtypes`` run on Arrow under ``kernel`` ("auto", "arrow" or "pandas").

    >>> native("arrow", [np.dtype("int64")], [("v", "sum")], {"v": np.dtype("int64")})
    True
    >>> native("auto", [np.dtype("int64")], [("v", "sum")], {"v": np.dtype("int64")})
    False
    >>> native("arrow", [np.dtype("float64")], [("v", "sum")], {"v": np.dtype("int64")})
    False
    """
    if kernel == "pandas":
        return False
    if kernel not in ("auto", "arrow"):
        msg = f"groupby_kernel must be 'auto', 'arrow' or 'pandas', not {kernel!r}"
        raise ValueError(msg)
    if not all(_key_native(d) for d in key_dtypes):
        return False
    if not all(stat == "size" or _value_native(stat, value_dtypes[col]) for col, stat in stats):
        return False
    return kernel == "arrow" or (
        any(_arrow_string(d) for d in key_dtypes) and all(s in _AUTO_STATS for _, s in stats)
    )


# "auto": where Arrow was measured faster (issue 12, gate 3; 2.5M-row partitions, one thread).
# Arrow wins by hashing string keys (pandas' ``str``: 1.2x at 100 groups, 1.6-2x at 100k);
# on int, datetime, Int64 or python-backed string keys pandas was faster (0.3-0.9x), and
# with many groups Arrow's min/max/variance kernels cost more than the hashing saves.
# nunique (after the shuffle, string keys, 1e7 rows): Arrow 1.5x pandas' at 100 groups but
# 0.8x at 100k groups, so "auto" keeps pandas' for it.
_AUTO_STATS = frozenset({"sum", "count", "size", "first", "last", "any", "all"})


def _arrow_string(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


# -- pandas <-> Arrow --------------------------------------------------------------------------


def _to_arrow(values: pd.Series) -> tuple[Any, Callable[[Any], Any]]:
    """``values`` as an Arrow array whose nulls are pandas' missing values, and the function
    turning an Arrow array of the same type back into pandas' array of ``values``' dtype."""
    dtype = values.dtype
    kind = kind_of(dtype)
    if kind == "str":
        strings = pa.array(values.array)
        if strings.type == pa.large_string() and strings.nbytes < 2**31 - 2**20:
            # Arrow's fast hash grouper takes ``string`` but not ``large_string`` (pandas'
            # storage), which goes to a generic grouper 3-4x slower; the cast only narrows
            # the offsets.
            strings = strings.cast(pa.string())
        return strings, dtype.__from_arrow__
    if kind == "masked":
        # NA is null; a NaN inside masked floats stays a value, as it is to pandas.
        return pa.array(values.array), dtype.__from_arrow__
    if kind == "cat":
        codes = values.cat.codes.to_numpy()
        return pa.array(codes, mask=codes < 0), _from_codes(dtype)
    if kind == "time":
        return _time_to_arrow(values)
    raw = values.to_numpy()
    if kind == "float":
        return pa.array(raw, from_pandas=True), _numpy_of(dtype)
    return pa.array(raw), _numpy_of(dtype)


def _numpy_of(dtype: np.dtype) -> Callable[[Any], np.ndarray]:
    def back(arr: Any) -> np.ndarray:
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=dtype)

    return back


def _from_codes(dtype: pd.CategoricalDtype) -> Callable[[Any], pd.Categorical]:
    def back(arr: Any) -> pd.Categorical:
        codes = pc.fill_null(arr, -1).to_numpy(zero_copy_only=False)
        return pd.Categorical.from_codes(codes, dtype=dtype)

    return back


def _time_to_arrow(values: pd.Series) -> tuple[Any, Callable[[Any], Any]]:
    """Datetimes and timedeltas as their int64 ticks (NaT null); the unit and time zone come
    back from the dtype, so no value goes through Arrow's timestamp conversions."""
    dtype = values.dtype
    tz = getattr(dtype, "tz", None)
    arr = values.array.tz_convert(None) if tz is not None else values.array
    naive = np.asarray(arr)
    ticks = naive.view("i8")
    as_arrow = pa.array(ticks, mask=ticks == _NAT)

    def back(result: Any) -> Any:
        out = pc.fill_null(result, _NAT).to_numpy(zero_copy_only=False).view(naive.dtype)
        if tz is None:
            return out
        return pd.array(out).tz_localize("UTC").tz_convert(tz)

    return as_arrow, back


def _as_float(values: pd.Series) -> Any:
    """Values as float64 with nulls for missing ones (what pandas' mean/var compute on)."""
    if kind_of(values.dtype) == "masked":
        return pa.array(values.array).cast(pa.float64())
    return pa.array(values.to_numpy(dtype="float64"), from_pandas=True)


def _truthy(values: pd.Series) -> Any:
    """Values as booleans (non-zero) with nulls for missing ones, for any/all."""
    kind = kind_of(values.dtype)
    if kind == "bool":
        return pa.array(values.to_numpy())
    if kind == "masked":
        return pa.array(values.array != 0)
    raw = values.to_numpy()
    missing = np.isnan(raw) if raw.dtype.kind == "f" else None
    return pa.array(raw != 0, mask=missing)


# -- the chunk -----------------------------------------------------------------------------------


class _Request:
    """The Arrow table and aggregations a chunk needs, each column converted once."""

    def __init__(self, part: pd.DataFrame) -> None:
        self.part = part
        self.columns: dict[str, Any] = {}
        self.back: dict[Hashable, Callable[[Any], Any]] = {}
        self.names: dict[tuple[Any, str], str] = {}
        self.aggs: list[tuple[Any, ...]] = []

    def column(self, col: Hashable, form: str) -> str:
        """Name of ``col``'s Arrow column in ``form`` ("raw", "float" or "bool")."""
        if form == "float" and self.part[col].dtype == np.dtype("float64"):
            form = "raw"  # the same array: convert it once
        name = self.names.get((col, form))
        if name is None:
            name = self.names[(col, form)] = f"c{len(self.names)}"
            values = self.part[col]
            if form == "raw":
                self.columns[name], self.back[col] = _to_arrow(values)
            else:
                self.columns[name] = (_as_float if form == "float" else _truthy)(values)
        return name

    def agg(self, col: Hashable, form: str, func: str, options: Any) -> str:
        name = self.column(col, form)
        out = f"{name}_{func}"
        if not any(a[0] == name and a[1] == func for a in self.aggs):
            self.aggs.append((name, func, options))
        return out


_OPTIONS = {
    "sum": _EMPTY_IS_ZERO,
    "min": _EMPTY_IS_NULL,
    "max": _EMPTY_IS_NULL,
    "first": _EMPTY_IS_NULL,
    "last": _EMPTY_IS_NULL,
    "any": _EMPTY_IS_ZERO,
    "all": _EMPTY_IS_ZERO,
}


def partials(
    key_columns: list[Hashable],
    key_names: list[Hashable],
    multi: bool,
    dropna: bool,
    stats: list[tuple[Any, str]],
    part: pd.DataFrame,
) -> pd.DataFrame:
    """Partial statistics ``stats`` per group of ``part`` by ``key_columns``, laid out as
    pandas' chunk lays them out (``tree_reduce.TreeAgg.chunk``): one column per statistic
    (three for moments: count, mean, M2, as float64), groups in first-appearance order,
    indexed by the keys (named ``key_names``; a MultiIndex when ``multi``)."""
    request = _Request(part)
    keys = [request.column(c, "raw") for c in key_columns]
    plan: list[tuple[Any, str, Any]] = []  # (column, statistic, Arrow output names)
    for col, stat in stats:
        if stat == "size":
            outs: Any = "count_all"
            if not any(a[1] == "count_all" for a in request.aggs):
                request.aggs.append(([], "count_all"))
        elif stat == "count":
            outs = request.agg(col, "raw", "count", _VALID)
        elif stat == "moments":
            outs = tuple(
                request.agg(col, "float", func, opts)
                for func, opts in (("count", _VALID), ("mean", _EMPTY_IS_ZERO), ("variance", _M2))
            )
        elif stat in ("any", "all"):
            outs = request.agg(col, "bool", stat, _OPTIONS[stat])
        elif stat in ("nunique", "nunique_all"):
            # (nunique_all: dropna=False, a missing value counts as one more value)
            counting = _VALID if stat == "nunique" else _ALL
            outs = request.agg(col, "raw", "count_distinct", counting)
        else:
            outs = request.agg(col, "raw", stat, _OPTIONS[stat])
        plan.append((col, stat, outs))
    # Each group's first row, to put groups in order of first appearance (pandas' chunk
    # order): Arrow's hash table emits them in its own order.
    request.columns[_ROW] = pa.array(np.arange(len(part), dtype=np.int64))
    request.aggs.append((_ROW, "min"))
    table = pa.table(request.columns)
    out = table.group_by(keys, use_threads=False).aggregate(request.aggs)
    firsts = out[f"{_ROW}_min"].to_numpy()
    if len(firsts) > 1 and not (firsts[1:] > firsts[:-1]).all():
        out = out.take(np.argsort(firsts))
    if dropna and any(table[k].null_count for k in keys):
        valid = pc.is_valid(out[keys[0]])
        for k in keys[1:]:
            valid = pc.and_(valid, pc.is_valid(out[k]))
        out = out.filter(valid)
    levels = [request.back[c](out[k]) for c, k in zip(key_columns, keys, strict=True)]
    if multi:
        index = pd.MultiIndex.from_arrays(levels, names=key_names)
    else:
        index = pd.Index(levels[0], name=key_names[0])
    columns: list[Any] = []
    for col, stat, outs in plan:
        dtype = part[col].dtype if col is not None else None
        columns += _to_pandas(stat, dtype, request.back.get(col), out, outs)
    return pd.DataFrame(dict(enumerate(columns)), index=index)


def _to_pandas(stat: str, dtype: Any, back: Any, out: pa.Table, outs: Any) -> list[Any]:
    """pandas' arrays for one statistic, in the dtypes pandas' own groupby gives."""
    masked = kind_of(dtype) == "masked"
    if stat == "moments":
        n, mean, var = (out[o].to_numpy(zero_copy_only=False).astype("float64") for o in outs)
        # Arrow's empty-group variance is null (NaN here): pandas' var(ddof=0) * 0 is NaN too.
        return [n, mean, var * n]
    result = out[outs]
    if stat in ("size", "count", "nunique", "nunique_all"):
        counts = result.to_numpy(zero_copy_only=False).astype("int64")
        return [pd.array(counts, dtype="Int64") if stat == "count" and masked else counts]
    if stat == "sum":
        if masked:
            target = pd.Int64Dtype() if isinstance(dtype, pd.BooleanDtype) else dtype
            return [target.__from_arrow__(result.cast(pa.from_numpy_dtype(target.numpy_dtype)))]
        target = np.dtype("int64") if dtype.kind == "b" else dtype
        return [result.to_numpy(zero_copy_only=False).astype(target, copy=False)]
    if stat in ("any", "all"):
        if masked:
            return [pd.BooleanDtype().__from_arrow__(result)]
        return [result.to_numpy(zero_copy_only=False).astype(bool, copy=False)]
    return [back(result)]  # min, max, first, last: the values' own dtype
