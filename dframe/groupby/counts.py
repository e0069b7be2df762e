"""``groupby(...).value_counts()``: counts per group, computed after a shuffle by key.

Each shuffled partition counts its (keys, values) combinations and where each first appears
(``count_parts.ValueCountsPart``); one last task puts them in pandas' order and sorts
and normalizes them as pandas does. Categorical values and unobserved categorical keys (counted
over every category by pandas) and ``bins=`` run on pandas.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dframe.groupby import count_parts as C
from dframe.groupby import grouped as G


class GroupCountMethods:
    """What both ``value_counts`` share (mixed into the GroupBy classes, which provide
    ``_work``, ``_spec``, ``_sample``, ``_fb`` and ``_per_group``)."""

    def _value_counts(
        self, name: str, kwargs: dict[str, Any], options: dict[str, Any]
    ) -> Any:
        """``value_counts`` (``kwargs``: what each partition counts by; ``options``:
        normalize/sort/ascending, applied once all counts are together)."""
        meta = self._work.meta
        op = G.Call("value_counts", **kwargs, **options)
        out_meta = G.no_rows(op(self._sample()))
        # pandas counts categorical values over all their categories (and categorical keys
        # with observed=False): not done here.
        values = [c for c in self._selected_columns() if c in meta.columns]
        subset = kwargs.get("subset")
        if subset is not None:
            values = list(subset) if isinstance(subset, list | tuple) else [subset]
        if any(isinstance(meta[c].dtype, pd.CategoricalDtype) for c in values) or (
            not self._spec.opt("observed") and self._keys_categorical()
        ):
            return self._fb.call("value_counts", **kwargs, **options)
        try:
            empty = op(self._spec.grouped(meta))
        except (TypeError, ValueError, KeyError, IndexError):
            empty = out_meta
        columns_dtype = None if self._spec.series else meta.columns.dtype
        assemble = C.ValueCountsAssemble(
            self._spec,
            name,
            options["normalize"],
            options["sort"],
            options["ascending"],
            empty,
            columns_dtype,
            kwargs["dropna"],
        )
        # Levels: the keys (missing ones dropped as the groupby says), then the counted values.
        levels = dict.fromkeys(self._spec.key_columns, self._spec.opt("dropna"))
        levels.update(dict.fromkeys(values, kwargs["dropna"]))
        return self._per_group(
            C.ValueCountsPart(self._spec, kwargs), assemble, out_meta, levels
        )


class DataFrameGroupCounts(GroupCountMethods):
    def value_counts(
        self,
        subset: Any = None,
        normalize: bool = False,
        sort: bool = True,
        ascending: bool = False,
        dropna: bool = True,
    ) -> Any:
        """Count of each combination of values in each group (see pandas)."""
        name = "proportion" if normalize else "count"
        options = {"normalize": normalize, "sort": sort, "ascending": ascending}
        return self._value_counts(name, {"subset": subset, "dropna": dropna}, options)


class SeriesGroupCounts(GroupCountMethods):
    def value_counts(
        self,
        normalize: bool = False,
        sort: bool = True,
        ascending: bool = False,
        bins: Any = None,
        dropna: bool = True,
    ) -> Any:
        """Count of each value in each group (see pandas); ``bins`` runs on pandas."""
        options = {"normalize": normalize, "sort": sort, "ascending": ascending}
        if bins is not None:
            return self._fb.call("value_counts", bins=bins, dropna=dropna, **options)
        name = "proportion" if normalize else "count"
        return self._value_counts(name, {"dropna": dropna}, options)
