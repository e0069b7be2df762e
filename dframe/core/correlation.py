"""``DataFrame.corr``/``DataFrame.cov`` (pearson) and ``Series.corr``/``Series.cov`` by tree
reduction.

pandas correlates each pair of columns over the rows where both are present, so each partition
reduces to co-moments per pair of columns: the count, both means, both sums of squared
deviations (M2) and the sum of co-deviations, as ``k x k`` matrices from a few matrix products.
Partials merge pairwise with Chan et al.'s update (as ``var`` does in ``algebra.tree_reduce``):
summing raw products would lose the digits pandas keeps when the means are large compared to
the spread. The finalize step follows pandas' two code paths: ``libalgos.nancorr`` (pairwise,
infinite values skipped, ``cov`` dividing by ``n - 1`` whatever ``ddof``) and ``np.cov`` over
all rows, which ``DataFrame.cov`` uses when no value is missing.

Exact zero spread (a constant column, where pandas answers NaN) is found from each pair's
minimum and maximum, not from the rounded M2.

A frame's ``spearman`` is the same reduction over the columns' ranks (dframe's ``rank``) when
every value is finite, as in pandas' fast path; with missing values, each pair of columns is
ranked again over the rows both hold (as pandas does; all pairs in one computation); with an
infinity it runs on pandas. A Series' ``spearman`` ranks the rows both hold (dframe's
``rank`` of the filtered pair), then reduces the same way. ``kendall`` counts pairs of rows
(``core/kendall.py``); callables run on pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import maybe_unbox_numpy_scalar

from dframe import fallback
from dframe.algebra.tree_reduce import _chan
from dframe.core import kendall
from dframe.execution import lower
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.wrap import DframeObject, from_pandas

def _numeric(dtype: Any) -> bool:
    """Dtypes whose float conversion (``to_numpy(dtype=float, na_value=nan)``) pandas makes
    from the dtype alone; other columns (objects, strings, datetimes) run on pandas."""
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    if isinstance(dtype, np.dtype):
        return dtype.kind in "biuf"
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def _values_decide(dtype: Any) -> bool:
    """Whether pandas' float conversion of a column of this dtype succeeds by its values (a
    string "1.5" converts, "a" does not)."""
    return (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.StringDtype | pd.CategoricalDtype)
    )


class CoMoments:
    """A partition's co-moments of every pair of ``positions``' columns (as floats).

    The partial is ``(nrows, stats)``; ``stats`` holds ``k x k`` matrices over the rows where
    both columns are finite: ``n``, the means (``ref[i] + off[i, j]``: column i's mean over
    pair (i, j)'s rows; column j's is ``ref[j] + off[j, i]``), ``m2`` (likewise), ``c``
    (co-deviations), ``low``/``high`` (column i's extremes there); and for pandas' other paths:
    ``present`` (pairs' rows where both are not missing, infinity included), ``inf`` (such rows
    holding an infinity), ``nan`` (any missing value), ``col_inf`` (columns holding an
    infinity) and ``finite`` (every value finite)."""

    def __init__(self, positions: list[int] | None) -> None:
        self.positions = positions

    def __call__(self, part: Any) -> tuple[int, dict[str, Any]]:
        frame = part if self.positions is None else part.iloc[:, self.positions]
        x = frame.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(x)
        missing = np.isnan(x)
        f = finite.astype("float64")
        # Deviations from each column's first finite value: a constant column's are exactly
        # zero, and the sums below cancel little when the values are far from zero.
        first = np.zeros(x.shape[1])
        if len(x):
            at = finite.argmax(axis=0)
            first = np.where(finite.any(axis=0), x[at, np.arange(x.shape[1])], 0.0)
        d = np.where(finite, x - first, 0.0)
        n = f.T @ f
        s = d.T @ f  # s[i, j]: sum of column i's deviations over pair (i, j)'s rows
        with np.errstate(invalid="ignore", divide="ignore"):
            off = np.where(n > 0, s / np.where(n > 0, n, 1), 0.0)
            m2 = np.maximum((d * d).T @ f - s * off, 0.0)
            c = d.T @ d - s * off.T
        low, high = _pair_extremes(x, finite, n)
        present = (~missing).astype("float64")
        infinite = (np.isinf(x)).astype("float64")
        stats = {
            "n": n, "ref": first, "off": off, "m2": m2, "c": c, "low": low, "high": high,
            "present": present.T @ present,
            "inf": infinite.T @ present + present.T @ infinite,
            "nan": bool(missing.any()),
            "col_inf": infinite.any(axis=0),
            "finite": bool(finite.all()),
        }  # fmt: skip
        return len(x), stats


def _pair_extremes(x: np.ndarray, finite: np.ndarray, n: np.ndarray) -> tuple[Any, Any]:
    """``low[i, j]``/``high[i, j]``: column i's extremes over the rows where columns i and j
    are both finite. Where j is finite wherever i is (no missing values: everywhere), those
    are column i's own; only the other pairs look at their rows."""
    k = x.shape[1]
    own_low = np.where(finite, x, np.inf).min(axis=0, initial=np.inf)
    own_high = np.where(finite, x, -np.inf).max(axis=0, initial=-np.inf)
    low, high = np.repeat(own_low[:, None], k, axis=1), np.repeat(own_high[:, None], k, axis=1)
    fewer = n < np.diag(n)[:, None]  # pair (i, j) has fewer rows than column i
    for i in np.flatnonzero(fewer.any(axis=1)):
        js = np.flatnonzero(fewer[i])
        pair = finite[:, js] & finite[:, [i]]
        low[i, js] = np.where(pair, x[:, [i]], np.inf).min(axis=0, initial=np.inf)
        high[i, js] = np.where(pair, x[:, [i]], -np.inf).max(axis=0, initial=-np.inf)
    return low, high


class MergeCoMoments:
    def __call__(self, *partials: tuple[int, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        nrows = sum(p[0] for p in partials)
        out = dict(partials[0][1])
        for _, b in partials[1:]:
            na, nb = out["n"], b["n"]
            # Means are kept as a column's reference value plus offsets: rebased onto one
            # reference, the difference of two means is computed from numbers of the size of
            # the spread, not of the values (1e6 +- 3 keeps its digits).
            ref = np.where(np.diag(na) > 0, out["ref"], b["ref"])
            off_a = out["off"] + (out["ref"] - ref)[:, None]
            off_b = b["off"] + (b["ref"] - ref)[:, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                # co-deviations gain d_x * d_y * na * nb / n, as M2 gains d^2 * na * nb / n
                delta = off_b - off_a
                n = na + nb
                both = (na > 0) & (nb > 0)
                extra = np.where(both, delta * delta.T * na * nb / np.where(n > 0, n, 1), 0.0)
            c = out["c"] + b["c"] + extra
            n, off, m2 = _chan(na, off_a, out["m2"], nb, off_b, b["m2"])
            out = {
                "n": n, "ref": ref, "off": np.where(n > 0, off, 0.0), "m2": m2, "c": c,
                "low": np.minimum(out["low"], b["low"]),
                "high": np.maximum(out["high"], b["high"]),
                "present": out["present"] + b["present"],
                "inf": out["inf"] + b["inf"],
                "nan": out["nan"] or b["nan"],
                "col_inf": out["col_inf"] | b["col_inf"],
                "finite": out["finite"] and b["finite"],
            }  # fmt: skip
        return nrows, out


def _spread(stats: dict[str, Any]) -> np.ndarray:
    """M2 per pair, exactly zero where the values do not vary (pandas' Welford sums give 0)."""
    return np.where(stats["low"] == stats["high"], 0.0, stats["m2"])


class FrameResult:
    """pandas' ``k x k`` answer of ``DataFrame.corr`` (``ddof`` None) or ``cov``."""

    def __init__(self, labels: pd.Index, min_periods: Any, ddof: Any, is_cov: bool) -> None:
        self.labels, self.min_periods, self.ddof, self.is_cov = labels, min_periods, ddof, is_cov

    def __call__(self, partial: tuple[int, dict[str, Any]]) -> pd.DataFrame:
        nrows, st = partial
        if self.is_cov and not st["nan"]:
            values = self._all_rows(nrows, st)
        else:
            values = self._pairwise(st)
        return pd.DataFrame(values, index=self.labels.copy(), columns=self.labels)

    def _pairwise(self, st: dict[str, Any]) -> np.ndarray:
        # libalgos.nancorr: rows where both values are finite; fewer than min_periods is NaN
        n = st["n"]
        minp = 1 if self.min_periods is None else self.min_periods
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.is_cov:
                divisor = n - 1.0
                values = st["c"] / np.where(divisor != 0, divisor, 1.0)
            else:
                m2 = _spread(st)
                divisor = np.sqrt(m2 * m2.T)
                values = np.clip(st["c"] / np.where(divisor != 0, divisor, 1.0), -1.0, 1.0)
        return np.where((n < minp) | (divisor == 0), np.nan, values)

    def _all_rows(self, nrows: int, st: dict[str, Any]) -> np.ndarray:
        # np.cov(mat.T, ddof): no value is missing, so every pair's rows are all rows; a column
        # holding an infinity has a mean of inf or NaN, and then every deviation in it is NaN.
        k = len(st["n"])
        if self.min_periods is not None and self.min_periods > nrows:
            return np.full((k, k), np.nan)
        fact = nrows - (1 if self.ddof is None else self.ddof)  # (np.cov's ddof=None: 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.true_divide(1, fact if fact > 0 else 0.0)
            c = np.where(st["low"] == st["high"], 0.0, st["c"])  # no variation: 0 (0 * inf: NaN)
            values = c * scale
        inf = st["col_inf"]
        return np.where(inf[:, None] | inf[None, :], np.nan, values)


class PairResult:
    """pandas' ``Series.corr``/``Series.cov`` of the two columns of the partial (nanops)."""

    def __init__(self, min_periods: Any, ddof: Any, is_cov: bool, sample: pd.Series) -> None:
        self.min_periods, self.ddof, self.is_cov = min_periods, ddof, is_cov
        self.sample = sample  # for the scalar's type (pandas' maybe_unbox_numpy_scalar)

    def __call__(self, partial: tuple[int, dict[str, Any]]) -> Any:
        nrows, st = partial
        present = st["present"][0, 1]  # notna on both sides: infinity is a value here
        minp = 1 if self.min_periods is None else self.min_periods
        if nrows == 0 or present < minp:
            return np.nan
        if not self.is_cov and present < 2:
            return np.nan
        if st["inf"][0, 1] > 0:
            # the mean is inf or NaN, so every deviation is NaN
            return self._box(np.float64(np.nan))
        n, m2 = st["n"][0, 1], _spread(st)
        c = st["c"][0, 1]
        if self.is_cov:
            fact = n - (1 if self.ddof is None else self.ddof)
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = np.true_divide(1, fact if fact > 0 else 0.0)
                value = (0.0 if m2[0, 1] == 0 or m2[1, 0] == 0 else c) * scale
            return self._box(np.float64(value))
        if m2[0, 1] == 0 or m2[1, 0] == 0:
            return np.nan  # (pandas' _pearson_corr: no spread on a side is NaN, a float)
        value = np.clip(c / np.sqrt(m2[0, 1] * m2[1, 0]), -1.0, 1.0)
        return self._box(np.float64(value))

    def _box(self, value: np.float64) -> Any:
        return maybe_unbox_numpy_scalar(value, object_with_dtype=self.sample)


class SpearmanPair:
    """pandas' ``Series.corr(method="spearman")`` from the co-moments of the ranks of the rows
    where both values are present: NaN (a float) for fewer than ``min_periods`` or two rows, or
    a constant side (scipy's answer), else the ranks' correlation."""

    def __init__(self, min_periods: Any, sample: pd.Series) -> None:
        self.min_periods, self.sample = min_periods, sample

    def __call__(self, partial: tuple[int, dict[str, Any]]) -> Any:
        nrows, st = partial
        minp = 1 if self.min_periods is None else self.min_periods
        m2 = _spread(st)
        if nrows < minp or nrows <= 1 or m2[0, 1] == 0 or m2[1, 0] == 0:
            return np.nan
        value = np.clip(st["c"][0, 1] / np.sqrt(m2[0, 1] * m2[1, 0]), -1.0, 1.0)
        return maybe_unbox_numpy_scalar(np.float64(value), object_with_dtype=self.sample)


class PairFrame:
    """The partitions of two aligned Series side by side."""

    def __call__(self, left: pd.Series, right: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({0: left.to_numpy(dtype="float64", na_value=np.nan),
                             1: right.to_numpy(dtype="float64", na_value=np.nan)})


class AsFloats:
    """A partition's ``positions`` columns as float64 (labelled 0..k-1), as pandas converts
    them (``to_numpy(dtype=float, na_value=nan)``) before ranking."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        x = part.iloc[:, self.positions].to_numpy(dtype="float64", na_value=np.nan)
        return pd.DataFrame(x, index=part.index)


class SideBySide:
    """Values and their ranks, one frame (columns 0..2k-1)."""

    def __call__(self, values: pd.DataFrame, ranks: pd.DataFrame) -> pd.DataFrame:
        x = np.hstack([values.to_numpy(dtype="float64"), ranks.to_numpy(dtype="float64")])
        return pd.DataFrame(x, index=values.index)


class RankMoments:
    """Co-moments of the ranks (the last ``k`` columns), ``finite`` saying whether every value
    (the first ``k``) was finite."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __call__(self, part: pd.DataFrame) -> tuple[int, dict[str, Any]]:
        nrows, stats = CoMoments(list(range(self.k, 2 * self.k)))(part)
        values = part.iloc[:, : self.k].to_numpy()
        stats["finite"] = bool(np.isfinite(values).all())
        stats["col_inf"] = np.isinf(values).any(axis=0)  # (of the values: ranks are finite)
        return nrows, stats


class SpearmanResult:
    """The pearson correlation of the ranks when every value is finite; else ``"pairs"``
    (pandas ranks each pair of columns over the rows both hold) or, with an infinity, None:
    pandas then uses a column's ranks among its infinities for the pairs whose columns miss
    the same rows, which only pandas itself reproduces."""

    def __init__(self, pearson: FrameResult) -> None:
        self.pearson = pearson

    def __call__(self, partial: tuple[int, dict[str, Any]]) -> pd.DataFrame | str | None:
        if partial[1]["finite"]:
            return self.pearson(partial)
        return None if partial[1]["col_inf"].any() else "pairs"



def _frame_positions(meta: pd.DataFrame, labels: pd.Index) -> list[int] | None:
    if meta.columns.is_unique:
        return [meta.columns.get_loc(c) for c in labels]
    if list(labels) == list(meta.columns):
        return list(range(len(labels)))
    return None


class FrameCorrelationMethods:
    """``corr``/``cov`` of DataFrame (``self`` is a ``dframe.core.collection.Collection``)."""

    def corr(
        self, method: Any = "pearson", min_periods: int = 1, numeric_only: bool = False
    ) -> Any:
        """Pairwise correlation of columns (pearson by tree reduction; see pandas)."""
        kwargs = {"method": method, "min_periods": min_periods, "numeric_only": numeric_only}
        native = method == "pearson" or (
            method in ("spearman", "kendall") and type(min_periods) is int
        )
        return self._co_moments("corr", kwargs, min_periods, None, native)

    def cov(
        self, min_periods: int | None = None, ddof: int | None = 1, numeric_only: bool = False
    ) -> Any:
        """Pairwise covariance of columns, by tree reduction (see pandas)."""
        kwargs = {"min_periods": min_periods, "ddof": ddof, "numeric_only": numeric_only}
        return self._co_moments("cov", kwargs, min_periods, ddof, True)

    def _co_moments(
        self, name: str, kwargs: dict[str, Any], min_periods: Any, ddof: Any, native: bool
    ) -> Any:
        meta = self._known_meta()
        try:
            sample = getattr(M.nonempty(meta), name)(**kwargs)  # pandas' errors, at the call
        except (TypeError, ValueError):
            if not any(_values_decide(dt) for dt in meta.dtypes):
                raise
            # Objects or strings may hold numbers pandas converts: only the data can tell.
            return fallback.call_method(self, name, (), kwargs)
        positions = _frame_positions(meta, sample.columns)
        numbers = positions is not None and all(_numeric(meta.dtypes.iloc[p]) for p in positions)
        if not native or not numbers or isinstance(min_periods, bool):
            return fallback.call_method(self, name, (), kwargs)
        if not positions:
            # no column to correlate: pandas' answer does not depend on the rows
            return from_pandas(sample, npartitions=1)
        if kwargs.get("method") == "spearman":
            return self._spearman(positions, sample, kwargs)
        if kwargs.get("method") == "kendall":
            floats = self._as_floats(positions)
            return self._new(
                kendall.frame_kendall(floats._plan, sample.columns, min_periods, sample.iloc[:0])
            )
        final = FrameResult(sample.columns, min_periods, ddof, name == "cov")
        plan = N.Reduce(self._plan, CoMoments(positions), MergeCoMoments(), final,
                        sample.iloc[:0], label=name)  # fmt: skip
        return self._new(plan)

    def _as_floats(self, positions: list[int]) -> Any:
        """The columns at ``positions`` as float64, labelled 0..k-1 (``AsFloats``)."""
        meta = pd.DataFrame({j: [] for j in range(len(positions))}, dtype="float64")
        return self._map(AsFloats(positions), meta=meta, probe=False)

    def _spearman(self, positions: list[int], sample: pd.DataFrame, kwargs: dict[str, Any]) -> Any:
        """pandas' spearman is pearson of the columns' ranks when every value is finite (its
        fast path; otherwise it ranks again per pair of columns, over the rows both hold: that
        runs on pandas). The ranks are dframe's own (``rank``, from merged value counts); one
        reduction gives their co-moments and whether every value was finite."""
        k = len(positions)
        floats = self._as_floats(positions)
        both = floats._map(SideBySide(), floats.rank(), probe=False,
                           meta=pd.DataFrame({j: [] for j in range(2 * k)}, dtype="float64"))
        final = SpearmanResult(FrameResult(sample.columns, kwargs["min_periods"], None, False))
        plan = N.Reduce(both._plan, RankMoments(k), MergeCoMoments(), final, None,
                        label="corr")  # fmt: skip
        result = lower.collect(plan)
        if isinstance(result, str):
            result = _spearman_pairs(floats, sample, kwargs["min_periods"])
        if result is None:
            return fallback.call_method(self, "corr", (), kwargs)
        return from_pandas(result, npartitions=1)


def _spearman_pairs(floats: Any, sample: pd.DataFrame, min_periods: int) -> pd.DataFrame:
    """pandas' spearman of columns with missing values: for each pair (the diagonal too), the
    rows where both are present ranked anew, then correlated (one pass for all pairs)."""
    k = len(sample.columns)
    pairs = [(a, b) for a in range(k) for b in range(a, k)]
    plans = []
    for a, b in pairs:
        two = floats._as_floats([a, b])
        ranks = two[two[0].notna() & two[1].notna()].rank()
        final = SpearmanPair(min_periods, pd.Series([], dtype="float64"))
        plans.append(N.Reduce(ranks._plan, CoMoments(None), MergeCoMoments(), final, None,
                              label="corr"))  # fmt: skip
    out = np.empty((k, k))
    for (a, b), value in zip(pairs, lower.collect_many(plans), strict=True):
        out[a, b] = out[b, a] = value
    return pd.DataFrame(out, index=sample.index, columns=sample.columns)


class SeriesCorrelationMethods:
    """``corr``/``cov`` of Series with another Series."""

    def corr(self, other: Any, method: Any = "pearson", min_periods: int | None = None) -> Any:
        """Correlation with ``other`` (pearson by tree reduction; see pandas)."""
        kwargs = {"method": method, "min_periods": min_periods}
        native = method in ("pearson", "spearman", "kendall")
        return self._pair("corr", other, kwargs, min_periods, None, native)

    def cov(self, other: Any, min_periods: int | None = None, ddof: int | None = 1) -> Any:
        """Covariance with ``other``, by tree reduction (see pandas)."""
        kwargs = {"min_periods": min_periods, "ddof": ddof}
        return self._pair("cov", other, kwargs, min_periods, ddof, True)

    def _pair(
        self, name: str, other: Any, kwargs: dict[str, Any], min_periods: Any, ddof: Any,
        native: bool,
    ) -> Any:
        aligned = (
            native
            and isinstance(other, DframeObject)
            and other.ndim == 1
            and self._aligned(other)
            and _numeric(self._known_meta().dtype)
            and _numeric(other._known_meta().dtype)
            and not isinstance(min_periods, bool)
        )
        if not aligned:
            return fallback.call_method(self, name, (other,), kwargs)
        sample = getattr(M.nonempty(self._meta), name)(M.nonempty(other._meta), **kwargs)
        floats = pd.DataFrame({0: [], 1: []}, dtype="float64")
        pairs = self._map(PairFrame(), other, meta=floats, probe=False, preserves_rows=False)
        if kwargs.get("method") == "spearman":
            # pandas (scipy's spearmanr) ranks the rows where both values are present (infinity
            # is a value), then correlates the ranks
            both = pairs[pairs[0].notna() & pairs[1].notna()].rank()
            final = SpearmanPair(min_periods, self._meta)
            plan = N.Reduce(both._plan, CoMoments(None), MergeCoMoments(), final, sample,
                            label=name)  # fmt: skip
            return lower.collect(plan)
        if kwargs.get("method") == "kendall":
            plan = kendall.series_kendall(pairs._plan, min_periods, self._meta, sample)
            return lower.collect(plan)
        final = PairResult(min_periods, ddof, name == "cov", self._meta)
        plan = N.Reduce(pairs._plan, CoMoments(None), MergeCoMoments(), final, sample, label=name)
        return lower.collect(plan)
