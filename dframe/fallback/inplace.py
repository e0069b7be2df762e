"""pandas' in-place forms as dframe runs them on pandas: which pandas methods change the object
they are called on, what ``inplace=`` the user passed, and pandas 3.1's deprecation of it.

A dframe object holds an immutable plan; changing it in place means swapping its plan. So a
fallback never lets pandas change an object in place except the collected copy that belongs to
this call: an ``inplace=True`` method is called without ``inplace`` and its result becomes the
object's data; a method that always changes its object (``update``, ``insert``, ``pop``,
``__setitem__``, ``__delitem__``) runs on that private copy, which then becomes the data.

pandas 3.1 deprecates ``inplace`` for some methods (PDEP-8) and warns whenever it is passed,
even ``inplace=False``. Which methods is read from pandas itself (their code asks
``_check_inplace_deprecation``), so dframe warns exactly where the installed pandas does.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np
import pandas as pd

# The default of every ``inplace`` parameter in dframe: "not passed", as pandas tells it apart.
NO_DEFAULT: Any = pd.api.extensions.no_default

# pandas methods that change the object they are called on (they take no ``inplace``).
MUTATORS = frozenset({"update", "insert", "pop", "__setitem__", "__delitem__"})


def flag(inplace: Any) -> bool:
    """Whether ``inplace`` asks for an in-place change: pandas' ``validate_bool_kwarg`` (a bool,
    None, or not passed; anything else is pandas' ValueError)."""
    if inplace is NO_DEFAULT or inplace is None:
        return False
    if isinstance(inplace, bool | np.bool_):
        return bool(inplace)
    msg = f'For argument "inplace" expected type bool, received type {type(inplace).__name__}.'
    raise ValueError(msg)


@functools.cache
def deprecates_inplace(pandas_type: type, method: str) -> bool:
    """Whether pandas warns (Pandas4Warning) when ``inplace`` is passed to ``method``."""
    function = inspect.getattr_static(pandas_type, method, None)
    if not inspect.isfunction(function):
        return False
    code = inspect.unwrap(function).__code__
    return "_check_inplace_deprecation" in code.co_names


def returns_self(pandas_type: type, method: str) -> bool:
    """What ``method(..., inplace=True)`` returns in pandas 3.1 (PDEP-8): the object itself
    where ``inplace`` stays (``fillna``, ``where``, ``clip`` ...), None where it is deprecated
    (``Series.rename`` to a scalar name, which returns the Series, is the caller's)."""
    return not deprecates_inplace(pandas_type, method)


def pandas_type(meta: Any) -> type:
    return pd.DataFrame if isinstance(meta, pd.DataFrame) else pd.Series


def deprecation_message(type_name: str, method: str) -> str:
    """pandas' own text (``NDFrame._check_inplace_deprecation``)."""
    return (
        f"The inplace keyword in {type_name}.{method} is deprecated and will be removed in a "
        "future version (PDEP-8).\nSee "
        "https://pandas.pydata.org/docs/dev/whatsnew/v3.1.0.html#deprecation-inplace"
        " for more details."
    )
