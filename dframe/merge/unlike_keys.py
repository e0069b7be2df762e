"""Keys of different dtypes in a shuffled merge: each pair of partitions merges as pandas' one
merge of the whole sides would.

pandas checks and coerces keys of different dtypes (``_maybe_coerce_merge_keys``) only when both
sides have rows: a boolean key on an int key becomes object, a str key on an int key raises
ValueError. A partition of the exchange may get rows of one side only while the other side has
rows elsewhere; pandas would then skip the check for that pair (no error; a right-only row's
boolean key filled with <NA> where the whole merge's object column holds NaN).

So each split of a side sends, in place of an empty piece, a *witness*: one of its rows, tagged
-1. Every merge task then knows which sides have rows at all, and when one of its own is empty
while both sides have rows somewhere, it lets pandas check and coerce the keys with the witness
standing in for that side — raising pandas' error, or casting both sides as pandas would — and
merges its real rows. Only merges on keys of different dtypes send witnesses: one row per pair
of partitions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pandas.core.reshape.merge import _MergeOperation

from dframe.plan.value_dtypes import cast

WITNESS = -1  # the tag of a witness row (real rows are tagged with positions >= 0)


def with_witnesses(tagged: pd.DataFrame, pieces: list[Any], tag: str) -> list[Any]:
    """``pieces`` of ``tagged`` (a partition with rows), an empty one replaced by a witness."""
    if not len(tagged) or all(len(p) for p in pieces):
        return pieces
    witness = tagged.iloc[:1].copy()
    witness[tag] = WITNESS
    return [p if len(p) else witness for p in pieces]


def _is_witness(piece: pd.DataFrame, tag: str) -> bool:
    return len(piece) == 1 and piece[tag].iat[0] == WITNESS


def real_pieces(pieces: tuple[Any, ...], tag: str) -> tuple[list[Any], pd.DataFrame | None]:
    """The pieces holding real rows (at least one, maybe empty) and a witness, if any."""
    real = [p for p in pieces if not _is_witness(p, tag)]
    witnesses = [p for p in pieces if _is_witness(p, tag)]
    witness = witnesses[0] if witnesses else None
    if not real:
        real = [witnesses[0].iloc[:0]]
    return real, witness


def as_whole(
    left: pd.DataFrame,
    right: pd.DataFrame,
    lwitness: pd.DataFrame | None,
    rwitness: pd.DataFrame | None,
    how: str,
    kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, bool, bool]:
    """``left`` and ``right`` with their keys coerced as pandas' merge of the whole sides would
    (raising its error for keys it rejects), when one of them is empty here only; whether the
    rows of their merge are kept (False: merge them for the result's dtypes only); and whether
    the keys are coerced already (merge them with ``merge_coerced``)."""
    if len(left) and len(right):
        return left, right, True, False  # pandas checks these keys itself
    lrows, rrows = len(left) or lwitness is not None, len(right) or rwitness is not None
    if not lrows and not rrows:
        return left, right, True, False  # pandas checks the empty keys as its one merge does
    if not lrows or not rrows:
        if len(left) or len(right):
            return left, right, True, False  # pandas skips the check as its one merge does
        # Both empty here, one side has rows elsewhere: pandas' one merge skips the check, as
        # a merge with that side's witness does (its rows are dropped).
        return (lwitness if lrows else left), (rwitness if rrows else right), False, False
    options = {k: v for k, v in kwargs.items() if k != "validate"}  # (the real merge checks)
    op = _MergeOperation(
        left if len(left) else lwitness,
        right if len(right) else rwitness,
        how=how,
        sort=False,
        **options,
    )
    return _cast_like(left, op.left), _cast_like(right, op.right), True, True


class BigSideRows:
    """Whether the big side of a broadcast merge has rows in any partition. pandas' one merge
    checks keys of unlike dtypes only when both sides have rows: against an empty broadcast
    side, a pair whose big partition is empty must skip the check (which pandas' merge of two
    empty frames makes, raising for datetime keys on int keys) unless the whole big side is."""

    def __init__(self, any_rows: bool) -> None:
        self.any = any_rows

    @classmethod
    def of(cls, *parts: pd.DataFrame) -> BigSideRows:
        return cls(any(len(p) for p in parts))


class _KeysChecked(_MergeOperation):
    """pandas' merge of keys already coerced as its one merge of the whole sides did: that
    merge checks (and coerces) once, and a categorical key made str must not be checked again
    against the int key it was checked with (pandas would then reject the pair)."""

    def _maybe_coerce_merge_keys(self) -> None:
        pass


def merge_coerced(left: pd.DataFrame, right: pd.DataFrame, how: str, **kwargs: Any) -> Any:
    """``pd.merge(left, right, how=how, **kwargs)`` of sides ``as_whole`` coerced."""
    return _KeysChecked(left, right, how=how, **kwargs).get_result()


def _cast_like(part: pd.DataFrame, coerced: pd.DataFrame) -> pd.DataFrame:
    if not coerced.columns.equals(part.columns):
        return part  # (a key was an index level pandas dropped: it cast no column then)
    return cast(part, list(coerced.dtypes))
