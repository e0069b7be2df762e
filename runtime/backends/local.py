"""The embedded node: a scheduler process and its workers on this machine.

Session files live in two places, both removed at shutdown and by the scheduler if the driver
dies: a 0700 directory under the temp dir for the socket (so no other local user can connect and
send work — unpickling is code execution), and a directory in /dev/shm for shared-memory objects.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import psutil

from .. import config, ids
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
