"""``Series.str`` and ``Series.dt``: pandas' accessors, partition by partition.

An accessor method whose result is element-wise (one output row per input row, computed from
that row alone) is a ``MapPartitions`` running pandas' own method on each partition, so every
value is computed by the code pandas would run. Which methods qualify is listed once below;
the rest (``get_dummies`` ...: their output columns depend on all the values) run on pandas
with a ``PandasFallbackWarning``; ``split``/``rsplit(expand=True)`` take two passes
(``str_split``).

The output meta comes from pandas running the method on a non-empty stand-in. Some dtypes
depend on the values (``str.len`` is int64 without missing values, float64 with them); the
partitions then carry their own dtypes and collecting them combines those exactly like pandas'
one pass over all rows would.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe import fallback
from dframe.core import str_split
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject

# Element-wise methods of ``Series.str`` (``split``/``rsplit`` only without ``expand=True``).
STR_METHODS = frozenset(
    [
        "capitalize",
        "casefold",
        "center",
        "contains",
        "count",
        "decode",
        "encode",
        "endswith",
        "extract",
        "find",
        "findall",
        "fullmatch",
        "get",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "len",
        "ljust",
        "lower",
        "lstrip",
        "match",
        "normalize",
        "pad",
        "partition",
        "removeprefix",
        "removesuffix",
        "repeat",
        "replace",
        "rfind",
        "rindex",
        "rjust",
        "rpartition",
        "rsplit",
        "rstrip",
        "slice",
        "slice_replace",
        "split",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "translate",
        "upper",
        "wrap",
        "zfill",
    ]
)

# Element-wise properties and methods of ``Series.dt``.
DT_PROPERTIES = frozenset(
    [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
        "nanosecond",
        "dayofweek",
        "day_of_week",
        "weekday",
        "dayofyear",
        "day_of_year",
        "quarter",
        "is_month_start",
        "is_month_end",
        "is_quarter_start",
        "is_quarter_end",
        "is_year_start",
        "is_year_end",
        "is_leap_year",
        "daysinmonth",
        "days_in_month",
        "date",
        "time",
        "timetz",
        "days",
        "seconds",
        "microseconds",
        "nanoseconds",
        "components",
    ]
)
DT_METHODS = frozenset(
    [
        "floor",
        "ceil",
        "round",
        "strftime",
        "tz_localize",
        "tz_convert",
        "normalize",
        "day_name",
        "month_name",
        "total_seconds",
        "as_unit",
        "isocalendar",
        "to_period",
    ]
)
# Properties that describe the dtype, not the values: read from the meta.
DT_META = frozenset(("tz", "unit"))


class AccessorCall:
    """``part.<accessor>.<name>(*args, **kwargs)``, or the property when ``call`` is False.

    ``slots`` say where each positional argument comes from: ``("input", k)`` is the k-th
    extra partition (an aligned dframe Series), ``("value", v)`` a plain value.
    """

    def __init__(
        self,
        accessor: str,
        name: str,
        slots: tuple[tuple[str, Any], ...] = (),
        kwargs: dict[str, Any] | None = None,
        call: bool = True,
    ) -> None:
        self.accessor, self.name, self.slots = accessor, name, slots
        self.kwargs, self.call = kwargs or {}, call

    @property
    def row_local(self) -> bool:
        """String and datetime methods compute each row from that row (``.cat`` methods may
        look at every row's category)."""
        return self.accessor in ("str", "dt")

    def __call__(self, part: pd.Series, *others: Any) -> Any:
        attr = getattr(getattr(part, self.accessor), self.name)
        if not self.call:
            return attr
        args = [others[v] if k == "input" else v for k, v in self.slots]
        return attr(*args, **self.kwargs)

    def __repr__(self) -> str:
        inner = [repr(v) if k == "value" else "other" for k, v in self.slots]
        inner += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        tail = f"({', '.join(inner)})" if self.call else ""
        return f"{self.accessor}.{self.name}{tail}"


class MissingAs:
    """``func(part)``; an all-missing result takes ``dtype``, pandas' dtype for these values mixed
    with missing ones. An object partition holding only ``None`` otherwise gives ``object``
    where pandas, seeing the values of all partitions at once, gives ``float64``."""

    def __init__(self, func: Any, dtype: Any) -> None:
        self.func, self.dtype = func, dtype

    @property
    def row_local(self) -> bool:
        return getattr(self.func, "row_local", False)

    def __call__(self, part: Any, *others: Any) -> Any:
        out = self.func(part, *others)
        if (
            isinstance(out, pd.Series)
            and out.dtype != self.dtype
            and len(out)
            and out.isna().all()
        ):
            try:
                return out.astype(self.dtype)
            except (TypeError, ValueError):
                return out
        return out

    def __repr__(self) -> str:
        return repr(self.func)


def missing_dtype(fn: Any, meta: Any) -> Any:
    """Dtype of ``fn``'s result on made-up values with a missing one among them, or None."""
    if not isinstance(meta, pd.Series):
        return None
    sample = M.nonempty(meta)
    try:
        with_na = pd.concat(
            [sample, pd.Series([None], dtype=meta.dtype, name=meta.name)]
        )
        out = fn(with_na.reset_index(drop=True))
    except Exception:  # noqa: BLE001  # any pandas error: no answer, not a failure
        return None
    return out.dtype if isinstance(out, pd.Series) else None


def infer_meta(fn: Any, *metas: Any) -> Any:
    """Meta of ``fn`` from a non-empty stand-in; if the made-up values make pandas raise (``str.index``
    of a substring they lack), from the empty meta; the stand-in's error if both fail."""
    try:
        return M.infer_meta(fn, *metas)
    except Exception as error:  # noqa: BLE001  # whatever pandas raised for made-up values
        try:
            out = fn(*metas)
        except Exception:  # noqa: BLE001
            raise error from None
        return out.iloc[:0] if isinstance(out, pd.DataFrame | pd.Series) else out


class _Accessor:
    _name = ""

    def __init__(self, series: Any) -> None:
        try:
            getattr(series._meta, self._name)
        except AttributeError:
            # The planned dtype may be a guess the data settles (text replacing floats): ask
            # the data's; pandas' AttributeError if that is the wrong dtype too.
            getattr(series._known_meta(), self._name)
        self._series = series

    def _map(
        self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], call: bool
    ) -> Any:
        others: list[Any] = []
        slots: list[tuple[str, Any]] = []
        for a in args:
            if isinstance(a, DframeObject):
                if not (a.ndim == 1 and self._series._aligned(a)):
                    return self._fallback(name, args, kwargs, call)
                slots.append(("input", len(others)))
                others.append(a)
            else:
                slots.append(("value", a))
        if any(isinstance(v, DframeObject) for v in kwargs.values()):
            return self._fallback(name, args, kwargs, call)
        fn = AccessorCall(self._name, name, tuple(slots), kwargs, call)
        meta = infer_meta(fn, self._series._meta, *(o._meta for o in others))
        if not isinstance(meta, pd.DataFrame | pd.Series):
            return self._fallback(name, args, kwargs, call)
        na_dtype = missing_dtype(fn, self._series._meta) if not others else None
        # Only numeric results change dtype when missing values join them (int -> float).
        numeric = (
            isinstance(meta, pd.Series) and getattr(meta.dtype, "kind", "O") in "iuf"
        )
        if numeric and na_dtype is not None and na_dtype != meta.dtype:
            fn = MissingAs(fn, na_dtype)  # type: ignore[assignment]
        inputs = (self._series._plan, *(o._plan for o in others))
        plan = N.MapPartitions(fn, inputs, meta, label=repr(fn))
        return self._series._new(plan, M.depends_on_values(fn, meta, *(i.meta for i in inputs)))

    def _fallback(
        self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], call: bool
    ) -> Any:
        fallback.warn(f"Series.{self._name}.{name}")
        target = getattr(getattr(self._series.to_pandas(), self._name), name)
        if not call:
            return fallback.wrap(target, self._series.npartitions)
        pargs, _ = fallback.to_pandas(args)
        pkwargs, _ = fallback.to_pandas(kwargs)
        return fallback.wrap(target(*pargs, **pkwargs), self._series.npartitions)

    def _method(self, name: str) -> Any:
        def method(*args: Any, **kwargs: Any) -> Any:
            return self._map(name, args, kwargs, call=True)

        method.__name__ = name
        method.__doc__ = getattr(getattr(pd.Series, self._name), name).__doc__
        return method

    def __dir__(self) -> list[str]:
        return sorted(set(dir(getattr(self._series._meta, self._name))))


class StringMethods(_Accessor):
    """``Series.str``: vectorized string functions, computed partition by partition."""

    _name = "str"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        getattr(
            self._series._meta.str, name
        )  # pandas' AttributeError for unknown names
        if name in STR_METHODS:
            return self._method(name)
        return self._fallback_method(name)

    def _fallback_method(self, name: str) -> Any:
        def method(*args: Any, **kwargs: Any) -> Any:
            return self._fallback(name, args, kwargs, call=True)

        return method

    def split(
        self, pat: Any = None, *, n: int = -1, expand: bool = False, regex: Any = None
    ) -> Any:
        kwargs = {"pat": pat, "n": n, "expand": expand, "regex": regex}
        if expand is True:  # as many columns as the longest split has parts: two passes
            out = str_split.split_expand(self._series, "split", _without_expand(kwargs))
            return self._fallback("split", (), kwargs, call=True) if out is None else out
        return self._map("split", (), kwargs, call=True)

    def rsplit(self, pat: Any = None, *, n: int = -1, expand: bool = False) -> Any:
        kwargs = {"pat": pat, "n": n, "expand": expand}
        if expand is True:
            out = str_split.split_expand(self._series, "rsplit", _without_expand(kwargs))
            return self._fallback("rsplit", (), kwargs, call=True) if out is None else out
        return self._map("rsplit", (), kwargs, call=True)

    def repeat(self, repeats: Any) -> Any:
        if not pd.api.types.is_integer(repeats):  # per-row counts line up with all rows
            return self._fallback("repeat", (repeats,), {}, call=True)
        return self._map("repeat", (repeats,), {}, call=True)

    def cat(
        self,
        others: Any = None,
        sep: str | None = None,
        na_rep: Any = None,
        join: str = "left",
    ) -> Any:
        """Concatenate strings: with ``others=None`` all values into one string (a tree
        reduction), with an aligned dframe Series row by row."""
        if others is None:
            return _cat_all(self._series, sep, na_rep)
        kwargs = {"sep": sep, "na_rep": na_rep, "join": join}
        if isinstance(others, DframeObject):
            return self._map("cat", (others,), kwargs, call=True)
        return self._fallback("cat", (others,), kwargs, call=True)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return self._map("slice", (key.start, key.stop, key.step), {}, call=True)
        return self._map("get", (key,), {}, call=True)


class DatetimeMethods(_Accessor):
    """``Series.dt``: datetime-like properties and methods, computed partition by partition."""

    _name = "dt"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._series._meta.dt, name)  # pandas' AttributeError
        if name in DT_META:
            return value
        if name in DT_PROPERTIES:
            return self._map(name, (), {}, call=False)
        if name in DT_METHODS:
            if name == "tz_localize":
                return self._tz_localize
            return self._method(name)
        if callable(value):

            def method(*args: Any, **kwargs: Any) -> Any:
                return self._fallback(name, args, kwargs, call=True)

            return method
        return self._fallback(name, (), {}, call=False)

    def _tz_localize(
        self, tz: Any, ambiguous: Any = "raise", nonexistent: Any = "raise"
    ) -> Any:
        kwargs = {"ambiguous": ambiguous, "nonexistent": nonexistent}
        if not isinstance(ambiguous, str) or ambiguous == "infer":
            # "infer" reads neighbouring rows; an array lines up with all rows.
            return self._fallback("tz_localize", (tz,), kwargs, call=True)
        return self._map("tz_localize", (tz,), kwargs, call=True)


def _without_expand(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k != "expand"}


class _CatChunk:
    def __init__(self, sep: str, na_rep: Any) -> None:
        self.sep, self.na_rep = sep, na_rep

    def __call__(self, part: pd.Series) -> tuple[int, str]:
        items = len(part) if self.na_rep is not None else int(part.notna().sum())
        return items, part.str.cat(sep=self.sep, na_rep=self.na_rep)


class _CatCombine:
    def __init__(self, sep: str) -> None:
        self.sep = sep

    def __call__(self, *partials: tuple[int, str]) -> tuple[int, str]:
        full = [p for p in partials if p[0] > 0]
        return sum(p[0] for p in full), self.sep.join(p[1] for p in full)


def _second(partial: tuple[int, str]) -> str:
    return partial[1]


def _cat_all(series: Any, sep: str | None, na_rep: Any) -> str:
    sep = "" if sep is None else sep
    meta = series._meta.str.cat(
        sep=sep, na_rep=na_rep
    )  # pandas' errors for bad arguments
    plan = N.Reduce(
        series._plan,
        _CatChunk(sep, na_rep),
        _CatCombine(sep),
        _second,
        meta,
        label="str.cat",
    )
    return lower.collect(plan)


class AccessorMixin:
    """The ``str`` and ``dt`` properties of dframe Series."""

    @property
    def str(self) -> StringMethods:
        return StringMethods(self)

    @property
    def dt(self) -> DatetimeMethods:
        return DatetimeMethods(self)
