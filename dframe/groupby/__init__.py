"""The groupby family: ``DataFrame.groupby``/``Series.groupby`` and ``resample``.

How a groupby runs: ``keys`` decides which keys are native and builds the work frame;
``api`` holds pandas' GroupBy classes; ``nodes`` the plan nodes (tree reduction or hash shuffle,
chosen when the plan runs); ``tree_reduce`` and ``grouped`` their partition functions;
``counts`` (value_counts, size), ``windows`` (rolling/expanding/ewm per group),
``group_numbers`` (ngroup) and ``resample`` (time bins) the rest; ``levels`` gives results
pandas' index levels; ``fallback`` is pandas' own GroupBy for what is not native.
"""

from __future__ import annotations

from typing import Any

from dframe.groupby.keys import make_groupby
from dframe.groupby.resample import make_resampler
from dframe.plan import value_dtypes
from dframe.plan.wrap import attach


@attach("DataFrame", "Series")
class GroupByMethods:
    def groupby(
        self,
        by: Any = None,
        level: Any = None,
        as_index: bool = True,
        sort: bool = True,
        group_keys: bool = True,
        observed: bool = True,
        dropna: bool = True,
        split_out: int | None = None,
    ) -> Any:
        """Group rows by column(s), an aligned Series or index level(s) (see pandas).

        ``split_out`` (dframe's own) forces the aggregation strategy: 1 merges per-partition
        partial aggregates (tree), n > 1 hash-shuffles the rows into n partitions; by default
        the number of distinct keys decides. Keys that are functions, dicts, arrays or Series
        of other frames run on pandas (fallback, with a warning).
        """
        if value_dtypes.unsettled(self._plan, strings_guessed=True):
            # a groupby plans by dtype: not on the guess that an object column's min is str
            self._known_meta()
        return make_groupby(
            self, by, level, as_index, sort, group_keys, observed, dropna, split_out
        )

    def resample(self, rule: Any, **kwargs: Any) -> Any:
        """Group rows into time bins (see pandas): native on a datetime index or column for
        the common aggregations; anything else is pandas' resample (a fallback that warns)."""
        return make_resampler(self, rule, **kwargs)
