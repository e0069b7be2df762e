"""The scheduler core: a pure state machine, ``handle(event) -> instructions``.

No sockets, clocks or processes in here, so every rule can be tested by feeding events and
comparing instructions.  The rules:

* A task waits until every top-level ``ObjectRef`` argument has a value, then is dispatched to an
  idle worker when its resources fit.  A failed argument fails the task without running it.
* An object lives while anything holds it: a process with a handle (``RefChanged``), a task that
  needs it, or another object containing it.  When the count drops to zero it is freed.
* A worker that dies has its task retried (``max_retries``) or failed with ``WorkerCrashedError``,
  and is replaced.  A worker blocked in ``get`` gives its CPUs back so the pool cannot deadlock.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

from .. import exceptions, ids, protocol
from ..serialization import ObjectData
from . import events as ev
from .actors import ActorRules
from .lineage import LineageRules
from .memory import SharedMemory
from .state import Object, Task, Worker

_TRANSITIONS: dict[tuple[str, str], str] = {
    ("waiting", "ready"): "_transition_waiting_ready",
    ("ready", "running"): "_transition_ready_running",
    ("running", "ready"): "_transition_running_ready",
    ("waiting", "finished"): "_transition_any_finished",
    ("ready", "finished"): "_transition_any_finished",
    ("running", "finished"): "_transition_any_finished",
}


error_data = ev.error_data


class Scheduler(ActorRules, LineageRules):
    def __init__(self, resources: dict[str, float], object_store_memory: int,
                 worker_cap: int | None = None, new_worker_id: Callable[[], bytes] = ids.new_id,
                 spill_dir: str | None = None, shm_dir: str = ""):
        self.shm_dir = shm_dir
        self.total = dict(resources)
        self.available = dict(resources)
        self.out: list = []
        self.memory = SharedMemory(object_store_memory, self.out, spill_dir=spill_dir)
        self.worker_target = int(resources.get("CPU", 1))
        self.worker_cap = worker_cap or max(4 * self.worker_target, 4)
        self.new_worker_id = new_worker_id
        self.tasks: dict[bytes, Task] = {}
        self.objects: dict[bytes, Object] = {}
        self.workers: dict[bytes, Worker] = {}
        self.functions: dict[bytes, bytes] = {}
        self.drivers: set[bytes] = set()
        self.ready: dict[tuple, deque[bytes]] = {}     # resource shape -> ready task ids, FIFO
        self.start_failures = 0                        # workers in a row that died before hello
        self.actors: dict = {}                         # actor id -> Actor (actors.py)
        self.actor_names: dict[tuple, bytes] = {}      # (namespace, name) -> actor id
        self.pending_actors: deque[bytes] = deque()    # created, waiting for resources

    # ---- entry point ---------------------------------------------------------------------

    def start(self) -> list:
        """Instructions to bring up the initial worker pool."""
        for _ in range(self.worker_target):
            self._spawn()
        return self._flush()

    def handle(self, event) -> list:
        getattr(self, f"_on_{type(event).__name__}")(event)
        self._schedule()
        return self._flush()

    def _flush(self) -> list:
        out = self.out[:]
        self.out.clear()
        return out

    # ---- clients and workers -------------------------------------------------------------

    def _on_ClientHello(self, e: ev.ClientHello) -> None:
        if e.kind == "driver":
            self.drivers.add(e.client)
            return
        worker = self.workers.get(e.client)
        if worker is None:  # a worker we did not start (or already gave up on)
            self.out.append(ev.KillWorker(e.client))
            return
        worker.pid = e.pid
        self.start_failures = 0
        if worker.actor_id is not None:
            self._actor_worker_ready(worker)
        else:
            worker.state = "idle"

    def _on_ClientGone(self, e: ev.ClientGone) -> None:
        self.drivers.discard(e.client)
        self.memory.client_gone(e.client)

    def _on_WorkerDied(self, e: ev.WorkerDied) -> None:
        worker = self.workers.pop(e.worker, None)
        if worker is None:
            return
        self.memory.client_gone(e.worker)
        if worker.actor_id is not None:
            self._actor_worker_died(worker, e.exitcode)
            return
        if worker.task is not None:
            task = self.tasks[worker.task]
            self._release(task, blocked=worker.blocked)
            if task.cancelled:
                self._finish_with_error(task, exceptions.TaskCancelledError(ids.short(task.spec.task_id)))
            elif task.retries_left != 0:
                task.retries_left -= 1 if task.retries_left > 0 else 0
                self._transition(task, "ready")
            else:
                self._finish_with_error(task, exceptions.WorkerCrashedError(
                    f"The worker running {task.spec.name}() died unexpectedly "
                    f"({_describe_exit(e.exitcode)}); its retries are used up "
                    f"(max_retries={task.spec.max_retries})."))
        if worker.state == "starting" and (e.exitcode or 0) > 0:
            # Exited on its own before connecting (an import error, a bad environment); a
            # worker killed by a signal says nothing about the next one.
            self.start_failures += 1
            if self.start_failures >= 5:
                self._fail_all_queued(exceptions.RaySystemError(
                    f"Worker processes die before they start ({_describe_exit(e.exitcode)}); "
                    f"see the driver's stderr for their output."))
                return
        if self._pool_size() < self.worker_target:
            self._spawn()

    def _pool_size(self) -> int:
        return sum(1 for w in self.workers.values() if w.actor_id is None)

    def _fail_all_queued(self, error: BaseException) -> None:
        for task in list(self.tasks.values()):
            if task.state in ("waiting", "ready"):
                self._finish_with_error(task, error)

    def _on_WorkerBlocked(self, e: ev.WorkerBlocked) -> None:
        worker = self.workers.get(e.worker)
        if worker is None or worker.task is None or worker.blocked == e.blocked:
            return
        worker.blocked = e.blocked
        cpus = self.tasks[worker.task].spec.resources.get("CPU", 0)
        self.available["CPU"] = self.available.get("CPU", 0) + (cpus if e.blocked else -cpus)

    def _spawn(self) -> None:
        worker_id = self.new_worker_id()
        self._new_worker(worker_id)
        self.out.append(ev.SpawnWorker(worker_id))

    def _new_worker(self, worker_id: bytes) -> Worker:
        worker = self.workers[worker_id] = Worker(worker_id)
        return worker

    # ---- functions and tasks -------------------------------------------------------------

    def _on_FunctionExported(self, e: ev.FunctionExported) -> None:
        self.functions[e.fn_id] = e.blob

    def _on_TaskSubmitted(self, e: ev.TaskSubmitted) -> None:
        spec = e.spec
        task = Task(spec, retries_left=spec.max_retries)
        self.tasks[spec.task_id] = task
        parent = self.tasks.get(spec.parent_task) if spec.parent_task else None
        if parent is not None:
            parent.children.append(spec.task_id)
        self._register(task)                    # the submitter holds a handle to each output
        unmet = self._unmet_resources(spec.resources)
        if spec.kind == "actor_create":
            self._actor_submitted(task)
            actor = self.actors[spec.actor_id]
            if actor.state == "dead" or unmet:
                self._actor_dies(actor, actor.death or unmet)
                self._finish_with_error(task, self._actor_error(actor, actor.death))
                return
        elif spec.kind == "actor_call":
            self._actor_call_submitted(task)
            if task.state == "finished":
                return
        if unmet:
            self._finish_with_error(task, exceptions.TaskUnschedulableError(unmet))
        elif parent is not None and parent.cancelled:
            self._finish_with_error(task, exceptions.TaskCancelledError(ids.short(spec.task_id)))
        elif not task.missing:
            self._transition(task, "ready")

    def _register(self, task: Task) -> None:
        """Count one handle per output, pin the arguments, note which arguments are missing."""
        spec = task.spec
        for oid in spec.return_ids:
            obj = self._object(oid)
            obj.refs += 1
            obj.producer = spec.task_id
        for oid in spec.pinned:
            self._incref(oid)
        for oid in spec.deps:
            dep = self._incref(oid)
            if dep.data is None:
                task.missing.add(oid)
                dep.dependents.add(spec.task_id)

    def _unmet_resources(self, wanted: dict[str, float]) -> str | None:
        for name, amount in wanted.items():
            if amount > self.total.get(name, 0):
                have = self.total.get(name, 0)
                return (f"The task asks for {amount:g} {name} but the cluster has {have:g} "
                        f"(total resources: {self.total}); it could never run. Lower the request "
                        f"or pass more to init(num_cpus=..., resources={{...}}).")
        return None

    def _on_TaskDone(self, e: ev.TaskDone) -> None:
        task = self.tasks.get(e.task_id)
        worker = self.workers.get(e.worker)
        if worker is not None and worker.actor_id is not None:
            actor = self.actors.get(worker.actor_id)
            if actor is not None and e.task_id == actor.create.task_id:
                self._actor_created(actor, e.results, e.error_text)
                if task is not None and task.state == "running":
                    self._transition(task, "finished")
            elif task is not None and task.state == "running":
                self._actor_call_done(task, e)
            else:
                self._drop_results(e.results)
            return
        if worker is not None and worker.task == e.task_id:
            worker.task, worker.state = None, "idle"
            if task is not None:
                self._release(task, blocked=worker.blocked)
            worker.blocked = False
        if task is None or task.state != "running":
            self._drop_results(e.results)       # e.g. cancelled with force and already failed
            return
        retry = e.retryable and task.retries_left != 0 and not task.cancelled
        if retry:
            task.retries_left -= 1 if task.retries_left > 0 else 0
            self._drop_results(e.results)
            self._transition(task, "ready")
            return
        for oid, data, contains in e.results:
            self._store(oid, data, contains)
        self._transition(task, "finished")

    def _drop_results(self, results) -> None:
        for oid, data, contains in results:
            if data.kind == "shm":
                self.memory.reserved.pop(oid, None)
                self.memory.discard(data.payload[0], data.payload[1])
            for inner in contains:
                self._decref(inner)

    def _finish_with_error(self, task: Task, error: BaseException) -> None:
        data = error_data(error)
        for oid in task.spec.return_ids:
            self._store(oid, data, [])
        self._transition(task, "finished")

    def _transition(self, task: Task, to: str) -> None:
        old = task.state
        method = _TRANSITIONS.get((old, to))
        if method is None:
            msg = f"invalid task transition {old} -> {to} for {task.spec.name}"
            raise RuntimeError(msg)
        task.state = to
        getattr(self, method)(task, old)

    def _transition_waiting_ready(self, task: Task, old: str) -> None:
        kind = task.spec.kind
        if kind == "actor_call":
            self._pump_actor(self.actors[task.spec.actor_id])   # order is kept by the actor's queue
            return
        failed = self._failed_dependency(task)
        if failed is not None:
            # An argument failed: the task would only see the error, so it inherits it.
            if kind == "actor_create":
                actor = self.actors[task.spec.actor_id]
                actor.init_failed = True
                self._actor_dies(actor, "An argument of the actor's constructor failed.")
            self._finish_with_data(task, failed)
        elif kind == "actor_create":
            self._actor_ready_to_start(task)
        else:
            self.ready.setdefault(task.shape, deque()).append(task.spec.task_id)

    def _run_next(self, task: Task) -> None:
        """Depth first: a task whose last argument just arrived goes to the front of its queue.
        A chain of steps (read -> split, merge -> write) then streams each partition through,
        instead of finishing one step for every partition before the next starts — which would
        hold (and, past the budget, spill) every partition's intermediate result at once."""
        queue = self.ready.get(task.shape)
        if queue and queue[-1] == task.spec.task_id:
            queue.rotate(1)

    def _failed_dependency(self, task: Task) -> ObjectData | None:
        return next((self.objects[d].data for d in task.spec.deps if self.objects[d].data.is_error), None)

    def _finish_with_data(self, task: Task, data: ObjectData) -> None:
        for oid in task.spec.return_ids:
            self._store(oid, data, [])
        self._transition(task, "finished")

    _transition_running_ready = _transition_waiting_ready

    def _transition_ready_running(self, task: Task, old: str) -> None:
        if task.spec.kind == "actor_create":
            return                                  # sent when the actor's process says hello
        spec, worker = task.spec, self.workers[task.worker]
        for name, amount in spec.resources.items():
            self.available[name] = self.available.get(name, 0) - amount
        worker.state, worker.task = "busy", spec.task_id
        blob = None
        if spec.fn_id not in worker.functions:
            blob = self.functions.get(spec.fn_id)
            worker.functions.add(spec.fn_id)
        values = {oid: self.objects[oid].data for oid in spec.deps}
        self.out.append(ev.Send(worker.worker, (protocol.TASK, spec, blob, values)))

    def _transition_any_finished(self, task: Task, old: str) -> None:
        if old == "ready":
            queue = self.ready.get(task.shape)
            if queue and task.spec.task_id in queue:
                queue.remove(task.spec.task_id)
        self._record_lineage(task)
        keep = task.spec.kind == "actor_create"     # arguments stay for restarts (actors.py)
        for oid in task.spec.deps:
            self._objects_forget_dependent(oid, task.spec.task_id)
            if not keep:
                self._decref(oid)
        if not keep:
            for oid in task.spec.pinned:
                self._decref(oid)
        for oid in task.spec.return_ids:
            obj = self.objects.get(oid)
            if obj is not None:
                obj.producer = None
                if obj.refs <= 0:
                    self._free(obj)
        del self.tasks[task.spec.task_id]
        self._rerun_finished(task)

    def _objects_forget_dependent(self, oid: bytes, task_id: bytes) -> None:
        obj = self.objects.get(oid)
        if obj is not None:
            obj.dependents.discard(task_id)

    def _release(self, task: Task, blocked: bool) -> None:
        for name, amount in task.spec.resources.items():
            if name == "CPU" and blocked:
                continue                        # already given back when the worker blocked
            self.available[name] = self.available.get(name, 0) + amount

    # ---- dispatch ------------------------------------------------------------------------

    def _schedule(self) -> None:
        self._start_pending_actors()
        for shape, queue in self.ready.items():
            while queue:
                task = self.tasks[queue[0]]
                if not self._fits(task.spec.resources):
                    break
                worker = self._idle_worker(task.spec.fn_id)
                if worker is None:
                    starting = sum(1 for w in self.workers.values() if w.state == "starting")
                    # Workers blocked in get do not count: nested gets may go arbitrarily deep.
                    active = sum(1 for w in self.workers.values() if w.actor_id is None and not w.blocked)
                    if not starting and active < self.worker_cap:
                        self._spawn()           # resources are free but every worker is busy/blocked
                    return
                queue.popleft()
                task.worker = worker.worker
                self._transition(task, "running")

    def _fits(self, wanted: dict[str, float]) -> bool:
        return all(self.available.get(k, 0) >= v - 1e-9 for k, v in wanted.items())

    def _idle_worker(self, fn_id: bytes) -> Worker | None:
        fallback = None
        for worker in self.workers.values():
            if worker.state == "idle":
                if fn_id in worker.functions:
                    return worker
                fallback = fallback or worker
        return fallback

    # ---- cancel --------------------------------------------------------------------------

    def _on_CancelRequested(self, e: ev.CancelRequested) -> None:
        obj = self.objects.get(e.oid)
        if obj is None or obj.producer is None:
            return                              # finished already (or a put object): no-op
        self._cancel(self.tasks[obj.producer], e.force, e.recursive)

    def _cancel(self, task: Task, force: bool, recursive: bool) -> None:
        task.cancelled = True
        if recursive:
            for child_id in task.children:
                child = self.tasks.get(child_id)
                if child is not None and child.state != "finished":
                    self._cancel(child, force, recursive)
        if task.state in ("waiting", "ready"):
            self._finish_with_error(task, exceptions.TaskCancelledError(ids.short(task.spec.task_id)))
        elif task.state == "running":
            if force:
                worker = self.workers.get(task.worker)
                if worker is not None:
                    self.out.append(ev.KillWorker(worker.worker))
            else:
                self.out.append(ev.Send(task.worker, (protocol.INTERRUPT, task.spec.task_id)))

    # ---- objects -------------------------------------------------------------------------

    def _object(self, oid: bytes) -> Object:
        obj = self.objects.get(oid)
        if obj is None:
            obj = self.objects[oid] = Object(oid)
        return obj

    def _incref(self, oid: bytes) -> Object:
        obj = self._object(oid)
        obj.refs += 1
        return obj

    def _decref(self, oid: bytes) -> None:
        obj = self.objects.get(oid)
        if obj is None:
            return
        obj.refs -= 1
        if obj.refs <= 0 and obj.producer is None and not obj.dependents:
            self._free(obj)

    def _free(self, obj: Object) -> None:
        del self.objects[obj.oid]
        if obj.oid in self.actors:
            self._actor_out_of_scope(obj.oid)
        if obj.data is not None and obj.data.kind == "shm":
            self.memory.freed(obj.data.payload[0])
        elif obj.data is not None and obj.data.kind == "spilled":
            self.memory.spilled.pop(obj.oid, None)
            self.out.append(ev.DeleteFile(obj.data.payload[0]))
        for inner in obj.contains:
            self._decref(inner)

    def _on_RefChanged(self, e: ev.RefChanged) -> None:
        if e.delta < 0:
            self._decref(e.oid)
        elif e.oid in self.objects:
            self._incref(e.oid)
        # else: a handle to an object already freed (a ref smuggled past reference counting,
        # e.g. pickled out of band); leave it unknown so get reports ObjectLostError.

    def _on_ObjectPut(self, e: ev.ObjectPut) -> None:
        obj = self._object(e.oid)
        obj.refs += 1                               # the putter holds a handle
        obj.origin = "put()"
        self._store(e.oid, e.data, e.contains)

    def _store(self, oid: bytes, data: ObjectData, contains: list[bytes]) -> None:
        obj = self._object(oid)
        if obj.data is not None:                    # a duplicate result: keep the first
            if data.kind == "shm" and data.payload[0] != obj.data.payload[0]:
                self.memory.reserved.pop(oid, None)
                self.memory.discard(data.payload[0], data.payload[1])
            return
        obj.data, obj.contains = data, list(contains)
        self.memory.counted(data.nbytes)
        for inner in contains:
            self._incref(inner)
        if data.kind == "shm":
            self.memory.stored(oid, data.payload[0], data.payload[1])
        else:   # e.g. an error in place of a value whose file was granted, written, then deleted
            self.memory.reserved.pop(oid, None)
        for client in obj.subscribers:
            self.out.append(ev.Send(client, (protocol.OBJECT, oid, data)))
        obj.subscribers.clear()
        for task_id in list(obj.dependents):
            task = self.tasks.get(task_id)
            if task is not None and task.state == "waiting":
                task.missing.discard(oid)
                if not task.missing:
                    self._transition(task, "ready")
                    self._run_next(task)
        if obj.refs <= 0 and obj.producer is None and not obj.dependents:
            self._free(obj)

    def _on_Subscribed(self, e: ev.Subscribed) -> None:
        for oid in e.oids:
            obj = self.objects.get(oid)
            if obj is None:
                lost = exceptions.ObjectLostError(
                    f"Object {ids.short(oid)} does not exist: it was freed or never created.")
                self.out.append(ev.Send(e.client, (protocol.OBJECT, oid, error_data(lost))))
            elif obj.data is not None:
                self.out.append(ev.Send(e.client, (protocol.OBJECT, oid, obj.data)))
            else:
                obj.subscribers.add(e.client)

    def _on_AllocRequested(self, e: ev.AllocRequested) -> None:
        granted, reuse, spill = self.memory.allocate(e.oid, e.size)
        error = None if granted or spill else self._full_message(e.size)
        self.out.append(ev.Send(e.client, (protocol.ALLOC_REPLY, e.request_id, (error, reuse, spill))))

    def _on_Spilled(self, e: ev.Spilled) -> None:
        """Objects now live on disk; their shared memory is released (or reused)."""
        for oid, shm_path, disk_path, disk_bytes in e.files:
            obj = self.objects.get(oid)
            if obj is None or obj.data is None or obj.data.kind != "shm" or obj.data.payload[0] != shm_path:
                self.out.append(ev.DeleteFile(disk_path))     # freed meanwhile
                continue
            _, size, inband_len, spans = obj.data.payload
            obj.data = ObjectData("spilled", (disk_path, size, inband_len, spans), obj.data.is_error)
            self.memory.spilled_to_disk(shm_path, disk_bytes)

    def _on_FileMapped(self, e: ev.FileMapped) -> None:
        if e.mapped:
            self.memory.mapped(e.client, e.path)
        else:
            self.memory.unmapped(e.client, e.path)

    def _full_message(self, size: int) -> str:
        mem = self.memory
        held = sorted((o for o in self.objects.values() if o.data is not None and o.data.kind == "shm"),
                      key=lambda o: -o.data.nbytes)
        top = ", ".join(f"{ids.short(o.oid)} ({o.data.nbytes / 2**20:.1f} MiB, {o.refs} reference(s))"
                        for o in held[:5]) or "none"
        mib = 2 ** 20
        return (f"Cannot store an object of {size / mib:.1f} MiB, even after spilling every object "
                f"that can be spilled (objects read by running tasks or held by live views cannot): "
                f"the object store's budget is "
                f"{mem.budget / mib:.1f} MiB and {mem.used / mib:.1f} MiB are in use — "
                f"{(mem.used - mem.held_by_views()) / mib:.1f} MiB by {len(held)} live object(s), "
                f"{mem.held_by_views() / mib:.1f} MiB by views (arrays or frames returned by get) of "
                f"freed objects — plus {sum(mem.reserved.values()) / mib:.1f} MiB being written. "
                f"Largest objects: {top}. Delete ObjectRefs you no longer need and the values "
                f"get returned for them, or raise init(object_store_memory=...).")

    # ---- misc ----------------------------------------------------------------------------

    def _on_InfoRequested(self, e: ev.InfoRequested) -> None:
        info = {"total": dict(self.total), "available": dict(self.available),
                "workers": {w.pid: w.state for w in self.workers.values()},
                "objects": len(self.objects), "store_used": self.memory.used,
                "budget": self.memory.budget, "pool": self.memory.pool_bytes,
                "shm_dir": self.shm_dir}
        self.out.append(ev.Send(e.client, (protocol.INFO_REPLY, e.request_id, info)))

    def _on_MemoryRequested(self, e: ev.MemoryRequested) -> None:
        rows = []
        for obj in self.objects.values():
            data = obj.data
            where = "pending" if data is None else {"inline": "inline", "shm": "shared memory",
                                                     "spilled": "spilled"}[data.kind]
            mappers = len(self.memory.files[data.payload[0]].mappers) if where == "shared memory" else 0
            rows.append({"object_id": obj.oid.hex(), "size": data.nbytes if data else 0, "where": where,
                         "references": obj.refs, "contained_in_others": None, "views": mappers,
                         "tasks_waiting": len(obj.dependents), "is_error": bool(data and data.is_error),
                         "actor": obj.oid in self.actors})
        totals = {"budget": self.memory.budget, "used": self.memory.used,
                  "held_by_views": self.memory.held_by_views(), "pool": self.memory.pool_bytes,
                  "spilled": sum(self.memory.spilled.values()),
                  "spilled_total": self.memory.spilled_total, "peak_used": self.memory.peak_used,
                  "objects_total": self.memory.objects_total, "bytes_total": self.memory.bytes_total}
        self.out.append(ev.Send(e.client, (protocol.INFO_REPLY, e.request_id, (rows, totals))))

    def _on_Log(self, e: ev.Log) -> None:
        worker = self.workers.get(e.client)
        pid = worker.pid if worker else None
        for driver in self.drivers:
            self.out.append(ev.Send(driver, (protocol.PRINT, pid, e.text, e.stream)))


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "exit status unknown"
    if exitcode < 0:
        import signal
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"
