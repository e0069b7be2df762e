"""The window family: operations along the rows' order (cumulative ops, ``shift``/``diff``/
``pct_change``, ``rolling``/``expanding``), attached to DataFrame and Series by ``api``."""

from dframe.window import api as _api  # noqa: F401  (attaches the methods)
