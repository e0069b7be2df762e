"""What can cross a process boundary, and the errors for what cannot."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import runtime

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def ray(shared_ray):
    return shared_ray


class HoldsLock:
    def __init__(self):
        self.name = "fine"
        self.my_lock = threading.Lock()


@runtime.remote
def identity(x):
    return x


def test_put_of_unpicklable_value_names_the_attribute(ray):
    with pytest.raises(TypeError) as info:
        ray.put(HoldsLock())
    assert "my_lock" in str(info.value)
    assert "lock" in str(info.value).lower()


def test_put_of_unpicklable_value_nested_in_a_container(ray):
    with pytest.raises(TypeError) as info:
        ray.put({"ok": 1, "bad": [HoldsLock()]})
    assert "my_lock" in str(info.value)
    assert "'bad'" in str(info.value)


def test_unpicklable_argument_raises_type_error_at_remote(ray):
    with pytest.raises(TypeError) as info:
        identity.remote(HoldsLock())
    assert "my_lock" in str(info.value)
    with pytest.raises(TypeError):
        identity.remote(x=[HoldsLock()])
    assert ray.get(identity.remote(1), timeout=20) == 1  # nothing half-submitted


def test_unpicklable_closure_raises_type_error_at_remote(ray):
    lock = threading.Lock()

    @ray.remote
    def uses_lock():
        return lock.locked()

    with pytest.raises(TypeError) as info:
        uses_lock.remote()
    assert "lock" in str(info.value)


def test_unpicklable_return_value_fails_the_task(ray):
    @ray.remote
    def returns_lock():
        return HoldsLock()

    with pytest.raises(runtime.exceptions.RayTaskError) as info:
        ray.get(returns_lock.remote(), timeout=20)
    assert "my_lock" in str(info.value)


def test_locally_defined_class_and_function_roundtrip(ray):
    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y

        def norm2(self):
            return self.x ** 2 + self.y ** 2

    def helper(p):
        return p.norm2()

    @ray.remote
    def use(p):
        return helper(p), Point(p.y, p.x)

    n, q = ray.get(use.remote(Point(3, 4)), timeout=20)
    assert n == 25
    assert (q.x, q.y) == (4, 3)


def test_lambda_and_closure_as_remote_function(ray):
    offset = 10
    add = ray.remote(lambda x: x + offset)
    assert ray.get([add.remote(i) for i in range(3)], timeout=20) == [10, 11, 12]


def test_closure_capturing_big_array_many_calls_stay_fast(ray):
    big = np.arange(2_000_000, dtype=np.float64)  # 16 MB captured by the closure
    expected = float(big.sum())

    @ray.remote
    def total(i):
        return float(big.sum()) + i

    assert ray.get(total.remote(0), timeout=30) == expected  # export + warm-up
    start = time.monotonic()
    refs = [total.remote(i) for i in range(100)]
    submit = time.monotonic() - start
    out = ray.get(refs, timeout=30)
    elapsed = time.monotonic() - start
    assert out == [expected + i for i in range(100)]
    # re-sending 16 MB per call would be 1.6 GB: seconds, not a fraction of one
    assert submit < 1.0, f"submitting 100 calls took {submit:.2f}s"
    assert elapsed < 5.0, f"100 calls took {elapsed:.2f}s"


def test_same_function_redefined_with_new_closure_value(ray):
    """Exporting once must not mean caching the wrong function: two closures, two results."""
    def make(k):
        @ray.remote
        def f():
            return k
        return f

    f1, f2 = make(1), make(2)
    assert ray.get([f1.remote(), f2.remote(), f1.remote()], timeout=20) == [1, 2, 1]


def test_arrow_backed_pandas_columns_travel_without_copies(ray):
    """Arrow-backed columns (pandas 3's default strings) keep their chunks and round-trip
    exactly; their buffers go out of band (pandas' own pickling would combine the chunks)."""
    import pandas as pd
    import pyarrow as pa

    from runtime import serialization

    chunks = pa.chunked_array([["a", None, "ccc"], ["dd"] * 50_000], type=pa.large_string())
    frame = pd.DataFrame({
        "s": pd.Series(pd.arrays.ArrowStringArray(chunks), dtype="str"),
        "n": pd.array([1, None] * 25_001 + [3], dtype="int64[pyarrow]"),
        "t": pd.array(["x"] * 50_003, dtype="string[pyarrow]"),
    })
    ser = serialization.serialize(frame)
    assert len(ser.inband) < 4096  # the column data went out of band
    back = ray.get(ray.put(frame))
    pd.testing.assert_frame_equal(back, frame)
    assert back["s"].array._pa_array.num_chunks == 2
    out = ray.get(identity.remote(frame))
    pd.testing.assert_frame_equal(out, frame)
    out.loc[0, "s"] = "changed"  # the copy-on-write result is writable, the stored one intact
    pd.testing.assert_frame_equal(ray.get(identity.remote(frame)), frame)


def test_datetime_columns_travel_out_of_band(ray):
    """NumPy pickles datetime64/timedelta64 arrays in band (a copy, and no zero-copy read):
    they travel as int64 views instead and come back with their exact dtype."""
    import pandas as pd

    from runtime import serialization

    n = 50_000
    frame = pd.DataFrame({
        "t": pd.date_range("2000-01-01", periods=n, freq="s", unit="s"),
        "z": pd.date_range("2000-01-01", periods=n, freq="h", tz="Europe/Paris"),
        "d": pd.to_timedelta(np.arange(n), unit="ms"),
    }, index=pd.date_range("1999-01-01", periods=n, freq="min", name="when"))
    for value in (frame, frame["z"], frame["t"].to_numpy(), frame.index.to_numpy()):
        ser = serialization.serialize(value)
        assert len(ser.inband) < 4096
        back = serialization.deserialize(ser.inband, ser.buffers)
        if isinstance(value, np.ndarray):
            assert back.dtype == value.dtype
            np.testing.assert_array_equal(back, value)
        else:
            check = pd.testing.assert_frame_equal if value.ndim == 2 else pd.testing.assert_series_equal
            check(back, value)
    pd.testing.assert_frame_equal(ray.get(identity.remote(frame)), frame)


def test_frames_holding_a_local_class_take_cloudpickle(ray):
    """A frame's object column or labels may hold instances of a class only cloudpickle can
    pickle (defined in ``__main__`` or a function): such frames still travel."""
    import pandas as pd

    class Local:
        def __init__(self, v):
            self.v = v

        def __eq__(self, other):
            return isinstance(other, Local) and other.v == self.v

        __hash__ = None

    frame = pd.DataFrame({"o": [Local(1), Local(2)], "x": [1.0, 2.0]})
    back = ray.get(identity.remote(frame))
    assert back["o"].tolist() == frame["o"].tolist()
    labelled = pd.Series([1, 2], index=pd.Index([Local(3), Local(4)], dtype=object))
    assert ray.get(identity.remote(labelled)).index.tolist() == labelled.index.tolist()


@runtime.remote
def y_of(points):
    return points[0].y


class Point:
    """Not picklable by default (holds a lock): a custom serializer makes it travel."""

    def __init__(self, x, y):
        self.x, self.y = x, y
        self.lock = threading.Lock()


def test_register_serializer_like_ray(ray):
    """``runtime.util.register_serializer`` (Ray's API): instances of the class pickle through
    the given functions in this process (as in Ray, registration is per process); the
    deserializer travels with them and runs where they are unpickled."""
    with pytest.raises(TypeError):
        runtime.put(Point(1, 2))
    runtime.util.register_serializer(
        Point, serializer=lambda p: (p.x, p.y), deserializer=lambda xy: Point(*xy)
    )
    try:
        back = runtime.get(runtime.put(Point(1, 2)))
        assert (type(back).__name__, back.x, back.y) == ("Point", 1, 2)
        assert runtime.get(y_of.remote([Point(3, 4)])) == 4
    finally:
        runtime.util.deregister_serializer(Point)
    with pytest.raises(TypeError):
        runtime.put(Point(1, 2))
    with pytest.raises(TypeError, match="callables"):
        runtime.util.register_serializer(Point, serializer=None, deserializer=lambda v: v)
