"""The labels and row order of ``DataFrame.join`` (a merge on both indexes) when a side's index
is of object dtype: taken from pandas' join of the two whole indexes.

pandas joins object labels that are equal but of different types (the int 0 and the float 0.0,
as in an int index joined with crosstab margins of floats and "All") keeping one side's label
or the other's, and orders the rows, by a path it chooses from facts of the whole indexes —
whether both are monotonic and unique, whether the join indexers cover a side. A partition's
index has other facts than the whole's (three floats are monotonic where floats and "All" are
not), so a pair of partitions may keep the float 0.0 where pandas keeps the int 0. Equal labels
still meet in one pair (the exchange hashes numbers as floats); only the label each row keeps
and its place are the whole's.

So, for such joins only, one task joins the two whole indexes (labels only, no columns) and
maps each pair of positions (left, right: the tags the rows carry) to its label and its place
in pandas' result; each merged partition takes its labels from that map, and the place becomes
the first order column.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from dframe.algebra.rows import append_objects


def applies(left: pd.Index, right: pd.Index) -> bool:
    """Whether joining these indexes needs the whole indexes' labels: one-level indexes, one of
    them of object dtype (whose labels may be equal across types), or text joined with other
    labels (object labels too: pandas orders them by a path chosen from the whole indexes,
    sorting numbers first when one repeats a label)."""
    if left.nlevels != 1 or right.nlevels != 1:
        return False
    text = [isinstance(ix.dtype, pd.StringDtype) for ix in (left, right)]
    return left.dtype == object or right.dtype == object or text[0] != text[1]


def _tags(indexes: tuple[pd.Index, ...], shift: int) -> np.ndarray:
    """Each row's position tag (partition * shift + row), in the order of the whole index."""
    tags = [np.arange(len(ix), dtype=np.int64) + i * shift for i, ix in enumerate(indexes)]
    return np.concatenate(tags) if tags else np.zeros(0, dtype=np.int64)


def _whole(indexes: tuple[pd.Index, ...]) -> pd.Index:
    if len(indexes) == 1:
        return indexes[0]
    if all(ix.dtype == object for ix in indexes):
        return append_objects(list(indexes), indexes[0].name)
    return indexes[0].append(list(indexes[1:]))


class WholeJoin:
    """Task: pandas' join of the whole indexes (``nleft`` partition indexes of the left side,
    then the right's), as a map from the rows' tags ``(left, right)`` (-1: no row of that side)
    to the label each keeps and its place in the result."""

    def __init__(self, how: str, sort: bool, nleft: int, shift: int) -> None:
        self.how, self.sort, self.nleft, self.shift = how, sort, nleft, shift

    def __call__(self, *indexes: pd.Index) -> tuple[pd.MultiIndex, pd.Index]:
        lparts, rparts = indexes[: self.nleft], indexes[self.nleft :]
        left, right = _whole(lparts), _whole(rparts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            joined, lidx, ridx = left.join(
                right, how=self.how, sort=self.sort, return_indexers=True
            )
        n = len(joined)
        lidx = np.arange(n) if lidx is None else np.asarray(lidx)
        ridx = np.arange(n) if ridx is None else np.asarray(ridx)
        ltags, rtags = _tags(lparts, self.shift), _tags(rparts, self.shift)
        lkey = np.where(lidx >= 0, ltags[np.maximum(lidx, 0)] if len(ltags) else -1, -1)
        rkey = np.where(ridx >= 0, rtags[np.maximum(ridx, 0)] if len(rtags) else -1, -1)
        return pd.MultiIndex.from_arrays([lkey, rkey]), joined


class Relabel:
    """Partition function: a merged partition with the labels pandas' whole join gives its rows,
    and their places in that join as the column ``place``."""

    def __init__(self, tags: tuple[str, str], place: str) -> None:
        self.tags, self.place = tags, place

    def __call__(self, part: pd.DataFrame, whole: tuple[pd.MultiIndex, pd.Index]) -> Any:
        keys, joined = whole
        lt, rt = (part[t].fillna(-1).to_numpy(dtype=np.int64) for t in self.tags)
        at = keys.get_indexer(pd.MultiIndex.from_arrays([lt, rt])) if len(part) else np.zeros(0, int)
        if (at < 0).any():
            msg = "a merged row is missing from the join of the whole indexes"
            raise AssertionError(msg)
        out = part.copy(deep=False)
        out[self.place] = at.astype(np.int64)
        labels = joined.take(at).rename(None)
        return out.set_axis(labels.set_names(part.index.names))
