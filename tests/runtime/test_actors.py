"""Actors: Ray's documented semantics for ``@remote`` classes, handles, options, lifetimes and failures."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import threading
import time

import psutil
import pytest

import runtime
from runtime.actor import exit_actor
from runtime.exceptions import ActorDiedError, RayActorError

from ..conftest import running

pytestmark = pytest.mark.timeout(60)


# ---- helpers -------------------------------------------------------------------------------

def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def pid_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@runtime.remote
class Counter:
    def __init__(self, start: int = 0):
        self.value = start

    def incr(self, by: int = 1) -> int:
        self.value += by
        return self.value

    def get(self) -> int:
        return self.value

    def pid(self) -> int:
        return os.getpid()

    def slow(self, seconds: float) -> str:
        time.sleep(seconds)
        return "done"

    def pair(self):
        return self.value, -self.value

    @runtime.method(num_returns=2)
    def split(self):
        return "left", "right"

    def call_other(self, other) -> int:
        return runtime.get(other.incr.remote(10))


@runtime.remote
def use_handle(handle) -> int:
    return runtime.get(handle.incr.remote(5))


# ---- resources (first in the module: they need their own runtime, before shared_ray starts)

@pytest.fixture
def ray_with_widget():
    """A runtime with one unit of a custom resource ``widget``."""
    with running(num_cpus=2, resources={"widget": 1}) as rt:
        yield rt


def test_custom_resources_are_held_while_the_actor_lives(ray_with_widget):
    first = Counter.options(resources={"widget": 1}).remote()
    runtime.get(first.get.remote())
    assert runtime.available_resources().get("widget", 0) == 0
    second = Counter.options(resources={"widget": 1}).remote()
    waiting = second.get.remote()
    ready, _ = runtime.wait([waiting], timeout=0.5)
    assert not ready  # no widget free: the second actor cannot start
    runtime.kill(first)
    assert runtime.get(waiting, timeout=10) == 0
    runtime.kill(second)


# ---- creation and calls --------------------------------------------------------------------

def test_remote_class_and_method_calls(shared_ray):
    counter = Counter.remote(5)
    assert isinstance(counter, runtime.ActorHandle)
    assert runtime.get(counter.incr.remote()) == 6
    assert runtime.get(counter.incr.remote(by=4)) == 10
    assert runtime.get(counter.get.remote()) == 10
    assert runtime.get([counter.incr.remote() for _ in range(3)]) == [11, 12, 13]
    runtime.kill(counter)


def test_actor_class_and_method_cannot_be_called_directly(shared_ray):
    with pytest.raises(TypeError, match=r"Counter\.remote\(\)"):
        Counter()
    counter = Counter.remote()
    with pytest.raises(TypeError, match=r"incr\.remote\(\)"):
        counter.incr()
    runtime.kill(counter)


def test_num_returns_by_method_options_and_decorator(shared_ray):
    counter = Counter.remote(3)
    first, second = counter.pair.options(num_returns=2).remote()
    assert runtime.get([first, second]) == [3, -3]
    left, right = counter.split.remote()
    assert isinstance(left, runtime.ObjectRef) and isinstance(right, runtime.ObjectRef)
    assert runtime.get([left, right]) == ["left", "right"]
    runtime.kill(counter)


def test_calls_from_one_caller_run_in_submission_order(shared_ray):
    @runtime.remote
    class Log:
        def __init__(self):
            self.items = []

        def add(self, item):
            time.sleep(0.001 * (item % 3))
            self.items.append(item)

        def items_(self):
            return self.items

    log = Log.remote()
    for i in range(100):
        log.add.remote(i)
    assert runtime.get(log.items_.remote()) == list(range(100))
    runtime.kill(log)


def test_unknown_method_is_attribute_error_at_submission(shared_ray):
    counter = Counter.remote()
    with pytest.raises(AttributeError, match="no_such_method"):
        counter.no_such_method.remote()
    runtime.kill(counter)


def test_wrong_arguments_are_type_error_at_submission(shared_ray):
    with pytest.raises(TypeError):
        Counter.remote(1, 2, 3)
    counter = Counter.remote()
    with pytest.raises(TypeError):
        counter.incr.remote(1, 2, 3)
    with pytest.raises(TypeError):
        counter.incr.remote(nope=1)
    assert runtime.get(counter.incr.remote()) == 1  # the bad calls never reached the actor
    runtime.kill(counter)


def test_print_inside_an_actor_reaches_the_driver(shared_ray, capsys):
    @runtime.remote
    class Talker:
        def say(self, text):
            print(text)
            return os.getpid()

    talker = Talker.remote()
    pid = runtime.get(talker.say.remote("hello-from-actor-7f3a"))
    seen = []

    def printed():
        seen.append(capsys.readouterr().out)
        return "hello-from-actor-7f3a" in "".join(seen)

    assert wait_until(printed, timeout=5)
    line = next(l for l in "".join(seen).splitlines() if "hello-from-actor-7f3a" in l)
    assert str(pid) in line  # prefixed with the worker's pid, as Ray does
    runtime.kill(talker)


# ---- handles -------------------------------------------------------------------------------

def test_handles_pickle_and_pass_to_tasks_and_actors(shared_ray):
    counter = Counter.remote()
    copy = pickle.loads(pickle.dumps(counter))
    assert copy == counter
    assert runtime.get(copy.incr.remote()) == 1
    assert runtime.get(use_handle.remote(counter)) == 6
    assert runtime.get(runtime.get(runtime.put([counter]))[0].incr.remote()) == 7
    other = Counter.remote()
    assert runtime.get(other.call_other.remote(counter)) == 17
    assert runtime.get(counter.get.remote()) == 17
    runtime.kill(counter)
    runtime.kill(other)


# ---- options, names ------------------------------------------------------------------------

def test_named_actor_and_namespace(shared_ray):
    counter = Counter.options(name="named-counter", namespace="space-a").remote(1)
    runtime.get(counter.incr.remote())
    found = runtime.get_actor("named-counter", namespace="space-a")
    assert found == counter
    assert runtime.get(found.get.remote()) == 2
    with pytest.raises(ValueError):
        runtime.get_actor("named-counter")  # another namespace
    with pytest.raises(ValueError):
        runtime.get_actor("never-created")
    runtime.kill(counter)


def test_get_if_exists_returns_the_live_actor(shared_ray):
    first = Counter.options(name="singleton", get_if_exists=True).remote(100)
    runtime.get(first.incr.remote())
    second = Counter.options(name="singleton", get_if_exists=True).remote(0)
    assert second == first
    assert runtime.get(second.get.remote()) == 101  # not a new instance
    runtime.kill(first)


def test_get_if_exists_without_name_is_value_error(shared_ray):
    with pytest.raises(ValueError):
        Counter.options(get_if_exists=True).remote()


def test_taken_name_is_value_error(shared_ray):
    counter = Counter.options(name="taken").remote()
    runtime.get(counter.get.remote())
    with pytest.raises(ValueError):
        Counter.options(name="taken").remote()
    runtime.kill(counter)


def test_max_task_retries_without_max_restarts_is_value_error(shared_ray):
    with pytest.raises(ValueError):
        Counter.options(max_task_retries=2).remote()


def test_options_are_accepted(shared_ray):
    counter = Counter.options(name="all-options", namespace="ns-opts", get_if_exists=False,
                              lifetime="non_detached", max_restarts=2, max_task_retries=1,
                              max_concurrency=2, num_cpus=0).remote(1)
    assert runtime.get(counter.incr.remote()) == 2
    runtime.kill(counter)


def test_num_cpus_are_held_while_the_actor_lives(shared_ray):
    holder = Counter.options(num_cpus=1).remote()
    runtime.get(holder.get.remote())
    assert runtime.available_resources().get("CPU", 0) == 1
    runtime.kill(holder)
    assert wait_until(lambda: runtime.available_resources().get("CPU", 0) == 2, timeout=5)


# ---- concurrency ---------------------------------------------------------------------------

def test_async_actor_runs_calls_concurrently_and_can_await_refs(shared_ray):
    @runtime.remote
    def add_one(x):
        return x + 1

    @runtime.remote
    class Sleeper:
        def __init__(self):
            self.running = self.peak = 0

        async def nap(self, seconds):
            self.running += 1
            self.peak = max(self.peak, self.running)
            await asyncio.sleep(seconds)
            self.running -= 1
            return seconds

        async def peak_(self):
            return self.peak

        async def awaits(self, boxed):
            value = await boxed[0]
            return await add_one.remote(value)

    sleeper = Sleeper.remote()
    runtime.get(sleeper.peak_.remote())
    start = time.monotonic()
    assert runtime.get([sleeper.nap.remote(0.5) for _ in range(10)]) == [0.5] * 10
    assert time.monotonic() - start < 2.5
    assert runtime.get(sleeper.peak_.remote()) == 10
    assert runtime.get(sleeper.awaits.remote([runtime.put(41)])) == 42
    runtime.kill(sleeper)


def test_async_actor_max_concurrency_limits_coroutines(shared_ray):
    @runtime.remote
    class Sleeper:
        def __init__(self):
            self.running = self.peak = 0

        async def nap(self, seconds):
            self.running += 1
            self.peak = max(self.peak, self.running)
            await asyncio.sleep(seconds)
            self.running -= 1

        async def peak_(self):
            return self.peak

    sleeper = Sleeper.options(max_concurrency=2).remote()
    runtime.get(sleeper.peak_.remote())
    start = time.monotonic()
    runtime.get([sleeper.nap.remote(0.3) for _ in range(6)])
    assert time.monotonic() - start >= 0.85  # three rounds of two
    assert runtime.get(sleeper.peak_.remote()) == 2
    runtime.kill(sleeper)


def test_threaded_actor_runs_max_concurrency_calls_at_once(shared_ray):
    @runtime.remote
    class Threaded:
        def __init__(self):
            self.lock = threading.Lock()
            self.running = self.peak = 0

        def nap(self, seconds):
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            time.sleep(seconds)
            with self.lock:
                self.running -= 1
            return threading.current_thread().name

        def peak_(self):
            return self.peak

    actor = Threaded.options(max_concurrency=4).remote()
    runtime.get(actor.peak_.remote())
    start = time.monotonic()
    names = runtime.get([actor.nap.remote(0.5) for _ in range(4)])
    assert time.monotonic() - start < 1.4
    assert len(set(names)) == 4
    assert runtime.get(actor.peak_.remote()) == 4
    runtime.kill(actor)


def test_sync_actor_runs_one_call_at_a_time(shared_ray):
    counter = Counter.remote()
    runtime.get(counter.get.remote())
    start = time.monotonic()
    runtime.get([counter.slow.remote(0.2) for _ in range(3)])
    assert time.monotonic() - start >= 0.55
    runtime.kill(counter)


# ---- ending an actor -----------------------------------------------------------------------

def test_kill_then_calls_raise_actor_error(shared_ray):
    counter = Counter.remote()
    pid = runtime.get(counter.pid.remote())
    runtime.kill(counter)
    with pytest.raises(RayActorError):
        runtime.get(counter.incr.remote())
    assert wait_until(lambda: pid_gone(pid))


def test_kill_of_something_else_is_value_error(shared_ray):
    with pytest.raises(ValueError):
        runtime.kill("not an actor")
    with pytest.raises(ValueError):
        runtime.kill(runtime.put(1))


def test_ray_terminate_is_graceful_and_final(shared_ray):
    counter = Counter.options(max_restarts=1).remote()
    pid = runtime.get(counter.pid.remote())
    pending = counter.slow.remote(0.3)
    counter.__ray_terminate__.remote()
    assert runtime.get(pending) == "done"  # queued before the terminate: it finishes
    with pytest.raises(RayActorError):
        runtime.get(counter.incr.remote())
    assert wait_until(lambda: pid_gone(pid))
    with pytest.raises(RayActorError):  # no restart despite max_restarts
        runtime.get(counter.incr.remote())


def test_exit_actor_inside_a_method(shared_ray):
    @runtime.remote(max_restarts=1)
    class Quitter:
        def pid(self):
            return os.getpid()

        def quit(self):
            exit_actor()

    quitter = Quitter.remote()
    pid = runtime.get(quitter.pid.remote())
    with pytest.raises(RayActorError):
        runtime.get(quitter.quit.remote())
    with pytest.raises(RayActorError):
        runtime.get(quitter.pid.remote())
    assert wait_until(lambda: pid_gone(pid))
    with pytest.raises(RayActorError):
        runtime.get(quitter.pid.remote())


def test_exit_actor_outside_an_actor_is_type_error():
    with pytest.raises(TypeError):
        exit_actor()


def test_actor_ends_when_last_handle_is_gone_after_pending_calls(shared_ray):
    counter = Counter.remote()
    pid = runtime.get(counter.pid.remote())
    pending = counter.slow.remote(0.5)
    del counter
    assert runtime.get(pending) == "done"
    assert wait_until(lambda: pid_gone(pid), timeout=10)


def test_handle_in_a_task_keeps_the_actor_alive(shared_ray):
    @runtime.remote
    def later(handle):
        time.sleep(0.3)
        return runtime.get(handle.incr.remote())

    counter = Counter.remote()
    runtime.get(counter.get.remote())
    ref = later.remote(counter)
    del counter
    assert runtime.get(ref) == 1


def test_detached_actor_outlives_its_handle_until_killed(shared_ray):
    counter = Counter.options(name="detached-counter", lifetime="detached").remote()
    pid = runtime.get(counter.pid.remote())
    runtime.get(counter.incr.remote())
    del counter
    time.sleep(0.5)
    assert not pid_gone(pid)
    found = runtime.get_actor("detached-counter")
    assert runtime.get(found.pid.remote()) == pid
    assert runtime.get(found.get.remote()) == 1
    runtime.kill(found)
    assert wait_until(lambda: pid_gone(pid))

    def lookup_fails():
        try:
            runtime.get_actor("detached-counter")
        except ValueError:
            return True
        return False

    assert wait_until(lookup_fails, timeout=5)


# ---- failures ------------------------------------------------------------------------------

def test_constructor_error_fails_every_call(shared_ray):
    @runtime.remote
    class Broken:
        def __init__(self):
            raise ValueError("constructor exploded 91c2")

        def ping(self):
            return "pong"

    broken = Broken.remote()
    for _ in range(2):
        with pytest.raises(RayActorError) as info:
            runtime.get(broken.ping.remote())
        assert isinstance(info.value, ActorDiedError)
        assert "constructor exploded 91c2" in str(info.value)
        assert info.value.actor_init_failed is True


@runtime.remote
class Fragile:
    def __init__(self, log_path):
        self.log_path = log_path
        self.value = 0
        with open(log_path, "a") as f:
            f.write("init\n")

    def incr(self):
        self.value += 1
        return self.value

    def pid(self):
        return os.getpid()

    def die(self):
        os._exit(1)

    def slow(self, seconds):
        time.sleep(seconds)
        return "done"

    def record(self, i):
        with open(self.log_path, "a") as f:
            f.write(f"{i}\n")
        return i

    def crash_once(self, marker):
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return "survived"


def test_restart_reruns_constructor_and_resets_state(shared_ray, tmp_path):
    log = tmp_path / "log"
    actor = Fragile.options(max_restarts=1).remote(str(log))
    assert runtime.get([actor.incr.remote(), actor.incr.remote()]) == [1, 2]
    first_pid = runtime.get(actor.pid.remote())
    with pytest.raises(RayActorError):
        runtime.get(actor.die.remote())  # the call that crashed is not retried
    assert runtime.get(actor.incr.remote()) == 1  # a fresh instance
    second_pid = runtime.get(actor.pid.remote())
    assert second_pid != first_pid
    assert log.read_text().splitlines() == ["init", "init"]
    # Restarts exhausted: the actor is dead for good.
    with pytest.raises(RayActorError):
        runtime.get(actor.die.remote())
    for _ in range(3):
        with pytest.raises(RayActorError):
            runtime.get(actor.incr.remote())
    assert wait_until(lambda: pid_gone(second_pid))


def test_calls_in_flight_fail_without_task_retries(shared_ray, tmp_path):
    actor = Fragile.options(max_restarts=1).remote(str(tmp_path / "log"))
    pid = runtime.get(actor.pid.remote())
    in_flight = actor.slow.remote(5)
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RayActorError):
        runtime.get(in_flight, timeout=10)
    assert runtime.get(actor.incr.remote()) == 1  # restarted
    runtime.kill(actor)


def test_calls_in_flight_are_retried_in_order_with_task_retries(shared_ray, tmp_path):
    log = tmp_path / "log"
    actor = Fragile.options(max_restarts=1, max_task_retries=1).remote(str(log))
    refs = [actor.record.remote(i) for i in range(3)]
    refs.append(actor.crash_once.remote(str(tmp_path / "marker")))
    refs += [actor.record.remote(i) for i in range(3, 6)]
    assert runtime.get(refs, timeout=20) == [0, 1, 2, "survived", 3, 4, 5]
    lines = log.read_text().splitlines()
    assert lines.count("init") == 2
    # Retries are at-least-once, as in Ray: a call whose result had not left the process when it
    # died runs again. What must hold: after the restart the calls rerun in submission order,
    # and every call ran.
    second_life = [int(x) for x in lines[lines.index("init", 1) + 1:]]
    assert second_life == sorted(second_life) and second_life[-3:] == [3, 4, 5]
    assert {int(x) for x in lines if x != "init"} == set(range(6))
    runtime.kill(actor)


def test_kill_with_restart_allowed_restarts_the_actor(shared_ray, tmp_path):
    actor = Fragile.options(max_restarts=1).remote(str(tmp_path / "log"))
    first_pid = runtime.get(actor.pid.remote())
    runtime.kill(actor, no_restart=False)
    assert wait_until(lambda: pid_gone(first_pid))
    assert runtime.get(actor.incr.remote(), timeout=10) == 1
    assert runtime.get(actor.pid.remote()) != first_pid
    runtime.kill(actor)


def test_actor_without_restarts_dies_for_good(shared_ray, tmp_path):
    actor = Fragile.remote(str(tmp_path / "log"))
    with pytest.raises(RayActorError):
        runtime.get(actor.die.remote())
    with pytest.raises(RayActorError):
        runtime.get(actor.incr.remote())


def test_method_exception_keeps_the_actor_alive(shared_ray):
    @runtime.remote
    class Moody:
        def __init__(self):
            self.calls = 0

        def boom(self):
            self.calls += 1
            raise KeyError("moody 55e1")

        async def aboom(self):
            raise KeyError("async moody")

        def calls_(self):
            return self.calls

    moody = Moody.remote()
    with pytest.raises(KeyError, match="moody 55e1") as info:
        runtime.get(moody.boom.remote())
    assert isinstance(info.value, runtime.exceptions.RayTaskError)
    with pytest.raises(KeyError, match="async moody"):
        runtime.get(moody.aboom.remote())
    assert runtime.get(moody.calls_.remote()) == 1  # same instance, still alive
    runtime.kill(moody)


def test_object_ref_arguments_are_resolved_and_keep_call_order(shared_ray):
    @runtime.remote
    def late(value):
        time.sleep(0.4)
        return value

    @runtime.remote
    class Log:
        def __init__(self, first):
            self.items = [first]

        def add(self, item):
            self.items.append(item)
            return list(self.items)

    log = Log.remote(runtime.put("ctor"))
    log.add.remote(late.remote("slow-arg"))
    assert runtime.get(log.add.remote("fast")) == ["ctor", "slow-arg", "fast"]
    runtime.kill(log)


def test_kill_fails_queued_calls(shared_ray):
    counter = Counter.remote()
    runtime.get(counter.get.remote())
    refs = [counter.slow.remote(1) for _ in range(3)]
    time.sleep(0.2)
    runtime.kill(counter)
    for ref in refs:
        with pytest.raises(RayActorError):
            runtime.get(ref, timeout=10)


def test_name_is_free_again_after_kill(shared_ray):
    first = Counter.options(name="reusable").remote()
    runtime.get(first.get.remote())
    runtime.kill(first)

    def create():
        try:
            return Counter.options(name="reusable").remote(9)
        except ValueError:
            return None

    assert wait_until(lambda: create() is not None, timeout=5)
    again = runtime.get_actor("reusable")
    assert runtime.get(again.get.remote()) == 9
    runtime.kill(again)


def test_runtime_context_inside_an_actor(shared_ray):
    @runtime.remote
    class Who:
        def actor_id(self):
            return runtime.get_runtime_context().get_actor_id()

    who = Who.remote()
    actor_id = runtime.get(who.actor_id.remote())
    assert isinstance(actor_id, str) and actor_id
    assert runtime.get_runtime_context().get_actor_id() is None
    runtime.kill(who)


def test_handle_returned_from_a_task_keeps_the_actor_alive(shared_ray):
    @runtime.remote
    def make():
        handle = Counter.remote(3)
        runtime.get(handle.get.remote())  # the actor exists before the task returns
        return handle

    handle = runtime.get(make.remote())
    assert runtime.get(handle.incr.remote(), timeout=10) == 4
    runtime.kill(handle)


def test_restarted_actor_knows_it_was_reconstructed(shared_ray):
    @runtime.remote(max_restarts=1)
    class Phoenix:
        def reconstructed(self):
            return runtime.get_runtime_context().was_current_actor_reconstructed

        def die(self):
            os._exit(1)

    phoenix = Phoenix.remote()
    assert runtime.get(phoenix.reconstructed.remote()) is False
    with pytest.raises(RayActorError):
        runtime.get(phoenix.die.remote())
    try:
        assert runtime.get(phoenix.reconstructed.remote(), timeout=10) is True
    finally:
        runtime.kill(phoenix)


def test_max_pending_calls_limits_submissions(shared_ray):
    counter = Counter.options(max_pending_calls=2).remote()
    runtime.get(counter.get.remote())
    try:
        with pytest.raises(runtime.exceptions.PendingCallsLimitExceeded):
            for _ in range(10):
                counter.slow.remote(0.5)
    finally:
        runtime.kill(counter)
