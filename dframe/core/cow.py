"""Copy-on-Write as pandas 3 shows it to the user: chained assignment.

Every dframe object already behaves as a copy (it holds an immutable plan; an in-place change
swaps only its own plan), so ``df["a"][0] = 1`` changes a temporary and never ``df`` — exactly
pandas 3. pandas also warns there (``ChainedAssignmentError``), telling a temporary apart from
a named object by its reference count; dframe does the same, with pandas' thresholds, and skips
the work: the object being changed is about to be dropped.
"""

from __future__ import annotations

import dis
import sys
import warnings
from typing import Any

from pandas.errors import ChainedAssignmentError

try:
    from pandas.errors.cow import _chained_assignment_msg as _MESSAGE
except ImportError:  # pandas keeps its text elsewhere
    _MESSAGE = "A value is being set on a copy of a DataFrame or Series through chained assignment."

# References a temporary has inside ``__setitem__`` (the interpreter's, ``self``,
# getrefcount's argument); Python 3.14 stopped counting the interpreter's. An indexer's owner
# (``df["a"].loc``) has two: the indexer's and getrefcount's. (pandas.compat._constants)
SETITEM_REFS = 2 if sys.version_info >= (3, 14) else 3
INDEXER_REFS = 2


def chained(obj: Any, refcount: int, threshold: int, *, syntax: bool = False) -> bool:
    """Whether ``obj`` (with ``refcount`` taken in its ``__setitem__``) is a temporary being
    assigned into; warns as pandas does. Call it from ``__setitem__`` itself. ``syntax``: as
    pandas' item assignment, only for ``obj[key] = value`` written as such (a call of
    ``__setitem__`` from compiled code holds one reference less); indexers check only the
    count."""
    if refcount > threshold or _local_in_caller(obj):
        return False
    if syntax and not _assigning_in_caller():
        return False
    # stacklevel: this function, the __setitem__, the user's line.
    warnings.warn(_MESSAGE, ChainedAssignmentError, stacklevel=3)
    return True


def _local_in_caller(obj: Any) -> bool:
    """``obj`` is a variable of the frame that assigns (Python 3.14 may not count it)."""
    frame = sys._getframe(3)  # this function, chained(), __setitem__, the caller
    return any(v is obj for v in frame.f_locals.values())


_STORE = frozenset(dis.opmap[n] for n in ("STORE_SUBSCR", "STORE_SLICE") if n in dis.opmap)


def _assigning_in_caller() -> bool:
    """The caller of ``__setitem__`` is executing ``x[key] = value``."""
    frame = sys._getframe(3)
    return frame.f_code.co_code[frame.f_lasti] in _STORE
