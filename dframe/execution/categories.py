"""Categorical columns with many categories travel once: one categories object per column in
the object store, shared by every partition (issue 12, gate 4).

pandas pickles a categorical column as its codes plus its dtype, and the dtype holds every
category: a frame of 8 partitions with 10⁶ categories would store (and every task would
unpickle) the categories 8 times, more than the codes themselves. With the runtime executor the
dtype pickles instead as a reference to the categories, put in the store the first time a
process pickles them; a process that unpickles the reference fetches the categories once
(zero-copy) and builds one dtype, which it reuses — so partitions it produces pickle as the
same reference again, and pandas sees identical dtypes when it concatenates them.

Small category sets (``MIN_SHARED``) are pickled inline: a lookup would cost more than it saves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import pandas as pd

MIN_SHARED = 10_000  # categories below this many travel with each partition
_CACHED = 64  # category sets remembered per process (their refs keep them in the store)

_lock = threading.Lock()
# categories object -> its ref (by id, with the object kept, so the id cannot be reused)
_refs: OrderedDict[int, tuple[pd.Index, Any]] = OrderedDict()
# (ref id, ordered) -> the dtype built from it
_dtypes: OrderedDict[tuple[bytes, bool], pd.CategoricalDtype] = OrderedDict()
_installed: set[int] = set()


def _remember(cache: OrderedDict, key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHED:
        cache.popitem(last=False)


def _ref_of(categories: pd.Index) -> Any:
    import runtime

    with _lock:
        hit = _refs.get(id(categories))
        if hit is not None and hit[0] is categories:
            _refs.move_to_end(id(categories))
            return hit[1]
    ref = runtime.put(categories)
    with _lock:
        _remember(_refs, id(categories), (categories, ref))
    return ref


def _serialize(dtype: pd.CategoricalDtype) -> tuple:
    categories = dtype.categories
    if categories is None or len(categories) < MIN_SHARED:
        return ("inline", categories, dtype.ordered)
    return ("shared", _ref_of(categories), dtype.ordered)


def _dtype(categories: pd.Index | None, ordered: bool) -> pd.CategoricalDtype:
    """The dtype of categories that were a dtype's: pandas' own unpickling skips validating
    them too (checking they are unique hashes them all: a tenth of a worker's time)."""
    return pd.CategoricalDtype._from_fastpath(categories, ordered)


def _deserialize(state: tuple) -> pd.CategoricalDtype:
    kind, categories, ordered = state
    if kind == "inline":
        return _dtype(categories, ordered)
    import runtime

    key = (categories.binary(), bool(ordered))
    with _lock:
        dtype = _dtypes.get(key)
    if dtype is None:
        values = runtime.get(categories)
        dtype = _dtype(values, ordered)
        with _lock:
            _remember(_dtypes, key, dtype)
            # Pickling this dtype again (a task's result) reuses the same ref.
            _remember(_refs, id(dtype.categories), (dtype.categories, categories))
    return dtype


def install(backend: Any) -> None:
    """Share categories through ``backend``'s store, when it is this project's runtime (the
    registration is per process: the driver's executor and every worker's first task call it)."""
    if getattr(backend, "__name__", None) != "runtime" or id(backend) in _installed:
        return
    import runtime.util

    runtime.util.register_serializer(
        pd.CategoricalDtype, serializer=_serialize, deserializer=_deserialize
    )
    _installed.add(id(backend))
