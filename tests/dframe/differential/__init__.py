"""Random pandas frames and random chains of pandas operations, for the differential test
(``test_differential.py``).

A chain is a list of steps, each one line of Python code over ``d`` (the current object),
``lib`` (the ``pandas`` or ``dframe`` module), ``other`` (a second frame of the same library),
``pd`` (pandas, for scalars such as ``pd.Timestamp``) and ``np``. The same code runs on pandas and
on dframe, so a failing chain prints as a runnable repro (``Case.script``).

Steps are drawn one at a time: each operation of the registry (``OPS``) says whether it applies
to the current pandas result (kind of object, column dtypes) and draws its arguments from it
(column names, values present in the data). Parameters a draw may omit shrink to "omitted", so a
reduced example shows only the arguments that matter.

- ``frames``: the input frames;
- ``registry``: dtype kinds, literals, ``op``/``series_op``, the chain's state;
- ``series_ops``, ``frame_ops``, ``table_ops``, ``conversion_ops``, ``fill_ops``, ``stats_ops``,
  ``window_ops``, ``combine_ops``, ``row_fill_ops``, ``moment_ops``, ``multiindex_ops``,
  ``json_ops``: the operations;
- ``chains``: ``Case``, ``cases()``;
- ``compare``: ``check(case, npartitions, executor)`` and the summary's ``STATS``.

Only dframe's public API is used.
"""

from tests.dframe.differential import frame_ops, series_ops, table_ops  # noqa: F401  # register
# (newer operations register after: the older ones keep their place in the draws)
from tests.dframe.differential import conversion_ops, fill_ops, parse_ops  # noqa: F401, I001
from tests.dframe.differential import stats_ops  # noqa: F401, I001
from tests.dframe.differential import window_ops  # noqa: F401, I001
from tests.dframe.differential import combine_ops  # noqa: F401, I001
from tests.dframe.differential import row_fill_ops  # noqa: F401, I001
from tests.dframe.differential import moment_ops  # noqa: F401, I001
from tests.dframe.differential import multiindex_ops  # noqa: F401, I001
from tests.dframe.differential import json_ops  # noqa: F401, I001
from tests.dframe.differential.chains import Case, Step, cases
from tests.dframe.differential.compare import STATS, check
from tests.dframe.differential.registry import OPS

__all__ = ["OPS", "STATS", "Case", "Step", "cases", "check"]
