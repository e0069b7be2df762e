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
from dframe.plan.wrap import DframeObject


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
            items = AlikeSeries.pack(items)
        sizes = (  # indexed by the group keys whatever ``as_index`` says
            self.spec.with_selection(NONE)
            .grouped(part, sort=False, observed=True, as_index=True)
            .size()
        )
        return sizes.index, items, self.spec.first_positions(part).to_numpy()


class AlikeSeries:
    """``func``'s results when each is a Series with the same index, name and numeric dtype
    (``pd.Series({"r2": ...})`` per group): the rows of one 2-D array, so a partition's results
    travel as one buffer rather than one pickled Series per group (10k groups: ~4 s of
    pickling and unpickling). Iterates as the ``(None, result)`` items it stands for."""

    def __init__(self, values: np.ndarray, index: pd.Index, name: Hashable) -> None:
        self.values, self.index, self.name = values, index, name

    @classmethod
    def pack(cls, items: list[Any]) -> Any:
        results = [_as_pandas(r) for _, r in items]
        if len(results) < 2 or not all(type(r) is pd.Series for r in results):
            return items
        first = results[0]
        dtype, index, name = first.dtype, first.index, first.name
        if not (isinstance(dtype, np.dtype) and dtype.kind in "biufc"):
            return items
        try:
            alike = all(
                r.dtype == dtype
                and not r.attrs
                and (r.name is name or bool(r.name == name))
                and (r.index is index or _same_index(r.index, index))
                for r in results
            )
        except (TypeError, ValueError):  # names that do not compare
            return items
        if not alike or first.attrs:
            return items
        return cls(np.vstack([r.to_numpy() for r in results]), index, name)

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Any:
        for row in self.values:
            yield None, pd.Series(row, index=self.index, name=self.name, copy=False)


def _as_pandas(result: Any) -> Any:
    return result.to_pandas() if isinstance(result, DframeObject) else result


def _same_index(a: pd.Index, b: pd.Index) -> bool:
    return type(a) is type(b) and a.dtype == b.dtype and a.names == b.names and a.equals(b)


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

    def __init__(self, spec: GroupSpec, name: Hashable, sort: bool, empty: Any) -> None:
        self.spec, self.name, self.sort = spec, name, sort
        self.empty = empty  # the grouped frame without rows

    def __call__(self, nkeys: int, *parts: Any) -> Any:
        keys = concat_parts(parts[:nkeys])
        if not len(keys):
            # No groups: pandas never calls the function and answers with the selected
            # columns, without rows.
            return self.spec.grouped(self.empty).apply(lambda _: None)
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


class OnEachGroup:
    """``group.<name>(**kwargs)`` (a frame method whose result is the group's block)."""

    def __init__(self, name: str, kwargs: dict[str, Any]) -> None:
        self.name, self.kwargs = name, kwargs

    def __call__(self, group: pd.DataFrame) -> Any:
        return getattr(group, self.name)(**self.kwargs)

    def __repr__(self) -> str:
        return self.name
