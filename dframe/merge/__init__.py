"""The merge family: ``dframe.merge``, ``DataFrame.merge`` and ``DataFrame.join`` (``api``, which
attaches the methods) over the ``Merge`` plan node and its partition functions (``nodes``)."""

from dframe.merge.api import join, merge

__all__ = ["join", "merge"]
