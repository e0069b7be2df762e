"""The scheduler process: a thin ZeroMQ loop around the pure core in machine.py.

It turns messages and process exits into events, feeds them to the core, and carries out the
instructions: sending messages (coalesced per client into batches), spawning and killing workers,
deleting shared-memory files.  Worker deaths are seen through process file descriptors (pidfd) in
the same poll as the socket, so a crash is noticed at once.  When the driver that started us dies
— even by SIGKILL — we see its pidfd too, kill the workers and remove the session's files.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys

import zmq

from .. import config, protocol
from . import events as ev
from .machine import Scheduler

log = logging.getLogger("runtime.scheduler")


class Server:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.context = zmq.Context()
        self.router = self.context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind(cfg["address"])
        self.poller = zmq.Poller()
        self.poller.register(self.router, zmq.POLLIN)
        self.driver_fd = os.pidfd_open(cfg["driver_pid"])
        self.poller.register(self.driver_fd, zmq.POLLIN)
        self.procs: dict[bytes, subprocess.Popen] = {}
        self.pidfds: dict[int, bytes] = {}
        self.connected: set[bytes] = set()           # clients whose receive socket said hello
        self.greeted: set[bytes] = set()             # clients the core has been told about
        self.held: dict[bytes, list] = {}            # messages for clients not connected yet
        os.makedirs(cfg["spill_dir"], mode=0o700, exist_ok=True)
        self.core = Scheduler(cfg["resources"], cfg["object_store_memory"], spill_dir=cfg["spill_dir"],
                              shm_dir=cfg["shm_dir"])
        self.owner: bytes | None = None              # the driver that started us (by pid)
        self.running = True

    # ---- the loop --------------------------------------------------------------------------

    def serve(self) -> None:
        self.execute(self.core.start())
        while self.running:
            for item, _ in self.poller.poll():
                if item is self.router:
                    self.drain()
                elif item == self.driver_fd:
                    self.running = False
                elif item in self.pidfds:
                    self.reap(item)

    def drain(self) -> None:
        """Handle every message waiting (up to a bound), then send the replies in batches."""
        out: list = []
        for _ in range(10_000):
            try:
                frames = self.router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            identity = frames[0]
            try:
                msg = protocol.decode(frames[1])
                for event in self.events(identity, msg):
                    out.extend(self.core.handle(event))
            except Exception as exc:  # noqa: BLE001 - a bad message must never take the scheduler down
                log.exception("dropping a message from %r that could not be handled", identity)
                self._fail_request(identity[:-1], frames[1], exc)
        self.execute(out)

    def _fail_request(self, client: bytes, frame: bytes, exc: Exception) -> None:
        """A request that failed still gets a reply, so its caller raises instead of hanging."""
        try:
            msg = protocol.decode(frame)
        except Exception:  # noqa: BLE001
            return
        if msg and msg[0] in protocol.REQUESTS:
            reply = protocol.ALLOC_REPLY if msg[0] == protocol.ALLOC else protocol.INFO_REPLY
            text = f"the scheduler could not handle {msg[0]!r}: {type(exc).__name__}: {exc}"
            self._send(client, (reply, msg[1], protocol.RequestFailed(text)))

    def events(self, identity: bytes, msg: tuple):
        client, kind = identity[:-1], msg[0]
        if kind == protocol.BATCH:
            for inner in msg[1]:
                yield from self.events(identity, inner)
        elif kind == protocol.HELLO:
            if identity.endswith(b"r"):         # replies can go out now
                self.connected.add(client)
                for held in self.held.pop(client, ()):
                    self._send(client, held)
            if client not in self.greeted:      # the first of the client's two hellos
                self.greeted.add(client)
                if msg[2] == "driver" and msg[3] == self.cfg["driver_pid"]:
                    self.owner = client
                yield ev.ClientHello(client, msg[2], msg[3])
        elif kind == protocol.SUBMIT:
            yield ev.TaskSubmitted(client, msg[1])
        elif kind == protocol.DONE:
            yield ev.TaskDone(client, *msg[1:])
        elif kind == protocol.SUBSCRIBE:
            yield ev.Subscribed(client, msg[1])
        elif kind == protocol.INCREF:
            yield ev.RefChanged(msg[1], +1)
        elif kind == protocol.DECREF:
            yield ev.RefChanged(msg[1], -1)
        elif kind == protocol.LOST:
            yield ev.ObjectLost(client, msg[1], msg[2])
        elif kind == protocol.SPILLED:
            yield ev.Spilled(client, msg[1])
        elif kind in (protocol.MAPPED, protocol.UNMAPPED):
            yield ev.FileMapped(client, msg[1], kind == protocol.MAPPED)
        elif kind == protocol.PUT:
            yield ev.ObjectPut(client, msg[1], msg[2], msg[3])
        elif kind == protocol.ALLOC:
            yield ev.AllocRequested(client, msg[1], msg[2], msg[3])
        elif kind == protocol.EXPORT:
            yield ev.FunctionExported(msg[1], msg[2])
        elif kind == protocol.CANCEL:
            yield ev.CancelRequested(msg[1], msg[2], msg[3])
        elif kind in (protocol.BLOCKED, protocol.UNBLOCKED):
            yield ev.WorkerBlocked(client, kind == protocol.BLOCKED)
        elif kind == protocol.LOG:
            yield ev.Log(client, msg[1], msg[2] if len(msg) > 2 else "stdout")
        elif kind == protocol.INFO:
            yield ev.InfoRequested(client, msg[1])
        elif kind == protocol.MEMORY:
            yield ev.MemoryRequested(client, msg[1])
        elif kind == protocol.KILL_ACTOR:
            yield ev.ActorKilled(msg[1], msg[2])
        elif kind == protocol.ACTOR_EXIT:
            yield ev.ActorExiting(client)
        elif kind == protocol.GET_ACTOR:
            yield ev.ActorLookup(client, msg[1], msg[2], msg[3])
        elif kind == protocol.SHUTDOWN:
            # Only the driver that started us (it may say so before its hello arrives, which
            # travels on its other socket); other drivers only disconnect.
            if client == self.owner or msg[1:] == (self.cfg["driver_pid"],):
                self.running = False
        else:
            log.warning("unknown message kind %r from %r", kind, identity)

    # ---- instructions ----------------------------------------------------------------------

    def execute(self, instructions: list) -> None:
        outgoing: dict[bytes, list] = {}
        for ins in instructions:
            if isinstance(ins, ev.Send):
                outgoing.setdefault(ins.client, []).append(ins.msg)
            elif isinstance(ins, ev.SpawnWorker):
                self.spawn(ins.worker)
            elif isinstance(ins, ev.KillWorker):
                proc = self.procs.get(ins.worker)
                if proc is not None:
                    proc.kill()
            elif isinstance(ins, ev.DeleteFile):
                try:
                    os.unlink(ins.path)
                except FileNotFoundError:
                    pass
        for client, msgs in outgoing.items():
            self._send(client, msgs[0] if len(msgs) == 1 else (protocol.BATCH, msgs))

    def _send(self, client: bytes, msg: tuple) -> None:
        if client not in self.connected:
            self.held.setdefault(client, []).append(msg)
            return
        try:
            self.router.send_multipart([client + b"r", protocol.encode(msg)])
        except zmq.ZMQError:  # EHOSTUNREACH: the client is gone
            self.connected.discard(client)
            self.execute(self.core.handle(ev.ClientGone(client)))

    def spawn(self, worker: bytes) -> None:
        cfg = {"address": self.cfg["address"], "worker_id": worker.hex(),
               "shm_dir": self.cfg["shm_dir"], "sys_path": self.cfg["sys_path"]}
        proc = subprocess.Popen([sys.executable, "-m", "runtime.worker.main", json.dumps(cfg)],
                                stdin=subprocess.DEVNULL)
        self.procs[worker] = proc
        fd = os.pidfd_open(proc.pid)
        self.pidfds[fd] = worker
        self.poller.register(fd, zmq.POLLIN)

    def reap(self, fd: int) -> None:
        worker = self.pidfds.pop(fd)
        self.poller.unregister(fd)
        os.close(fd)
        proc = self.procs.pop(worker)
        exitcode = proc.wait()
        # What the worker sent before it died (results of finished calls) must count before its
        # death does, or those calls would be retried as if they had been lost.
        for _ in range(5):
            if not self.router.poll(20):
                break
            self.drain()
        self.connected.discard(worker)
        self.greeted.discard(worker)
        self.execute(self.core.handle(ev.WorkerDied(worker, exitcode)))

    # ---- the end ---------------------------------------------------------------------------

    def close(self) -> None:
        # The driver's death arrives twice (its pidfd and PDEATHSIG's SIGTERM): the second must
        # not interrupt this cleanup halfway.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in self.procs.values():
            proc.kill()
        for proc in self.procs.values():
            proc.wait()
        shutil.rmtree(self.cfg["shm_dir"], ignore_errors=True)
        shutil.rmtree(self.cfg["session_dir"], ignore_errors=True)
        shutil.rmtree(self.cfg["spill_dir"], ignore_errors=True)
        self.router.close(linger=0)
        self.context.term()


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    from ..worker.main import die_with_parent

    signal.signal(signal.SIGTERM, _exit_on_signal)
    die_with_parent(signal.SIGTERM)   # cleanup runs in the handler's SystemExit path
    logging.basicConfig(level=logging.WARNING, format="runtime scheduler: %(message)s")
    server = Server(cfg)
    profile_path = config.get("scheduler_profile")
    try:
        if profile_path:  # for tuning: cProfile stats of the loop, read with pstats
            import cProfile
            cProfile.runctx("server.serve()", globals(), locals(), profile_path)
        else:
            server.serve()
    finally:
        while True:
            # The driver's death arrives twice (its pidfd, then PDEATHSIG's SIGTERM); the
            # second can land before ``close`` ignores SIGTERM and cut it short, leaving the
            # session's files behind (seen on a loaded machine): close again, it is idempotent.
            try:
                server.close()
                break
            except SystemExit:
                continue


if __name__ == "__main__":
    main()
