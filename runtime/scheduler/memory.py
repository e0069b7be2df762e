"""Shared-memory bookkeeping of the scheduler core: the budget, who maps which file, and a pool
of freed files kept for reuse.  Pure: it only appends instructions to the scheduler's list.

Why a pool: writing into fresh tmpfs pages pays a page fault per 4 KiB (about 1 GB/s here);
writing into pages a freed object already touched runs at memory speed.  A freed file may be
reused only when no process maps it any more — a zero-copy view returned by ``get`` may outlive
its ``ObjectRef`` — so processes report when they map a file and when that mapping dies.  Until
then the freed file still counts against the budget (its memory is really held).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import protocol
from . import events as ev


@dataclass(slots=True)
class File:
    size: int
    oid: bytes
    mappers: set[bytes] = field(default_factory=set)
    live: bool = True                     # an object still lives in it
    spilling: bool = False                # chosen to be written to disk
    recyclable: bool = True               # may go to the reuse pool once nobody maps it


class SharedMemory:
    def __init__(self, budget: int, out: list, pool_cap: int | None = None, spill_dir: str | None = None):
        self.budget = budget
        self.out = out
        self.spill_dir = spill_dir
        self.spilled: dict[bytes, int] = {}   # object id -> bytes on disk
        self.spilled_total = 0            # bytes ever written to disk (for memory_summary, tests)
        self.used = 0                     # bytes of live objects' files + freed files still mapped
        self.peak_used = 0                # high-water mark of ``used``
        # Every value ever stored (put or task result), inline or in shared memory: what tests
        # and benchmarks count to see how often a computation writes its data.
        self.objects_total = 0
        self.bytes_total = 0
        self.reserved: dict[bytes, int] = {}
        self.files: dict[str, File] = {}
        self.pool: dict[str, int] = {}    # freed, unmapped files ready for reuse (oldest first)
        # Big enough to recycle a large object, small enough to bound memory held beyond budget.
        self.pool_cap = min(budget // 2, 2 << 30) if pool_cap is None else pool_cap

    def counted(self, nbytes: int) -> None:
        """A value of ``nbytes`` was stored (counted once per object, wherever it lives)."""
        self.objects_total += 1
        self.bytes_total += nbytes

    @property
    def pool_bytes(self) -> int:
        return sum(self.pool.values())

    def allocate(self, oid: bytes, size: int) -> tuple[bool, str | None, list]:
        """Reserve ``size`` bytes.

        Returns (granted, path of a pooled file to reuse or None, files to spill first).  When the
        budget is full, the oldest objects that no process maps are chosen for spilling: the
        caller writes them to disk, reports ``Spilled`` and asks again.
        """
        over = self.used + sum(self.reserved.values()) + size - self.budget
        if over > 0:
            return False, None, self._spill_plan(over)
        self.reserved[oid] = size
        granted, reuse = True, self._reuse(size)
        return granted, reuse, []

    def _spill_plan(self, needed: int) -> list[tuple[bytes, str, str]]:
        if self.spill_dir is None:
            return []
        plan, freed = [], 0
        for path, f in self.files.items():
            if f.live and not f.mappers and not f.spilling:
                plan.append((f.oid, path, f"{self.spill_dir}/{f.oid.hex()}"))
                freed += f.size
                if freed >= needed:
                    break
        if freed < needed:
            return []
        for _, path, _ in plan:
            self.files[path].spilling = True
        return plan

    def spilled_to_disk(self, path: str, disk_bytes: int) -> None:
        f = self.files.get(path)
        if f is not None:
            self.spilled[f.oid] = disk_bytes
            self.spilled_total += disk_bytes
            # Never reuse a spilled file: a process may have mapped it (its object was live and
            # referenced) with its MAPPED report still on the way.  Deleting is safe — views
            # keep their pages — overwriting is not.
            f.recyclable = False
            self.freed(path)

    def _reuse(self, size: int) -> str | None:
        fits = [(s, p) for p, s in self.pool.items() if s >= size]
        if not fits:
            return None
        _, path = min(fits)
        del self.pool[path]
        return path

    def stored(self, oid: bytes, path: str, size: int) -> None:
        self.reserved.pop(oid, None)
        self.used += size
        self.peak_used = max(self.peak_used, self.used)
        self.files[path] = File(size, oid)

    def freed(self, path: str) -> None:
        """The object in ``path`` is gone; its file is reused once nobody maps it."""
        f = self.files.get(path)
        if f is None:
            return
        f.live = False
        for client in f.mappers:
            self.out.append(ev.Send(client, (protocol.FREED, path)))
        if not f.mappers:
            self._release(path)

    def mapped(self, client: bytes, path: str) -> None:
        f = self.files.get(path)
        if f is not None:
            f.mappers.add(client)

    def unmapped(self, client: bytes, path: str) -> None:
        f = self.files.get(path)
        if f is None:
            return
        f.mappers.discard(client)
        if not f.live and not f.mappers:
            self._release(path)

    def client_gone(self, client: bytes) -> None:
        for path, f in list(self.files.items()):
            if client in f.mappers:
                self.unmapped(client, path)

    def discard(self, path: str, size: int) -> None:
        """A file no object will ever live in (a dropped duplicate result): recycle it."""
        self._recycle(path, size)

    def _release(self, path: str) -> None:
        f = self.files.pop(path)
        self.used -= f.size
        if f.recyclable:
            self._recycle(path, f.size)
        else:
            self.out.append(ev.DeleteFile(path))

    def _recycle(self, path: str, size: int) -> None:
        if size > self.pool_cap:
            self.out.append(ev.DeleteFile(path))
            return
        self.pool[path] = size
        while self.pool_bytes > self.pool_cap:
            oldest = next(iter(self.pool))
            del self.pool[oldest]
            self.out.append(ev.DeleteFile(oldest))

    def forget(self, path: str) -> None:
        """The file vanished behind our back: stop counting it."""
        f = self.files.pop(path, None)
        if f is not None:
            self.used -= f.size

    def held_by_views(self) -> int:
        return sum(f.size for f in self.files.values() if not f.live)
