"""Partition functions of ``groupby(...).apply(func)``: ``func`` runs on whole groups of the
shuffled partitions (``GroupsOf``), and pandas itself combines the results (``ApplyCombine``),
so how results combine (group keys, transform-like results, ``as_index``) is pandas' own."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from dframe.groupby.grouped import NONE, VAL, GroupSpec, concat_parts, group_order


class GroupsOf:
    """Per shuffled partition: ``(keys index, items, first positions)`` with groups in
    first-appearance order; items are ``(key, rows)`` pairs, or with ``func`` the results of
    ``func`` on the groups pandas' ``apply`` hands out."""

    def __init__(
        self, spec: GroupSpec, func: Any = None, args: tuple = (), kwargs: Any = None
    ):
        self.spec, self.func, self.args, self.kwargs = spec, func, args, kwargs or {}

    def __call__(self, part: pd.DataFrame) -> tuple[pd.Index, list[Any], np.ndarray]:
        gb = self.spec.grouped(part, sort=False, observed=True)
        items: list[Any] = []
        if self.func is None:
            items = list(gb)
        elif len(part):
            # pandas' own apply hands out the groups (without the key columns, named), so
            # the function sees exactly what it would see on the whole frame.
            def record(rows: Any) -> None:
                items.append((None, self.func(rows, *self.args, **self.kwargs)))

            gb.apply(record)
        sizes = (  # indexed by the group keys whatever ``as_index`` says
            self.spec.with_selection(NONE)
            .grouped(part, sort=False, observed=True, as_index=True)
            .size()
        )
        return sizes.index, items, self.spec.first_positions(part).to_numpy()


def ordered_groups(
    pieces: list[tuple[pd.Index, list[Any], np.ndarray]], sort: bool
) -> list[Any]:
    """``GroupsOf`` results of all partitions merged into pandas' group order."""
    pieces = [p for p in pieces if len(p[1])]
    if not pieces:
        return []
    index = (
        pieces[0][0].append([p[0] for p in pieces[1:]])
        if len(pieces) > 1
        else pieces[0][0]
    )
    items = [item for p in pieces for item in p[1]]
    firsts = np.concatenate([p[2] for p in pieces])
    return [items[k] for k in group_order(index, firsts, sort)]


class ApplyCombine:
    """``apply`` finished by pandas itself: pandas' apply over the key columns (original rows,
    order and labels), where the function returns each group's precomputed result, so pandas
    decides how results combine (group keys, transform-like results, ``as_index``)."""

    def __init__(self, spec: GroupSpec, name: Hashable, sort: bool) -> None:
        self.spec, self.name, self.sort = spec, name, sort

    def __call__(self, nkeys: int, *parts: Any) -> Any:
        keys = concat_parts(parts[:nkeys])
        results = iter([r for _, r in ordered_groups(list(parts[nkeys:]), self.sort)])
        spec = self.spec
        if (
            spec.series
            or not isinstance(spec.selection, list)
            and spec.selection is not NONE
        ):
            # A SeriesGroupBy: pandas combines Series results differently from frame results.
            items = tuple(
                ("tmp", it[1], it[2] if it[0] == "tmp" else it[1]) for it in spec.items
            )
            keys = keys.assign(**{VAL: np.zeros(len(keys))})
            spec = replace(
                spec, items=items, series=True, series_name=self.name, selection=NONE
            )
        else:
            spec = replace(spec, selection=NONE)
        return spec.grouped(keys).apply(lambda _: next(results))
