"""groupby parity: every operation on pandas and on dframe gives the same result (values, index,
order, dtypes), at several partition counts, with both aggregation strategies forced
(``split_out=1``: tree reduction, ``split_out=4``: hash shuffle), on both executors. Falling back
to pandas counts as a failure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from tests.dframe.conftest import NPARTITIONS, assert_same, in_turn

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

STRATEGIES = [1, 4]  # split_out: tree, shuffle


def make_data(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    k = rng.integers(1, 6, n)
    k[: n // 2] = 0  # skew: one key holds half the rows
    v = rng.normal(100, 10, n)
    v[[3, 17, 25]] = np.nan
    s = pd.array([f"s{i % 4}" for i in range(n)], dtype="str")
    s[[5, 9]] = None
    kf = k.astype("float64")
    kf[[2, 11, 28]] = np.nan
    return pd.DataFrame(
        {
            "k": k,
            "kf": kf,
            "s": s,
            "c": pd.Categorical(
                rng.choice(["b", "a", "d"], n), categories=["d", "c", "b", "a"]
            ),
            "t": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 4, n), "D"),
            "v": v,
            "w": rng.integers(-50, 50, n),
            "b": rng.random(n) > 0.5,
        }
    )


DATA = make_data()  # fewer rows than the largest partition count
VALS = ["v", "w"]


# name -> f(groupby) where groupby(*by, **options) is pandas' or dframe's df.groupby.
def _method(name):
    return lambda g: getattr(g("k")[VALS], name)()


AGG_OPS = {
    **{
        name: _method(name)
        for name in [
            "sum",
            "mean",
            "count",
            "min",
            "max",
            "std",
            "var",
            "sem",
            "prod",
            "first",
            "last",
            "nunique",
            "median",
        ]
        + ["idxmin", "idxmax"]
    },
    "size": lambda g: g("k").size(),
    "any_all": lambda g: g("k")[["b", "w"]].any(),
    "all": lambda g: g("s")[["b"]].all(),
    "quantile": lambda g: g("k")["v"].quantile(0.3),
    "series_sum": lambda g: g("k")["v"].sum(),
    "series_nunique": lambda g: g("s")["w"].nunique(),
    "all_columns_sum": lambda g: g("k")[["v", "w", "b"]].sum(),
    "numeric_only": lambda g: g("s").mean(numeric_only=True),
    "var_ddof0": lambda g: g("k")["v"].var(ddof=0),
    "multi_key": lambda g: g(["k", "s"])[VALS].sum(),
    "multi_key_mean": lambda g: g(["s", "k"]).v.mean(),
    "str_min": lambda g: g("k")["s"].min(),
    "datetime_key": lambda g: g("t")[VALS].mean(),
    "datetime_values": lambda g: g("k")["t"].max(),
    "float_key_nan": lambda g: g("kf")[VALS].sum(),
    "float_key_keep_nan": lambda g: g("kf", dropna=False)[VALS].sum(),
    "str_key_keep_nan": lambda g: g(["s", "k"], dropna=False)["v"].mean(),
    "unsorted": lambda g: g("s", sort=False)[VALS].sum(),
    "unsorted_nan": lambda g: g("kf", sort=False, dropna=False)["w"].max(),
    "unsorted_multi": lambda g: g(["kf", "s"], sort=False, dropna=False)["w"].std(),
    "as_index_false": lambda g: g("k", as_index=False)[VALS].sum(),
    "as_index_false_size": lambda g: g(["k", "s"], as_index=False).size(),
    "as_index_false_multi": lambda g: g(["s", "k"], as_index=False)["v"].mean(),
    "cat_observed": lambda g: g("c", observed=True)[VALS].sum(),
    "cat_unobserved": lambda g: g("c", observed=False)[VALS].sum(),
    "cat_unobserved_mean": lambda g: g("c", observed=False)["v"].mean(),
    "cat_unobserved_count": lambda g: g(["c", "k"], observed=False)["w"].count(),
    "cat_unobserved_unsorted": lambda g: g("c", observed=False, sort=False)["w"].sum(),
    "cat_unobserved_size": lambda g: g("c", observed=False).size(),
    "agg_name": lambda g: g("k")[VALS].agg("sum"),
    "agg_list": lambda g: g("k")[VALS].agg(["sum", "mean", "max"]),
    "agg_dict": lambda g: g("k").agg({"v": "mean", "w": ["min", "std"]}),
    "agg_dict_flat": lambda g: g("s").agg({"v": "median", "w": "sum"}),
    "agg_named": lambda g: g("k").agg(
        total=("v", "sum"), n=("w", "count"), hi=("t", "max")
    ),
    "agg_series_list": lambda g: g("k")["v"].agg(["min", "var"]),
    "agg_callable": lambda g: g("k")["v"].agg(lambda x: x.max() - x.min()),
    "empty_result": lambda g: g("kf")[VALS].sum().head(0),
}

ROW_OPS = {
    "cumsum": lambda g: g("k")[VALS].cumsum(),
    "cumcount": lambda g: g("s").cumcount(),
    "cummax": lambda g: g(["k", "s"])["v"].cummax(),
    "shift": lambda g: g("k")[VALS].shift(2),
    "diff": lambda g: g("kf")["w"].diff(),
    "rank": lambda g: g("k")["v"].rank(method="min"),
    "transform_name": lambda g: g("k")["v"].transform("mean"),
    "transform_func": lambda g: g("s")[VALS].transform(lambda x: x - x.mean()),
    "transform_nan_keys": lambda g: g("kf")[VALS].transform("sum"),
    "filter": lambda g: g("k").filter(lambda x: x["v"].mean() > 100),
    "head": lambda g: g("k").head(2),
    "tail": lambda g: g(["k", "s"]).tail(1),
}

APPLY_OPS = {
    "apply_scalar": lambda g: g("k").apply(lambda x: x["v"].sum() - x["w"].max()),
    "apply_frame": lambda g: g("k").apply(lambda x: x.nlargest(2, "w")),
    "apply_transformlike": lambda g: g("s", group_keys=False)[VALS].apply(
        lambda x: x * 2
    ),
    "apply_series": lambda g: g("k")["v"].apply(lambda x: x.max()),
    "apply_unsorted": lambda g: g("s", sort=False).apply(lambda x: len(x)),
    # Series alike (one index, name and dtype) travel packed as one array (apply_parts)
    "apply_series_alike": lambda g: g(["s", "k"], sort=False, dropna=False).apply(
        lambda x: pd.Series({"total": x["v"].sum(), "top": x["w"].max()})
    ),
    "apply_series_alike_ints": lambda g: g("k", as_index=False).apply(
        lambda x: pd.Series({"n": len(x), "m": 2 * len(x)}, name="sizes")
    ),
    "apply_series_unlike": lambda g: g("k").apply(
        lambda x: pd.Series({f"n{len(x) % 2}": float(len(x))})
    ),
}


def _both(op, npartitions, split_out, data=DATA):
    expected = op(data.groupby)
    ddf = dframe.from_pandas(data, npartitions=npartitions)
    result = op(lambda *a, **k: ddf.groupby(*a, split_out=split_out, **k))
    return expected, result


# (split_out, groupby_kernel): the tree reduction with each per-partition kernel, and the hash
# shuffle (which never reaches the kernel), each at several partitions for every aggregation.
VARIANTS = [(1, "arrow"), (1, "pandas"), (4, "pandas")]


@pytest.mark.parametrize(
    ("name", "npartitions", "split_out", "groupby_kernel"),
    in_turn(AGG_OPS, NPARTITIONS, VARIANTS),
    indirect=["groupby_kernel"],
)
def test_aggregations(sync, name, npartitions, split_out, groupby_kernel):
    expected, result = _both(AGG_OPS[name], npartitions, split_out)
    assert_same(expected, result)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
@pytest.mark.parametrize("name", list(ROW_OPS))
def test_rowwise(sync, name, npartitions):
    expected, result = _both(ROW_OPS[name], npartitions, 4)
    assert_same(expected, result)


@pytest.mark.parametrize("npartitions", [1, 7, 40])
@pytest.mark.parametrize("name", list(APPLY_OPS))
def test_apply(sync, name, npartitions):
    expected, result = _both(APPLY_OPS[name], npartitions, None)
    assert_same(expected, result)


@pytest.mark.parametrize(
    "name",
    [
        "sum",
        "std",
        "nunique",
        "agg_named",
        "cat_unobserved",
        "unsorted_nan",
        "multi_key",
    ],
)
@pytest.mark.parametrize("split_out", STRATEGIES)
def test_runtime_aggregations(executor, name, split_out):
    expected, result = _both(AGG_OPS[name], 7, split_out)
    assert_same(expected, result)


@pytest.mark.parametrize("name", ["cumsum", "transform_func", "filter", "head"])
def test_runtime_rowwise(executor, name):
    expected, result = _both(ROW_OPS[name], 7, 3)
    assert_same(expected, result)


def test_runtime_apply_and_iteration(executor):
    expected, result = _both(APPLY_OPS["apply_frame"], 7, None)
    assert_same(expected, result)
    ddf = dframe.from_pandas(DATA, npartitions=7)
    _same_groups(DATA.groupby(["s", "k"]), ddf.groupby(["s", "k"]))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_apply_returning_dframe_series(executor, npartitions):
    """``import dframe as pd`` makes the function's ``pd.Series`` dframe's: pandas' answer."""
    def r2(pd):
        return lambda x: pd.Series({"r2": x.corr()["v"]["w"] ** 2})

    expected = DATA.groupby("k", sort=False)[VALS].apply(r2(pd))
    ddf = dframe.from_pandas(DATA, npartitions=npartitions)
    assert_same(expected, ddf.groupby("k", sort=False)[VALS].apply(r2(dframe)))


def _same_groups(expected, result):
    pairs = list(result)
    want = list(expected)
    assert [repr(k) for k, _ in pairs] == [repr(k) for k, _ in want]
    for (_, a), (_, b) in zip(pairs, want, strict=True):
        assert_same(b, a)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
@pytest.mark.parametrize(
    "by,options",
    [("k", {}), (["s", "k"], {"sort": False}), ("kf", {"dropna": False}), (["t"], {})],
)
def test_iteration(sync, npartitions, by, options):
    ddf = dframe.from_pandas(DATA, npartitions=npartitions)
    _same_groups(DATA.groupby(by, **options), ddf.groupby(by, **options))


@pytest.mark.parametrize("split_out", STRATEGIES)
@pytest.mark.parametrize("npartitions", [1, 3, 7, 40])
def test_keys_from_series_and_levels(sync, npartitions, split_out):
    ddf = dframe.from_pandas(DATA, npartitions=npartitions)
    # A Series of the same frame, named like a value column (which is then still aggregated).
    key = DATA["k"].rename("v") % 3
    dkey = ddf["k"].rename("v") % 3
    assert_same(
        DATA.groupby(key).sum(numeric_only=True),
        ddf.groupby(dkey, split_out=split_out).sum(numeric_only=True),
    )
    assert_same(
        DATA.groupby([key, "s"])["w"].max(),
        ddf.groupby([dkey, "s"], split_out=split_out)["w"].max(),
    )
    indexed = DATA.set_index(["k", "s"])
    dindexed = ddf.set_index(["k", "s"])
    assert_same(
        indexed.groupby(level="k")["w"].sum(),
        dindexed.groupby(level="k", split_out=split_out)["w"].sum(),
    )
    assert_same(
        indexed.groupby(level=[1, 0], sort=False)["v"].mean(),
        dindexed.groupby(level=[1, 0], sort=False, split_out=split_out)["v"].mean(),
    )
    assert_same(indexed.groupby("k")["v"].cumsum(), dindexed.groupby("k")["v"].cumsum())
    # Series.groupby
    assert_same(
        DATA["v"].groupby(DATA["s"]).mean(),
        ddf["v"].groupby(ddf["s"], split_out=split_out).mean(),
    )
    s = DATA.set_index("k")["w"]
    assert_same(
        s.groupby(level=0).agg(["sum", "max"]),
        ddf.set_index("k")["w"]
        .groupby(level=0, split_out=split_out)
        .agg(["sum", "max"]),
    )


def test_transform_assigns_natively(sync):
    ddf = dframe.from_pandas(DATA, npartitions=5)
    pdf = DATA.copy()
    pdf["m"] = pdf.groupby("k")["v"].transform("mean")
    ddf["m"] = ddf.groupby("k")["v"].transform("mean")
    assert_same(pdf, ddf)


@pytest.mark.parametrize("split_out", STRATEGIES)
def test_empty_partitions_and_frames(sync, split_out):
    empty = DATA.iloc[:0]
    for data, nparts in [(empty, 3), (DATA.iloc[:3], 40), (DATA[DATA.kf.isna()], 7)]:
        for op in ["sum", "float_key_nan", "multi_key", "size", "agg_named"]:
            expected, result = _both(AGG_OPS[op], nparts, split_out, data)
            assert_same(expected, result)


def test_auto_strategy_picks_shuffle_for_many_groups(sync, monkeypatch):
    import dframe.groupby.nodes as gb

    chosen = []
    original = gb.choose_strategy
    monkeypatch.setattr(
        gb, "choose_strategy", lambda *a: chosen.append(original(*a)) or chosen[-1]
    )
    n = 48_000  # partitions of 12,000 rows: past the size below which the tree is sure
    pdf = pd.DataFrame({"k": np.arange(n) % 36_000, "v": np.arange(n, dtype="float64")})
    ddf = dframe.from_pandas(pdf, npartitions=4)
    assert_same(pdf.groupby("k").v.sum(), ddf.groupby("k").v.sum())
    few = pdf.assign(k=pdf.k % 7)
    assert_same(
        few.groupby("k").v.sum(),
        dframe.from_pandas(few, npartitions=4).groupby("k").v.sum(),
    )
    with config.override(groupby_strategy="tree"):
        assert_same(pdf.groupby("k").v.mean(), ddf.groupby("k").v.mean())
    assert chosen == ["shuffle", "tree", "tree"]
    small = dframe.from_pandas(pdf.iloc[:4000], npartitions=4).groupby("k").v.sum()
    assert small.npartitions == 1  # small partitions: the tree, decided without a probe
    assert_same(pdf.iloc[:4000].groupby("k").v.sum(), small)


def test_errors_like_pandas(sync):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    with pytest.raises(KeyError):
        ddf.groupby("nope")
    with pytest.raises(KeyError):
        ddf.groupby("k")["nope"]
    with pytest.raises(TypeError):
        ddf.groupby("k")["s"].mean()


def test_unsupported_falls_back_with_warning(sync):
    ddf = dframe.from_pandas(DATA, npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning):
        result = ddf.groupby(lambda i: i % 2)["w"].sum()
    assert_same(DATA.groupby(lambda i: i % 2)["w"].sum(), result)
    with pytest.warns(dframe.PandasFallbackWarning):
        result = ddf.groupby("k")[VALS].corrwith(ddf["w"])
    assert_same(DATA.groupby("k")[VALS].corrwith(DATA["w"]), result)


def test_named_aggregation_takes_the_tree_reduction(sync):
    """Named aggregations' keywords are output columns, not options: they reduce by tree
    (per-partition partials), not by shuffling every row."""
    from dframe.groupby.nodes import GroupAgg

    pdf = pd.DataFrame({"k": list("abcab") * 4, "v": range(20), "w": [0.5] * 20})
    df = dframe.from_pandas(pdf, npartitions=3)
    out = df.groupby("k").agg(total=("v", "sum"), mean_w=("w", "mean"))
    assert isinstance(out._plan, GroupAgg) and out._plan.tree is not None
    assert_same(pdf.groupby("k").agg(total=("v", "sum"), mean_w=("w", "mean")), out)


@pytest.mark.parametrize("name", ["nunique", "median", "sum", "count"])
def test_unobserved_categories_fill_every_selected_column(name, sync):
    # observed=False: groups of unused categories get each aggregation's empty value (0 for
    # nunique/sum/count) in every selected column, not only the first.
    pdf = pd.DataFrame({"c": pd.Categorical(["a", "b", "a", "a"], categories=["a", "b", "z"]),
                        "k": [1, 1, 2, 2], "f": [1.0, np.nan, 2.0, 2.0], "i": [1, 2, 3, 3]})
    df = dframe.from_pandas(pdf, npartitions=2)
    assert_same(getattr(pdf.groupby(["c", "k"], observed=False)[["f", "i"]], name)(),
                getattr(df.groupby(["c", "k"], observed=False)[["f", "i"]], name)())
