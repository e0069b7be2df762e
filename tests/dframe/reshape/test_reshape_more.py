"""pivot, stack/unstack, pivot_table margins and crosstab: parity with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
import dframe.reshape.unstack
from tests.dframe.conftest import NPARTITIONS, assert_same

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


@pytest.fixture(autouse=True)
def _several_unstack_outputs(monkeypatch):
    # Small data unstacks into one partition by default; exercise the range partitioning.
    monkeypatch.setattr(dframe.reshape.unstack, "MIN_ROWS_PER_OUTPUT", 4)


def frame(n: int = 36) -> pd.DataFrame:
    """Unique (k, t) and (k, j) pairs; nulls, a categorical with an unused category, dates."""
    rng = np.random.default_rng(3)
    k = np.repeat([3, 1, 2, 0, 5, 4], n // 6)
    j = np.tile([f"j{i}" for i in range(n // 6)], 6).astype(object)
    j[[4, 10]] = None  # a missing column key, once per row key at most
    s = pd.array([f"s{i}" for i in rng.integers(0, 4, n)], dtype="str")
    s[7] = None
    b = rng.normal(size=n).round(2)
    b[[2, 9]] = np.nan
    return pd.DataFrame(
        {
            "k": k,
            "j": pd.array(j, dtype="str"),
            "t": np.tile(pd.date_range("2024-01-01", periods=n // 6, freq="D"), 6),
            "c": pd.Categorical(np.tile(list("xyzxyz"), n // 6), categories=["z", "y", "x", "w"]),
            "a": rng.integers(0, 9, n),
            "b": b,
            "f": np.arange(n) % 4 == 0,
            "s": s,
        }
    )


def both(pdf: pd.DataFrame, n: int):
    return pdf, dframe.from_pandas(pdf, npartitions=n)


def same_error(fp, fd) -> None:
    with pytest.raises(Exception) as expected:
        fp()
    with pytest.raises(expected.type):
        fd()


# -- pivot -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", NPARTITIONS)
def test_pivot(sync, n):
    pdf, df = both(frame(), n)
    for kw in [
        {"index": "k", "columns": "j", "values": ["a"]},
        {"index": "k", "columns": "t", "values": ["a", "a"]},
        {"index": "t", "columns": "k", "values": "b"},
        {"index": "k", "columns": "j", "values": "s"},
        {"index": "k", "columns": "j", "values": "c"},
        {"index": "k", "columns": "j", "values": "t"},
        {"index": ["k", "t"], "columns": "j", "values": "a"},
        {"index": "k", "columns": "j"},
    ]:
        assert_same(pdf.pivot(**kw), df.pivot(**kw))
    kw = {"index": "k", "columns": "j", "values": "a"}
    assert_same(pd.pivot(pdf, **kw), dframe.pivot(df, **kw))
    # Missing cells: ints become floats, bools objects; the column key missing once.
    part, dpart = pdf[pdf.a != 4], df[df.a != 4]
    for values in ["a", "f", "t", "s"]:
        assert_same(part.pivot(index="k", columns="t", values=values),
                    dpart.pivot(index="k", columns="t", values=values))
    # The row labels as the index.
    one = pdf[pdf.k == 1]
    assert_same(one.pivot(columns="t", values="a"),
                dframe.from_pandas(one, npartitions=n).pivot(columns="t", values="a"))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_pivot_keys_with_nulls_and_categories(sync, n):
    pdf = frame()
    # A categorical index with an unused category: pandas orders rows by first appearance.
    by_c = pdf.drop_duplicates(["c", "t"])
    dby_c = dframe.from_pandas(by_c, npartitions=n)
    assert_same(by_c.pivot(index="c", columns="t", values="a"),
                dby_c.pivot(index="c", columns="t", values="a"))
    assert_same(by_c.pivot(index="t", columns="c", values="b"),
                dby_c.pivot(index="t", columns="c", values="b"))
    # A missing row key comes first.
    nk = pdf.assign(k=pdf.k.where(pdf.k != 2))
    assert_same(nk.pivot(index="k", columns="t", values="a"),
                dframe.from_pandas(nk, npartitions=n).pivot(index="k", columns="t", values="a"))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_pivot_errors(sync, n):
    pdf, df = both(frame(), n)
    # Duplicate (index, columns) pairs: pandas' ValueError.
    same_error(lambda: pdf.pivot(index="k", columns="c", values="a"),
               lambda: df.pivot(index="k", columns="c", values="a"))
    same_error(lambda: pdf.pivot(index="k", columns="nope", values="a"),
               lambda: df.pivot(index="k", columns="nope", values="a"))
    same_error(lambda: pdf.pivot(index="k", columns="j", values="nope"),
               lambda: df.pivot(index="k", columns="j", values="nope"))


# -- stack / unstack ---------------------------------------------------------------------------


def wide() -> pd.DataFrame:
    cols = pd.MultiIndex.from_product([["A", "B"], ["x", "y", "z"]], names=["u", "v"])
    out = pd.DataFrame(np.arange(30.0).reshape(5, 6), columns=cols, index=list("pqrst"))
    out.iloc[1, 2] = np.nan
    return out


@pytest.mark.parametrize("n", NPARTITIONS)
def test_stack(sync, n):
    pdf, df = both(frame(), n)
    assert_same(pdf[["a", "b"]].stack(), df[["a", "b"]].stack())
    assert_same(pdf.stack(), df.stack())
    assert_same(pdf.iloc[:0][["a", "b"]].stack(),
                dframe.from_pandas(pdf.iloc[:0][["a", "b"]], npartitions=n).stack())
    w, dw = both(wide(), n)
    for level in [-1, 0, "u", "v", ["u", "v"], [1, 0]]:
        assert_same(w.stack(level), dw.stack(level))
    same_error(lambda: w.stack(dropna=True), lambda: dw.stack(dropna=True))
    same_error(lambda: w.stack(5), lambda: dw.stack(5))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_unstack(sync, n):
    pdf, df = both(frame(), n)
    s, ds = pdf.set_index(["k", "t"]).a, df.set_index(["k", "t"]).a
    for level in [-1, 0, 1, "k", "t", ["k"]]:
        assert_same(s.unstack(level), ds.unstack(level))
    f, dfr = pdf.set_index(["k", "j"])[["a", "b", "s"]], df.set_index(["k", "j"])[["a", "b", "s"]]
    assert_same(f.unstack(), dfr.unstack())
    assert_same(f.unstack(0), dfr.unstack(0))
    # Missing cells, fill_value; levels with values no longer used after a filter (pandas then
    # orders by first appearance).
    sub, dsub = s[s % 3 != 0], ds[ds % 3 != 0]
    for level in [0, 1]:
        assert_same(sub.unstack(level), dsub.unstack(level))
        assert_same(sub.unstack(level, fill_value=-1), dsub.unstack(level, fill_value=-1))
    bools, dbools = pdf.set_index(["k", "t"]).f, df.set_index(["k", "t"]).f
    assert_same(bools[~bools].unstack(), dbools[~dbools].unstack())
    # Categorical and missing keys in the levels.
    c = pdf.drop_duplicates(["c", "k"]).set_index(["c", "k"]).b
    dc = dframe.from_pandas(pdf.drop_duplicates(["c", "k"]), npartitions=n).set_index(["c", "k"]).b
    assert_same(c.unstack(0), dc.unstack(0))
    assert_same(c.unstack(1), dc.unstack(1))
    nj = pdf.set_index(["k", "j"]).a
    dnj = df.set_index(["k", "j"]).a
    assert_same(nj.unstack(0), dnj.unstack(0))
    # Round trips.
    w, dw = both(wide(), n)
    assert_same(w.stack().unstack(), dw.stack().unstack())
    assert_same(w.stack(0).unstack(0), dw.stack(0).unstack(0))
    assert_same(w.stack([0, 1]).unstack(1), dw.stack([0, 1]).unstack(1))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_unstack_from_pandas_multiindex(sync, n):
    """Partitions cut from one MultiIndex share its levels (unused values, unsorted levels)."""
    mi = pd.MultiIndex(levels=[[30, 10, 20, 40], ["z", "a", "m"]],
                       codes=[[0, 0, 1, 2, 2, 1], [0, 1, 2, 0, 1, 1]], names=["x", None])
    s = pd.Series(np.arange(6), index=mi, name="v")
    for obj in [s, s.iloc[1:], s.iloc[[0, 1, 3, 4]]]:
        d = dframe.from_pandas(obj, npartitions=n)
        for level in [0, 1]:
            assert_same(obj.unstack(level), d.unstack(level))
            assert_same(obj.to_frame().unstack(level), d.to_frame().unstack(level))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_unstack_errors_and_empty(sync, n):
    pdf, df = both(frame(), n)
    same_error(lambda: pdf.a.unstack(), lambda: df.a.unstack())
    s, ds = pdf.set_index(["k", "t"]).a, df.set_index(["k", "t"]).a
    same_error(lambda: s.unstack(5), lambda: ds.unstack(5))
    same_error(lambda: s.unstack("nope"), lambda: ds.unstack("nope"))
    dup, ddup = pdf.set_index(["k", "c"]).a, df.set_index(["k", "c"]).a
    same_error(lambda: dup.unstack(), lambda: ddup.unstack())
    # A fill value the values' dtype cannot hold.
    fr, dfr = pdf.set_index(["k", "t"]), df.set_index(["k", "t"])
    same_error(lambda: fr[fr.a != 4].s.unstack(fill_value=0),
               lambda: dfr[dfr.a != 4].s.unstack(fill_value=0))
    empty = s.iloc[:0]
    assert_same(empty.unstack(), dframe.from_pandas(empty, npartitions=n).unstack())
    e = pdf.iloc[:0]
    assert_same(e.pivot(index="k", columns="j", values="a"),
                dframe.from_pandas(e, npartitions=n).pivot(index="k", columns="j", values="a"))


# -- pivot_table margins and crosstab -----------------------------------------------------------


@pytest.mark.parametrize("n", NPARTITIONS)
def test_pivot_table_margins(sync, n):
    pdf, df = both(frame(), n)
    for kw in [
        {"values": "a", "index": "k", "columns": "s"},
        {"values": ["a", "b"], "index": "k", "columns": "s", "aggfunc": "sum"},
        {"values": "b", "index": ["k", "s"], "columns": "c", "aggfunc": ["mean", "max", "count"]},
        {"values": "a", "index": "c", "columns": "k", "aggfunc": "median", "margins_name": "T"},
        {"values": ["a", "b"], "index": "s", "aggfunc": "std"},
        {"values": "a", "index": "k", "columns": "s", "aggfunc": "min", "fill_value": 0},
        {"values": "b", "index": "k", "columns": "t", "dropna": False, "aggfunc": "var"},
        {"values": "a", "index": "c", "columns": "k", "observed": False, "aggfunc": "prod"},
    ]:
        kw = {**kw, "margins": True}
        assert_same(pdf.pivot_table(**kw), df.pivot_table(**kw))
    same_error(lambda: pdf.pivot_table(values="a", index="s", columns="k", margins=True,
                                       margins_name="s1"),
               lambda: df.pivot_table(values="a", index="s", columns="k", margins=True,
                                      margins_name="s1"))


@pytest.mark.parametrize("n", NPARTITIONS)
def test_crosstab(sync, n):
    pdf, df = both(frame(), n)
    cases = [
        ((["k"], ["s"]), {}),
        ((["k"], ["s"]), {"margins": True}),
        ((["k"], ["c"]), {"margins": True, "margins_name": "Total"}),
        ((["c"], ["k"]), {"dropna": True}),
        ((["k", "s"], ["f"]), {"margins": True}),
        ((["k"], ["s", "f"]), {}),
        ((["k"], ["s"]), {"normalize": True}),
        ((["k"], ["s"]), {"normalize": "index", "margins": True}),
        ((["k"], ["s"]), {"normalize": "columns", "margins": True}),
        ((["k"], ["s"]), {"normalize": "all", "margins": True}),
        ((["k"], ["s"]), {"normalize": 1}),
        ((["k"], ["s"]), {"values": "b", "aggfunc": "mean"}),
        ((["k"], ["t"]), {"values": "a", "aggfunc": "sum", "margins": True}),
        ((["k"], ["s"]), {"rownames": ["R"], "colnames": ["C"]}),
    ]
    for (rows, cols), kw in cases:
        def args(data, rows=rows, cols=cols, kw=kw):
            index = data[rows[0]] if len(rows) == 1 else [data[r] for r in rows]
            columns = data[cols[0]] if len(cols) == 1 else [data[c] for c in cols]
            extra = dict(kw)
            if "values" in extra:
                extra["values"] = data[extra["values"]]
            return index, columns, extra

        pi, pc, pk = args(pdf)
        di, dc, dk = args(df)
        assert_same(pd.crosstab(pi, pc, **pk), dframe.crosstab(di, dc, **dk))
    same_error(lambda: pd.crosstab(pdf.k, pdf.s, aggfunc="sum"),
               lambda: dframe.crosstab(df.k, df.s, aggfunc="sum"))
    same_error(lambda: pd.crosstab(pdf.k, pdf.s, values=pdf.a),
               lambda: dframe.crosstab(df.k, df.s, values=df.a))
    same_error(lambda: pd.crosstab(pdf.k, pdf.s, normalize="nope"),
               lambda: dframe.crosstab(df.k, df.s, normalize="nope"))


# -- executors and fallbacks --------------------------------------------------------------------


def test_reshape_more_on_runtime(executor):
    pdf, df = both(frame(), 7)
    assert_same(pdf.pivot(index="k", columns="t", values="a"),
                df.pivot(index="k", columns="t", values="a"))
    assert_same(pdf[pdf.a != 4].pivot(index="k", columns="j", values="f"),
                df[df.a != 4].pivot(index="k", columns="j", values="f"))
    s, ds = pdf.set_index(["k", "t"]).b, df.set_index(["k", "t"]).b
    assert_same(s[s > 0].unstack(0), ds[ds > 0].unstack(0))
    assert_same(pdf[["a", "b"]].stack(), df[["a", "b"]].stack())
    assert_same(pdf.pivot_table(values="a", index="k", columns="s", margins=True),
                df.pivot_table(values="a", index="k", columns="s", margins=True))
    assert_same(pd.crosstab(pdf.k, pdf.s, margins=True, normalize="index"),
                dframe.crosstab(df.k, df.s, margins=True, normalize="index"))
    with pytest.raises(ValueError, match="duplicate entries"):
        df.pivot(index="k", columns="c", values="a")


def test_unsupported_layouts_fall_back(sync):
    pdf, df = both(frame(), 3)
    s, ds = pdf.set_index(["k", "t", "j"]).a, df.set_index(["k", "t", "j"]).a
    cases = [
        (lambda: s.unstack([0, 1]), lambda: ds.unstack([0, 1])),
        (lambda: s.unstack(sort=False), lambda: ds.unstack(sort=False)),
        (lambda: pdf.pivot(index="k", columns=["t", "j"], values="a"),
         lambda: df.pivot(index="k", columns=["t", "j"], values="a")),
        (lambda: pdf.pivot(index="k", columns="t", values=["a", "b"]),
         lambda: df.pivot(index="k", columns="t", values=["a", "b"])),
        (lambda: pdf[["a", "b"]].unstack(), lambda: df[["a", "b"]].unstack()),
        (lambda: pd.crosstab(pdf.k, pdf.s, values=pdf.a, aggfunc=np.sum),
         lambda: dframe.crosstab(df.k, df.s, values=df.a, aggfunc=np.sum)),
    ]
    for fp, fd in cases:
        dframe.fallback.reset_warnings()
        with pytest.warns(dframe.PandasFallbackWarning):
            out = fd()
        assert_same(fp(), out)
