"""Row-wise groupby operations (cumsum, shift, transform ...) on rows shuffled by key: each
shuffled partition computes whole groups (``RowOp``), then every row goes back to the partition
and place it came from (``HomeSplit``/``HomeCombine``), with the dtype pandas gives the whole
column when some key is missing (``missing_key_meta``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dframe.algebra import shuffle
from dframe.algebra.rows import concat_dtype, same_dtype
from dframe.groupby.grouped import _POS_BITS, POS, VAL, GroupSpec, concat_parts, no_rows
from dframe.groupby.levels import can_be_missing


def missing_key_meta(spec: GroupSpec, op: Any, sample: pd.DataFrame, meta: Any) -> Any:
    """pandas' result (no rows) of the row-wise ``op`` when some row's key is missing: rows of
    dropped groups hold NaN, which makes ints and bools float64 (cummin) or object (ffill),
    depending on the operation. ``meta`` when no key can be missing, or pandas cannot say."""
    if not spec.opt("dropna"):
        return meta
    holding = [c for c in spec.key_columns if can_be_missing(sample[c].dtype)]
    if not holding:
        return meta
    row = sample.iloc[:1].copy()
    for c in holding:
        row[c] = row[c].where(np.zeros(1, dtype=bool))
    try:
        return no_rows(op(spec.grouped(pd.concat([sample, row]), positional=True)))
    except Exception:  # noqa: BLE001 - pandas' error on the stand-in: no second opinion
        return meta


class RowOp:
    """Per shuffled partition: a row-wise groupby operation (result labelled by row position),
    given back the rows' original labels and positions."""

    def __init__(
        self, spec: GroupSpec, op: Any, meta: Any, all_rows: bool, missing_meta: Any = None
    ) -> None:
        # ``all_rows``: the result has a row for every row (transform-like), so rows whose key
        # is missing (dropped groups) still get one, holding NaN (``missing_meta``'s dtypes,
        # see ``missing_key_meta``).
        self.spec, self.op, self.meta, self.all_rows = spec, op, meta, all_rows
        self.missing_meta = meta if missing_meta is None else missing_meta

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        pos, labels = part[POS].to_numpy(), part.index
        gb = self.spec.grouped(part, positional=True)
        if gb.ngroups == 0:
            # No rows, or only rows with missing keys: pandas has no group to compute anything
            # from (and may raise on no rows where it does not on some: diff of bools).
            if self.all_rows and len(part):
                result = self.missing_meta.reindex(pd.RangeIndex(len(part)))
            else:
                result = self._no_rows(gb, part)
        else:
            result = self.op(gb)
        if isinstance(result, pd.Series):
            result = result.to_frame(VAL)
        else:
            result = result.copy(deep=False)
        at = result.index.to_numpy(dtype=np.int64)
        result.index = labels.take(at)
        result[POS] = pos[at]
        return result

    def _no_rows(self, gb: Any, part: pd.DataFrame) -> Any:
        """pandas' answer on no rows, whose dtypes are the data's (an object column's
        ``transform('first')`` stays object) where the planned ones are a guess from
        stand-ins (str); the planned ones where pandas raises on no rows."""
        if not len(part):
            try:
                result = self.op(gb)
            except Exception:  # noqa: BLE001, S110  # (diff of bools raises on no rows only)
                pass
            else:
                if type(result) is type(self.meta) and same_columns(result, self.meta):
                    return result
        return self.meta.reindex(pd.RangeIndex(len(part) if self.all_rows else 0))


def _text(*dtypes: Any) -> bool:
    """Whether one of ``dtypes`` is str or object: which of the two pandas gives depends on
    the values (str for strings and missing values), not on a missing key."""
    return any(d == object or isinstance(d, pd.StringDtype) for d in dtypes)


def same_columns(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` (frames or Series) have the same columns."""
    return not isinstance(a, pd.DataFrame) or a.columns.equals(b.columns)


class HomeSplit:
    """Shuffle ``split`` sending each row back to its source partition."""

    def __init__(self, nout: int) -> None:
        self.nout = nout

    def __call__(self, part: pd.DataFrame, i: int) -> list[Any]:
        target = (part[POS].to_numpy() >> _POS_BITS).astype(np.int64)
        return shuffle.split_by(part, target, self.nout)


class HomeCombine:
    """Shuffle ``combine``: a source partition's rows in their original order and labels.

    The pieces come from every shuffled partition (empty ones too, with their dtypes). Those
    whose rows include a missing key have pandas' dtype for that (``missing_key_meta``), the
    others the plain one, and an object column's values may be str in one shuffled partition
    and mixed in another; pandas computes the whole column at once, so where they disagree
    every partition takes the dtype of the rows with a missing key, or else of their
    concatenation (object).
    """

    def __init__(self, meta: Any, missing_meta: Any = None, no_rows_meta: Any = None) -> None:
        self.meta = meta
        self.missing_meta = meta if missing_meta is None else missing_meta
        # pandas' answer when there are no rows at all (shift keeps ints int): what a
        # partition without rows holds, so that it is the whole's if no partition has rows
        self.no_rows_meta = meta if no_rows_meta is None else no_rows_meta

    def __call__(self, j: int, *pieces: pd.DataFrame) -> Any:
        pieces, recast = self._common_dtypes(pieces)
        rows = concat_parts(pieces)
        rows = rows.iloc[np.argsort(rows[POS].to_numpy(), kind="stable")]
        rows = rows.drop(columns=[POS])
        if isinstance(self.meta, pd.Series):
            rows = rows[VAL].rename(self.meta.name)
        if len(rows) == 0 and not recast:
            empty = self.no_rows_meta
            rows = rows.astype(empty.dtype if isinstance(empty, pd.Series) else empty.dtypes)
        return rows

    def _common_dtypes(self, pieces: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
        def dtypes(meta: Any) -> list[Any]:
            return [meta.dtype] if isinstance(meta, pd.Series) else list(meta.dtypes)

        casts = {}
        for k, (dtype, plain) in enumerate(
            zip(dtypes(self.missing_meta), dtypes(self.meta), strict=True)
        ):
            seen = [p.dtypes.iloc[k] for p in pieces]
            if not same_dtype(dtype, plain) and dtype in seen and not _text(dtype, plain):
                # rows with a missing key decide (bool cummin beside NaN: float64); every
                # piece votes, empty ones too, so that every partition decides alike
                if any(not same_dtype(d, dtype) for d in seen):
                    casts[k] = dtype
                continue
            # else pandas' concatenation of the pieces with rows (str and mixed values:
            # object); a shuffled partition without rows gave pandas' no-rows dtype, and
            # one whose values are all missing object: neither is a vote beside str (the
            # partitions are settled together afterwards)
            full = [p.iloc[:, k] for p in pieces if len(p)]
            voters = full
            if any(isinstance(c.dtype, pd.StringDtype) for c in full):
                voters = [c for c in full if not (c.dtype == object and c.isna().all())]
            if voters:
                target = concat_dtype([c.dtype for c in voters])
                if any(not same_dtype(c.dtype, target) for c in full):
                    casts[k] = target
        if not casts:
            return pieces, False
        out = []
        for p in pieces:
            p = p.copy(deep=False)
            for k, dtype in casts.items():
                if p.dtypes.iloc[k] != dtype:
                    p.isetitem(k, p.iloc[:, k].astype(dtype))
            out.append(p)
        return tuple(out), True
