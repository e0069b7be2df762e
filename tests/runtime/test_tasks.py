"""@remote functions: options, num_returns, argument checking and ObjectRef arguments."""

from __future__ import annotations

import time

import numpy as np
import pytest

import runtime
from runtime import ObjectRef

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def ray(shared_ray):
    return shared_ray


def test_remote_returns_object_ref(ray):
    @ray.remote
    def add(a, b):
        return a + b

    ref = add.remote(1, 2)
    assert isinstance(ref, ObjectRef)
    assert ray.get(ref, timeout=20) == 3


def test_remote_with_options_decorator(ray):
    @ray.remote(num_cpus=1, max_retries=0, name="custom-name")
    def f(x):
        return x + 1

    assert ray.get(f.remote(1), timeout=20) == 2


def test_num_returns_gives_a_list_of_refs(ray):
    @ray.remote(num_returns=3)
    def three():
        return 1, "two", [3]

    refs = three.remote()
    assert isinstance(refs, list) and len(refs) == 3
    assert all(isinstance(r, ObjectRef) for r in refs)
    assert len(set(refs)) == 3
    assert ray.get(refs, timeout=20) == [1, "two", [3]]


def test_generator_with_num_returns_yields_each_object(ray):
    @ray.remote(num_returns=4)
    def gen(n):
        for i in range(n):
            yield i * 10

    refs = gen.remote(4)
    assert len(refs) == 4
    assert ray.get(refs, timeout=20) == [0, 10, 20, 30]


def test_options_override_without_changing_the_function(ray):
    @ray.remote
    def pair():
        return "a", "b"

    refs = pair.options(num_returns=2).remote()
    assert ray.get(refs, timeout=20) == ["a", "b"]
    single = pair.remote()
    assert isinstance(single, ObjectRef)
    assert ray.get(single, timeout=20) == ("a", "b")


@pytest.mark.parametrize("options", [
    {"not_an_option": 1},
    {"num_cpus": -1},
    {"num_gpus": -0.5},
    {"resources": {"CPU": 1}},
    {"resources": {"custom": -1}},
    {"num_returns": -1},
])
def test_bad_options_raise_value_error_at_decoration(options):
    with pytest.raises(ValueError):
        @runtime.remote(**options)
        def f():
            return 1


@pytest.mark.parametrize("options", [{"bogus": True}, {"num_cpus": -2}, {"resources": {"CPU": 2}}])
def test_bad_options_raise_value_error_in_options(options):
    @runtime.remote
    def f():
        return 1

    with pytest.raises(ValueError):
        f.options(**options)


def test_wrong_arguments_raise_type_error_at_submission(ray):
    @ray.remote
    def one(x):
        return x

    with pytest.raises(TypeError):
        one.remote()
    with pytest.raises(TypeError):
        one.remote(1, 2)
    with pytest.raises(TypeError):
        one.remote(1, y=2)
    with pytest.raises(TypeError):
        one.options(num_cpus=1).remote()
    assert ray.get(one.remote(x=7), timeout=20) == 7


def test_async_def_remote_function_is_rejected():
    async def coro():
        return 1

    with pytest.raises(ValueError):
        runtime.remote(coro)


def test_calling_remote_function_directly_raises_type_error():
    @runtime.remote
    def f():
        return 1

    with pytest.raises(TypeError, match="remote"):
        f()


def test_top_level_ref_args_are_resolved_to_values(ray):
    @ray.remote
    def slow_value():
        time.sleep(0.3)
        return 41

    @ray.remote
    def inc(x, y=0):
        assert not isinstance(x, ObjectRef) and not isinstance(y, ObjectRef)
        return x + 1 + y

    start = time.monotonic()
    ref = inc.remote(slow_value.remote(), y=ray.put(100))
    assert ray.get(ref, timeout=20) == 142
    assert time.monotonic() - start >= 0.3  # the task waited for its argument


def test_nested_refs_arrive_as_refs(ray):
    @ray.remote
    def inspect_args(lst, dct):
        return (type(lst[0]).__name__, type(dct["k"]).__name__,
                ray.get(lst[0]) + ray.get(dct["k"]))

    a, b = ray.put(1), ray.put(2)
    assert ray.get(inspect_args.remote([a], {"k": b}), timeout=20) == ("ObjectRef", "ObjectRef", 3)


def test_task_chain_passes_values(ray):
    @ray.remote
    def inc(x):
        return x + 1

    ref = ray.put(0)
    for _ in range(10):
        ref = inc.remote(ref)
    assert ray.get(ref, timeout=20) == 10


def test_many_small_tasks_keep_order(ray):
    @ray.remote
    def square(x):
        return x * x

    refs = [square.remote(i) for i in range(200)]
    assert ray.get(refs, timeout=30) == [i * i for i in range(200)]


def test_large_argument_roundtrip(ray):
    @ray.remote
    def total(arr):
        return float(arr.sum()), arr.shape

    arr = np.arange(500_000, dtype=np.float64)  # 4 MB: bigger than a message
    assert ray.get(total.remote(arr), timeout=20) == (float(arr.sum()), (500_000,))


def test_task_submits_tasks(ray):
    @ray.remote
    def leaf(x):
        return x * 2

    @ray.remote
    def parent(n):
        return sum(ray.get([leaf.remote(i) for i in range(n)]))

    assert ray.get(parent.remote(5), timeout=20) == 2 * sum(range(5))


def test_task_may_return_refs(ray):
    @ray.remote
    def leaf():
        return "leaf value"

    @ray.remote
    def parent():
        return leaf.remote()

    inner = ray.get(parent.remote(), timeout=20)
    assert isinstance(inner, ObjectRef)
    assert ray.get(inner, timeout=20) == "leaf value"


@pytest.mark.parametrize("options, word", [
    ({"num_cpus": 64}, "CPU"),
    ({"resources": {"no_such_resource": 1}}, "no_such_resource"),
])
def test_unsatisfiable_request_fails_at_once(ray, options, word):
    @ray.remote
    def f():
        return 1

    start = time.monotonic()
    with pytest.raises(Exception) as info:
        ray.get(f.options(**options).remote(), timeout=20)
    assert time.monotonic() - start < 5
    assert not isinstance(info.value, TimeoutError)
    assert word in str(info.value)
