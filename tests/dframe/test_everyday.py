"""Everyday notebook and ETL snippets, written once and run with ``pandas`` and with ``dframe`` as
``pd``: the same code gives the same answer, and none of it falls back to pandas (a
``PandasFallbackWarning`` fails the test). Each snippet runs with one partition per input and
with partitions of a few hundred bytes (many partitions, some of a row or two), in process, and
once on the runtime."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas
import pytest

import dframe
from dframe import config
from tests.dframe.conftest import assert_same

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

N = 60


def _write_files(folder: str) -> dict[str, str]:
    rng = np.random.default_rng(7)
    days = pandas.date_range("2024-01-01", periods=N, freq="13h")
    sales = pandas.DataFrame(
        {
            "order_id": np.arange(1000, 1000 + N),
            "date": days.strftime("%Y-%m-%d %H:%M"),
            "region": rng.choice(["north", "south", "east", "west", None], N),
            "product": rng.choice(["apple", "pear", "plum"], N),
            "customer_id": rng.integers(1, 9, N),
            "qty": rng.integers(1, 20, N),
            "price": np.round(rng.uniform(0.5, 9.5, N), 2),
        }
    )
    sales.loc[[3, 17, 40], "price"] = np.nan
    sales.loc[[5, 6], "qty"] = 4  # ties
    customers = pandas.DataFrame(
        {
            "customer_id": np.arange(1, 9),
            "name": [f"Ada{i} Lovelace{i}" for i in range(8)],
            "segment": ["retail", "business"] * 4,
            "signup": pandas.date_range("2023-03-01", periods=8, freq="17D").strftime("%d/%m/%Y"),
        }
    )
    quotes = pandas.DataFrame(
        {
            "time": pandas.date_range("2024-01-01", periods=N, freq="7h"),
            "product": rng.choice(["apple", "pear", "plum"], N),
            "bid": np.round(rng.uniform(1, 9, N), 2),
        }
    )
    files = {
        "sales": os.path.join(folder, "sales.csv"),
        "customers": os.path.join(folder, "customers.csv"),
        "quotes": os.path.join(folder, "quotes.csv"),
        "events": os.path.join(folder, "events.jsonl"),
        "european": os.path.join(folder, "european.csv"),
    }
    sales.to_csv(files["sales"], index=False)
    customers.to_csv(files["customers"], index=False)
    quotes.to_csv(files["quotes"], index=False)
    sales.head(25).to_json(files["events"], orient="records", lines=True)
    with open(files["european"], "w") as f:
        f.write("# exported 2024-06-01\nitem;amount;note\n")
        for i in range(N):
            amount = "n/a" if i % 11 == 0 else f"{i * 1000 + 1}.{i % 10}00,5"
            f.write(f"{i};{amount};{'x' if i % 2 else ''}\n")
    return files


def _sales(pd: Any, f: dict) -> Any:
    return pd.read_csv(f["sales"], parse_dates=["date"])


# Each snippet: (pd, files) -> a result. Written as a user writes them.
SNIPPETS: dict[str, Callable[[Any, dict], Any]] = {
    "monthly_revenue": lambda pd, f: (
        lambda d: d.assign(revenue=d.qty * d.price).groupby(d["date"].dt.month)["revenue"].sum()
    )(_sales(pd, f)),
    "usecols_dtype_value_counts": lambda pd, f: pd.read_csv(
        f["sales"], usecols=["region", "qty"], dtype={"qty": "float64"}
    )["region"].value_counts(normalize=True, dropna=False),
    "nrows_preview": lambda pd, f: pd.read_csv(f["sales"], nrows=7),
    "skiprows_names": lambda pd, f: pd.read_csv(
        f["customers"], skiprows=[2, 3], header=0, names=["id", "who", "seg", "since"]
    ),
    "european_csv": lambda pd, f: pd.read_csv(
        f["european"], sep=";", comment="#", thousands=".", decimal=",",
        na_values=["n/a"], keep_default_na=False, index_col="item",
    ),
    "join_and_named_agg": lambda pd, f: (
        _sales(pd, f).merge(pd.read_csv(f["customers"]), on="customer_id", how="left")
        .groupby("segment").agg(orders=("order_id", "count"), units=("qty", "sum"),
                                avg_price=("price", "mean"))
    ),
    "signup_dates": lambda pd, f: pd.to_datetime(
        pd.read_csv(f["customers"])["signup"], format="%d/%m/%Y"
    ).dt.year.value_counts().sort_index(),
    "coerce_bad_dates": lambda pd, f: pd.to_datetime(
        pd.read_csv(f["european"], sep=";", comment="#", dtype=str)["amount"],
        errors="coerce", format="%Y",
    ).isna().sum(),
    "price_bands": lambda pd, f: pd.cut(
        _sales(pd, f)["price"], bins=[0, 2, 5, 10], labels=["cheap", "mid", "dear"]
    ).value_counts(sort=False),
    "quartiles": lambda pd, f: (
        (lambda d: d.groupby(pd.qcut(d["qty"], 4), observed=True)["price"].mean())(
            _sales(pd, f))
    ),
    "value_counts_bins": lambda pd, f: _sales(pd, f)["qty"].value_counts(bins=4),
    "frame_value_counts": lambda pd, f: _sales(pd, f)[["region", "product"]].value_counts(),
    "series_groupby_agg_list": lambda pd, f: _sales(pd, f).groupby("product")["qty"].agg(
        ["sum", "mean", "max"]
    ),
    "series_groupby_named": lambda pd, f: _sales(pd, f).groupby("region")["price"].agg(
        low="min", high="max"
    ),
    "pivot_table": lambda pd, f: _sales(pd, f).pivot_table(
        index="region", columns="product", values="qty", aggfunc="sum"
    ),
    "top_orders": lambda pd, f: _sales(pd, f).sort_values("qty", ascending=False,
                                                          kind="stable").head(5),
    "largest_per_product": lambda pd, f: _sales(pd, f).sort_values("price").groupby(
        "product").tail(2),
    "fill_with_means": lambda pd, f: (
        lambda d: d.fillna(d.mean(numeric_only=True)))(_sales(pd, f)[["qty", "price"]]),
    "split_names": lambda pd, f: pd.read_csv(f["customers"])["name"].str.split(" ", expand=True),
    "rsplit_names": lambda pd, f: pd.read_csv(f["customers"])["name"].str.rsplit(
        "e", n=1, expand=True),
    "text_filter": lambda pd, f: (
        lambda d: d[d["product"].str.upper().str.contains("P")])(_sales(pd, f)),
    "rolling_mean": lambda pd, f: _sales(pd, f)["qty"].rolling(3, min_periods=1).mean(),
    "ewm_smoothing": lambda pd, f: _sales(pd, f)["qty"].ewm(halflife=4, adjust=False).mean(),
    "ewm_times": lambda pd, f: (lambda d: d["qty"].ewm(halflife="1D", times=d["date"]).mean())(
        _sales(pd, f)),
    "ewm_corr": lambda pd, f: (lambda d: d["qty"].ewm(span=5).corr(d["price"]))(_sales(pd, f)),
    "corr_matrix": lambda pd, f: _sales(pd, f)[["qty", "price", "customer_id"]].corr(),
    "spearman": lambda pd, f: _sales(pd, f)[["qty", "price"]].corr(method="spearman"),
    "kendall": lambda pd, f: _sales(pd, f)[["qty", "price"]].corr(method="kendall"),
    "grouped_corr": lambda pd, f: _sales(pd, f).groupby("product")[["qty", "price"]].corr(),
    "sample_rows": lambda pd, f: len(_sales(pd, f).sample(frac=0.25, random_state=1)),
    "cap_by_column": lambda pd, f: (lambda d: d["qty"].where(d["qty"] < 15, d["customer_id"]))(
        _sales(pd, f)),
    "clip_by_series": lambda pd, f: (
        lambda d: d[["qty", "price"]].clip(upper=d["customer_id"], axis=0))(_sales(pd, f)),
    "interpolate_time": lambda pd, f: _sales(pd, f).set_index("date")["price"].interpolate(
        method="time"),
    "interpolate_limit": lambda pd, f: _sales(pd, f)["price"].interpolate(
        limit=1, limit_direction="both"),
    "merge_asof_quotes": lambda pd, f: pd.merge_asof(
        _sales(pd, f).sort_values("date"), pd.read_csv(f["quotes"], parse_dates=["time"]),
        left_on="date", right_on="time", by="product", direction="backward",
        tolerance=pd.Timedelta("1D"),
    ),
    "records": lambda pd, f: _sales(pd, f).groupby("product", as_index=False)["qty"].sum()
    .to_dict(orient="records"),
    "itertuples_total": lambda pd, f: sum(
        row.qty * (0 if row.price != row.price else row.price)
        for row in _sales(pd, f).itertuples()
    ),
    "iterrows_regions": lambda pd, f: [r["region"] for _, r in _sales(pd, f).iterrows()],
    "describe_numbers": lambda pd, f: _sales(pd, f).select_dtypes("number").describe(),
    "transpose_summary": lambda pd, f: _sales(pd, f)[["qty", "price"]].head(4).T,
    "two_key_xs": lambda pd, f: _sales(pd, f).groupby(["product", "region"])["qty"].sum().xs(
        "pear"),
    "two_key_loc": lambda pd, f: _sales(pd, f).groupby(["product", "region"]).sum(
        numeric_only=True).loc[("plum", "east")],
    "combine_first": lambda pd, f: (lambda d: d["price"].combine_first(d["qty"] / 2))(
        _sales(pd, f)),
    "update_prices": lambda pd, f: (
        lambda d, new: (d.update(new), d)[1])(
        _sales(pd, f)[["order_id", "price"]].copy(),
        pd.DataFrame({"price": [1.0, 2.0]}, index=[3, 17])),
    "to_json_records": lambda pd, f: _sales(pd, f).head(8).to_json(orient="records",
                                                                   date_format="iso"),
    "to_json_default": lambda pd, f: _sales(pd, f)[["qty", "price"]].to_json(),
    "read_json_lines": lambda pd, f: pd.read_json(f["events"], lines=True)["qty"].sum(),
    "drop_duplicates": lambda pd, f: _sales(pd, f).drop_duplicates(
        subset=["product", "region"], keep="last"),
    "dummies": lambda pd, f: pd.get_dummies(_sales(pd, f)[["product", "qty"]]),
    "melt": lambda pd, f: _sales(pd, f).melt(id_vars=["order_id"], value_vars=["qty", "price"]),
    "query_assign": lambda pd, f: _sales(pd, f).query("qty > 5").assign(
        total=lambda d: d.qty * d.price)[["order_id", "total"]],
    "category_groupby": lambda pd, f: (lambda d: d.assign(product=d["product"].astype(
        "category")).groupby("product", observed=True)["qty"].mean())(_sales(pd, f)),
    "equals_itself": lambda pd, f: _sales(pd, f).equals(_sales(pd, f)),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _write_files(str(tmp_path_factory.mktemp("everyday")))


def _compare(expected: Any, result: Any) -> None:
    if isinstance(expected, pandas.DataFrame | pandas.Series | pandas.Index):
        assert_same(expected, result)
    elif isinstance(expected, str):
        assert result == expected
    elif isinstance(expected, list | dict):
        assert type(result) is type(expected)
        pandas.testing.assert_series_equal(pandas.Series([result]), pandas.Series([expected]))
    else:
        assert_same(expected, result)


# ``partition_bytes``: None, dframe's default (one partition for data this small); 300, a few
# rows per partition (read_csv's blocks and every frame built from pandas data).
CASES = [("sync", None), ("sync", 300), ("runtime", 300)]


@pytest.mark.parametrize(("executor", "partition_bytes"), CASES, indirect=["executor"])
@pytest.mark.parametrize("name", list(SNIPPETS))
def test_snippet_runs_natively_with_pandas_answer(name, files, executor, partition_bytes):
    snippet = SNIPPETS[name]
    expected = snippet(pandas, files)
    options = {} if partition_bytes is None else {"partition_bytes": partition_bytes}
    with config.override(**options):
        result = snippet(dframe, files)
        if isinstance(result, dframe.DataFrame | dframe.Series):
            result = result.to_pandas()
    _compare(expected, result)


def test_snippets_see_several_partitions(files):
    with config.override(partition_bytes=300):
        sales = dframe.read_csv(files["sales"])
    assert sales.npartitions >= 4
