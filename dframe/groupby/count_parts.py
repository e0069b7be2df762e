"""Partition functions of ``groupby(...).value_counts()``: counts per shuffled partition, put
together in pandas' order (first appearance, then pandas' own sorting and normalizing)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.groupby.grouped import POS, VAL, GroupSpec, concat_parts, positional_frame
from dframe.groupby.levels import pandas_levels


class ValueCountsPart:
    """Per shuffled partition: the count of each (keys, values) combination, in order of first
    appearance, and the global position where each combination first appears."""

    def __init__(self, spec: GroupSpec, kwargs: dict[str, Any]) -> None:
        self.spec, self.kwargs = spec, kwargs

    def __call__(self, part: pd.DataFrame) -> tuple[Any, np.ndarray]:
        gb = self.spec.grouped(part, sort=False, observed=True, as_index=True)
        if gb.ngroups == 0:
            return part.iloc[:0], np.zeros(0, np.int64)
        counts = gb.value_counts(normalize=False, sort=False, **self.kwargs)
        if len(counts) == 0:
            return counts, np.zeros(0, np.int64)
        nkeys = len(self.spec.items)
        names = list(counts.index.names)[nkeys:]
        values = part[[VAL] if self.spec.series else names]
        source = positional_frame(
            pd.concat([self.spec.key_frame(part), values], axis=1)
        )
        levels = list(source.columns)
        source[POS] = part[POS].to_numpy()
        firsts = (
            source.groupby(levels, sort=False, dropna=False, observed=True)[POS]
            .min()
            .reset_index()
        )
        combos = positional_frame(counts.index.to_frame(index=False))
        at = combos.merge(firsts, how="left", on=levels)[POS].to_numpy()
        return counts, at


class ValueCountsAssemble:
    """pandas' ``value_counts`` from per-partition counts: the combinations in order of first
    appearance (what pandas' unsorted count gives), then pandas' own sorting and normalizing."""

    def __init__(
        self,
        spec: GroupSpec,
        name: str,
        normalize: bool,
        sort: bool,
        ascending: bool,
        empty: Any,
        columns_dtype: Any,
        dropna: bool,
    ) -> None:
        self.spec, self.name, self.normalize = spec, name, normalize
        self.sort, self.ascending, self.empty = sort, ascending, empty
        self.columns_dtype, self.dropna = columns_dtype, dropna

    def __call__(self, seen: Any, *pairs: tuple[Any, np.ndarray]) -> Any:
        """``seen``: each level's values in rows pandas drops (keys, then counted columns;
        see ``levels``), or None."""
        full = [(r, f) for r, f in pairs if len(r)]
        if not full:
            return self.empty
        result = concat_parts([r for r, _ in full])
        firsts = np.concatenate([f for _, f in full])
        # pandas counts combinations in order of first appearance; with sort=True it then
        # orders them by key with an unstable argsort (values keep no order), which gives the
        # same answer here because it runs on the same array.
        order = np.argsort(firsts, kind="stable")
        result = result.iloc[order]
        result.name = self.name
        nkeys = len(self.spec.items)
        # pandas counts by grouping the keys (levels sorted as the groupby sorts) and the
        # values (levels in order of first appearance) together, then sorts the rows with
        # ``sort_index``, as below, which may sort the levels too.
        result.index = self._levels(result.index, firsts[order], seen)
        if self.spec.opt("sort") and result.index.nlevels > nkeys:
            keys = result.index.droplevel(list(range(nkeys, result.index.nlevels)))
            result = result.take(keys.argsort())
        if self.sort:
            result = result.sort_values(ascending=self.ascending, kind="stable")
        if self.spec.opt("sort"):
            names = result.index.names
            result.index.names = range(len(names))
            result = result.sort_index(level=range(nkeys), sort_remaining=False)
            result.index.names = names
        if self.normalize:
            levels = list(range(nkeys, result.index.nlevels))
            sizes = result.groupby(
                result.index.droplevel(levels),
                sort=self.spec.opt("sort"),
                dropna=self.spec.opt("dropna"),
                observed=False,
            ).transform("sum")
            result = (result / sizes).fillna(0.0)
        if self.spec.series or self.spec.options.get("as_index", True):
            return result
        # as_index=False: pandas' conversion to a frame.
        index = result.index
        columns = [f"level_{i}" if n is None else n for i, n in enumerate(index.names)]
        result.index = index.set_names(range(len(columns)))
        frame = result.reset_index()
        frame.columns = pd.Index(columns, dtype=self.columns_dtype).insert(
            len(columns), self.name
        )
        return frame

    def _levels(self, index: pd.Index, firsts: np.ndarray, seen: Any) -> pd.Index:
        nkeys, nlevels = len(self.spec.items), index.nlevels
        sorts = [self.spec.opt("sort")] * nkeys + [False] * (nlevels - nkeys)
        dropna = [self.spec.opt("dropna")] * nkeys + [self.dropna] * (nlevels - nkeys)
        if seen is not None and len(seen) != nlevels:
            seen = None
        return pandas_levels(index, sorts, dropna, firsts, seen)
