"""Utilities with Ray's ``ray.util`` API, built on the runtime's public calls.

``ActorPool`` (here), ``runtime.util.queue.Queue`` and ``runtime.util.multiprocessing.Pool``.
"""

from . import multiprocessing, queue
from .actor_pool import ActorPool

__all__ = ["ActorPool", "multiprocessing", "queue"]
