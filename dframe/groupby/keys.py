"""``df.groupby(keys)``: which keys dframe groups by natively and the work frame they need.

Keys that are columns group the frame as it is; a Series of the same frame (same partitioning)
or index levels become hidden key columns added to each partition (``AddKeys``), and a
``pd.Grouper(freq=...)`` becomes the Series of its time-bin labels. Anything else (functions,
dicts, arrays, Series of other frames) is pandas' groupby over the collected data
(``FallbackGroupBy``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from dframe.groupby import grouped as G
from dframe.groupby.api import DataFrameGroupBy, SeriesGroupBy
from dframe.groupby.fallback import FallbackGroupBy
from dframe.groupby.resample import bin_labels, grouper_resampler
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject

VAL = G.VAL


class AddKeys:
    """Work frame: the rows (a Series becomes column VAL) plus hidden key columns taken from
    aligned Series (``("input", j)``) or index levels (``("level", k)``)."""

    def __init__(
        self, series: bool, sources: list[tuple[Hashable, tuple[str, Any]]]
    ) -> None:
        self.series, self.sources = series, sources

    def __call__(self, part: Any, *inputs: Any) -> pd.DataFrame:
        out = part.to_frame(VAL) if self.series else part.copy(deep=False)
        for column, (kind, ref) in self.sources:
            values = (
                inputs[ref] if kind == "input" else part.index.get_level_values(ref)
            )
            out[column] = values.array
        return out


def _is_label(key: Any) -> bool:
    return (
        isinstance(key, Hashable)
        and not isinstance(key, tuple)
        and pd.api.types.is_scalar(key)
    )


def _meta_key(key: Any) -> Any:
    """What stands for a key when pandas checks the arguments on the empty meta: a dframe
    Series its meta, values given per row (an array, a pandas Series) none of them."""
    if isinstance(key, DframeObject):
        return key._meta
    if isinstance(
        key, np.ndarray | pd.Series | pd.Index | pd.api.extensions.ExtensionArray
    ):
        return key[:0]
    return key


def make_groupby(
    obj: Any,
    by: Any = None,
    level: Any = None,
    as_index: bool = True,
    sort: bool = True,
    group_keys: bool = True,
    observed: bool = True,
    dropna: bool = True,
    split_out: int | None = None,
) -> Any:
    meta = obj._meta
    series = isinstance(meta, pd.Series)
    options = {"as_index": as_index, "sort": sort, "group_keys": group_keys}
    options.update(observed=observed, dropna=dropna)
    # pandas validates the arguments (missing columns, bad levels) on the empty meta.
    meta_by = _meta_key(by)
    if isinstance(by, list):
        meta_by = [_meta_key(b) for b in by]
    sample_options = {
        k: v for k, v in options.items() if not (series and k == "as_index")
    }
    meta.groupby(by=meta_by, level=level, **sample_options)

    if isinstance(by, pd.Grouper) and by.freq is not None and level is None:
        return grouper_resampler(obj, by, options)
    if isinstance(by, list) and any(isinstance(b, pd.Grouper) for b in by):
        binned = _time_bin_keys(obj, by, options) if level is None else None
        if binned is None:
            return FallbackGroupBy(obj, by, level, options)
        obj, by = binned
    keys = by if isinstance(by, list) else ([] if by is None else [by])
    items: list[tuple[Any, ...]] = []
    sources: list[tuple[Hashable, tuple[str, Any]]] = []
    inputs: list[N.Node] = []
    native = by is None or level is None
    for key in keys:
        if isinstance(key, DframeObject):
            if (
                not isinstance(key._meta, pd.Series)
                or key._plan.partitioning != obj._plan.partitioning
            ):
                native = False
                break
            column = f"__dframe_key_{len(items)}__"
            sources.append((column, ("input", len(inputs))))
            inputs.append(key._plan)
            items.append(("tmp", column, key._meta.name))
        elif _is_label(key) and not series and key in set(meta.columns):
            items.append(("col", key))
        elif _is_label(key) and key in meta.index.names:
            column = f"__dframe_key_{len(items)}__"
            sources.append((column, ("level", key)))
            items.append(("tmp", column, key))
        else:
            native = False
            break
    if level is not None and native:
        levels = level if isinstance(level, list | tuple) else [level]
        for lev in levels:
            name = (
                meta.index.names[lev]
                if isinstance(lev, int) and lev not in meta.index.names
                else lev
            )
            column = f"__dframe_key_{len(items)}__"
            sources.append((column, ("level", lev)))
            items.append(("tmp", column, name))
        by_is_list = isinstance(level, list | tuple)
    else:
        by_is_list = isinstance(by, list)
    if not native or not items:
        return FallbackGroupBy(obj, by, level, options)
    if series or sources:
        fn = AddKeys(series, sources)
        work = N.MapPartitions(
            fn,
            (obj._plan, *inputs),
            M.infer_meta(fn, meta, *[i.meta for i in inputs]),
            label="groupby keys",
        )
    else:
        work = obj._plan
    spec = G.GroupSpec(
        tuple(items),
        by_is_list,
        series=series,
        series_name=meta.name if series else None,
        options=options,
    )
    fb = FallbackGroupBy(obj, by, level, options)
    cls = SeriesGroupBy if series else DataFrameGroupBy
    return cls(work, spec, split_out, fb)


def _time_bin_keys(obj: Any, by: list[Any], options: dict[str, Any]) -> Any:
    """``by`` with each ``pd.Grouper(freq=...)`` replaced by the Series of its bin labels (and
    its ``key`` column left out of the values, as pandas leaves it out); None if not native."""
    if not options["sort"] or not options["dropna"]:
        # pandas' group order then mixes sorted bins with unsorted keys: not done.
        return None
    keys, drop = [], []
    for key in by:
        if not isinstance(key, pd.Grouper):
            keys.append(key)
            continue
        labels = bin_labels(obj, key) if key.freq is not None else None
        if labels is None:
            return None
        keys.append(labels)
        if key.key is not None:
            drop.append(key.key)
    if drop:
        obj = obj[[c for c in obj._meta.columns if c not in set(drop)]]
    return obj, keys
