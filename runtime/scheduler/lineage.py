"""Lineage reconstruction rules of the scheduler core (mixed into ``Scheduler``).

Values in messages live in the scheduler and cannot be lost; a value in a file can (the file was
deleted behind our back, a spill file vanished).  For those, the task that made the value is
remembered, and when a reader reports the file gone, the task runs again — as Ray does, up to the
task's ``max_retries``.  A ``put`` object, or a task whose inputs are gone, cannot be rebuilt:
readers get ``ObjectLostError`` naming the object and the call that created it.
"""

from __future__ import annotations

import dataclasses

from .. import exceptions, ids
from . import events as ev
from .state import Task


class LineageRules:
    def _record_lineage(self, task: Task) -> None:
        spec = task.spec
        for oid in spec.return_ids:
            obj = self.objects.get(oid)
            if obj is None or obj.data is None:
                continue
            obj.origin = f"{spec.name}()"
            if spec.kind == "task" and obj.data.kind != "inline" and not obj.data.is_error:
                obj.lineage = spec

    def _on_ObjectLost(self, e: ev.ObjectLost) -> None:
        obj = self.objects.get(e.oid)
        if obj is None or obj.data is None or obj.data.kind == "inline" or obj.data.payload[0] != e.path:
            return                      # already rebuilt or moved: the reader will be told anew
        if obj.data.kind == "shm":
            self.memory.forget(e.path)
        else:
            self.memory.spilled.pop(obj.oid, None)
        spec = obj.lineage
        why = self._cannot_rebuild(obj, spec)
        if why:
            error = exceptions.ObjectLostError(
                f"Object {ids.short(obj.oid)} created by {obj.origin or 'an unknown call'} was lost "
                f"(its file {e.path} is gone) and cannot be reconstructed: {why}.")
            obj.data = None
            self._store(obj.oid, ev.error_data(error), [])
            return
        obj.rebuilds += 1
        for oid in spec.return_ids:     # every output of the rerun is expected again
            other = self.objects.get(oid)
            if other is not None and other.data is not None and other.data.kind != "inline":
                if oid == obj.oid:
                    other.data = None
        obj.data = None
        self._resubmit(spec)

    def _cannot_rebuild(self, obj, spec) -> str | None:
        if spec is None:
            return "it was made by put() (or an actor), which keeps no lineage"
        if spec.max_retries >= 0 and obj.rebuilds >= max(spec.max_retries, 1):
            return f"it was already rebuilt {obj.rebuilds} time(s) (max_retries={spec.max_retries})"
        missing = [d for d in spec.deps + spec.pinned if d not in self.objects]
        if missing:
            return f"the inputs of {spec.name}() were freed ({len(missing)} missing)"
        return None

    def _resubmit(self, spec) -> None:
        """Run a finished task again for its lost outputs (nobody gains a new handle)."""
        spec = dataclasses.replace(spec, task_id=ids.new_id(), parent_task=None)
        task = Task(spec, retries_left=spec.max_retries)
        self.tasks[spec.task_id] = task
        task.rerun = True
        self._register(task)            # its output handles are dropped in _rerun_finished
        if not task.missing:
            self._transition(task, "ready")

    def _rerun_finished(self, task: Task) -> None:
        if task.rerun:
            for oid in task.spec.return_ids:
                self._decref(oid)
