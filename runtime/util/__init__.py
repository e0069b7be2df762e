"""Utilities with Ray's ``ray.util`` API, built on the runtime's public calls.

``ActorPool`` (here), ``register_serializer``/``deregister_serializer``,
``runtime.util.queue.Queue`` and ``runtime.util.multiprocessing.Pool``.
"""

from ..serialization import deregister_serializer, register_serializer
from . import multiprocessing, queue
from .actor_pool import ActorPool

__all__ = ["ActorPool", "deregister_serializer", "multiprocessing", "queue", "register_serializer"]
