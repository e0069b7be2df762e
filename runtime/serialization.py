"""The one owner of turning values into bytes and back.

cloudpickle with pickle protocol 5: large buffers (numpy arrays, pandas/Arrow columns) are handed
to a buffer callback instead of being copied into the pickle stream, so the object store can lay
them out in shared memory and readers get zero-copy views.  ``ObjectRef``s met while pickling are
recorded so the scheduler knows which objects a value keeps alive.
"""

from __future__ import annotations

import copyreg
import functools
import io
import pickle
import sys
import threading
import types
from collections import ChainMap
from dataclasses import dataclass, field

import cloudpickle

_context = threading.local()


def _code_reduce_keeping_filename(code: types.CodeType):
    """cloudpickle blanks ``co_filename`` of code pickled by value; remote tracebacks need it."""
    func, args = _cloudpickle_code_reduce(code)
    return func, tuple(code.co_filename if a == "<dynamic-code>" else a for a in args)


_cloudpickle_code_reduce = getattr(cloudpickle.cloudpickle, "_code_reduce", None)


class _Pickler(cloudpickle.Pickler):
    if _cloudpickle_code_reduce is not None:
        dispatch_table = ChainMap({types.CodeType: _code_reduce_keeping_filename},
                                  cloudpickle.Pickler.dispatch_table)

    def reducer_override(self, obj):
        custom = _custom.get(type(obj))
        if custom is not None:
            return _custom_reduce(*custom, obj)
        if type(obj) in _pandas_types():
            return _reduce_pandas(obj)
        if _is_time_ndarray(obj):
            return _reduce_ndarray(obj)
        arrow_array = _arrow_array_type()
        if arrow_array is not None and isinstance(obj, arrow_array) and _compact(obj):
            return _reduce_arrow(obj)
        return super().reducer_override(obj)


def _custom_reduce(serializer, deserializer, obj):
    return _rebuild_custom, (deserializer, serializer(obj))


def _reduce_pandas(obj):
    return _rebuild_pandas, obj.__reduce_ex__(5)[:3]


def _reduce_arrow(obj):
    """pandas' own pickling combines the Arrow chunks into one new array: a copy of the whole
    column. Arrow's arrays pickle their buffers out of band, copy-free (if ``_compact``)."""
    if _compact(obj):
        return _rebuild_arrow_array, (type(obj), {**obj.__dict__, "_cache": {}})
    return obj.__reduce_ex__(5)


# Serializers registered with ``register_serializer``: type -> (serializer, deserializer).
_custom: dict[type, tuple] = {}
_custom_version = 0  # counts (de)registrations, so the C pickler's table follows them


def register_serializer(cls: type, *, serializer, deserializer) -> None:
    """Ray's ``ray.util.register_serializer``: pickle instances of exactly ``cls`` as
    ``serializer(obj)`` and rebuild them with ``deserializer(that)``, in this process (a worker
    that unpickles them must be able to import ``deserializer``)."""
    if not callable(serializer) or not callable(deserializer):
        msg = f"serializer and deserializer for {cls.__name__} must be callables"
        raise TypeError(msg)
    global _custom_version
    _custom[cls] = (serializer, deserializer)
    _custom_version += 1


def deregister_serializer(cls: type) -> None:
    """Ray's ``ray.util.deregister_serializer``: back to pickling ``cls`` by default."""
    global _custom_version
    _custom.pop(cls, None)
    _custom_version += 1


def _rebuild_custom(deserializer, state):
    return deserializer(state)


def _pandas_types() -> tuple:
    pd = sys.modules.get("pandas")  # never import pandas just to serialize
    return (pd.DataFrame, pd.Series) if pd is not None and hasattr(pd, "DataFrame") else ()


def _arrow_array_type():
    module = sys.modules.get("pandas.core.arrays.arrow.array")
    return getattr(module, "ArrowExtensionArray", None)


def _compact(array) -> bool:
    """Arrow pickles a chunk's whole buffers, also when the chunk is a slice of bigger ones: a
    shuffle's pieces (slices of one gathered frame) would each carry the whole partition. Those
    take pandas' path, which copies just the rows they hold."""
    return all(c.get_total_buffer_size() <= 2 * c.nbytes + 4096 for c in array._pa_array.chunks)


def _is_time_ndarray(obj) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and type(obj) is np.ndarray and obj.dtype.kind in "mM"


def _reduce_ndarray(array):
    """NumPy pickles datetime64/timedelta64 arrays in band (a copy into the pickle stream, and
    no zero-copy read); as a view of int64 their buffer goes out of band like any other."""
    if array.dtype.kind in "mM" and array.dtype.itemsize == 8:
        return _rebuild_time_array, (array.view("i8"), array.dtype)
    return array.__reduce_ex__(5)


def _rebuild_time_array(ints, dtype):
    return ints.view(dtype)


def _rebuild_arrow_array(cls, state):
    array = cls.__new__(cls)
    array.__dict__.update(state)
    return array


def _rebuild_pandas(func, args, state):
    """Unpickle a frame or series whose buffers may be read-only shared memory.

    pandas writes in place when it believes nothing else shares a block; our blocks are
    read-only views, so hand out a shallow copy whose base stays alive: pandas' copy-on-write
    then sees a second reference and copies before the first write (``df.loc[0, "a"] = 1``).
    """
    base = func(*args)
    if state is not None:
        base.__setstate__(state)
    shallow = base.copy(deep=False)
    object.__setattr__(shallow, "_runtime_shared_base", base)
    return shallow


class _PlainPickler(pickle.Pickler):
    """The C pickler, for frames and series of library types only (most task results):
    cloudpickle calls Python for every object a frame holds (~50 for five columns), four times
    the cost of pandas' own pickling of a small frame. The same reductions as ``_Pickler``'s,
    found by exact type in C (``dispatch_table``)."""

    dispatch_table: dict = {}
    version = -1  # the ``_custom_version`` the table was built for


def _plain_pickler() -> type[_PlainPickler]:
    if _PlainPickler.version != _custom_version:
        table = _library_reductions()
        for cls, (serializer, deserializer) in _custom.items():
            table[cls] = functools.partial(_custom_reduce, serializer, deserializer)
        _PlainPickler.dispatch_table, _PlainPickler.version = table, _custom_version
    return _PlainPickler


def _library_reductions() -> dict:
    from pandas.core.arrays.arrow.array import ArrowExtensionArray

    table = dict(copyreg.dispatch_table)
    table.update(dict.fromkeys(_pandas_types(), _reduce_pandas))
    table[sys.modules["numpy"].ndarray] = _reduce_ndarray
    todo = [ArrowExtensionArray]
    while todo:  # exact types only: every subclass (the str arrays) too
        cls = todo.pop()
        table[cls] = _reduce_arrow
        todo.extend(cls.__subclasses__())
    return table


_PLAIN_SCALARS = (str, int, float, bool, type(None), bytes)


def _only_library_types(value: object) -> bool:
    """Whether ``value`` is a frame or series holding nothing a user's code defined, so the C
    pickler stores it as cloudpickle would. Not: NumPy object columns and labels other than
    plain scalars (they may hold instances of a class from ``__main__``, which only cloudpickle
    pickles by value), ``attrs``."""
    if type(value) not in _pandas_types():
        return False
    if value.attrs or not _plain_labels(value.index):
        return False
    if hasattr(value, "columns"):  # (a dtype per block: ``.dtypes`` builds a Series, 100 µs)
        dtypes = [block.dtype for block in value._mgr.blocks]
        return _plain_labels(value.columns) and all(map(_plain_dtype, dtypes))
    return _plain_dtype(value.dtype) and isinstance(value.name, _PLAIN_SCALARS)


def _plain_dtype(dtype) -> bool:
    categories = getattr(dtype, "categories", None)
    if categories is not None:
        return _plain_labels(categories)
    return not getattr(dtype, "hasobject", False)  # NumPy dtypes holding Python objects


def _plain_labels(index) -> bool:
    return all(isinstance(name, _PLAIN_SCALARS) for name in index.names) and all(
        _plain_dtype(level.dtype)
        or (len(level) <= 1000 and all(isinstance(v, _PLAIN_SCALARS) for v in level))
        for level in getattr(index, "levels", [index])
    )


@dataclass(slots=True)
class Serialized:
    inband: bytes
    buffers: list[pickle.PickleBuffer]
    contained: list[bytes] = field(default_factory=list)  # ids of ObjectRefs inside the value

    @property
    def size(self) -> int:
        return len(self.inband) + sum(memoryview(b).nbytes for b in self.buffers)


@dataclass(slots=True, frozen=True)
class ObjectData:
    """Where a stored value lives, as carried in messages.

    kind "inline": ``payload`` is ``(inband, [buffer bytes, ...])``.
    kind "shm": ``payload`` is ``(path, size, inband_len, [(offset, length), ...])``.
    ``is_error``: the value is an exception that ``get`` raises.
    """

    kind: str
    payload: tuple
    is_error: bool = False

    def __reduce__(self):  # a plain tuple pickles several times faster than dataclass state
        return (ObjectData, (self.kind, self.payload, self.is_error))

    @property
    def nbytes(self) -> int:
        if self.kind in ("shm", "spilled"):
            return self.payload[1]
        inband, buffers = self.payload
        return len(inband) + sum(len(b) for b in buffers)


def note_contained_ref(object_id: bytes) -> None:
    """Called by ``ObjectRef.__reduce__``: remember the ref if a serialization is running."""
    refs = getattr(_context, "refs", None)
    if refs is not None:
        refs.append(object_id)


def serialize(value: object) -> Serialized:
    """Pickle ``value`` with out-of-band buffers; ``TypeError`` names what cannot be pickled."""
    buffers: list[pickle.PickleBuffer] = []
    outer = getattr(_context, "refs", None)
    _context.refs = []
    try:
        stream = io.BytesIO()
        pickler = _plain_pickler() if _only_library_types(value) else _Pickler
        pickler(stream, protocol=5, buffer_callback=buffers.append).dump(value)
        inband = stream.getvalue()
        contained = _context.refs
    except Exception as exc:
        raise _unpicklable_error(value, exc) from exc
    finally:
        _context.refs = outer
    return Serialized(inband, buffers, contained)


def deserialize(inband: bytes | memoryview, buffers: list) -> object:
    return pickle.loads(inband, buffers=buffers)


def dumps(value: object) -> bytes:
    """Whole value in one bytes object (function code, small control payloads)."""
    try:
        stream = io.BytesIO()
        _Pickler(stream, protocol=5).dump(value)
        return stream.getvalue()
    except Exception as exc:
        raise _unpicklable_error(value, exc) from exc


loads = pickle.loads


def inline_data(ser: Serialized, is_error: bool = False) -> ObjectData:
    return ObjectData("inline", (ser.inband, [bytes(memoryview(b)) for b in ser.buffers]), is_error)


def _unpicklable_error(value: object, exc: Exception) -> TypeError:
    where = _find_unpicklable(value)
    hint = f" ({where})" if where else ""
    msg = f"Could not serialize {_describe(value)}{hint}: {type(exc).__name__}: {exc}"
    return TypeError(msg)


def _describe(value: object) -> str:
    text = repr(value) if not callable(value) else getattr(value, "__qualname__", repr(value))
    return text if len(text) <= 80 else text[:77] + "..."


def _find_unpicklable(value: object, path: str = "value", depth: int = 0, seen=None) -> str | None:
    """Walk attributes, items and closures to name the innermost part that will not pickle."""
    seen = set() if seen is None else seen
    if depth > 6 or id(value) in seen:
        return None
    seen.add(id(value))
    for sub_path, child in _children(value, path):
        try:
            cloudpickle.dumps(child, protocol=5, buffer_callback=lambda b: None)
        except Exception:
            deeper = _find_unpicklable(child, sub_path, depth + 1, seen)
            return deeper or f"{sub_path} holds a {type(child).__module__}.{type(child).__qualname__} that cannot be pickled"
    return None


def _children(value: object, path: str):
    if isinstance(value, dict):
        for k, v in list(value.items())[:1000]:
            yield f"{path}[{k!r}]", v
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, v in enumerate(list(value)[:1000]):
            yield f"{path}[{i}]", v
    else:
        closure = getattr(value, "__closure__", None)
        code = getattr(value, "__code__", None)
        if closure and code:
            for name, cell in zip(code.co_freevars, closure):
                try:
                    yield f"closure variable {name!r}", cell.cell_contents
                except ValueError:
                    pass
        globs = getattr(value, "__globals__", None)
        if globs is not None and code is not None:
            for name in code.co_names:
                if name in globs and not isinstance(globs[name], type(io)):
                    yield f"global {name!r}", globs[name]
        attrs = getattr(value, "__dict__", None)
        if isinstance(attrs, dict):
            for k, v in attrs.items():
                yield f"attribute {k!r}", v
