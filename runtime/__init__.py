"""runtime: a task runtime with Ray Core's API, embedded by default.

``import runtime as ray`` runs Ray Core programs: ``init``, ``@remote``, ``put``, ``get``, ``wait``,
``cancel``, ``ObjectRef`` and Ray's exception classes.
"""

__version__ = "0.1.0"

import atexit as _atexit

from . import exceptions
from .actor import ActorClass, ActorHandle, get_actor, kill, method
from .api import (
                  available_resources,
                  cancel,
                  cluster_resources,
                  get,
                  get_gpu_ids,
                  get_runtime_context,
                  init,
                  is_initialized,
                  memory_summary,
                  nodes,
                  put,
                  shutdown,
                  wait,
)
from .object_ref import ObjectRef
from .remote_function import remote
from . import util  # noqa: E402 - Ray's ``ray.util`` is there after ``import ray``

_atexit.register(shutdown)

__all__ = [
    "ActorClass", "ActorHandle", "get_actor", "kill", "method", "ObjectRef", "available_resources", "cancel", "cluster_resources", "exceptions", "get",
    "get_gpu_ids", "get_runtime_context", "init", "is_initialized", "memory_summary", "nodes", "put", "remote",
    "shutdown", "util", "wait", "__version__",
]
