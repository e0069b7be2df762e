"""The reshape family: ``melt``/``explode`` (``melt``), ``get_dummies`` (``dummies``),
``pivot_table``/``crosstab`` (``pivot_table``), ``pivot``/``stack``/``unstack`` (``unstack``); the
methods are attached to DataFrame and Series by ``api``."""

from dframe.reshape import api as _api  # noqa: F401  (attaches the methods)
from dframe.reshape.dummies import get_dummies
from dframe.reshape.melt import melt
from dframe.reshape.pivot_table import crosstab, pivot_table
from dframe.reshape.unstack import pivot

__all__ = ["crosstab", "get_dummies", "melt", "pivot", "pivot_table"]
