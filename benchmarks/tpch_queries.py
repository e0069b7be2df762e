"""The 22 TPC-H queries in pandas' dialect, for ``benchmarks/tpch.py``.

Each query is a function ``q(pd, t)``: ``pd`` is the module the script imported (pandas, or
dframe for ``import dframe as pd``), ``t`` the loaded tables by name (a ``Tables``, which also
carries the scale factor: q11's fraction depends on it). The same code runs on pandas and on
dframe. It is written as a pandas user writes it: each table filtered with boolean masks first,
then merged in the order the query's FROM clause names the tables (where two neighbours in that
list share no join predicate, the next table that joins comes first), ``groupby().agg``,
``sort_values``, ``head``. A correlated subquery becomes a ``groupby().agg`` merged back; IN and
EXISTS become ``isin``. Parameters are the specification's validation values (section 2.4).

dask.dataframe gets its own version of a query where its API differs from pandas' (no
``as_index``, no ``isin`` with a collection, no "nunique" aggregation): the small grouped
result is computed, then sorted and cut in pandas.

Every result's column names are the SQL query's aliases, so all engines can be compared.
"""

from __future__ import annotations


class Tables(dict):
    """The loaded tables by name, plus ``sf``, the scale factor they were generated at."""

    def __init__(self, sf: float = 1.0):
        super().__init__()
        self.sf = sf


def q11_fraction(sf: float) -> float:
    """q11's FRACTION: 0.0001 / SF (specification 2.4.11.3)."""
    return 0.0001 / sf


Q16_SIZES = [49, 14, 23, 45, 19, 3, 36, 9]
Q19_TERMS = [("Brand#12", ["SM CASE", "SM BOX", "SM PACK", "SM PKG"], 1, 5),
             ("Brand#23", ["MED BAG", "MED BOX", "MED PKG", "MED PACK"], 10, 10),
             ("Brand#34", ["LG CASE", "LG BOX", "LG PACK", "LG PKG"], 20, 15)]
Q22_CODES = ["13", "31", "23", "29", "30", "18", "17"]


# --------------------------------------------------------------------------------------------
# pandas and dframe


def q1(pd, t):
    li = t["lineitem"]
    li = li[li.l_shipdate <= pd.Timestamp("1998-09-02")]
    disc_price = li.l_extendedprice * (1 - li.l_discount)
    li = li.assign(disc_price=disc_price, charge=disc_price * (1 + li.l_tax))
    out = li.groupby(["l_returnflag", "l_linestatus"], as_index=False).agg(
        sum_qty=("l_quantity", "sum"),
        sum_base_price=("l_extendedprice", "sum"),
        sum_disc_price=("disc_price", "sum"),
        sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"),
        avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"),
        count_order=("l_orderkey", "count"),
    )
    return out.sort_values(["l_returnflag", "l_linestatus"])


def q2(pd, t):
    p, s, ps, n, r = (t[k] for k in ("part", "supplier", "partsupp", "nation", "region"))
    p = p[(p.p_size == 15) & p.p_type.str.endswith("BRASS")]
    r = r[r.r_name == "EUROPE"]
    j = p.merge(ps, left_on="p_partkey", right_on="ps_partkey")
    j = j.merge(s, left_on="ps_suppkey", right_on="s_suppkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.merge(r, left_on="n_regionkey", right_on="r_regionkey")
    # the subquery: each part's lowest supply cost among European suppliers
    cheapest = j.groupby("p_partkey", as_index=False).agg(min_cost=("ps_supplycost", "min"))
    j = j.merge(cheapest, on="p_partkey")
    j = j[j.ps_supplycost == j.min_cost]
    out = j.sort_values(["s_acctbal", "n_name", "s_name", "p_partkey"],
                        ascending=[False, True, True, True]).head(100)
    return out[["s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone",
                "s_comment"]]


def q3(pd, t):
    c, o, li = t["customer"], t["orders"], t["lineitem"]
    c = c[c.c_mktsegment == "BUILDING"]
    o = o[o.o_orderdate < pd.Timestamp("1995-03-15")]
    li = li[li.l_shipdate > pd.Timestamp("1995-03-15")]
    j = c[["c_custkey"]].merge(o, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"], as_index=False).revenue.sum()
    out = out.sort_values(["revenue", "o_orderdate"], ascending=[False, True]).head(10)
    return out[["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]]


def q4(pd, t):
    o, li = t["orders"], t["lineitem"]
    o = o[(o.o_orderdate >= pd.Timestamp("1993-07-01"))
          & (o.o_orderdate < pd.Timestamp("1993-10-01"))]
    late = li[li.l_commitdate < li.l_receiptdate].l_orderkey
    o = o[o.o_orderkey.isin(late)]
    out = o.groupby("o_orderpriority").agg(order_count=("o_orderkey", "count")).reset_index()
    return out.sort_values("o_orderpriority")


def q5(pd, t):
    c, o, li, s, n, r = (t[k] for k in ("customer", "orders", "lineitem", "supplier", "nation",
                                        "region"))
    o = o[(o.o_orderdate >= pd.Timestamp("1994-01-01"))
          & (o.o_orderdate < pd.Timestamp("1995-01-01"))]
    r = r[r.r_name == "ASIA"]
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.merge(s, left_on=["l_suppkey", "c_nationkey"], right_on=["s_suppkey", "s_nationkey"])
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.merge(r, left_on="n_regionkey", right_on="r_regionkey")
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby("n_name").revenue.sum().reset_index()
    return out.sort_values("revenue", ascending=False)


def q6(pd, t):
    li = t["lineitem"]
    li = li[
        (li.l_shipdate >= pd.Timestamp("1994-01-01"))
        & (li.l_shipdate < pd.Timestamp("1995-01-01"))
        & li.l_discount.between(0.05, 0.07)
        & (li.l_quantity < 24)
    ]
    return (li.l_extendedprice * li.l_discount).sum()


def q7(pd, t):
    s, li, o, c, n = (t[k] for k in ("supplier", "lineitem", "orders", "customer", "nation"))
    li = li[(li.l_shipdate >= pd.Timestamp("1995-01-01"))
            & (li.l_shipdate <= pd.Timestamp("1996-12-31"))]
    n = n[n.n_name.isin(["FRANCE", "GERMANY"])]
    j = s.merge(li, left_on="s_suppkey", right_on="l_suppkey")
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(c, left_on="o_custkey", right_on="c_custkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")  # n1: the supplier's
    j = j.merge(n, left_on="c_nationkey", right_on="n_nationkey", suffixes=("_1", "_2"))  # n2
    j = j[((j.n_name_1 == "FRANCE") & (j.n_name_2 == "GERMANY"))
          | ((j.n_name_1 == "GERMANY") & (j.n_name_2 == "FRANCE"))]
    j = j.assign(supp_nation=j.n_name_1, cust_nation=j.n_name_2, l_year=j.l_shipdate.dt.year,
                 volume=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby(["supp_nation", "cust_nation", "l_year"], as_index=False).agg(
        revenue=("volume", "sum"))
    return out.sort_values(["supp_nation", "cust_nation", "l_year"])


def q8(pd, t):
    p, s, li, o, c, n, r = (t[k] for k in ("part", "supplier", "lineitem", "orders", "customer",
                                           "nation", "region"))
    p = p[p.p_type == "ECONOMY ANODIZED STEEL"]
    o = o[(o.o_orderdate >= pd.Timestamp("1995-01-01"))
          & (o.o_orderdate <= pd.Timestamp("1996-12-31"))]
    r = r[r.r_name == "AMERICA"]
    j = p.merge(li, left_on="p_partkey", right_on="l_partkey")
    j = j.merge(s, left_on="l_suppkey", right_on="s_suppkey")
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(c, left_on="o_custkey", right_on="c_custkey")
    j = j.merge(n, left_on="c_nationkey", right_on="n_nationkey")  # n1: the customer's
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey", suffixes=("_1", "_2"))  # n2
    j = j.merge(r, left_on="n_regionkey_1", right_on="r_regionkey")
    volume = j.l_extendedprice * (1 - j.l_discount)
    j = j.assign(o_year=j.o_orderdate.dt.year, volume=volume,
                 brazil=volume.where(j.n_name_2 == "BRAZIL", 0.0))
    out = j.groupby("o_year", as_index=False).agg(brazil=("brazil", "sum"),
                                                  volume=("volume", "sum"))
    out = out.assign(mkt_share=out.brazil / out.volume)
    return out[["o_year", "mkt_share"]].sort_values("o_year")


def q9(pd, t):
    p, s, li, ps, o, n = (t[k] for k in ("part", "supplier", "lineitem", "partsupp", "orders",
                                         "nation"))
    p = p[p.p_name.str.contains("green")]
    j = p.merge(li, left_on="p_partkey", right_on="l_partkey")
    j = j.merge(s, left_on="l_suppkey", right_on="s_suppkey")
    j = j.merge(ps, left_on=["l_suppkey", "l_partkey"], right_on=["ps_suppkey", "ps_partkey"])
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.assign(nation=j.n_name, o_year=j.o_orderdate.dt.year,
                 amount=j.l_extendedprice * (1 - j.l_discount) - j.ps_supplycost * j.l_quantity)
    out = j.groupby(["nation", "o_year"], as_index=False).agg(sum_profit=("amount", "sum"))
    return out.sort_values(["nation", "o_year"], ascending=[True, False])


def q10(pd, t):
    c, o, li, n = t["customer"], t["orders"], t["lineitem"], t["nation"]
    o = o[(o.o_orderdate >= pd.Timestamp("1993-10-01"))
          & (o.o_orderdate < pd.Timestamp("1994-01-01"))]
    li = li[li.l_returnflag == "R"]
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.merge(n, left_on="c_nationkey", right_on="n_nationkey")
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    keys = ["c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"]
    out = j.groupby(keys).revenue.sum().reset_index().nlargest(20, "revenue")
    return out[["c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone",
                "c_comment"]]


def q11(pd, t):
    ps, s, n = t["partsupp"], t["supplier"], t["nation"]
    n = n[n.n_name == "GERMANY"]
    j = ps.merge(s, left_on="ps_suppkey", right_on="s_suppkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.assign(value=j.ps_supplycost * j.ps_availqty)
    threshold = j.value.sum() * q11_fraction(t.sf)
    out = j.groupby("ps_partkey", as_index=False).agg(value=("value", "sum"))
    out = out[out.value > threshold]
    return out.sort_values("value", ascending=False)


def q12(pd, t):
    o, li = t["orders"], t["lineitem"]
    li = li[
        li.l_shipmode.isin(["MAIL", "SHIP"])
        & (li.l_commitdate < li.l_receiptdate)
        & (li.l_shipdate < li.l_commitdate)
        & (li.l_receiptdate >= pd.Timestamp("1994-01-01"))
        & (li.l_receiptdate < pd.Timestamp("1995-01-01"))
    ]
    j = o.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    high = j.o_orderpriority.isin(["1-URGENT", "2-HIGH"])
    j = j.assign(high_line_count=high.astype("int64"), low_line_count=(~high).astype("int64"))
    return j.groupby("l_shipmode")[["high_line_count", "low_line_count"]].sum().reset_index()


def q13(pd, t):
    c, o = t["customer"], t["orders"]
    o = o[~o.o_comment.str.contains("special.*requests")]
    j = c[["c_custkey"]].merge(o[["o_orderkey", "o_custkey"]], how="left",
                               left_on="c_custkey", right_on="o_custkey")
    c_orders = j.groupby("c_custkey", as_index=False).agg(c_count=("o_orderkey", "count"))
    out = c_orders.groupby("c_count", as_index=False).agg(custdist=("c_custkey", "count"))
    return out.sort_values(["custdist", "c_count"], ascending=False)


def q14(pd, t):
    li, p = t["lineitem"], t["part"]
    li = li[(li.l_shipdate >= pd.Timestamp("1995-09-01"))
            & (li.l_shipdate < pd.Timestamp("1995-10-01"))]
    j = li.merge(p, left_on="l_partkey", right_on="p_partkey")
    revenue = j.l_extendedprice * (1 - j.l_discount)
    promo = revenue.where(j.p_type.str.startswith("PROMO"), 0.0)
    return 100.0 * promo.sum() / revenue.sum()


def q15(pd, t):
    s, li = t["supplier"], t["lineitem"]
    li = li[(li.l_shipdate >= pd.Timestamp("1996-01-01"))
            & (li.l_shipdate < pd.Timestamp("1996-04-01"))]
    li = li.assign(revenue=li.l_extendedprice * (1 - li.l_discount))
    revenue0 = li.groupby("l_suppkey", as_index=False).agg(total_revenue=("revenue", "sum"))
    top = revenue0[revenue0.total_revenue == revenue0.total_revenue.max()]
    j = s.merge(top, left_on="s_suppkey", right_on="l_suppkey")
    out = j[["s_suppkey", "s_name", "s_address", "s_phone", "total_revenue"]]
    return out.sort_values("s_suppkey")


def q16(pd, t):
    ps, p, s = t["partsupp"], t["part"], t["supplier"]
    p = p[(p.p_brand != "Brand#45") & ~p.p_type.str.startswith("MEDIUM POLISHED")
          & p.p_size.isin(Q16_SIZES)]
    complaints = s[s.s_comment.str.contains("Customer.*Complaints")].s_suppkey
    ps = ps[~ps.ps_suppkey.isin(complaints)]
    j = ps.merge(p, left_on="ps_partkey", right_on="p_partkey")
    out = j.groupby(["p_brand", "p_type", "p_size"], as_index=False).agg(
        supplier_cnt=("ps_suppkey", "nunique"))
    return out.sort_values(["supplier_cnt", "p_brand", "p_type", "p_size"],
                           ascending=[False, True, True, True])


def q17(pd, t):
    li, p = t["lineitem"], t["part"]
    p = p[(p.p_brand == "Brand#23") & (p.p_container == "MED BOX")]
    j = li.merge(p, left_on="l_partkey", right_on="p_partkey")
    # the subquery: each part's average quantity
    avg = j.groupby("p_partkey", as_index=False).agg(avg_quantity=("l_quantity", "mean"))
    j = j.merge(avg, on="p_partkey")
    j = j[j.l_quantity < 0.2 * j.avg_quantity]
    return j.l_extendedprice.sum() / 7.0


def q18(pd, t):
    c, o, li = t["customer"], t["orders"], t["lineitem"]
    qty = li.groupby("l_orderkey", as_index=False).l_quantity.sum()
    big = qty[qty.l_quantity > 300].l_orderkey
    o = o[o.o_orderkey.isin(big)]
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    out = j.groupby(["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice"],
                    as_index=False).agg(sum_qty=("l_quantity", "sum"))
    return out.sort_values(["o_totalprice", "o_orderdate"], ascending=[False, True]).head(100)


def q19(pd, t):
    li, p = t["lineitem"], t["part"]
    li = li[li.l_shipmode.isin(["AIR", "AIR REG"]) & (li.l_shipinstruct == "DELIVER IN PERSON")]
    j = li.merge(p, left_on="l_partkey", right_on="p_partkey")
    keep = None
    for brand, containers, qty, size in Q19_TERMS:
        term = ((j.p_brand == brand) & j.p_container.isin(containers)
                & j.l_quantity.between(qty, qty + 10) & j.p_size.between(1, size))
        keep = term if keep is None else keep | term
    j = j[keep]
    return (j.l_extendedprice * (1 - j.l_discount)).sum()


def q20(pd, t):
    s, n, ps, p, li = (t[k] for k in ("supplier", "nation", "partsupp", "part", "lineitem"))
    n = n[n.n_name == "CANADA"]
    forest = p[p.p_name.str.startswith("forest")].p_partkey
    li = li[(li.l_shipdate >= pd.Timestamp("1994-01-01"))
            & (li.l_shipdate < pd.Timestamp("1995-01-01"))]
    # the correlated subquery: quantity shipped per (part, supplier) in 1994
    shipped = li.groupby(["l_partkey", "l_suppkey"], as_index=False).agg(
        sum_quantity=("l_quantity", "sum"))
    ps = ps[ps.ps_partkey.isin(forest)]
    ps = ps.merge(shipped, left_on=["ps_partkey", "ps_suppkey"],
                  right_on=["l_partkey", "l_suppkey"])
    ps = ps[ps.ps_availqty > 0.5 * ps.sum_quantity]
    s = s[s.s_suppkey.isin(ps.ps_suppkey)]
    j = s.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    return j[["s_name", "s_address"]].sort_values("s_name")


def q21(pd, t):
    s, li, o, n = t["supplier"], t["lineitem"], t["orders"], t["nation"]
    l1 = li[li.l_receiptdate > li.l_commitdate]
    o = o[o.o_orderstatus == "F"]
    n = n[n.n_name == "SAUDI ARABIA"]
    j = s.merge(l1, left_on="s_suppkey", right_on="l_suppkey")
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    # exists l2: the order has another supplier; not exists l3: no other supplier was late
    suppliers = li.groupby("l_orderkey", as_index=False).agg(n_supp=("l_suppkey", "nunique"))
    late = l1.groupby("l_orderkey", as_index=False).agg(n_late=("l_suppkey", "nunique"))
    j = j.merge(suppliers, on="l_orderkey").merge(late, on="l_orderkey")
    j = j[(j.n_supp > 1) & (j.n_late == 1)]
    out = j.groupby("s_name", as_index=False).agg(numwait=("l_orderkey", "count"))
    return out.sort_values(["numwait", "s_name"], ascending=[False, True]).head(100)


def q22(pd, t):
    c, o = t["customer"], t["orders"]
    c = c.assign(cntrycode=c.c_phone.str.slice(0, 2))
    c = c[c.cntrycode.isin(Q22_CODES)]
    avg = c[c.c_acctbal > 0.0].c_acctbal.mean()
    c = c[(c.c_acctbal > avg) & ~c.c_custkey.isin(o.o_custkey)]
    out = c.groupby("cntrycode", as_index=False).agg(numcust=("c_custkey", "count"),
                                                     totacctbal=("c_acctbal", "sum"))
    return out.sort_values("cntrycode")


PANDAS = {f"q{i}": globals()[f"q{i}"] for i in range(1, 23)}


# --------------------------------------------------------------------------------------------
# dask.dataframe versions, where dask's API differs from pandas'. ``pd`` is pandas here.


def q1_dask(pd, t):
    li = t["lineitem"]
    li = li[li.l_shipdate <= pd.Timestamp("1998-09-02")]
    disc_price = li.l_extendedprice * (1 - li.l_discount)
    li = li.assign(disc_price=disc_price, charge=disc_price * (1 + li.l_tax))
    out = li.groupby(["l_returnflag", "l_linestatus"]).agg(
        sum_qty=("l_quantity", "sum"),
        sum_base_price=("l_extendedprice", "sum"),
        sum_disc_price=("disc_price", "sum"),
        sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"),
        avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"),
        count_order=("l_orderkey", "count"),
    )
    return out.reset_index().compute().sort_values(["l_returnflag", "l_linestatus"])


def q2_dask(pd, t):
    p, s, ps, n, r = (t[k] for k in ("part", "supplier", "partsupp", "nation", "region"))
    p = p[(p.p_size == 15) & p.p_type.str.endswith("BRASS")]
    r = r[r.r_name == "EUROPE"]
    j = p.merge(ps, left_on="p_partkey", right_on="ps_partkey")
    j = j.merge(s, left_on="ps_suppkey", right_on="s_suppkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.merge(r, left_on="n_regionkey", right_on="r_regionkey")
    cheapest = j.groupby("p_partkey").agg(min_cost=("ps_supplycost", "min")).reset_index()
    j = j.merge(cheapest, on="p_partkey")
    j = j[j.ps_supplycost == j.min_cost]
    out = j.compute().sort_values(["s_acctbal", "n_name", "s_name", "p_partkey"],
                                  ascending=[False, True, True, True]).head(100)
    return out[["s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone",
                "s_comment"]]


def q3_dask(pd, t):
    c, o, li = t["customer"], t["orders"], t["lineitem"]
    c = c[c.c_mktsegment == "BUILDING"]
    o = o[o.o_orderdate < pd.Timestamp("1995-03-15")]
    li = li[li.l_shipdate > pd.Timestamp("1995-03-15")]
    j = c[["c_custkey"]].merge(o, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"]).revenue.sum().reset_index()
    out = out.compute().sort_values(["revenue", "o_orderdate"], ascending=[False, True]).head(10)
    return out[["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]]


def q4_dask(pd, t):
    # "exists" becomes a join with the distinct late orders
    o, li = t["orders"], t["lineitem"]
    o = o[(o.o_orderdate >= pd.Timestamp("1993-07-01"))
          & (o.o_orderdate < pd.Timestamp("1993-10-01"))]
    late = li[li.l_commitdate < li.l_receiptdate][["l_orderkey"]].drop_duplicates()
    o = o.merge(late, left_on="o_orderkey", right_on="l_orderkey")
    out = o.groupby("o_orderpriority").agg(order_count=("o_orderkey", "count")).reset_index()
    return out.compute().sort_values("o_orderpriority")


def q7_dask(pd, t):
    s, li, o, c, n = (t[k] for k in ("supplier", "lineitem", "orders", "customer", "nation"))
    li = li[(li.l_shipdate >= pd.Timestamp("1995-01-01"))
            & (li.l_shipdate <= pd.Timestamp("1996-12-31"))]
    n = n[n.n_name.isin(["FRANCE", "GERMANY"])]
    j = s.merge(li, left_on="s_suppkey", right_on="l_suppkey")
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(c, left_on="o_custkey", right_on="c_custkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.merge(n, left_on="c_nationkey", right_on="n_nationkey", suffixes=("_1", "_2"))
    j = j[((j.n_name_1 == "FRANCE") & (j.n_name_2 == "GERMANY"))
          | ((j.n_name_1 == "GERMANY") & (j.n_name_2 == "FRANCE"))]
    j = j.assign(supp_nation=j.n_name_1, cust_nation=j.n_name_2, l_year=j.l_shipdate.dt.year,
                 volume=j.l_extendedprice * (1 - j.l_discount))
    out = j.groupby(["supp_nation", "cust_nation", "l_year"]).agg(revenue=("volume", "sum"))
    return out.reset_index().compute().sort_values(["supp_nation", "cust_nation", "l_year"])


def q8_dask(pd, t):
    p, s, li, o, c, n, r = (t[k] for k in ("part", "supplier", "lineitem", "orders", "customer",
                                           "nation", "region"))
    p = p[p.p_type == "ECONOMY ANODIZED STEEL"]
    o = o[(o.o_orderdate >= pd.Timestamp("1995-01-01"))
          & (o.o_orderdate <= pd.Timestamp("1996-12-31"))]
    r = r[r.r_name == "AMERICA"]
    j = p.merge(li, left_on="p_partkey", right_on="l_partkey")
    j = j.merge(s, left_on="l_suppkey", right_on="s_suppkey")
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(c, left_on="o_custkey", right_on="c_custkey")
    j = j.merge(n, left_on="c_nationkey", right_on="n_nationkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey", suffixes=("_1", "_2"))
    j = j.merge(r, left_on="n_regionkey_1", right_on="r_regionkey")
    volume = j.l_extendedprice * (1 - j.l_discount)
    j = j.assign(o_year=j.o_orderdate.dt.year, volume=volume,
                 brazil=volume.where(j.n_name_2 == "BRAZIL", 0.0))
    out = j.groupby("o_year").agg(brazil=("brazil", "sum"), volume=("volume", "sum"))
    out = out.reset_index().compute()
    out = out.assign(mkt_share=out.brazil / out.volume)
    return out[["o_year", "mkt_share"]].sort_values("o_year")


def q9_dask(pd, t):
    p, s, li, ps, o, n = (t[k] for k in ("part", "supplier", "lineitem", "partsupp", "orders",
                                         "nation"))
    p = p[p.p_name.str.contains("green")]
    j = p.merge(li, left_on="p_partkey", right_on="l_partkey")
    j = j.merge(s, left_on="l_suppkey", right_on="s_suppkey")
    j = j.merge(ps, left_on=["l_suppkey", "l_partkey"], right_on=["ps_suppkey", "ps_partkey"])
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.assign(nation=j.n_name, o_year=j.o_orderdate.dt.year,
                 amount=j.l_extendedprice * (1 - j.l_discount) - j.ps_supplycost * j.l_quantity)
    out = j.groupby(["nation", "o_year"]).agg(sum_profit=("amount", "sum")).reset_index()
    return out.compute().sort_values(["nation", "o_year"], ascending=[True, False])


def q11_dask(pd, t):
    ps, s, n = t["partsupp"], t["supplier"], t["nation"]
    n = n[n.n_name == "GERMANY"]
    j = ps.merge(s, left_on="ps_suppkey", right_on="s_suppkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = j.assign(value=j.ps_supplycost * j.ps_availqty)
    threshold = j.value.sum() * q11_fraction(t.sf)
    out = j.groupby("ps_partkey").agg(value=("value", "sum")).reset_index()
    out = out[out.value > threshold]
    return out.compute().sort_values("value", ascending=False)


def q13_dask(pd, t):
    c, o = t["customer"], t["orders"]
    o = o[~o.o_comment.str.contains("special.*requests")]
    j = c[["c_custkey"]].merge(o[["o_orderkey", "o_custkey"]], how="left",
                               left_on="c_custkey", right_on="o_custkey")
    c_orders = j.groupby("c_custkey").agg(c_count=("o_orderkey", "count")).reset_index()
    out = c_orders.groupby("c_count").agg(custdist=("c_custkey", "count")).reset_index()
    return out.compute().sort_values(["custdist", "c_count"], ascending=False)


def q15_dask(pd, t):
    s, li = t["supplier"], t["lineitem"]
    li = li[(li.l_shipdate >= pd.Timestamp("1996-01-01"))
            & (li.l_shipdate < pd.Timestamp("1996-04-01"))]
    li = li.assign(revenue=li.l_extendedprice * (1 - li.l_discount))
    revenue0 = li.groupby("l_suppkey").agg(total_revenue=("revenue", "sum")).reset_index()
    top = revenue0[revenue0.total_revenue == revenue0.total_revenue.max()]
    j = s.merge(top, left_on="s_suppkey", right_on="l_suppkey")
    out = j[["s_suppkey", "s_name", "s_address", "s_phone", "total_revenue"]]
    return out.compute().sort_values("s_suppkey")


def q16_dask(pd, t):
    # "not in" becomes a left join with an indicator; "count(distinct)" is ``nunique()``
    ps, p, s = t["partsupp"], t["part"], t["supplier"]
    p = p[(p.p_brand != "Brand#45") & ~p.p_type.str.startswith("MEDIUM POLISHED")
          & p.p_size.isin(Q16_SIZES)]
    complaints = s[s.s_comment.str.contains("Customer.*Complaints")][["s_suppkey"]]
    ps = ps.merge(complaints, how="left", left_on="ps_suppkey", right_on="s_suppkey",
                  indicator=True)
    ps = ps[ps._merge == "left_only"]
    j = ps.merge(p, left_on="ps_partkey", right_on="p_partkey")
    out = j.groupby(["p_brand", "p_type", "p_size"]).ps_suppkey.nunique()
    out = out.rename("supplier_cnt").reset_index().compute()
    return out.sort_values(["supplier_cnt", "p_brand", "p_type", "p_size"],
                           ascending=[False, True, True, True])


def q17_dask(pd, t):
    li, p = t["lineitem"], t["part"]
    p = p[(p.p_brand == "Brand#23") & (p.p_container == "MED BOX")]
    j = li.merge(p, left_on="l_partkey", right_on="p_partkey")
    avg = j.groupby("p_partkey").agg(avg_quantity=("l_quantity", "mean")).reset_index()
    j = j.merge(avg, on="p_partkey")
    j = j[j.l_quantity < 0.2 * j.avg_quantity]
    return j.l_extendedprice.sum() / 7.0


def q18_dask(pd, t):
    # the IN subquery becomes a join (its result is small)
    c, o, li = t["customer"], t["orders"], t["lineitem"]
    qty = li.groupby("l_orderkey").l_quantity.sum().reset_index()
    big = qty[qty.l_quantity > 300][["l_orderkey"]]
    o = o.merge(big, left_on="o_orderkey", right_on="l_orderkey")[list(o.columns)]
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    out = j.groupby(["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice"]).agg(
        sum_qty=("l_quantity", "sum")).reset_index()
    return out.compute().sort_values(["o_totalprice", "o_orderdate"],
                                     ascending=[False, True]).head(100)


def q20_dask(pd, t):
    # the IN subqueries become joins with distinct keys
    s, n, ps, p, li = (t[k] for k in ("supplier", "nation", "partsupp", "part", "lineitem"))
    n = n[n.n_name == "CANADA"]
    forest = p[p.p_name.str.startswith("forest")][["p_partkey"]]
    li = li[(li.l_shipdate >= pd.Timestamp("1994-01-01"))
            & (li.l_shipdate < pd.Timestamp("1995-01-01"))]
    shipped = li.groupby(["l_partkey", "l_suppkey"]).agg(
        sum_quantity=("l_quantity", "sum")).reset_index()
    ps = ps.merge(forest, left_on="ps_partkey", right_on="p_partkey")
    ps = ps.merge(shipped, left_on=["ps_partkey", "ps_suppkey"],
                  right_on=["l_partkey", "l_suppkey"])
    ps = ps[ps.ps_availqty > 0.5 * ps.sum_quantity][["ps_suppkey"]].drop_duplicates()
    s = s.merge(ps, left_on="s_suppkey", right_on="ps_suppkey")
    j = s.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    return j[["s_name", "s_address"]].compute().sort_values("s_name")


def q21_dask(pd, t):
    s, li, o, n = t["supplier"], t["lineitem"], t["orders"], t["nation"]
    l1 = li[li.l_receiptdate > li.l_commitdate]
    o = o[o.o_orderstatus == "F"]
    n = n[n.n_name == "SAUDI ARABIA"]
    j = s.merge(l1, left_on="s_suppkey", right_on="l_suppkey")
    j = j.merge(o, left_on="l_orderkey", right_on="o_orderkey")
    j = j.merge(n, left_on="s_nationkey", right_on="n_nationkey")
    suppliers = li.groupby("l_orderkey").l_suppkey.nunique().rename("n_supp").reset_index()
    late = l1.groupby("l_orderkey").l_suppkey.nunique().rename("n_late").reset_index()
    j = j.merge(suppliers, on="l_orderkey").merge(late, on="l_orderkey")
    j = j[(j.n_supp > 1) & (j.n_late == 1)]
    out = j.groupby("s_name").agg(numwait=("l_orderkey", "count")).reset_index().compute()
    return out.sort_values(["numwait", "s_name"], ascending=[False, True]).head(100)


def q22_dask(pd, t):
    # "not exists" becomes a left join with an indicator
    c, o = t["customer"], t["orders"]
    c = c.assign(cntrycode=c.c_phone.str.slice(0, 2))
    c = c[c.cntrycode.isin(Q22_CODES)]
    avg = c[c.c_acctbal > 0.0].c_acctbal.mean()
    c = c[c.c_acctbal > avg]
    custs = o[["o_custkey"]].drop_duplicates()
    c = c.merge(custs, how="left", left_on="c_custkey", right_on="o_custkey", indicator=True)
    c = c[c._merge == "left_only"]
    out = c.groupby("cntrycode").agg(numcust=("c_custkey", "count"),
                                     totacctbal=("c_acctbal", "sum")).reset_index()
    return out.compute().sort_values("cntrycode")


# The pandas function runs unchanged on dask for the queries not listed.
DASK = {k: globals()[f"{k}_dask"] for k in PANDAS if f"{k}_dask" in globals()}
