"""benchmarks/h2o.py and benchmarks/_common.py at a tiny scale: the data's shapes, the result
comparison, the queries' agreement across APIs, and one end-to-end run of the script."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import _common
import h2o

ROWS = 20_000


@pytest.fixture(scope="module")
def join_tables():
    return {k: t.to_pandas() for k, t in _common.h2o_join(ROWS, seed=1).items()}


def test_join_tables_have_db_benchmarks_shapes(join_tables):
    t = join_tables
    assert {k: len(v) for k, v in t.items()} == {"x": ROWS, "small": 1, "medium": ROWS // 1000,
                                                 "big": ROWS}
    assert list(t["x"].columns) == ["id1", "id2", "id3", "id4", "id5", "id6", "v1"]
    assert list(t["medium"].columns) == ["id1", "id2", "id4", "id5", "v2"]
    for name, key in (("small", "id1"), ("medium", "id2"), ("big", "id3"), ("x", "id3")):
        assert t[name][key].is_unique, (name, key)
    assert (t["x"].id4 == "id" + t["x"].id1.astype(str)).all()
    # about 90% of x's rows find their id3 in big (shared keys), none twice
    matched = t["x"].id3.isin(t["big"].id3).mean()
    assert 0.85 < matched < 0.95


def test_groupby_table_columns():
    t = _common.h2o_groupby(1000, seed=1, k=10).to_pandas()
    assert list(t.columns) == ["id1", "id2", "id3", "id4", "id5", "id6", "v1", "v2", "v3"]
    assert t.id4.between(1, 10).all() and t.v1.between(1, 5).all()


def test_compare_table():
    a = pd.DataFrame({"k": [2, 1], "s": ["x", None], "f": [1.0, np.nan]})
    b = pd.DataFrame({"k": [1, 2], "s": pd.Series([np.nan, "x"], dtype=object),
                      "f": [np.nan, 1.0 + 1e-12]})
    assert _common.compare_table(a, b, ["k"]) == "ok"
    b.loc[0, "f"] = 3.0
    assert _common.compare_table(a, b, ["k"]).startswith("f: 1 of 2 rows differ")
    assert _common.compare_table(a.assign(k=[2, 3]), a, ["k"]).startswith("k:")
    assert _common.compare_table(a, a.iloc[:1], ["k"]).startswith("shape")
    # categorical vs strings, index vs columns, MultiIndex labels, repeated names
    c = pd.DataFrame({"k": pd.Categorical(["a", "b"]), "v": [1, 2]}).set_index("k")
    assert _common.compare_table(c, pd.DataFrame({"k": ["b", "a"], "v": [2, 1]}), ["k"]) == "ok"
    m = pd.DataFrame({("k", ""): [1], ("v", "std"): [0.5]})
    assert list(_common.canonical_table(m, ["k"]).columns) == ["k", "v_std"]
    d = pd.DataFrame([[1, 2]], columns=["a", "a"])
    assert list(_common.canonical_table(d, []).columns) == ["a", "a_2"]


def _pandas_result(key, tables):
    return h2o.PANDAS[key](tables, pd)


@pytest.mark.parametrize("key", [q.key for q in h2o.QUERIES])
def test_queries_agree_across_apis(key, join_tables):
    """The polars and duckdb versions of each question give pandas' answer."""
    pl = pytest.importorskip("polars")
    if key.startswith("q"):
        raw = _common.h2o_groupby(ROWS, seed=1, k=10).to_pandas()  # k=10: q9 applies per group
        tables = {"x": raw}
    else:
        tables = join_tables
    want = _pandas_result(key, tables)
    q = h2o.BY_KEY[key]
    polars = h2o._polars(pl)[key]({k: pl.from_pandas(v) for k, v in tables.items()}).to_pandas()
    if key.startswith("j"):
        polars.columns = _common.canonical_table(want, []).columns
    assert _common.compare_table(polars, want, list(q.keys), atol=q.atol) == "ok"
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    for name, frame in tables.items():
        con.register(name, frame)
    got = h2o.DuckdbEngine._arrow(con.execute(h2o.DUCKDB[key])).to_pandas()
    if key.startswith("j"):
        got.columns = _common.canonical_table(want, []).columns
    assert _common.compare_table(got, want, list(q.keys), atol=q.atol) == "ok"


@pytest.mark.timeout(60)
def test_script_end_to_end(tmp_path):
    """One engine, one query, through the subprocess machinery and the report."""
    rc = h2o.main(["--rows", "2e4", "--engines", "pandas", "--queries", "q1",
                   "--cache-dir", str(tmp_path / "cache"), "--out-dir", str(tmp_path)])
    assert rc == 0
    doc = json.loads((tmp_path / "h2o.json").read_text())
    m = doc["results"]["pandas"]["measurements"]
    assert m["q1"]["check"] == "reference" and m["q1"]["rows"] == 100
    assert "| q1 sum v1 by id1 |" in (tmp_path / "h2o.md").read_text()
