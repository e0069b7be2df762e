"""The embedded node: a scheduler process and its workers on this machine.

Session files live in two places, both removed at shutdown and by the scheduler if the driver
dies: a 0700 directory under the temp dir for the socket (so no other local user can connect and
send work — unpickling is code execution), and a directory in /dev/shm for shared-memory objects.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import psutil

from .. import config, ids, protocol
from ..client import Client


class LocalNode:
    def __init__(self, num_cpus: int | None, resources: dict[str, float],
                 object_store_memory: int | None, env_vars: dict[str, str]):
        self.session = ids.new_id().hex()[:16]
        self.session_dir = tempfile.mkdtemp(prefix=f"runtime-{self.session}-")  # mode 0700
        self.shm_dir = os.path.join(config.get("shm_root"), f"runtime-{self.session}")
        os.mkdir(self.shm_dir, 0o700)
        self.address = f"ipc://{self.session_dir}/scheduler.sock"
        cpus = os.cpu_count() if num_cpus is None else num_cpus
        budget = object_store_memory or int(psutil.virtual_memory().total * config.get("object_store_fraction"))
        spill_root = config.get("spill_dir") or tempfile.gettempdir()
        self.spill_dir = os.path.join(spill_root, f"runtime-spill-{self.session}")
        cfg = {"address": self.address, "shm_dir": self.shm_dir, "session_dir": self.session_dir,
               "spill_dir": self.spill_dir,
               "driver_pid": os.getpid(),
               "resources": {"CPU": float(cpus), **resources}, "object_store_memory": budget,
               "sys_path": [p for p in sys.path if p]}
        env = dict(os.environ)
        env.update({k: str(v) for k, v in env_vars.items()})
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        # A new session: Ctrl-C in the driver's terminal must not reach the scheduler or workers.
        self.proc = subprocess.Popen([sys.executable, "-m", "runtime.scheduler.server", json.dumps(cfg)],
                                     env=env, cwd=os.getcwd(), stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.info = {"address": self.address, "session_dir": self.session_dir,
                     "node_id": self.session, "num_cpus": cpus, "object_store_memory": budget}

    def connect(self) -> Client:
        return Client(self.address, ids.new_id(), "driver", self.shm_dir, scheduler_pid=self.proc.pid)

    def stop(self) -> None:
        try:
            self.proc.wait(timeout=config.get("shutdown_grace_s"))
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=config.get("shutdown_grace_s"))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.shm_dir, ignore_errors=True)
        shutil.rmtree(self.session_dir, ignore_errors=True)
        shutil.rmtree(self.spill_dir, ignore_errors=True)


class AttachedNode:
    """A node another driver started on this machine: ``init(address="auto" | "ipc://...")``.

    We connect as one more driver; ``shutdown()`` only disconnects, the node keeps running.
    """

    def __init__(self, address: str):
        self.address = self._resolve(address)
        self.session_dir = os.path.dirname(self.address[len("ipc://"):])
        self.info = {"address": self.address, "session_dir": self.session_dir}

    @staticmethod
    def _resolve(address: str) -> str:
        if address == "auto":
            pattern = os.path.join(tempfile.gettempdir(), "runtime-*", "scheduler.sock")
            mine = [p for p in glob.glob(pattern) if os.stat(p).st_uid == os.getuid()]
            if not mine:
                msg = ("init(address='auto') found no running runtime on this machine; start one with "
                       "init() in another process, or call init() without an address.")
                raise ConnectionError(msg)
            return "ipc://" + max(mine, key=os.path.getmtime)
        if not address.startswith("ipc://"):
            msg = (f"init(address={address!r}): only local ipc:// addresses (or 'auto') are supported; "
                   f"to use a cluster, run the program on Ray itself.")
            raise ConnectionError(msg)
        if not os.path.exists(address[len("ipc://"):]):
            msg = f"init(address={address!r}): no runtime is listening there."
            raise ConnectionError(msg)
        return address

    def connect(self) -> Client:
        client = Client(self.address, ids.new_id(), "driver", shm_dir="")
        info = client.request(protocol.INFO, timeout=10)
        client.shm_dir = info["shm_dir"]
        self.info.update(num_cpus=info["total"].get("CPU"), object_store_memory=info["budget"])
        return client

    def stop(self) -> None:
        pass
