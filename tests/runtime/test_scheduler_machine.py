"""The scheduler core as a pure state machine: events in, instructions out, no sockets."""

from __future__ import annotations

import itertools
import pickle

import pytest

from runtime import exceptions, protocol
from runtime.scheduler import events as ev
from runtime.scheduler.machine import Scheduler
from runtime.serialization import ObjectData, deserialize, inline_data, serialize

DRIVER = b"driver"


def make_scheduler(cpus=2, budget=1000, **resources):
    counter = itertools.count()
    sched = Scheduler({"CPU": float(cpus), **resources}, budget,
                      new_worker_id=lambda: f"w{next(counter)}".encode())
    spawned = sched.start()
    sched.handle(ev.ClientHello(DRIVER, "driver", 1))
    for ins in spawned:
        sched.handle(ev.ClientHello(ins.worker, "worker", 100))
    return sched, [ins.worker for ins in spawned]


def spec(name="t", deps=(), returns=("r",), cpus=1.0, retries=0, **resources):
    return ev.TaskSpec(task_id=f"task-{name}".encode(), fn_id=b"fn", name=name,
                       args=inline_data(serialize(((), {}))), deps=[d.encode() for d in deps],
                       pinned=[], return_ids=[r.encode() for r in returns],
                       resources={"CPU": cpus, **resources} if cpus else dict(resources),
                       max_retries=retries, owner=DRIVER)


def value(x) -> ObjectData:
    return inline_data(serialize(x))


def dispatched(instructions) -> list[tuple[bytes, str]]:
    return [(i.client, i.msg[1].name) for i in instructions
            if isinstance(i, ev.Send) and i.msg[0] == protocol.TASK]


def sent_objects(instructions, client=DRIVER) -> dict[bytes, ObjectData]:
    return {i.msg[1]: i.msg[2] for i in instructions
            if isinstance(i, ev.Send) and i.client == client and i.msg[0] == protocol.OBJECT}


def error_of(data: ObjectData) -> BaseException:
    assert data.is_error
    return deserialize(*data.payload)


def test_start_spawns_one_worker_per_cpu():
    sched = Scheduler({"CPU": 3.0}, 1000)
    assert [type(i) for i in sched.start()] == [ev.SpawnWorker] * 3


def test_task_is_dispatched_to_an_idle_worker_and_its_result_reaches_subscribers():
    sched, workers = make_scheduler()
    out = sched.handle(ev.TaskSubmitted(DRIVER, spec("a")))
    assert dispatched(out) == [(workers[0], "a")]
    assert sched.handle(ev.Subscribed(DRIVER, [b"r"])) == []
    out = sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"r", value(42), [])]))
    assert deserialize(*sent_objects(out)[b"r"].payload) == 42
    assert sched.workers[workers[0]].state == "idle"
    assert sched.available["CPU"] == 2.0


def test_function_code_is_sent_once_per_worker():
    sched, workers = make_scheduler(cpus=1)
    sched.handle(ev.FunctionExported(b"fn", b"code"))
    first = sched.handle(ev.TaskSubmitted(DRIVER, spec("a", returns=("r1",))))
    sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"r1", value(1), [])]))
    second = sched.handle(ev.TaskSubmitted(DRIVER, spec("b", returns=("r2",))))
    assert [i.msg[2] for i in first if isinstance(i, ev.Send)] == [b"code"]
    assert [i.msg[2] for i in second if isinstance(i, ev.Send)] == [None]


def test_task_waits_for_its_dependency():
    sched, workers = make_scheduler()
    sched.handle(ev.TaskSubmitted(DRIVER, spec("a", returns=("x",))))
    out = sched.handle(ev.TaskSubmitted(DRIVER, spec("b", deps=("x",), returns=("y",))))
    assert dispatched(out) == []
    out = sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"x", value(1), [])]))
    assert dispatched(out) == [(workers[0], "b")]
    task_msg = next(i.msg for i in out if isinstance(i, ev.Send) and i.msg[0] == protocol.TASK)
    assert deserialize(*task_msg[3][b"x"].payload) == 1


def test_failed_dependency_fails_the_dependent_without_running_it():
    sched, workers = make_scheduler()
    sched.handle(ev.TaskSubmitted(DRIVER, spec("a", returns=("x",))))
    sched.handle(ev.TaskSubmitted(DRIVER, spec("b", deps=("x",), returns=("y",))))
    sched.handle(ev.Subscribed(DRIVER, [b"y"]))
    boom = inline_data(serialize(ValueError("boom")), is_error=True)
    out = sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"x", boom, [])]))
    assert dispatched(out) == []
    assert isinstance(error_of(sent_objects(out)[b"y"]), ValueError)


def test_resources_limit_concurrency_and_queue_is_fifo():
    sched, workers = make_scheduler(cpus=2)
    outs = [sched.handle(ev.TaskSubmitted(DRIVER, spec(n, returns=(n,)))) for n in "abc"]
    assert [len(dispatched(o)) for o in outs] == [1, 1, 0]
    worker_a = dispatched(outs[0])[0][0]
    out = sched.handle(ev.TaskDone(worker_a, b"task-a", [(b"a", value(0), [])]))
    assert dispatched(out) == [(worker_a, "c")]


def test_infeasible_request_fails_at_once_with_the_reason():
    sched, _ = make_scheduler(cpus=2)
    sched.handle(ev.Subscribed(DRIVER, []))
    out = sched.handle(ev.TaskSubmitted(DRIVER, spec("big", cpus=64)))
    sched_out = sched.handle(ev.Subscribed(DRIVER, [b"r"]))
    err = error_of(sent_objects(sched_out)[b"r"])
    assert isinstance(err, exceptions.TaskUnschedulableError)
    assert "64" in str(err) and "CPU" in str(err)
    assert dispatched(out) == []
    out = sched.handle(ev.TaskSubmitted(DRIVER, spec("gpu", returns=("g",), cpus=1, GPU=1.0)))
    err = error_of(sched.objects[b"g"].data)
    assert "GPU" in str(err)


def test_worker_death_retries_then_reports_the_signal():
    sched, workers = make_scheduler(cpus=1)
    out = sched.handle(ev.TaskSubmitted(DRIVER, spec("a", retries=1)))
    first = dispatched(out)[0][0]
    out = sched.handle(ev.WorkerDied(first, -9))
    spawn = [i.worker for i in out if isinstance(i, ev.SpawnWorker)]
    assert len(spawn) == 1
    out = sched.handle(ev.ClientHello(spawn[0], "worker", 101))
    assert dispatched(out) == [(spawn[0], "a")]           # the retry
    sched.handle(ev.Subscribed(DRIVER, [b"r"]))
    out = sched.handle(ev.WorkerDied(spawn[0], -9))
    err = error_of(sent_objects(out)[b"r"])
    assert isinstance(err, exceptions.WorkerCrashedError)
    assert "SIGKILL" in str(err)


def test_retryable_exception_is_retried_while_retries_last():
    sched, workers = make_scheduler(cpus=1)
    sched.handle(ev.TaskSubmitted(DRIVER, spec("a", retries=1)))
    boom = inline_data(serialize(ValueError("boom")), is_error=True)
    out = sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"r", boom, [])], retryable=True))
    assert dispatched(out) == [(workers[0], "a")]
    sched.handle(ev.Subscribed(DRIVER, [b"r"]))
    out = sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"r", boom, [])], retryable=True))
    assert isinstance(error_of(sent_objects(out)[b"r"]), ValueError)


def test_blocked_worker_gives_its_cpu_back_and_a_new_worker_is_started():
    sched, workers = make_scheduler(cpus=1)
    sched.handle(ev.TaskSubmitted(DRIVER, spec("parent", returns=("p",))))
    out = sched.handle(ev.TaskSubmitted(workers[0], spec("child", returns=("c",))))
    assert dispatched(out) == []
    out = sched.handle(ev.WorkerBlocked(workers[0], True))
    new = [i.worker for i in out if isinstance(i, ev.SpawnWorker)]
    assert len(new) == 1
    out = sched.handle(ev.ClientHello(new[0], "worker", 102))
    assert dispatched(out) == [(new[0], "child")]


def test_cancel_pending_and_running():
    sched, workers = make_scheduler(cpus=1)
    sched.handle(ev.TaskSubmitted(DRIVER, spec("run", returns=("a",))))
    sched.handle(ev.TaskSubmitted(DRIVER, spec("wait", returns=("b",))))
    sched.handle(ev.Subscribed(DRIVER, [b"a", b"b"]))
    out = sched.handle(ev.CancelRequested(b"b", force=False, recursive=True))
    assert isinstance(error_of(sent_objects(out)[b"b"]), exceptions.TaskCancelledError)
    out = sched.handle(ev.CancelRequested(b"a", force=False, recursive=True))
    assert [i.msg[0] for i in out if isinstance(i, ev.Send)] == [protocol.INTERRUPT]
    out = sched.handle(ev.CancelRequested(b"a", force=True, recursive=True))
    assert [type(i) for i in out] == [ev.KillWorker]
    out = sched.handle(ev.WorkerDied(workers[0], -9))
    assert isinstance(error_of(sent_objects(out)[b"a"]), exceptions.TaskCancelledError)


def test_objects_are_freed_when_the_last_reference_goes():
    sched, _ = make_scheduler(budget=4000)
    shm = ObjectData("shm", ("/dev/shm/x", 100, 10, []))
    sched.handle(ev.ObjectPut(DRIVER, b"big", shm, []))
    sched.handle(ev.ObjectPut(DRIVER, b"outer", value("holds big"), [b"big"]))
    assert sched.memory.used == 100
    assert sched.handle(ev.RefChanged(b"big", -1)) == []      # still inside "outer"
    sched.handle(ev.RefChanged(b"outer", -1))
    assert sched.objects == {} and sched.memory.used == 0
    assert sched.memory.pool == {"/dev/shm/x": 100}            # kept for reuse


def test_every_stored_value_is_counted_once_in_the_totals():
    """``objects_total``/``bytes_total`` count each value stored, inline or in shared memory,
    once (a duplicate result of a retried task is not a second write); tests of dframe read
    them to see how often a computation writes its data."""
    sched, _ = make_scheduler(budget=4000)
    small = value("x")
    sched.handle(ev.ObjectPut(DRIVER, b"big", ObjectData("shm", ("/dev/shm/x", 100, 10, [])), []))
    sched.handle(ev.ObjectPut(DRIVER, b"small", small, []))
    sched.handle(ev.ObjectPut(DRIVER, b"small", small, []))  # the same object again
    sched.handle(ev.RefChanged(b"big", -1))  # freeing does not uncount
    out = sched.handle(ev.MemoryRequested(DRIVER, 7))
    (totals,) = [ins.msg[2][1] for ins in out if isinstance(ins, ev.Send)]
    assert totals["objects_total"] == 2
    assert totals["bytes_total"] == 100 + small.nbytes


def test_a_freed_file_is_reused_only_after_every_mapping_is_gone():
    sched, workers = make_scheduler(budget=4000)
    sched.handle(ev.ObjectPut(DRIVER, b"big", ObjectData("shm", ("/dev/shm/x", 100, 10, [])), []))
    sched.handle(ev.FileMapped(DRIVER, "/dev/shm/x", True))
    sched.handle(ev.FileMapped(workers[0], "/dev/shm/x", True))
    out = sched.handle(ev.RefChanged(b"big", -1))
    assert sorted(i.client for i in out) == sorted([DRIVER, workers[0]])
    assert all(i.msg == (protocol.FREED, "/dev/shm/x") for i in out)
    assert sched.memory.used == 100                            # a live view still holds it
    out = sched.handle(ev.AllocRequested(DRIVER, 1, b"new", 100))
    assert out[0].msg[2] == (None, None, [])                   # not offered for reuse yet
    sched.handle(ev.FileMapped(DRIVER, "/dev/shm/x", False))
    sched.handle(ev.WorkerDied(workers[0], -9))                # a dead process maps nothing
    assert sched.memory.pool == {"/dev/shm/x": 100}
    out = sched.handle(ev.AllocRequested(DRIVER, 2, b"new2", 80))
    assert out[0].msg[2] == (None, "/dev/shm/x", [])
    assert sched.memory.pool == {}


def test_pool_is_bounded_and_large_files_are_deleted():
    sched, _ = make_scheduler(budget=1000)                     # pool cap: half the budget
    for i, size in enumerate([200, 200, 600]):
        path = f"/dev/shm/{i}"
        sched.handle(ev.ObjectPut(DRIVER, str(i).encode(), ObjectData("shm", (path, size, 1, [])), []))
    out = sched.handle(ev.RefChanged(b"2", -1))
    assert out == [ev.DeleteFile("/dev/shm/2")]
    sched.handle(ev.RefChanged(b"0", -1))
    sched.handle(ev.RefChanged(b"1", -1))
    assert sched.memory.pool_bytes == 400


def test_task_arguments_stay_alive_until_the_task_finishes():
    sched, workers = make_scheduler(cpus=1)
    sched.handle(ev.ObjectPut(DRIVER, b"x", value(1), []))
    sched.handle(ev.TaskSubmitted(DRIVER, spec("a", deps=("x",))))
    sched.handle(ev.RefChanged(b"x", -1))
    assert b"x" in sched.objects
    sched.handle(ev.TaskDone(workers[0], b"task-a", [(b"r", value(2), [])]))
    assert b"x" not in sched.objects


def test_store_budget():
    sched, _ = make_scheduler(budget=1000)
    out = sched.handle(ev.AllocRequested(DRIVER, 7, b"a", 600))
    assert out == [ev.Send(DRIVER, (protocol.ALLOC_REPLY, 7, (None, None, [])))]
    out = sched.handle(ev.AllocRequested(DRIVER, 8, b"b", 600))
    error = out[0].msg[2][0]
    assert "budget" in error and "object_store_memory" in error


def test_subscribing_to_an_unknown_object_reports_it_lost():
    sched, _ = make_scheduler()
    out = sched.handle(ev.Subscribed(DRIVER, [b"nope"]))
    assert isinstance(error_of(sent_objects(out)[b"nope"]), exceptions.ObjectLostError)


def test_workers_that_die_at_start_fail_queued_work_instead_of_respawning_forever():
    sched = Scheduler({"CPU": 1.0}, 1000)
    worker = sched.start()[0].worker
    sched.handle(ev.ClientHello(DRIVER, "driver", 1))
    sched.handle(ev.TaskSubmitted(DRIVER, spec("a")))
    sched.handle(ev.Subscribed(DRIVER, [b"r"]))
    for _ in range(5):
        out = sched.handle(ev.WorkerDied(worker, 1))
        spawned = [i.worker for i in out if isinstance(i, ev.SpawnWorker)]
        if not spawned:
            break
        worker = spawned[0]
    assert isinstance(error_of(sent_objects(out)[b"r"]), exceptions.RaySystemError)


def test_spec_pickles():
    s = spec("a", deps=("x",))
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize("bad", [(), ("x",), ("x", 1, 2)])
def test_protocol_rejects_other_versions(bad):
    with pytest.raises(ValueError, match="protocol version"):
        protocol.decode(b"xx9" + pickle.dumps(bad))


def test_a_spilled_file_is_deleted_never_reused():
    """A reader may map a live object's file with its MAPPED report still in flight; spilling
    must therefore never hand that file to another writer."""
    sched = Scheduler({"CPU": 1.0}, 250, spill_dir="/tmp/spill")
    sched.handle(ev.ClientHello(DRIVER, "driver", 1))
    sched.handle(ev.ObjectPut(DRIVER, b"a", ObjectData("shm", ("/dev/shm/a", 100, 1, [])), []))
    sched.handle(ev.ObjectPut(DRIVER, b"b", ObjectData("shm", ("/dev/shm/b", 100, 1, [])), []))
    out = sched.handle(ev.AllocRequested(DRIVER, 1, b"c", 100))
    error, reuse, spill = out[0].msg[2]
    assert error is None and reuse is None and [s[0] for s in spill] == [b"a"]
    out = sched.handle(ev.Spilled(DRIVER, [(b"a", "/dev/shm/a", spill[0][2], 100)]))
    assert ev.DeleteFile("/dev/shm/a") in out
    assert sched.memory.pool == {} and sched.objects[b"a"].data.kind == "spilled"
