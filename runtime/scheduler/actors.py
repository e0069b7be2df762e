"""Actor rules of the scheduler core (mixed into ``Scheduler``): still pure, still events in,
instructions out.

An actor is a dedicated worker process plus a FIFO of calls.  Calls are sent to it in submission
order once their arguments exist; the worker runs them in that order (or concurrently, for
threaded and async actors).  The actor's handles are references to an object keyed by the actor
id, so the ordinary reference counting tells when the last handle is gone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from .. import exceptions, protocol
from . import events as ev
from .events import TaskSpec

ActorState = Literal["pending", "alive", "restarting", "dead"]


@dataclass(slots=True)
class Actor:
    actor_id: bytes
    create: TaskSpec
    state: ActorState = "pending"
    worker: bytes | None = None
    restarts_left: int = 0
    calls: deque = field(default_factory=deque)     # call task ids not sent yet, in order
    inflight: list = field(default_factory=list)     # sent to the worker, not done, in order
    death: str | None = None
    init_failed: bool = False
    out_of_scope: bool = False
    holding: bool = False                            # resources reserved for its lifetime

    @property
    def options(self) -> dict:
        return self.create.actor


class ActorRules:
    """Methods of ``Scheduler`` that deal with actors (see machine.py for the shared state)."""

    # ---- creation ------------------------------------------------------------------------

    def _actor_submitted(self, task) -> None:
        spec = task.spec
        opts = spec.actor
        actor = Actor(spec.actor_id, spec, restarts_left=opts.get("max_restarts", 0))
        self.actors[spec.actor_id] = actor
        key = (opts.get("namespace"), opts.get("name"))
        if key[1]:
            if key in self.actor_names:
                self._actor_dies(actor, f"The name {key[1]!r} (namespace={key[0]!r}) is already taken.")
                return
            self.actor_names[key] = spec.actor_id

    def _actor_ready_to_start(self, task) -> None:
        """The constructor's arguments exist: start a process when its resources fit."""
        self.pending_actors.append(task.spec.actor_id)

    def _start_pending_actors(self) -> None:
        while self.pending_actors:
            actor = self.actors.get(self.pending_actors[0])
            if actor is None or actor.state == "dead":
                self.pending_actors.popleft()
                continue
            if not self._fits(actor.create.resources):
                return
            self.pending_actors.popleft()
            for name, amount in actor.create.resources.items():
                self.available[name] = self.available.get(name, 0) - amount
            actor.holding = True
            self._spawn_actor_worker(actor)
            task = self.tasks.get(actor.create.task_id)
            if task is not None and task.state == "ready":
                task.worker = actor.worker
                self._transition(task, "running")

    def _spawn_actor_worker(self, actor: Actor) -> None:
        worker_id = self.new_worker_id()
        worker = self._new_worker(worker_id)
        worker.actor_id = actor.actor_id
        actor.worker = worker_id
        self.out.append(ev.SpawnWorker(worker_id, actor=True))

    def _actor_worker_ready(self, worker) -> None:
        actor = self.actors.get(worker.actor_id)
        if actor is None or actor.state == "dead":
            self.out.append(ev.KillWorker(worker.worker))
            return
        worker.state = "busy"
        spec = actor.create
        values = {oid: self.objects[oid].data for oid in spec.deps}
        self.out.append(ev.Send(worker.worker, (protocol.TASK, spec, self.functions.get(spec.fn_id), values)))

    def _actor_created(self, actor: Actor, results, error_text: str | None) -> None:
        first = actor.state == "pending"
        if error_text is not None:
            actor.init_failed = True
            self._actor_dies(actor, f"The actor's constructor raised: {error_text}", kill=True)
        else:
            actor.state = "alive"
        if first:
            # The creation "result" (None, or the error) is the object the handles refer to.
            for oid, data, contains in results:
                self._store(oid, data, contains)
        else:
            self._drop_results(results)
        self._pump_actor(actor)

    # ---- calls ---------------------------------------------------------------------------

    def _actor_call_submitted(self, task) -> None:
        actor = self.actors.get(task.spec.actor_id)
        if actor is None or actor.state == "dead":
            why = actor.death if actor else "The actor does not exist (it was killed or went out of scope)."
            self._finish_with_error(task, self._actor_error(actor, why))
            return
        task.retries_left = actor.options.get("max_task_retries", 0)
        actor.calls.append(task.spec.task_id)

    def _pump_actor(self, actor: Actor) -> None:
        """Send the calls at the head of the queue whose arguments exist, keeping their order."""
        if actor.state != "alive":
            return
        while actor.calls:
            task = self.tasks.get(actor.calls[0])
            if task is None:                    # cancelled while queued
                actor.calls.popleft()
                continue
            if task.state == "waiting":
                return
            actor.calls.popleft()
            failed = self._failed_dependency(task)
            if failed is not None:
                self._finish_with_data(task, failed)
                continue
            task.state, task.worker = "running", actor.worker
            actor.inflight.append(task.spec.task_id)
            values = {oid: self.objects[oid].data for oid in task.spec.deps}
            self.out.append(ev.Send(actor.worker, (protocol.TASK, task.spec, None, values)))
        if actor.out_of_scope and not actor.inflight and not actor.options.get("detached"):
            self._actor_dies(actor, "The actor went out of scope: every handle to it was deleted.", kill=True)

    def _actor_call_done(self, task, e: ev.TaskDone) -> None:
        actor = self.actors.get(task.spec.actor_id)
        if actor is not None and e.task_id in actor.inflight:
            actor.inflight.remove(e.task_id)
        for oid, data, contains in e.results:
            self._store(oid, data, contains)
        self._transition(task, "finished")
        if actor is not None:
            self._pump_actor(actor)

    # ---- endings -------------------------------------------------------------------------

    def _actor_error(self, actor: Actor | None, why: str) -> exceptions.ActorDiedError:
        return exceptions.ActorDiedError(why, actor_init_failed=bool(actor and actor.init_failed))

    def _actor_worker_died(self, worker, exitcode) -> None:
        actor = self.actors.get(worker.actor_id)
        if actor is None or actor.worker != worker.worker:
            return                  # an old process of a restarted actor
        self._actor_lost(actor, _exit_text(exitcode))

    def _actor_lost(self, actor: Actor, why: str) -> None:
        """The actor's process is gone (or going): restart it, or the actor is dead."""
        actor.worker = None
        if actor.state != "dead" and actor.restarts_left != 0 and not actor.init_failed:
            actor.restarts_left -= 1 if actor.restarts_left > 0 else 0
            actor.state = "restarting"
            retry, fail = [], []
            for task_id in actor.inflight:
                task = self.tasks[task_id]
                if task.retries_left != 0:
                    task.retries_left -= 1 if task.retries_left > 0 else 0
                    task.state = "ready"
                    retry.append(task_id)
                else:
                    fail.append(task)
            actor.inflight = []
            actor.calls.extendleft(reversed(retry))
            actor.options["restarts"] = actor.options.get("restarts", 0) + 1
            for task in fail:
                self._finish_with_error(task, exceptions.RayActorError(
                    f"The actor died ({why}) while running {task.spec.name}(); it is "
                    f"restarting. Set max_task_retries to retry calls in flight."))
            self._spawn_actor_worker(actor)
            return
        if actor.state != "dead":
            self._actor_dies(actor, f"The actor died unexpectedly ({why}) and has no "
                                    f"restarts left (max_restarts={actor.options.get('max_restarts', 0)}).")
        self._fail_actor_calls(actor)

    def _actor_dies(self, actor: Actor, why: str, kill: bool = False) -> None:
        actor.state, actor.death = "dead", why
        key = (actor.options.get("namespace"), actor.options.get("name"))
        if self.actor_names.get(key) == actor.actor_id:
            del self.actor_names[key]
        if actor.holding:
            actor.holding = False
            for name, amount in actor.create.resources.items():
                self.available[name] = self.available.get(name, 0) + amount
        if kill and actor.worker is not None:
            self.out.append(ev.KillWorker(actor.worker))
        if actor.worker is None:
            self._fail_actor_calls(actor)
        for oid in actor.create.deps + actor.create.pinned:
            self._decref(oid)
        actor.create.deps, actor.create.pinned = [], []

    def _fail_actor_calls(self, actor: Actor) -> None:
        error = self._actor_error(actor, actor.death or "The actor died.")
        pending = actor.inflight + list(actor.calls)
        actor.inflight, actor.calls = [], deque()
        for task_id in pending:
            task = self.tasks.get(task_id)
            if task is not None:
                self._finish_with_error(task, error)

    def _actor_out_of_scope(self, actor_id: bytes) -> None:
        """The last handle is gone.  A dead actor's record (kept to explain calls) goes too."""
        actor = self.actors.get(actor_id)
        if actor is None:
            return
        if actor.state == "dead":
            del self.actors[actor_id]
            return
        if actor.options.get("detached"):
            return
        actor.out_of_scope = True
        if not actor.inflight and not actor.calls:
            self._actor_dies(actor, "The actor went out of scope: every handle to it was deleted.", kill=True)

    def _on_ActorKilled(self, e: ev.ActorKilled) -> None:
        actor = self.actors.get(e.actor_id)
        if actor is None or actor.state == "dead":
            return
        if e.no_restart:
            self._actor_dies(actor, "The actor was killed with kill().", kill=True)
        elif actor.worker is not None:
            # Calls submitted after kill() must wait for the new process, not go to the dying one.
            self.out.append(ev.KillWorker(actor.worker))
            self._actor_lost(actor, "killed with kill(no_restart=False)")

    def _on_ActorExiting(self, e: ev.ActorExiting) -> None:
        worker = self.workers.get(e.worker)
        actor = self.actors.get(worker.actor_id) if worker else None
        if actor is not None and actor.state != "dead":
            self._actor_dies(actor, "The actor exited: exit_actor() or __ray_terminate__ was called.")

    def _on_ActorLookup(self, e: ev.ActorLookup) -> None:
        actor_id = self.actor_names.get((e.namespace, e.name))
        actor = self.actors.get(actor_id) if actor_id else None
        reply = None
        if actor is not None and actor.state != "dead":
            reply = {"actor_id": actor_id, "meta": actor.options.get("meta")}
        self.out.append(ev.Send(e.client, (protocol.INFO_REPLY, e.request_id, reply)))


def _exit_text(exitcode) -> str:
    from .machine import _describe_exit

    return _describe_exit(exitcode)
