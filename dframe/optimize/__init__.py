"""Plan → plan rewrites."""

from dframe.optimize.rules import optimize

__all__ = ["optimize"]
