"""Reductions (``sum``, ``mean``, ``std`` ...) as chunk → combine → finalize.

Each partition is reduced to a small *partial* (``chunk``), partials are merged in groups
(``combine``) until one is left, and ``finalize`` turns it into pandas' result. A partial is a
tuple ``(nrows, stats)`` where ``stats`` holds one entry per reduced column; partials of empty
partitions are ignored, because an empty partition's ``min`` is NaN while the column's is not.

``mean`` merges (count, sum) like pandas' own ``sum / count``. Variance uses Chan et al.'s
pairwise update of (count, mean, M2): summing squares would lose the digits pandas keeps when
the mean is large compared to the spread.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe import config
from dframe.plan import meta as M

# How partials of each simple reduction are merged.
_COMBINE = {
    "sum": "sum",
    "prod": "prod",
    "min": "min",
    "max": "max",
    "count": "sum",
    "any": "any",
    "all": "all",
}
MOMENTS = ("var", "std")
NAMES = (*_COMBINE, "mean", *MOMENTS)

# Column dtypes each reduction handles natively; anything else runs on pandas (fallback).
_KINDS = {
    "sum": "biuf",
    "prod": "biuf",
    "mean": "biuf",
    "var": "biuf",
    "std": "biuf",
    "min": "biufMmOUT",
    "max": "biufMmOUT",
    "count": None,
    "any": "biuf",
    "all": "biuf",
}


def _kind(dtype: Any) -> str:
    if isinstance(dtype, pd.StringDtype):
        return "T"
    return getattr(dtype, "kind", "?")


def supported(name: str, dtypes: pd.Series | list[Any]) -> bool:
    """Whether every reduced column has a dtype this module reduces exactly like pandas."""
    kinds = _KINDS[name]
    if kinds is None:
        return True
    return all(_kind(dt) in kinds and not isinstance(dt, pd.CategoricalDtype) for dt in dtypes)


def _as_frame(part: Any) -> pd.DataFrame:
    return part.to_frame(name=0) if isinstance(part, pd.Series) else part


class Chunk:
    """Partial of one partition for reduction ``name`` over ``columns``."""

    def __init__(
        self,
        name: str,
        columns: list[Any],
        options: dict[str, Any],
        positions: list[int] | None = None,
        dtypes: list[Any] | None = None,
    ) -> None:
        # ``positions`` of the reduced columns in the frame (labels may repeat), and their
        # ``dtypes``; None when the labels do not say which columns pandas reduced.
        self.name, self.columns, self.options = name, columns, options
        self.positions, self.dtypes = positions, dtypes

    def __call__(self, part: Any) -> tuple[int, Any]:
        frame = _as_frame(part)
        # One Series per column: selecting several columns of a frame would copy them.
        if self.positions is not None:
            columns = [frame.iloc[:, k] for k in self.positions]
        else:
            columns = [frame[c] for c in self.columns]
        skipna = self.options.get("skipna", True)
        if self.name == "mean":
            counts = [c.count() if skipna else len(c) for c in columns]
            sums = [_float_sum(c, skipna) for c in columns]
            return len(frame), (np.array(counts, dtype="float64"), np.array(sums, dtype="float64"))
        if self.name in MOMENTS:
            if not columns:  # numeric_only=True may leave none: pandas gives an empty Series
                none = np.empty(0, dtype="float64")
                return len(frame), (none, none, none)
            x = pd.concat(columns, axis=1, keys=range(len(columns))).astype("float64")
            n = x.count().to_numpy() if skipna else np.full(x.shape[1], len(x))
            mean = x.mean(skipna=skipna).to_numpy()
            # Only missing values are skipped: inf - inf is NaN and makes the variance NaN, as
            # in pandas (skipping it would give inf).
            squares = (x - mean) ** 2
            if skipna:
                squares = squares.where(x.notna(), 0.0)
            m2 = squares.sum(skipna=False).to_numpy()
            return len(frame), (n.astype("float64"), mean, m2)
        kwargs: dict[str, Any] = {} if self.name == "count" else {"skipna": skipna}
        if self.name in ("sum", "prod"):
            kwargs["min_count"] = 0
        if self.name in ("min", "max") and not skipna:
            values = [_extreme_without_skipna(c, self.name) for c in columns]
        else:
            values = [getattr(c, self.name)(**kwargs) for c in columns]
        counts = np.array([c.count() for c in columns]) if self.options.get("min_count", 0) else None
        return len(frame), (values, counts)


class Unorderable:
    """A partition's min/max of Python objects pandas cannot compare (``'a' < 1``). With
    ``skipna=False`` the error is pandas' only if no other partition holds a missing value
    (which is the answer, found before any comparison): the error waits for the combine."""

    def __init__(self, message: str) -> None:
        self.message = message


def _extreme_without_skipna(column: pd.Series, name: str) -> Any:
    if column.dtype != object:
        return getattr(column, name)(skipna=False)
    if column.isna().any():
        return None  # pandas' missing value for an object column's min/max in a frame
    try:
        return getattr(column, name)(skipna=False)
    except TypeError as error:
        return Unorderable(str(error))


def _float_sum(column: pd.Series, skipna: bool) -> float:
    """The column's sum accumulated in float64, as pandas' ``mean`` does (an int64 sum could
    wrap around where pandas' mean does not)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biu":
        return float(column.to_numpy().sum(dtype="float64"))
    if column.dtype != "float64":
        column = column.astype("float64")
    total = column.sum(skipna=skipna, min_count=0)
    return float(total) if not pd.isna(total) else np.nan


class Combine:
    """Merge partials of reduction ``name``."""

    def __init__(self, name: str, options: dict[str, Any], dtypes: list[Any] | None = None) -> None:
        # ``dtypes``: the reduced columns' dtypes. The min/max of each partition is a value of its
        # column, so they are compared as one (an Int64's <NA> with skipna=False stays <NA>;
        # among plain Python objects it would be NaN); any/all of a nullable column are boolean.
        self.name, self.options, self.dtypes = name, options, dtypes

    def __call__(self, *partials: tuple[int, Any]) -> tuple[int, Any]:
        nonempty = [p for p in partials if p[0] > 0] or list(partials[:1])
        nrows = sum(p[0] for p in partials)
        if self.name == "mean":
            return nrows, tuple(np.sum([p[1][k] for p in nonempty], axis=0) for k in (0, 1))
        if self.name in MOMENTS:
            n, mean, m2 = nonempty[0][1]
            for _, (nb, mb, m2b) in nonempty[1:]:
                n, mean, m2 = _chan(n, mean, m2, nb, mb, m2b)
            return nrows, (n, mean, m2)
        op = _COMBINE[self.name]
        skipna = self.options.get("skipna", True)
        ncols = len(nonempty[0][1][0])
        values = []
        for j in range(ncols):
            partials_j = [p[1][0][j] for p in nonempty]
            stop = _missing_or_unorderable(partials_j) if op in ("min", "max") else ()
            if stop:
                values.append(stop[0])
                continue
            column = self._partials_column(partials_j, j)
            values.append(getattr(column, op)(skipna=_partials_skipna(op, skipna)))
        counts = None
        if nonempty[0][1][1] is not None:
            counts = np.sum([p[1][1] for p in nonempty], axis=0)
        return nrows, (values, counts)

    def _partials_column(self, values: list[Any], j: int) -> pd.Series:
        dtype = None if self.dtypes is None else self.dtypes[j]
        if self.name in ("any", "all") and getattr(dtype, "na_value", None) is pd.NA:
            dtype = pd.BooleanDtype()  # <NA> partials combine by Kleene logic, as pandas' do
        elif self.name not in ("min", "max"):
            dtype = None
        if pd.api.types.is_object_dtype(dtype):
            # the partitions' Python values as they are (pandas' min of 1 and 2.5 is the int 1)
            return pd.Series(values, dtype=object)
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            try:
                return pd.Series(values, dtype=dtype)
            except (TypeError, ValueError):
                pass
        return pd.Series(values)


def _missing_or_unorderable(partials: list[Any]) -> tuple[Any, ...]:
    """The answer of object partials without skipna, if one ends it: a missing value (None)
    whatever the rest, else the first partition's comparison error."""
    if any(p is None for p in partials):
        return (None,)
    return tuple(p for p in partials if isinstance(p, Unorderable))[:1]


def _partials_skipna(op: str, skipna: bool) -> bool:
    """skipna when merging partials: a partial sum/prod is NaN only when the values made it
    (inf - inf, 0 * inf; missing values were skipped already, or propagate), and stays NaN."""
    return False if op in ("sum", "prod") else skipna


def _chan(na: Any, ma: Any, m2a: Any, nb: Any, mb: Any, m2b: Any) -> tuple[Any, Any, Any]:
    n = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        # A side with no values contributes nothing, not NaN.
        ma0, mb0 = np.where(na > 0, ma, 0.0), np.where(nb > 0, mb, 0.0)
        m2a0, m2b0 = np.where(na > 0, m2a, 0.0), np.where(nb > 0, m2b, 0.0)
        delta = mb0 - ma0
        mean = np.where(n > 0, ma0 + delta * nb / n, np.nan)
        m2 = np.where(n > 0, m2a0 + m2b0 + delta**2 * na * nb / n, np.nan)
    return n, mean, m2


class Finalize:
    """Turn the last partial into pandas' result: a Series over columns, or a scalar."""

    def __init__(
        self,
        name: str,
        index: Any,
        out_meta: Any,
        options: dict[str, Any],
        empty: Any = None,
        missing: Any = None,
    ) -> None:
        # ``index`` labels the result Series (pandas' own, from the sample); None for a scalar.
        # ``empty``: pandas' answer on no rows (the min of no ints is NaN, not an int), if known.
        self.name, self.index, self.out_meta, self.options = name, index, out_meta, options
        self.empty = empty
        # A Series whose dtype's missing value is <NA> (Int64, boolean ...) reduces to <NA> where
        # there is no answer (pandas' masked reductions); the partials may carry NaN for it.
        self.missing = missing

    def __call__(self, partial: tuple[int, Any]) -> Any:
        nrows, stats = partial
        if nrows == 0 and self.empty is not None:
            return self.empty.copy() if isinstance(self.empty, pd.Series) else self.empty
        if self.name == "mean":
            n, total = stats
            with np.errstate(invalid="ignore", divide="ignore"):
                values: Any = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        elif self.name in MOMENTS:
            n, mean, m2 = stats
            ddof = self.options.get("ddof", 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.where(n - ddof > 0, m2 / (n - ddof), np.nan)
            if self.name == "std":
                values = np.sqrt(values)
        else:
            values, counts = stats
            min_count = self.options.get("min_count", 0)
            if counts is not None and (counts < min_count).any():
                values = [
                    np.nan if c < min_count else v for v, c in zip(values, counts, strict=True)
                ]
        for value in values:
            if isinstance(value, Unorderable):
                raise TypeError(value.message)
        if not isinstance(self.out_meta, pd.Series):  # a Series' reduction is a scalar
            if self.name in ("min", "max") and values[0] is None:
                return np.nan  # (pandas' Series min of objects; in a frame's result: None)
            if self.missing is not None and _is_missing(values[0]):
                return self.missing
            return _scalar(values[0], self.out_meta)
        try:
            return pd.Series(list(values), index=self.index, dtype=self.out_meta.dtype)
        except (TypeError, ValueError):
            return pd.Series(list(values), index=self.index, dtype=object)


class Pooled:
    """Finalize ``frame.<name>(axis=None)``: one value over the values of every column, from the
    per-column partials (pandas reduces the frame's 2-D values)."""

    def __init__(self, name: str, sample: Any, empty: Any, options: dict[str, Any]) -> None:
        # ``sample``: pandas' answer on a non-empty stand-in (its type is the result's);
        # ``empty``: pandas' answer on no rows.
        self.name, self.sample, self.empty, self.options = name, sample, empty, options

    def __call__(self, partial: tuple[int, Any]) -> Any:
        nrows, stats = partial
        if nrows == 0:
            return self.empty
        if self.name == "mean":
            n, total = stats
            value = total.sum() / n.sum() if n.sum() > 0 else np.nan
        elif self.name in MOMENTS:
            n, mean, m2 = (np.asarray(a, dtype="float64") for a in stats)
            pooled = n[:1], mean[:1], m2[:1]
            for j in range(1, len(n)):
                pooled = _chan(*pooled, n[j : j + 1], mean[j : j + 1], m2[j : j + 1])
            count, _, m2_all = (a[0] for a in pooled) if len(n) else (0.0, np.nan, np.nan)
            ddof = self.options.get("ddof", 1)
            value = m2_all / (count - ddof) if count - ddof > 0 else np.nan
            if self.name == "std":
                value = np.sqrt(value)
        else:
            values, counts = stats
            column = pd.Series(list(values), dtype=None if len(values) else "float64")
            op = _COMBINE[self.name]
            skipna = _partials_skipna(op, self.options.get("skipna", True))
            value = getattr(column, op)(skipna=skipna)
            min_count = self.options.get("min_count", 0)
            if counts is not None and counts.sum() < min_count:
                value = np.nan
        return _scalar(value, self.sample)


def pooled_supported(name: str, dtypes: list[Any]) -> bool:
    """Whether ``axis=None`` over columns of these dtypes can pool per-column partials: plain
    numpy numbers, or only bools. (Bools mixed with numbers make pandas reduce an object array,
    whose result takes the Python type of the winning element.)"""
    if name == "count" or not all(isinstance(dt, np.dtype) for dt in dtypes):
        return False
    kinds = {_kind(dt) for dt in dtypes}
    return kinds <= set("iuf") or kinds == {"b"}


def _scalar(value: Any, sample: Any) -> Any:
    # pandas returns numpy scalars for numeric results; keep the type the non-empty sample showed.
    if isinstance(sample, np.generic) and not isinstance(value, type(sample)):
        try:
            return type(sample)(value)
        except (TypeError, ValueError):
            return value
    return value


def plan_reduction(name: str, meta: Any, **options: Any) -> tuple[Chunk, Combine, Finalize, Any]:
    """Chunk/combine/finalize functions and the output meta for ``<meta>.<name>(**options)``.

    The output meta comes from pandas itself, run on a non-empty stand-in, so pandas decides
    which columns ``numeric_only`` keeps, the result dtype, and which dtypes raise ``TypeError``.
    """
    sample = getattr(M.nonempty(meta), name)(**options)
    if isinstance(meta, pd.Series):
        columns: list[Any] = [0]
        index, out_meta = None, sample
    else:
        columns = list(sample.index)
        index, out_meta = sample.index, sample.iloc[:0]
    try:
        empty = getattr(meta, name)(**options)
    except (TypeError, ValueError):
        empty = None
    positions = _positions(meta, columns)
    dtypes = None
    if positions is not None:
        frame = _as_frame(meta)
        dtypes = [frame.dtypes.iloc[k] for k in positions]
    # Column selection was settled by pandas on the sample; partitions reduce those columns.
    frame_options = {k: v for k, v in options.items() if k not in ("numeric_only", "bool_only")}
    return (
        Chunk(name, columns, frame_options, positions, dtypes),
        Combine(name, frame_options, dtypes),
        Finalize(name, index, out_meta, frame_options, empty, _missing_value(meta)),
        out_meta,
    )


def _missing_value(meta: Any) -> Any:
    if isinstance(meta, pd.Series) and getattr(meta.dtype, "na_value", None) is pd.NA:
        return pd.NA
    return None


def _is_missing(value: Any) -> bool:
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _positions(meta: Any, labels: list[Any]) -> list[int] | None:
    """Where the columns pandas reduced (the labels of its result) are in the frame."""
    if isinstance(meta, pd.Series):
        return [0]
    if meta.columns.is_unique:
        return [meta.columns.get_loc(c) for c in labels]
    if list(labels) == list(meta.columns):  # repeated labels: every column, in order
        return list(range(len(labels)))
    return None


def combine_partials(
    ex: Any, partials: list[Any], combine: Any, most: int = 1, fan_in: int | None = None
) -> list[Any]:
    """Partials merged by ``combine`` in groups of ``fan_in`` (``split_every``) tasks until at
    most ``most`` are left: the combine levels of a tree reduction."""
    fan_in = max(2, fan_in or config.get("split_every"))
    while len(partials) > most:
        partials = [
            ex.submit(combine, *partials[i : i + fan_in]) for i in range(0, len(partials), fan_in)
        ]
    return partials
