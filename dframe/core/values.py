"""Element-wise value methods of DataFrame and Series: ``round``, ``replace``, ``isin``,
``between``, ``map``, ``apply`` and ``query``/``eval`` (``where``/``mask``/``clip`` are
``replacing``'s, ``fillna``/``ffill``/``bfill`` ``filling``'s).

Each is pandas' own method run on every partition (``MapPartitions``), with aligned dframe
operands (same frame, same partitioning) passed as extra partitions. Arguments pandas would
have to align or broadcast (arrays, Series of another frame) run on pandas with a
``PandasFallbackWarning``.

The operators' alignment of operands from different sources (``a + b`` of two files, the method
forms ``add(other, axis=, fill_value=)``) is also here; the re-cutting by position that makes it
native is ``algebra.align``.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np
import pandas as pd

from dframe import fallback
from dframe.algebra.elementwise import ARITHMETIC, COMPARISON, BinaryOp, MethodCall
from dframe.core import alignment as align
from dframe.core.accessors import infer_meta
from dframe.fallback.inplace import NO_DEFAULT, flag
from dframe.plan.wrap import DframeObject, from_pandas

_no_default = object()


def _is_scalar(value: Any) -> bool:
    return pd.api.types.is_scalar(value) or value is None


def _is_collection(value: Any) -> bool:
    return isinstance(value, DframeObject)


class SlotCall:
    """``part.<name>(*args, **kwargs)`` where some arguments are the other partitions.

    Each argument is ``("input", k)`` (the k-th extra partition) or ``("value", v)``.
    """

    def __init__(
        self,
        name: str,
        args: tuple[tuple[str, Any], ...],
        kwargs: dict[str, tuple[str, Any]],
    ) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs

    @property
    def row_local(self) -> bool:
        """``where``/``mask``/``clip`` compute each row from that row of the aligned inputs."""
        return self.name in ("where", "mask", "clip")

    def __call__(self, part: Any, *others: Any) -> Any:
        def get(slot: tuple[str, Any]) -> Any:
            kind, v = slot
            return others[v] if kind == "input" else v

        return getattr(part, self.name)(
            *[get(a) for a in self.args], **{k: get(v) for k, v in self.kwargs.items()}
        )

    def __repr__(self) -> str:
        inner = [repr(v) if k == "value" else "other" for k, v in self.args]
        inner += [
            f"{n}={v!r}" if k == "value" else f"{n}=other"
            for n, (k, v) in self.kwargs.items()
        ]
        return f"{self.name}({', '.join(inner)})"


class Conform:
    """``func(part)`` for user functions whose result dtype pandas infers from the values.

    An all-missing result takes the meta's dtype when it holds missing values (``object`` NaNs
    from ``map`` become the ``str`` the other partitions infer), so it does not change the dtype
    of the whole; an empty partition has pandas' answer for no rows (the result's dtypes are
    settled from the partitions with rows: ``plan.value_dtypes``).
    """

    def __init__(self, func: Any, meta: Any) -> None:
        self.func, self.meta = func, meta

    def __call__(self, part: Any) -> Any:
        out = self.func(part)
        if (
            isinstance(out, pd.Series)
            and isinstance(self.meta, pd.Series)
            and out.dtype != self.meta.dtype
            and len(out)
            and out.isna().all()
        ):
            try:
                return out.astype(self.meta.dtype)
            except (TypeError, ValueError):
                return out
        return out

    def __repr__(self) -> str:
        return repr(self.func)


class ValueMethods:
    """Mixin of DataFrame and Series (``self`` is a ``dframe.core.collection.Collection``)."""

    # -- helpers -------------------------------------------------------------------------------

    def _slot_map(
        self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], **flags: Any
    ) -> Any:
        """``part.<name>(...)`` per partition, or None if an argument is a dframe object that
        does not line up with ``self``."""
        others: list[Any] = []

        def slot(value: Any) -> tuple[str, Any] | None:
            if _is_collection(value):
                if value._plan.partitioning != self._plan.partitioning:
                    return None
                others.append(value)
                return ("input", len(others) - 1)
            return ("value", value)

        arg_slots = [slot(a) for a in args]
        kw_slots = {k: slot(v) for k, v in kwargs.items()}
        if None in arg_slots or None in kw_slots.values():
            return None
        fn = SlotCall(name, tuple(arg_slots), kw_slots)  # type: ignore[arg-type]
        meta = infer_meta(fn, self._meta, *(o._meta for o in others))
        return self._map(fn, *others, meta=meta, label=repr(fn), **flags)

    def _native_or_fallback(
        self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        out = self._slot_map(name, args, kwargs)
        if out is None:
            return fallback.call_method(self, name, args, kwargs)
        return out

    # -- operators whose operands do not line up ------------------------------------------------

    def _binary(self, name: str, other: Any, reflected: bool = False) -> Any:
        """``self <op> other``: operands that do not line up partition by partition are aligned
        natively (``algebra.align``); the rest is ``Collection._binary``."""
        out = self._aligned_binary(name, other, reflected, None)
        if out is not None:
            return out
        return super()._binary(name, other, reflected)  # type: ignore[misc]

    def _aligned_binary(
        self, name: str, other: Any, reflected: bool, flex: dict[str, Any] | None
    ) -> Any:
        """The operation when ``other`` is a dframe or pandas object pandas must align with
        ``self``, or None for the caller to handle (scalars, operands that line up, fallbacks).

        ``flex``: keyword arguments of the method form (``add(other, axis=0)``), else None."""
        axis = None if flex is None else flex.get("axis")
        by_rows = self.ndim == 1 or axis in (0, "index")
        if self.ndim == 2 and not by_rows and getattr(other, "ndim", 0) == 1:
            # A Series against the columns: a small per-column operand every partition needs.
            if isinstance(other, pd.Series) or _is_collection(other):
                values = other.to_pandas() if _is_collection(other) else other
                call: Any = (
                    BinaryOp(name, values, reflected)
                    if flex is None
                    else MethodCall(_public(name, reflected), values, **flex)
                )
                return self._map(
                    call, meta=infer_meta(call, self._meta), label=repr(call)
                )
            return None
        if isinstance(other, pd.Series | pd.DataFrame) and (
            other.ndim == self.ndim or (by_rows and other.ndim == 1)
        ):
            return align.binary(
                self, from_pandas(other, npartitions=1), name, reflected, flex
            )
        if not _is_collection(other) or other.ndim > self.ndim:
            return None
        if other.ndim < self.ndim and not by_rows:
            return None
        if self._plan.partitioning == other._plan.partitioning:
            if flex is None:
                return None  # lines up partition by partition: the plain operator
            fn = align.FlexCall(_public(name, reflected), **flex)
            return self._map(fn, other, meta=infer_meta(fn, self._meta, other._meta))
        return align.binary(self, other, name, reflected, flex)

    def _flex(
        self,
        name: str,
        reflected: bool,
        other: Any,
        axis: Any,
        level: Any,
        fill_value: Any,
    ) -> Any:
        public = _public(name, reflected)
        kwargs: dict[str, Any] = {}
        if axis is not _no_default:
            # pandas' error for a bad axis, at the call
            self._meta._get_axis_number(axis)
            kwargs["axis"] = axis
        if fill_value is not None:
            kwargs["fill_value"] = fill_value
        out = None
        if level is None:
            if _is_scalar(other):
                if fill_value is None:
                    return self._binary(name, other, reflected)
                fn = MethodCall(public, other, **kwargs)
                return self._map(fn, meta=infer_meta(fn, self._meta), columnwise=True)
            out = self._aligned_binary(name, other, reflected, kwargs)
        if out is None:
            return fallback.call_method(
                self, public, (other,), {**kwargs, "level": level}
            )
        return out

    # -- round / replace / isin / between -------------------------------------------------------

    def round(self, decimals: Any = 0, *args: Any, **kwargs: Any) -> Any:
        """Round to ``decimals`` places (an int, or per column a dict)."""
        ok = pd.api.types.is_integer(decimals) or (
            isinstance(decimals, dict) and self.ndim == 2
        )
        if not ok or args or kwargs:
            return fallback.call_method(self, "round", (decimals, *args), kwargs)
        fn = MethodCall("round", decimals)
        return self._map(
            fn, meta=infer_meta(fn, self._meta), label=repr(fn), columnwise=True
        )

    def replace(
        self,
        to_replace: Any = None,
        value: Any = _no_default,
        *,
        inplace: Any = NO_DEFAULT,
        regex: Any = False,
    ) -> Any:
        """Replace values given in ``to_replace`` with ``value`` (partition by partition)."""
        kwargs: dict[str, Any] = {"regex": regex}
        if value is not _no_default:
            kwargs["value"] = value
        if _has_collection((to_replace, value)):
            return fallback.call_method(
                self, "replace", (to_replace,), {**kwargs, "inplace": inplace}
            )
        fn = MethodCall("replace", to_replace, **kwargs)
        # (whether a value is replaced, by one of another type, depends on the values)
        meta = infer_meta(fn, self._meta)
        out = self._map(fn, meta=meta, label=repr(fn), columnwise=True, by_values=True)
        return self._inplace(out, inplace, "replace")

    def isin(self, values: Any) -> Any:
        """Whether each value is in ``values`` (list-like, dict per column, a dframe Series, or
        for a DataFrame an aligned dframe DataFrame)."""
        if _is_collection(values):
            if values.ndim == 1:
                # The values are needed by every partition: compute their distinct values once,
                # and keep them an array (a list of a million numbers pickles item by item).
                values = pd.unique(values.to_pandas())
            elif self.ndim == 2:
                out = self._slot_map("isin", (values,), {})
                if out is not None:
                    return out
                return fallback.call_method(self, "isin", (values,), {})
        if isinstance(values, dict):
            if self.ndim == 1:
                return fallback.call_method(self, "isin", (values,), {})
            fn = MethodCall("isin", values)
        elif isinstance(values, str) or _is_scalar(values):
            self._meta.isin(values)  # pandas' TypeError for a scalar
            return fallback.call_method(self, "isin", (values,), {})
        else:
            values = (
                values
                if isinstance(values, pd.Series | pd.Index | np.ndarray)
                else list(values)
            )
            fn = MethodCall("isin", values)
        return self._map(fn, meta=fn(self._meta), label="isin", columnwise=True)

    def between(self, left: Any, right: Any, inclusive: str = "both") -> Any:
        """``left <= x <= right`` (Series; bounds scalars or aligned Series)."""
        return self._native_or_fallback(
            "between", (left, right), {"inclusive": inclusive}
        )

    # -- functions ---------------------------------------------------------------------------------

    def map(self, arg: Any, na_action: Any = None, **kwargs: Any) -> Any:
        """Map values through a function, dict or pandas Series, row by row."""
        if _is_collection(arg):
            if self.ndim == 1 and arg.ndim == 1:
                arg = arg.to_pandas()  # a lookup table: every partition needs all of it
            else:
                return fallback.call_method(
                    self, "map", (arg,), {"na_action": na_action, **kwargs}
                )
        fn = MethodCall("map", arg, na_action=na_action, **kwargs)
        meta = infer_meta(fn, self._meta)
        return self._map(Conform(fn, meta), meta=meta, label=f"map({arg!r})", by_values=True)

    def apply(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Series: ``func`` on each value. DataFrame: ``axis=1`` calls ``func`` on each row,
        partition by partition; column-wise ``apply`` runs on pandas."""
        rowwise = self.ndim == 1 or kwargs.get("axis", 0) in (1, "columns")
        elementwise = (
            rowwise
            and callable(func)
            and not isinstance(func, str)
            and kwargs.get("by_row", "compat") == "compat"
            and not _has_collection((args, kwargs))
        )
        if not elementwise:
            return fallback.call_method(self, "apply", (func, *args), kwargs)
        fn = MethodCall("apply", func, *args, **kwargs)
        meta = infer_meta(fn, self._meta)
        if not isinstance(meta, pd.DataFrame | pd.Series):
            return fallback.call_method(self, "apply", (func, *args), kwargs)
        return self._map(
            Conform(fn, meta), meta=meta, label=f"apply({func!r})", by_values=True
        )

    # -- query / eval -------------------------------------------------------------------------------

    def query(self, expr: str, *, inplace: Any = NO_DEFAULT, **kwargs: Any) -> Any:
        """Rows where the boolean expression holds; ``@name`` refers to the caller's variables."""
        scoped = _with_caller_scope(expr, kwargs, sys._getframe(1))
        if scoped is None or not isinstance(expr, str):
            return fallback.call_method(self, "query", (expr,), {**kwargs, "inplace": inplace})
        fn = MethodCall("query", expr, **scoped)
        fn(self._meta)  # pandas' errors (unknown names, syntax) at the user's line
        out = self._map(
            fn, meta=self._meta, label=f"query({expr!r})", preserves_rows=False
        )
        return self._inplace(out, inplace, "query")

    def eval(self, expr: str, *, inplace: Any = NO_DEFAULT, **kwargs: Any) -> Any:
        """Evaluate an expression over the columns; assignments add columns (in place with
        ``inplace=True``)."""
        scoped = _with_caller_scope(expr, kwargs, sys._getframe(1))
        if scoped is None or not isinstance(expr, str):
            return fallback.call_method(self, "eval", (expr,), {**kwargs, "inplace": inplace})
        fn = MethodCall("eval", expr, **scoped)
        meta = infer_meta(fn, self._meta)
        # In place needs an assignment (a frame back); pandas' error otherwise.
        assigns = isinstance(meta, pd.DataFrame) or not flag(inplace)
        if not isinstance(meta, pd.DataFrame | pd.Series) or not assigns:
            return fallback.call_method(self, "eval", (expr,), {**kwargs, "inplace": inplace})
        return self._inplace(self._map(fn, meta=meta, label=f"eval({expr!r})"), inplace, "eval")


def _public(name: str, reflected: bool) -> str:
    """The method name of an operator: ``add``, ``rsub``, ``eq``."""
    return f"{'r' if reflected else ''}{name.rstrip('_')}"


def _flex_method(name: str, reflected: bool) -> Any:
    def op(self: Any, other: Any, *args: Any, **kwargs: Any) -> Any:
        # pandas' positional order differs: DataFrame (other, axis, level, fill_value),
        # Series (other, level, fill_value, axis).
        order = ("level", "fill_value", "axis") if self.ndim == 1 else ("axis", "level", "fill_value")
        if len(args) > len(order):
            msg = f"{op.__name__}() takes at most {len(order) + 1} positional arguments"
            raise TypeError(msg)
        for key, value in zip(order, args, strict=False):
            if key in kwargs:
                msg = f"{op.__name__}() got multiple values for argument '{key}'"
                raise TypeError(msg)
            kwargs[key] = value
        unknown = set(kwargs) - set(order)
        if unknown:
            msg = f"{op.__name__}() got an unexpected keyword argument '{unknown.pop()}'"
            raise TypeError(msg)
        # Native except ``level=`` and operands pandas broadcasts (arrays): a fallback.
        return self._flex(
            name, reflected, other, kwargs.get("axis", _no_default), kwargs.get("level"),
            kwargs.get("fill_value"),
        )

    op.__name__ = _public(name, reflected)
    op.__doc__ = (
        f"``{op.__name__}`` with pandas' alignment of ``other``; ``fill_value`` replaces a value "
        "missing on one side (see pandas)."
    )
    return op


for _name in ARITHMETIC:
    setattr(ValueMethods, _name, _flex_method(_name, False))
    setattr(ValueMethods, f"r{_name}", _flex_method(_name, True))
for _name in COMPARISON:
    setattr(ValueMethods, _name, _flex_method(_name, False))
ValueMethods.div = ValueMethods.truediv  # type: ignore[attr-defined]
ValueMethods.rdiv = ValueMethods.rtruediv  # type: ignore[attr-defined]


def _has_collection(value: Any) -> bool:
    """Whether ``value`` (or a list, tuple or dict inside it) holds a dframe object."""
    if _is_collection(value):
        return True
    if isinstance(value, list | tuple):
        return any(_has_collection(v) for v in value)
    if isinstance(value, dict):
        return any(_has_collection(v) for v in value.values())
    return False


_AT_NAME = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


def _with_caller_scope(
    expr: Any, kwargs: dict[str, Any], frame: Any
) -> dict[str, Any] | None:
    """``kwargs`` for ``query``/``eval`` in a task: the ``@names`` the expression uses, taken from
    the caller's frame (the task runs elsewhere and cannot look them up). None if a name is a
    dframe object or the caller passed scopes of their own."""
    if not isinstance(expr, str):
        return None
    if any(
        k in kwargs
        for k in ("local_dict", "global_dict", "resolvers", "level", "target")
    ):
        return None
    scope: dict[str, Any] = {}
    for name in set(_AT_NAME.findall(expr)):
        if name in frame.f_locals:
            scope[name] = frame.f_locals[name]
        elif name in frame.f_globals:
            scope[name] = frame.f_globals[name]
        else:
            continue  # pandas raises its UndefinedVariableError when the meta is checked
        if _has_collection(scope[name]):
            return None
    return {**kwargs, "local_dict": scope, "global_dict": {}}

