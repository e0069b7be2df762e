"""The sort family: ``sort_values`` (range partitioning or global ranks, ``nodes``), top-k for
``sort_values(...).head(n)`` (``SortValues.ends``) and ``rank`` (``rank``), attached to
DataFrame and Series by ``api``."""

from dframe.sort import api as _api  # noqa: F401  (attaches the methods)
