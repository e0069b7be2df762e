"""The operation registry and what its operations share: dtype kinds, literals, column
pickers, argument helpers, and the state of the chain being drawn.

An operation is drawn as code over ``d`` (the current object), ``lib`` (``pandas`` or
``dframe``), ``other`` (the second frame), ``pd`` and ``np``: the same line runs on both
libraries. ``op`` registers a whole-object operation; ``series_op`` registers an operation on a
Series, and for an element-wise one also its use as a frame's column (``col.<name>``).

Combinations where dframe differs from pandas today are left out where they are drawn, each
with a ``# KNOWN:`` comment; ``test_differential_regressions.py`` has their minimal repros.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.frames import Draw


def lit(value: Any) -> str:
    """Python code that evaluates to ``value`` (a scalar of the data)."""
    if value is None or value is pd.NA:
        return "None" if value is None else "pd.NA"
    # (before the numbers: np.timedelta64 is an np.integer)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        value = pd.Timedelta(value)
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, int | np.integer):
        return repr(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, pd.Timestamp):
        if value.tz is None:
            return f"pd.Timestamp({str(value)!r})"
        return f"pd.Timestamp({str(value.tz_localize(None))!r}, tz={str(value.tz)!r})"
    if isinstance(value, pd.Timedelta):
        return f"pd.Timedelta({str(value)!r})"
    return repr(value)


def kind_of(s: Any) -> str:
    """The family of a column's dtype (``s`` is a Series or a dtype), as the registry sees it."""
    dtype = getattr(s, "dtype", s)
    if isinstance(dtype, pd.CategoricalDtype):
        return "cat"
    if isinstance(dtype, pd.StringDtype):
        return "str"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "dtz"
    if isinstance(dtype, pd.BooleanDtype):
        return "boolean"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "dt"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "td"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "Int" if isinstance(dtype, pd.api.extensions.ExtensionDtype) else "int"
    if pd.api.types.is_float_dtype(dtype):
        return "Float" if isinstance(dtype, pd.api.extensions.ExtensionDtype) else "float"
    if dtype == object:
        return "obj"
    return "other"


NUM = frozenset({"int", "Int", "float", "Float"})
NUMB = NUM | {"bool", "boolean"}
NULLABLE = frozenset({"Int", "Float", "boolean"})
TIME = frozenset({"dt", "dtz"})
ORDERED = NUMB | TIME | {"td", "str"}
# object columns (mixed Python values) are not ordered: sorting them raises TypeError
ALL = ORDERED | {"cat", "obj"}
KEYS = frozenset({"int", "Int", "str", "cat", "bool", "boolean", "dt", "dtz", "float"})

ARITH = ["+", "-", "*", "/", "//", "%", "**"]
COMPARE = ["==", "!=", "<", "<=", ">", ">="]
# fmt: off
REDUCTIONS = [
    "sum", "mean", "min", "max", "count", "std", "var", "median", "nunique", "prod", "any", "all",
    "sem",
]
# fmt: on

DEFAULT_VALUES = {
    "int": ["0", "1", "2", "-1"],
    "Int": ["0", "1", "-1"],
    "float": ["0.0", "1.5", "-1.0"],
    "Float": ["0.0", "1.5"],
    "bool": ["True", "False"],
    "boolean": ["True", "False"],
    "str": ["'a'", "'b'", "''", "'zz'"],
    "cat": ["'x'", "'y'"],
    "dt": ["pd.Timestamp('2024-01-02')", "pd.Timestamp('2024-01-20 12:00:00')"],
    "td": ["pd.Timedelta('1h')", "pd.Timedelta('-30min')"],
    "obj": ["'a'", "1", "2.5"],
}
# One value of another kind in each pool: type errors must be pandas' errors.
FOREIGN = {"str": "1", "cat": "'w'", "dt": "1", "dtz": "pd.Timestamp('2024-01-02')", "td": "1"}


def value(draw: Draw, s: pd.Series, foreign: bool = True) -> str:
    """Code of a scalar for comparisons and fills on column ``s``: a value it holds, or a typical
    one of its kind (rarely one of another kind)."""
    kind = kind_of(s)
    present = [lit(v) for v in pd.unique(s.dropna())[:6]] if len(s) else []
    if kind == "dtz":
        defaults = [f"pd.Timestamp('2024-01-02', tz={str(s.dt.tz)!r})"]
    else:
        defaults = DEFAULT_VALUES.get(kind, ["0"])
    pool = present + defaults
    if foreign:
        pool.append(FOREIGN.get(kind, "'a'"))
    return draw(st.sampled_from(pool))


def columns(d: Any, kinds: frozenset[str] = ALL) -> list[str]:
    """Labels of ``d``'s columns that ops may name: strings, unique, of the given kinds."""
    return [c for c, kind in column_kinds(d).items() if kind in kinds]


_LAST: list[Any] = [None, {}]  # the last frame asked about and its columns' kinds


def column_kinds(d: Any) -> dict[str, str]:
    if _LAST[0] is d:
        return _LAST[1]
    kinds: dict[str, str] = {}
    if isinstance(d, pd.DataFrame) and not isinstance(d.columns, pd.MultiIndex):
        counts = Counter(d.columns)
        kinds = {
            c: kind_of(dtype)
            for c, dtype in zip(d.columns, d.dtypes, strict=True)
            if isinstance(c, str) and counts[c] == 1
        }
    _LAST[:] = [d, kinds]
    return kinds


def has_object(d: Any) -> bool:
    dtypes = d.dtypes if isinstance(d, pd.DataFrame) else [getattr(d, "dtype", None)]
    return any(dtype == object for dtype in dtypes)


def is_frame(d: Any) -> bool:
    return isinstance(d, pd.DataFrame)


def is_series(d: Any) -> bool:
    return isinstance(d, pd.Series)


def has(kinds: frozenset[str], count: int = 1) -> Callable[[Any], bool]:
    return lambda d: len(columns(d, kinds)) >= count


def plain(d: Any) -> bool:
    """A frame with a column ops may name."""
    return bool(columns(d))


def pick(draw: Draw, d: Any, kinds: frozenset[str] = ALL) -> str:
    return draw(st.sampled_from(columns(d, kinds)))


def some(draw: Draw, d: Any, kinds: frozenset[str] = ALL, lo: int = 1, hi: int = 3) -> list[str]:
    cols = columns(d, kinds)
    return draw(
        st.lists(st.sampled_from(cols), min_size=lo, max_size=min(hi, len(cols)), unique=True)
    )


def opt(draw: Draw, *choices: Any) -> Any:
    """An optional argument: None (omitted, what shrinking goes to) or one of ``choices``."""
    return draw(st.sampled_from([None, *choices]))


def call(name: str, *args: Any, **kwargs: Any) -> str:
    """``name(args, kwargs)`` as code; arguments are code strings unless wrapped by ``repr``;
    arguments that are None are omitted."""
    parts = [str(a) for a in args if a is not None]
    parts += [f"{k}={v}" for k, v in kwargs.items() if v is not None]
    return f"{name}({', '.join(parts)})"


def r(value: Any) -> str | None:
    """repr for an argument of ``call``, keeping None (omitted) as None."""
    return None if value is None else repr(value)


def small(d: Any, rows: int = 600) -> bool:
    return len(d) <= rows


@dataclass(frozen=True)
class Op:
    name: str
    applies: Callable[[Any], bool]  # on the current pandas object
    draw: Callable[[Draw, Any], str]  # the step's code, arguments drawn from the pandas object
    weight: int = 3  # how often it is drawn, relative to the other applicable ops


OPS: dict[str, Op] = {}


def op(
    name: str, applies: Callable[[Any], bool], weight: int = 3
) -> Callable[[Callable[..., str]], Any]:
    def register(fn: Callable[[Draw, Any], str]) -> Callable[[Draw, Any], str]:
        assert name not in OPS, name
        OPS[name] = Op(name, applies, fn, weight)
        return fn

    return register


def series_op(
    name: str,
    kinds: frozenset[str],
    elementwise: bool = True,
    when: Callable[[pd.Series], bool] | None = None,
) -> Callable[[Callable[..., Callable[[str], str]]], Any]:
    """An operation on a Series of ``kinds`` (for which ``when`` holds), given as
    ``make(draw, s) -> (x -> code)``.

    It registers ``series.<name>`` for a Series; an element-wise one (same index as its input)
    also registers ``col.<name>``, which puts the result in a column of a frame with ``assign``
    or ``d[c] = ...``."""

    def fits(s: pd.Series) -> bool:
        return kind_of(s) in kinds and (when is None or when(s))

    def register(make: Callable[[Draw, pd.Series], Callable[[str], str]]) -> Any:
        def on_series(draw: Draw, d: pd.Series) -> str:
            return make(draw, d)("d")

        op(f"series.{name}", lambda d: is_series(d) and fits(d))(on_series)
        if elementwise:

            def fitting(d: pd.DataFrame) -> list[str]:
                return [c for c in columns(d, kinds) if when is None or when(d[c])]

            def on_column(draw: Draw, d: pd.DataFrame) -> str:
                col = draw(st.sampled_from(fitting(d)))
                expr = make(draw, d[col])(f"d[{col!r}]")
                target = draw(st.sampled_from([col, "r"]))
                # (assign takes names as keywords: a label like "t_2024-01-01 00:00:00" that
                # get_dummies made is set with d[...] = instead)
                if str(target).isidentifier() and draw(st.booleans()):
                    return f"d.assign({target}={expr})"
                return f"d = d.copy()\nd[{target!r}] = {expr}"

            # Many column variants: each is drawn less often than a frame operation.
            op(f"col.{name}", lambda d: bool(fitting(d)), weight=1)(on_column)
        return make

    return register


def stable_kind(draw: Draw, sort: Callable[[str | None], Any]) -> str | None:
    """``kind`` for a sort: drawn, but "stable" where pandas' default (quicksort) order of ties
    is not the stable one, which no other engine can be asked to reproduce."""
    kind = opt(draw, "stable", "mergesort")
    if kind is not None:
        return kind
    try:
        default, stable = sort(None), sort("stable")
    except Exception:  # noqa: BLE001  # the op raises: compared as an error
        return None
    same = default.index.equals(stable.index) and default.equals(stable)
    return None if same else "stable"


# The second frame of the case being drawn (merge/join/concat look at its columns), and the
# steps drawn so far.
OTHER: list[pd.DataFrame] = []
HISTORY: list[Any] = []  # chains.Step


def metadata_ok(d: Any) -> bool:
    """Whether ``d.dtypes`` may be drawn (always, now that object columns keep their dtype)."""
    return True


@functools.lru_cache(maxsize=4096)
def compiled_step(code: str) -> tuple[Any, bool]:
    try:
        return compile(code, "<step>", "eval"), True
    except SyntaxError:
        return compile(code, "<step>", "exec"), False


def run_step(code: str, d: Any, lib: Any, other: Any) -> Any:
    namespace = {
        "d": d,
        "lib": lib,
        "other": other,
        "pd": pd,
        "np": np,
        "nan": math.nan,
        "inf": math.inf,
    }
    compiled, is_expression = compiled_step(code)
    if is_expression:
        return eval(compiled, namespace)  # our own generated code
    exec(compiled, namespace)  # noqa: S102
    return namespace["d"]
