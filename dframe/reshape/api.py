"""Reshaping methods of DataFrame and Series (``melt``, ``explode``, ``pivot_table``, ``pivot``,
``stack``, ``unstack``), attached by this family."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pandas._libs import lib

from dframe.plan.wrap import attach
from dframe.reshape import stack, unstack
from dframe.reshape.melt import _explode, melt
from dframe.reshape.pivot_table import pivot_table


@attach("DataFrame")
class FrameReshapeMethods:
    """Reshaping methods of DataFrame."""

    def melt(self: Any, id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
             value_name: Hashable = "value", col_level: Any = None,
             ignore_index: bool = True) -> Any:
        """Unpivot columns into rows (see ``pandas.DataFrame.melt``), partition-wise."""
        return melt(self, id_vars, value_vars, var_name, value_name, col_level, ignore_index)

    def explode(self: Any, column: Any, ignore_index: bool = False) -> Any:
        """One row per element of list-likes in ``column``, partition-wise; labels repeat."""
        return _explode(self, column, ignore_index)

    def pivot_table(self: Any, values: Any = None, index: Any = None, columns: Any = None,
                    aggfunc: Any = "mean", fill_value: Any = None, margins: bool = False,
                    dropna: bool = True, margins_name: Hashable = "All",
                    observed: bool = True, sort: bool = True, **kwargs: Any) -> Any:
        """Spreadsheet-style pivot table; the aggregation runs as a parallel groupby."""
        return pivot_table(self, values, index, columns, aggfunc, fill_value, margins,
                           dropna, margins_name, observed, sort, **kwargs)

    def pivot(self: Any, *, columns: Any, index: Any = lib.no_default,
              values: Any = lib.no_default) -> Any:
        """Reshape by column values (see ``pandas.DataFrame.pivot``): rows are range-partitioned
        by the index values and each partition unstacks its own. Several ``columns`` and
        object-dtype values take the pandas fallback."""
        return unstack.pivot(self, columns=columns, index=index, values=values)

    def stack(self: Any, level: Any = -1, dropna: Any = None, sort: Any = None,
              future_stack: bool = True) -> Any:
        """Columns into the innermost index level (pandas 3 semantics), partition-wise;
        ``future_stack=False`` and duplicate column labels take the pandas fallback."""
        return stack.stack(self, level, dropna, sort, future_stack)

    def unstack(self: Any, level: Any = -1, fill_value: Any = None, sort: bool = True) -> Any:
        """An index level into the columns; rows are range-partitioned by the other levels.
        Several levels at once, ``sort=False`` and a flat index take the pandas fallback."""
        return unstack.unstack(self, level, fill_value, sort)


@attach("Series")
class SeriesReshapeMethods:
    """Reshaping methods of Series."""

    def explode(self: Any, ignore_index: bool = False) -> Any:
        """One row per element of list-likes, partition-wise; labels repeat."""
        return _explode(self, None, ignore_index)

    def unstack(self: Any, level: Any = -1, fill_value: Any = None, sort: bool = True) -> Any:
        """An index level into the columns; rows are range-partitioned by the other levels.
        Several levels at once, ``sort=False`` and a flat index take the pandas fallback."""
        return unstack.unstack(self, level, fill_value, sort)
