"""Arrow's hash aggregation as the per-partition kernel of tree-reduced groupby aggregations
(issue 12, gate 3): it runs where the kernel option says it does, gives pandas' partial frame
exactly (float sums and moments to a tolerance relative to the sum of absolute values), and
the finished results equal pandas'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.groupby import arrow_agg
from dframe.groupby import tree_reduce as T
from dframe.groupby.grouped import GroupSpec
from tests.dframe.conftest import assert_same

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

N = 300


def _frame(n: int = N, groups: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    k = rng.integers(0, groups, n)
    missing = rng.random(n) < 0.1
    s = pd.array([f"s{v}" for v in k], dtype="str")
    s[missing] = None
    c = pd.Categorical.from_codes(np.where(missing, -1, k % 3), categories=["z", "y", "x", "w"])
    t = pd.Series(pd.Timestamp("2024-03-01") + pd.to_timedelta(k, "D")).mask(missing)
    v = rng.normal(50, 20, n)
    v[rng.random(n) < 0.15] = np.nan
    i64 = pd.array(k, dtype="Int64")
    i64[missing] = None
    return pd.DataFrame(
        {
            "ks": s, "ki": k * 10 - 20, "kc": c, "kt": t, "kI": i64,
            "kz": t.dt.tz_localize("America/New_York"), "kb": k % 2 == 0,
            "v": v, "w": rng.integers(-100, 100, n), "b": rng.random(n) > 0.4,
            "s": pd.array(rng.choice(["a", "b", None, "c"], n), dtype="str"),
            "I": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, n)), dtype="Int64"),
        }
    )  # fmt: skip


DATA = _frame()
KEYS = {
    "str": "ks",
    "int": "ki",
    "categorical": "kc",
    "datetime": "kt",
    "datetime_tz": "kz",
    "nullable_int": "kI",
    "bool": "kb",
    "multi": ["ks", "ki"],
    "multi_cat_time": ["kc", "kt"],
}
NAMED = {
    "total": ("w", "sum"),
    "mean": ("v", "mean"),
    "lo": ("v", "min"),
    "hi": ("s", "max"),
    "n": ("v", "count"),
    "sd": ("v", "std"),
    "var": ("w", "var"),
    "sem": ("v", "sem"),
    "first": ("s", "first"),
    "last": ("v", "last"),
    "any": ("b", "any"),
    "all": ("w", "all"),
    "bools": ("b", "sum"),
    "nullable": ("I", "sum"),
}


@pytest.fixture
def arrow_calls(monkeypatch):
    """Every call of the Arrow chunk (the sync executor runs it in this process)."""
    calls = []
    original = arrow_agg.partials

    def spy(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(arrow_agg, "partials", spy)
    return calls


@pytest.mark.parametrize("dropna", [True, False])
@pytest.mark.parametrize("kind", list(KEYS))
def test_arrow_chunk_runs_for_each_key_kind(sync, arrow_calls, kind, dropna):
    by = KEYS[kind]
    ddf = dframe.from_pandas(DATA, npartitions=4)
    with config.override(groupby_kernel="arrow"):
        for sort in (True, False):
            expected = DATA.groupby(by, sort=sort, dropna=dropna).agg(**NAMED)
            result = ddf.groupby(by, sort=sort, dropna=dropna, split_out=1).agg(**NAMED)
            assert_same(expected, result)
        assert_same(DATA.groupby(by, dropna=dropna).size(),
                    ddf.groupby(by, dropna=dropna, split_out=1).size())  # fmt: skip
    assert len(arrow_calls) == 3 * 4  # every partition of all three aggregations
    arrow_calls.clear()
    with config.override(groupby_kernel="pandas"):
        assert_same(DATA.groupby(by).agg(**NAMED), ddf.groupby(by, split_out=1).agg(**NAMED))
    assert arrow_calls == []


def test_arrow_chunk_for_series_keys_levels_and_resample(sync, arrow_calls):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    with config.override(groupby_kernel="arrow"):
        key = DATA["w"] % 4
        assert_same(
            DATA.groupby(key)["v"].mean(), ddf.groupby(ddf["w"] % 4, split_out=1)["v"].mean()
        )
        indexed, dindexed = DATA.set_index("ks"), ddf.set_index("ks")
        assert_same(
            indexed.groupby(level=0)["w"].sum(), dindexed.groupby(level=0, split_out=1)["w"].sum()
        )
        assert_same(
            DATA["v"].groupby(DATA["ks"]).var(), ddf["v"].groupby(ddf["ks"], split_out=1).var()
        )
        timed, dtimed = (
            DATA.dropna(subset=["kt"]).set_index("kt"),
            ddf.dropna(subset=["kt"]).set_index("kt"),
        )
        assert_same(timed.resample("2D")[["v", "w"]].sum(), dtimed.resample("2D")[["v", "w"]].sum())
    assert len(arrow_calls) >= 4 * 3


def test_auto_uses_arrow_where_it_was_faster():
    i64, f64, string = np.dtype("int64"), np.dtype("float64"), pd.StringDtype("pyarrow")
    assert arrow_agg.native("auto", [string], [("v", "sum"), ("v", "count")], {"v": f64})
    assert arrow_agg.native("auto", [string, i64], [(None, "size")], {})
    assert not arrow_agg.native("auto", [i64], [("v", "sum")], {"v": f64})
    assert not arrow_agg.native("auto", [string], [("v", "moments")], {"v": f64})
    assert not arrow_agg.native("auto", [pd.StringDtype("python")], [("v", "sum")], {"v": f64})
    assert arrow_agg.native("arrow", [i64], [("v", "moments")], {"v": f64})
    # Not reproducible on Arrow, whatever the option: float keys, data-dependent dtypes.
    assert not arrow_agg.native("arrow", [f64], [("v", "sum")], {"v": f64})
    assert not arrow_agg.native("arrow", [i64], [("v", "sum")], {"v": np.dtype("int8")})
    assert not arrow_agg.native("arrow", [i64], [("v", "min")], {"v": pd.Float64Dtype()})
    assert not arrow_agg.native("pandas", [string], [("v", "sum")], {"v": f64})
    with pytest.raises(ValueError, match="groupby_kernel"):
        arrow_agg.native("polars", [string], [("v", "sum")], {"v": f64})


# -- the partial frame, exactly -------------------------------------------------------------


def _values(n: int) -> dict[str, object]:
    rng = np.random.default_rng(11)
    f = rng.normal(0, 1e3, n)
    f[rng.random(n) < 0.2] = np.nan
    f[rng.random(n) < 0.02] = np.inf
    real_nan = pd.arrays.FloatingArray(  # a NaN that is a value of a masked float, not NA
        np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)), rng.random(n) < 0.2
    )
    dt = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 99, n), "h"))
    dt[rng.random(n) < 0.2] = pd.NaT
    cat = pd.Categorical(rng.choice(["p", "q", None], n), categories=["q", "p"])
    return {
        "float": f,
        "int64": rng.integers(-1000, 1000, n),
        "int64_overflow": np.full(n, 2**62, dtype="int64"),  # sums wrap around, as pandas'
        "uint64": rng.integers(0, 2**63, n, dtype="uint64"),
        "int8": rng.integers(-100, 100, n).astype("int8"),
        "bool": rng.random(n) > 0.5,
        "Int64": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(-9, 9, n)), dtype="Int64"),
        "boolean": pd.array(np.where(rng.random(n) < 0.3, None, rng.random(n) > 0.5), dtype="boolean"),
        "Float64_nan": real_nan,
        "str": pd.array(rng.choice(["x", "yy", None, "é"], n), dtype="str"),
        "datetime": dt.array,
        "datetime_tz": dt.dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo").array,
        "categorical": cat,
    }  # fmt: skip


STATS = ["sum", "mean", "count", "size", "min", "max", "first", "last", "any", "all", "var"]


@pytest.mark.parametrize("groups", [6, 400])  # Arrow's own group order is not ours
@pytest.mark.parametrize("key", ["str", "int", "categorical", "datetime", "nullable_int", "multi"])
def test_partials_equal_pandas_chunk(key, groups):
    n = 1500
    frame = _frame(n, groups)
    columns = KEYS[key] if isinstance(KEYS[key], list) else [KEYS[key]]
    checked = 0
    for dropna in (True, False):
        items = tuple(("col", c) for c in columns)
        options = {"sort": True, "dropna": dropna, "observed": True, "as_index": True}
        spec = GroupSpec(items, len(columns) > 1, options=options)
        for vname, values in _values(n).items():
            part = frame[columns].assign(val=values)
            dtype = part["val"].dtype
            # Every statistic Arrow takes for this dtype, in one chunk.
            pairs = [
                (None if stat == "size" else "val", stat)
                for stat in STATS
                if T.tree_supported(stat, dtype)
                and all(
                    arrow_agg.native("arrow", [], [("val", x)], {"val": dtype})
                    for x in T.STATS[stat]
                    if x != "size"
                )
            ]
            tree = T.TreeAgg(spec, pairs, 1, None)
            expected = tree._pandas_chunk(part)
            tree.kernel = "arrow"
            assert tree._on_arrow(part), (vname, pairs)
            got = tree.chunk(part)
            pd.testing.assert_index_equal(got.index, expected.index, exact=True)
            for _, stat, k in tree._layout():
                inexact = (
                    stat == "moments" or stat == "sum" and vname.startswith(("float", "Float"))
                )
                width = 3 if stat == "moments" else 1
                for j in range(k, k + width):
                    pd.testing.assert_series_equal(
                        got[j], expected[j], check_exact=not inexact, rtol=1e-12, check_index=False
                    )
            checked += len(pairs)
    assert checked > 100


def test_float_sums_within_rounding_of_the_absolute_sum(sync):
    """Arrow adds a group's floats in row order, pandas with Kahan's compensation: with heavy
    cancellation the sums differ in absolute terms by a few eps·n·Σ|x|, not relative to the
    (tiny) result."""
    rng = np.random.default_rng(5)
    n = 200_000
    big = rng.choice([1e12, -1e12], n) + rng.normal(0, 1, n)
    pdf = pd.DataFrame(
        {"k": pd.array([f"g{i}" for i in rng.integers(0, 7, n)], dtype="str"), "x": big}
    )
    expected = pdf.groupby("k").x.sum()
    bound = 4 * np.finfo(float).eps * pdf.x.abs().groupby(pdf.k).sum() * pdf.groupby("k").size()
    for kernel in ("arrow", "pandas"):
        with config.override(groupby_kernel=kernel):
            got = (
                dframe.from_pandas(pdf, npartitions=4).groupby("k", split_out=1).x.sum().to_pandas()
            )
        assert got.index.equals(expected.index)
        assert ((got - expected).abs() <= bound).all(), (kernel, (got - expected).abs().max())


def test_unobserved_categories_and_missing_keys(sync):
    ddf = dframe.from_pandas(DATA, npartitions=5)
    with config.override(groupby_kernel="arrow"):
        for options in ({"observed": False}, {"observed": False, "sort": False},
                        {"observed": True, "dropna": False}):  # fmt: skip
            assert_same(DATA.groupby(["kc", "ks"], **options)[["w", "I"]].sum(),
                        ddf.groupby(["kc", "ks"], split_out=1, **options)[["w", "I"]].sum())  # fmt: skip
            assert_same(DATA.groupby("kc", **options)["v"].agg(["mean", "count", "first"]),
                        ddf.groupby("kc", split_out=1, **options)["v"].agg(["mean", "count", "first"]))  # fmt: skip


@pytest.mark.parametrize("dropna", [True, False])
@pytest.mark.parametrize("kind", list(KEYS))
def test_nunique_counts_on_arrow_in_the_shuffled_partitions(sync, arrow_calls, kind, dropna):
    """``nunique`` needs every value of a group, so it shuffles; under the Arrow kernel each
    shuffled partition counts with Arrow's ``count_distinct`` (pandas' answer, not its time)."""
    by = KEYS[kind]
    ddf = dframe.from_pandas(DATA, npartitions=4)
    counted = ["w", "b", "s", "I", "kc"]
    with config.override(groupby_kernel="arrow"):
        for sort in (True, False):
            gb = DATA.groupby(by, sort=sort, dropna=dropna)
            dgb = ddf.groupby(by, sort=sort, dropna=dropna)
            assert_same(gb[counted].nunique(), dgb[counted].nunique())
            assert_same(gb["s"].nunique(dropna=False), dgb["s"].nunique(dropna=False))
        assert arrow_calls  # the shuffled partitions (those holding groups) counted on Arrow
        calls = len(arrow_calls)
        # floats: Arrow counts 0.0 and -0.0 apart, so pandas counts them
        floats = DATA.groupby(by, dropna=dropna)["v"].nunique()
        assert_same(floats, ddf.groupby(by, dropna=dropna)["v"].nunique())
        assert len(arrow_calls) == calls
    with config.override(groupby_kernel="pandas"):
        assert_same(DATA.groupby(by)[counted].nunique(), ddf.groupby(by)[counted].nunique())
    assert len(arrow_calls) == calls
