"""Scans: results where row r depends on every row before it (``cumsum``, ``expanding().mean()``).

A scan runs as a ``MapWithContext`` node in three steps, all in parallel but the middle one:

1. ``summarize``: each partition is reduced to a *carry* — one row for cumulative ops (the
   partition's own cumulative result at its end), a few moment arrays for expanding windows;
2. ``gather``: one small task folds the carries into a prefix, one per partition: the carry of
   all rows *before* it (``None`` for the first non-empty partition);
3. ``apply``: each partition computes its local scan and combines it with its prefix.

For the cumulative ops the combination is done by pandas itself: the prefix row is put in front
of the partition, the op runs, and the row is dropped again, so NaN handling (``skipna``),
dtypes and overflow rules are pandas' own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CUMULATIVE = ("cumsum", "cumprod", "cummin", "cummax")


def _restrict(part: Any, meta: Any) -> Any:
    """The partition's columns that the result has (``numeric_only`` may drop some)."""
    if isinstance(part, pd.DataFrame) and not part.columns.equals(meta.columns):
        return part.loc[:, list(meta.columns)]
    return part


def _like_meta(out: Any, meta: Any) -> Any:
    if isinstance(out, pd.DataFrame):
        if not out.dtypes.equals(meta.dtypes):
            out = out.astype(meta.dtypes.to_dict())
    elif out.dtype != meta.dtype:
        out = out.astype(meta.dtype)
    return out


class Cumulative:
    """The three steps of ``<part>.<name>(skipna=skipna)`` over all partitions."""

    def __init__(self, name: str, skipna: bool, meta: Any) -> None:
        self.name, self.skipna, self.meta = name, skipna, meta

    def _run(self, frame: Any) -> Any:
        return getattr(_writable(frame), self.name)(skipna=self.skipna)

    def _last(self, scanned: Any, source: Any) -> Any:
        """The carry: the running value after ``source`` (whose scan is ``scanned``)."""
        if not self.skipna:
            return scanned.iloc[-1:]
        # With skipna a missing input leaves the running value alone (its output is NaN), so
        # the running value is the output of the last input that counted. A NaN there is made by
        # the values (inf - inf, 0 * inf) and, as in pandas, stays for every later row: it is
        # carried as two inputs that make it again (see _POISON).
        frame = scanned.to_frame() if isinstance(scanned, pd.Series) else scanned
        counted = (source.to_frame() if isinstance(source, pd.Series) else source).notna()
        rows, poisoned = frame.iloc[-1:].copy(), []
        for k in range(frame.shape[1]):
            where = np.flatnonzero(counted.iloc[:, k].to_numpy())
            value = frame.iloc[where[-1], k] if len(where) else np.nan
            rows.iloc[0, k] = value
            dtype = frame.dtypes.iloc[k]
            poisoned.append(
                len(where) > 0
                and self.name in _POISON
                and isinstance(dtype, np.dtype)
                and dtype.kind == "f"
                and bool(np.isnan(value))
            )
        if any(poisoned):
            first, second = _POISON[self.name]
            rows = pd.concat([rows, rows])
            for k, bad in enumerate(poisoned):
                rows.iloc[0, k] = first if bad else rows.iloc[0, k]
                rows.iloc[1, k] = second if bad else _IDENTITY[self.name]
        return rows.iloc[:, 0] if isinstance(scanned, pd.Series) else rows

    def summarize(self, part: Any) -> Any:
        part = _restrict(part, self.meta)
        if len(part) == 0:
            return None
        if self._exact_by_reduction(part):
            # The running value at the end is the partition's reduction: no scan needed.
            total = _TOTAL[self.name]
            if isinstance(part, pd.Series):
                value = getattr(part, total)(skipna=self.skipna)
                return pd.Series([value], index=part.index[-1:], name=part.name, dtype=part.dtype)
            # Column by column: a row through one common dtype would round big integers.
            row = pd.DataFrame({
                k: np.array([getattr(part.iloc[:, k], total)(skipna=self.skipna)], dtype=dt)
                for k, dt in enumerate(part.dtypes)
            }, index=part.index[-1:])
            row.columns = part.columns
            return row
        return self._last(_like_meta(self._run(part), self.meta), part)

    def _exact_by_reduction(self, part: Any) -> bool:
        # min/max are exact for any numbers; integer sums and products wrap around the same
        # whatever the order. (A float sum depends on the order: it keeps the scan.)
        kinds = "iuf" if self.name in ("cummin", "cummax") else "iu"
        return _plain_numbers(part, self.meta, kinds)

    def gather(self, *carries: Any) -> list[Any]:
        out, running = [], None
        for carry in carries:
            out.append(running)
            if carry is not None:
                running = (
                    carry
                    if running is None
                    else self._last(self._combine(running, carry), _stacked(running, carry))
                )
        return out

    def _with_prefix(self, part: Any, prefix: Any) -> Any:
        """``part`` with the running value folded into its first counted element, so the scan of
        the result is exactly the scan of ``[prefix, *part]`` without its first row (pandas'
        running value is the same number either way) and without copying ``part`` twice."""
        fold = _FOLD[self.name]
        if isinstance(part, pd.Series):
            values = _folded(part.to_numpy(copy=True), prefix.iloc[0], fold, self.skipna)
            return None if values is None else pd.Series(values, index=part.index, name=part.name)
        columns = {
            k: _folded(part.iloc[:, k].to_numpy(copy=True), prefix.iloc[0, k], fold, self.skipna)
            for k in range(part.shape[1])
        }
        if any(v is None for v in columns.values()):
            return None
        out = pd.DataFrame(columns, index=part.index)
        out.columns = part.columns
        return out

    def _combine(self, prefix: Any, part: Any) -> Any:
        return self._run(_stacked(prefix, _like_meta(part, self.meta)))

    def apply(self, part: Any, prefix: Any) -> Any:
        part = _restrict(part, self.meta)
        if prefix is None or len(part) == 0:
            return _like_meta(self._run(part), self.meta)
        plain = _plain_numbers(part, self.meta, "iuf")
        if plain and len(prefix) == 1 and not prefix.isna().to_numpy().any():
            folded = self._with_prefix(part, prefix)
            if folded is not None:
                return self._run(folded)
        out = _like_meta(self._combine(prefix, part).iloc[len(prefix) :], self.meta)
        out.index = part.index  # the prefix row's label made the index a plain one
        return out


_TOTAL = {"cumsum": "sum", "cumprod": "prod", "cummin": "min", "cummax": "max"}
# A running NaN is carried as two inputs that make it again (_POISON); the other columns of that
# carry get a second input that changes nothing (_IDENTITY; -0.0, as x + 0.0 turns -0.0 into 0.0).
_POISON = {"cumsum": (np.inf, -np.inf), "cumprod": (0.0, np.inf)}
_IDENTITY = {"cumsum": -0.0, "cumprod": 1.0}
_FOLD = {"cumsum": np.add, "cumprod": np.multiply, "cummin": np.minimum, "cummax": np.maximum}


def _writable(frame: Any) -> Any:
    """``frame``, copied if it has nullable number columns: pandas' cumulative ops of those
    write into the array's values (under the missing ones), and a partition read from the
    object store is read-only."""
    dtypes = [frame.dtype] if isinstance(frame, pd.Series) else list(frame.dtypes)
    masked = any(
        isinstance(dt, pd.api.extensions.ExtensionDtype)
        and not isinstance(dt, pd.ArrowDtype)
        and dt.kind in "iufb"
        and dt.na_value is pd.NA
        for dt in dtypes
    )
    return frame.copy() if masked else frame


def _stacked(prefix: Any, part: Any) -> Any:
    return pd.concat([prefix, part])


def _plain_numbers(part: Any, meta: Any, kinds: str) -> bool:
    """Numpy numbers whose dtypes already are the result's (no cast happens in the scan)."""
    if isinstance(part, pd.Series):
        dtypes, wanted = [part.dtype], [meta.dtype]
    else:
        dtypes, wanted = list(part.dtypes), list(meta.dtypes)
    return all(
        isinstance(dt, np.dtype) and dt.kind in kinds and dt == want
        for dt, want in zip(dtypes, wanted, strict=True)
    )


def _folded(values: np.ndarray, running: Any, fold: Any, skipna: bool) -> np.ndarray | None:
    # The first element the scan counts: with skipna, leading NaNs are passed over.
    first = 0
    if skipna and values.dtype.kind == "f":
        valid = np.flatnonzero(~np.isnan(values))
        if len(valid) == 0:
            return values  # nothing counted here: all NaN, as pandas gives
        first = int(valid[0])
    with np.errstate(invalid="ignore"):
        folded = fold(values[first : first + 1], running)  # arrays wrap silently
    if values.dtype.kind == "f" and np.isnan(folded).any() and not np.isnan(values[first]):
        return None  # inf - inf: a NaN the scan would take for a missing value (None: no fold)
    values[first : first + 1] = folded
    return values


# -- expanding windows -----------------------------------------------------------------------

EXPANDING = ("sum", "mean", "min", "max", "count", "std", "var")


def _values(part: Any, meta: Any) -> np.ndarray:
    frame = part.to_frame() if isinstance(part, pd.Series) else _restrict(part, meta)
    return frame.to_numpy(dtype="float64", na_value=np.nan).reshape(frame.shape)


class Moments:
    """Per column: rows, valid values, sum, min, max, mean and sum of squared deviations (M2)."""

    def __init__(
        self, rows: Any, n: Any, total: Any, lo: Any, hi: Any, mean: Any, m2: Any
    ):
        self.rows, self.n, self.total, self.lo, self.hi = rows, n, total, lo, hi
        self.mean, self.m2 = mean, m2

    @classmethod
    def of(cls, x: np.ndarray) -> Moments:
        valid = ~np.isnan(x)
        n = valid.sum(axis=0).astype("float64")
        total = np.where(valid, x, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, total / np.where(n > 0, n, 1), 0.0)
            m2 = np.where(valid, (x - mean) ** 2, 0.0).sum(axis=0)
            lo = np.where(n > 0, np.nanmin(np.where(valid, x, np.inf), axis=0), np.nan)
            hi = np.where(n > 0, np.nanmax(np.where(valid, x, -np.inf), axis=0), np.nan)
        return cls(float(len(x)), n, total, lo, hi, mean, m2)

    def __add__(self, other: Moments) -> Moments:
        """Chan et al.'s pairwise merge: exact to rounding whatever the means' size."""
        n = self.n + other.n
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = other.mean - self.mean
            safe = np.where(n > 0, n, 1)
            mean = np.where(n > 0, self.mean + delta * other.n / safe, 0.0)
            m2 = self.m2 + other.m2 + delta**2 * self.n * other.n / safe
        return Moments(
            self.rows + other.rows,
            n,
            self.total + other.total,
            np.fmin(self.lo, other.lo),
            np.fmax(self.hi, other.hi),
            mean,
            m2,
        )


class Expanding:
    """``<part>.expanding(min_periods).<name>(ddof)`` over all partitions."""

    def __init__(self, name: str, min_periods: int, ddof: int, meta: Any) -> None:
        self.name, self.min_periods, self.ddof, self.meta = (
            name,
            min_periods,
            ddof,
            meta,
        )

    def summarize(self, part: Any) -> Moments | None:
        return Moments.of(self._values(part)) if len(part) else None

    def _values(self, part: Any) -> np.ndarray:
        x = _values(part, self.meta)
        if self.name == "count":
            return x
        # pandas' windows take +-inf for missing values (count alone counts them).
        return np.where(np.isinf(x), np.nan, x)

    def gather(self, *carries: Moments | None) -> list[Moments | None]:
        out, running = [], None
        for carry in carries:
            out.append(running)
            if carry is not None:
                running = carry if running is None else running + carry
        return out

    def apply(self, part: Any, prefix: Moments | None) -> Any:
        x = self._values(part)
        values = self._scan(x, prefix) if len(x) else np.empty(x.shape)
        if isinstance(self.meta, pd.Series):
            return pd.Series(
                values[:, 0], index=part.index, name=self.meta.name, dtype="float64"
            )
        return pd.DataFrame(
            values, index=part.index, columns=self.meta.columns, dtype="float64"
        )

    def _scan(self, x: np.ndarray, prefix: Moments | None) -> np.ndarray:
        rows0 = prefix.rows if prefix is not None else 0.0
        rows = rows0 + np.arange(1, len(x) + 1, dtype="float64")[:, None]
        valid = ~np.isnan(x)
        y = np.where(valid, x, 0.0)
        n = np.cumsum(valid, axis=0, dtype="float64")
        if prefix is not None:
            n_all = n + prefix.n
        else:
            n_all = n
        enough = n_all >= max(self.min_periods, 1) if self.name != "count" else None
        name = self.name
        with np.errstate(invalid="ignore", divide="ignore"):
            if name == "count":
                out = np.broadcast_to(n_all, x.shape).copy()
                return np.where(rows >= self.min_periods, out, np.nan)
            if name in ("min", "max"):
                fold = np.fmin if name == "min" else np.fmax
                start = prefix.lo if name == "min" and prefix is not None else None
                if name == "max" and prefix is not None:
                    start = prefix.hi
                acc = fold.accumulate(np.where(valid, x, np.nan), axis=0)
                out = acc if start is None else fold(acc, start)
            elif name in ("sum", "mean"):
                total = np.cumsum(y, axis=0) + (
                    prefix.total if prefix is not None else 0.0
                )
                out = total if name == "sum" else total / n_all
            else:
                out = self._variance(x, valid, n, n_all, prefix)
            if name == "sum" and self.min_periods == 0:
                return out
            return np.where(enough, out, np.nan)

    def _variance(
        self,
        x: np.ndarray,
        valid: np.ndarray,
        n: np.ndarray,
        n_all: np.ndarray,
        prefix: Any,
    ) -> np.ndarray:
        # Deviations from a reference near the data keep the sums of squares exact enough.
        if prefix is not None:
            ref = np.where(prefix.n > 0, prefix.mean, _first_valid(x))
        else:
            ref = _first_valid(x)
        d = np.where(valid, x - ref, 0.0)
        s1, s2 = np.cumsum(d, axis=0), np.cumsum(d * d, axis=0)
        safe = np.where(n > 0, n, 1.0)
        mean_b = s1 / safe
        m2_b = np.maximum(s2 - s1 * mean_b, 0.0)
        if prefix is not None:
            mean_a = np.where(prefix.n > 0, prefix.mean - ref, 0.0)
            delta = mean_b - mean_a
            m2 = (
                prefix.m2 + m2_b + np.where(n > 0, delta**2 * prefix.n * n / n_all, 0.0)
            )
        else:
            m2 = m2_b
        var = np.where(n_all - self.ddof > 0, m2 / (n_all - self.ddof), np.nan)
        return np.sqrt(var) if self.name == "std" else var


def _first_valid(x: np.ndarray) -> np.ndarray:
    valid = ~np.isnan(x)
    first = np.argmax(valid, axis=0)
    picked = x[first, np.arange(x.shape[1])]
    return np.where(valid.any(axis=0), picked, 0.0)


# -- ffill / bfill: the last (first) valid value carried across partitions -------------------


class FillEdge:
    """The last (ffill) or first (bfill) valid value of each column of a partition, as one row."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __call__(self, part: Any) -> Any:
        if len(part) == 0:
            return None
        filled = getattr(part, self.how)()
        return filled.iloc[-1:] if self.how == "ffill" else filled.iloc[:1]


class FillCarries:
    """For each partition, the row of values carried into it from the partitions before (ffill)
    or after (bfill) it; None for none."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __call__(self, *edges: Any) -> list[Any]:
        order = (
            range(len(edges)) if self.how == "ffill" else range(len(edges) - 1, -1, -1)
        )
        carries: list[Any] = [None] * len(edges)
        carry = None
        for i in order:
            carries[i] = carry
            edge = edges[i]
            if edge is None:
                continue
            if carry is None:
                carry = edge
            else:
                # The partition's own valid values win; its missing ones keep the older carry.
                carry = getattr(
                    pd.concat([carry, edge] if self.how == "ffill" else [edge, carry]),
                    self.how,
                )()
                carry = carry.iloc[-1:] if self.how == "ffill" else carry.iloc[:1]
        return carries


class FillWithCarry:
    """Fill a partition, then fill its leading (ffill) or trailing (bfill) gaps from the carry."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __call__(self, part: Any, carry: Any) -> Any:
        out = getattr(part, self.how)()
        if carry is None or len(out) == 0:
            return out
        if isinstance(out, pd.Series):
            value = carry.iloc[0]
            return out if pd.isna(value) else out.fillna(value)
        row = carry.iloc[0]
        values = {
            c: row[c] for c in out.columns if c in row.index and not pd.isna(row[c])
        }
        return out.fillna(values) if values else out
