"""Picklable partition functions for element-wise operations.

They are classes rather than closures for two reasons: they pickle small (a name and a scalar,
never plan state), and the optimizer can read them — a ``BinaryOp("gt", scalar=3)`` over a column
is a predicate it can hand to a Parquet reader.
"""

from __future__ import annotations

import operator
from typing import Any

ARITHMETIC = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow")
COMPARISON = ("eq", "ne", "lt", "le", "gt", "ge")
LOGICAL = ("and_", "or_", "xor")
SYMBOLS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "and_": "&",
    "or_": "|",
    "xor": "^",
}

_NO_SCALAR = object()


class BinaryOp:
    """``left <op> right``; the right operand is either a second partition or a fixed scalar.

    ``reflected`` swaps the operands (``2 - s`` is ``BinaryOp("sub", scalar=2, reflected=True)``).
    """

    row_local = True  # row i of the result is computed from row i of the operands

    def __init__(self, name: str, scalar: Any = _NO_SCALAR, reflected: bool = False) -> None:
        self.name, self.scalar, self.reflected = name, scalar, reflected
        # A flag, not a sentinel test at call time: an unpickled sentinel is a different object.
        self.has_scalar = scalar is not _NO_SCALAR

    def __call__(self, left: Any, right: Any = None) -> Any:
        other = self.scalar if self.has_scalar else right
        a, b = (other, left) if self.reflected else (left, other)
        return getattr(operator, self.name)(a, b)

    def __repr__(self) -> str:
        sym = SYMBOLS.get(self.name, self.name)
        rhs = repr(self.scalar) if self.has_scalar else "other"
        return f"{rhs} {sym} x" if self.reflected else f"x {sym} {rhs}"


class UnaryOp:
    """``-x``, ``+x``, ``abs(x)`` or ``~x``."""

    row_local = True

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, part: Any) -> Any:
        return getattr(operator, self.name)(part)

    def __repr__(self) -> str:
        return f"{self.name}(x)"


class MethodCall:
    """``part.<name>(*args, **kwargs)``, for pandas methods that work partition by partition."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs

    def __call__(self, part: Any) -> Any:
        return getattr(part, self.name)(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        inner = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(inner)})"


class SetColumns:
    """Replace a partition's column labels (``df.columns = [...]``)."""

    def __init__(self, columns: Any) -> None:
        self.columns = columns

    def __call__(self, part: Any) -> Any:
        out = part.copy(deep=False)
        out.columns = self.columns
        return out

    def __repr__(self) -> str:
        return f"set_columns({list(self.columns)})"
