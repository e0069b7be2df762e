"""The 22 TPC-H queries in polars' lazy API, for ``benchmarks/tpch.py`` (a reference row).

Each query is a function ``q(pl, t)``: ``pl`` is polars, ``t`` the loaded (eager) tables by name
with the scale factor as ``t.sf`` (see ``tpch_queries.Tables``). Every query builds a lazy plan
from the tables and collects it. Result columns are the SQL query's aliases.
"""

from __future__ import annotations

from datetime import datetime

from tpch_queries import Q16_SIZES, Q19_TERMS, Q22_CODES, q11_fraction


def _between(pl, column: str, start: datetime, stop: datetime):
    """``start <= column < stop``."""
    return pl.col(column).is_between(start, stop, closed="left")


def _revenue(pl):
    return pl.col("l_extendedprice") * (1 - pl.col("l_discount"))


def q1(pl, t):
    li = t["lineitem"].lazy()
    disc_price = _revenue(pl)
    return (
        li.filter(pl.col("l_shipdate") <= datetime(1998, 9, 2))
        .group_by("l_returnflag", "l_linestatus")
        .agg(
            sum_qty=pl.col("l_quantity").sum(),
            sum_base_price=pl.col("l_extendedprice").sum(),
            sum_disc_price=disc_price.sum(),
            sum_charge=(disc_price * (1 + pl.col("l_tax"))).sum(),
            avg_qty=pl.col("l_quantity").mean(),
            avg_price=pl.col("l_extendedprice").mean(),
            avg_disc=pl.col("l_discount").mean(),
            count_order=pl.len(),
        )
        .sort("l_returnflag", "l_linestatus")
        .collect()
    )


def q2(pl, t):
    p, s, ps, n, r = (t[k].lazy() for k in ("part", "supplier", "partsupp", "nation", "region"))
    return (
        p.filter((pl.col("p_size") == 15) & pl.col("p_type").str.ends_with("BRASS"))
        .join(ps, left_on="p_partkey", right_on="ps_partkey")
        .join(s, left_on="ps_suppkey", right_on="s_suppkey")
        .join(n, left_on="s_nationkey", right_on="n_nationkey")
        .join(r.filter(pl.col("r_name") == "EUROPE"), left_on="n_regionkey",
              right_on="r_regionkey")
        .filter(pl.col("ps_supplycost") == pl.col("ps_supplycost").min().over("p_partkey"))
        .sort(["s_acctbal", "n_name", "s_name", "p_partkey"],
              descending=[True, False, False, False])
        .head(100)
        .select("s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone",
                "s_comment")
        .collect()
    )


def q3(pl, t):
    c = t["customer"].lazy().filter(pl.col("c_mktsegment") == "BUILDING")
    o = t["orders"].lazy().filter(pl.col("o_orderdate") < datetime(1995, 3, 15))
    li = t["lineitem"].lazy().filter(pl.col("l_shipdate") > datetime(1995, 3, 15))
    return (
        c.join(o, left_on="c_custkey", right_on="o_custkey")
        .join(li, left_on="o_orderkey", right_on="l_orderkey")
        .group_by(pl.col("o_orderkey").alias("l_orderkey"), "o_orderdate", "o_shippriority")
        .agg(revenue=_revenue(pl).sum())
        .sort(["revenue", "o_orderdate"], descending=[True, False])
        .head(10)
        .select("l_orderkey", "revenue", "o_orderdate", "o_shippriority")
        .collect()
    )


def q4(pl, t):
    o, li = t["orders"].lazy(), t["lineitem"].lazy()
    late = li.filter(pl.col("l_commitdate") < pl.col("l_receiptdate"))
    return (
        o.filter(_between(pl, "o_orderdate", datetime(1993, 7, 1), datetime(1993, 10, 1)))
        .join(late, left_on="o_orderkey", right_on="l_orderkey", how="semi")
        .group_by("o_orderpriority")
        .agg(order_count=pl.len())
        .sort("o_orderpriority")
        .collect()
    )


def q5(pl, t):
    c, o, li, s, n, r = (t[k].lazy() for k in ("customer", "orders", "lineitem", "supplier",
                                                 "nation", "region"))
    return (
        c.join(o.filter(_between(pl, "o_orderdate", datetime(1994, 1, 1), datetime(1995, 1, 1))),
               left_on="c_custkey", right_on="o_custkey")
        .join(li, left_on="o_orderkey", right_on="l_orderkey")
        .join(s, left_on=["l_suppkey", "c_nationkey"], right_on=["s_suppkey", "s_nationkey"])
        .join(n, left_on="c_nationkey", right_on="n_nationkey")
        .join(r.filter(pl.col("r_name") == "ASIA"), left_on="n_regionkey",
              right_on="r_regionkey")
        .group_by("n_name")
        .agg(revenue=_revenue(pl).sum())
        .sort("revenue", descending=True)
        .collect()
    )


def q6(pl, t):
    li = t["lineitem"].lazy()
    return (
        li.filter(
            _between(pl, "l_shipdate", datetime(1994, 1, 1), datetime(1995, 1, 1))
            & pl.col("l_discount").is_between(0.05, 0.07)
            & (pl.col("l_quantity") < 24)
        )
        .select((pl.col("l_extendedprice") * pl.col("l_discount")).sum())
        .collect()
        .item()
    )


def q7(pl, t):
    s, li, o, c, n = (t[k].lazy() for k in ("supplier", "lineitem", "orders", "customer",
                                              "nation"))
    n1 = n.select(pl.col("n_nationkey").alias("n1_nationkey"),
                  pl.col("n_name").alias("supp_nation"))
    n2 = n.select(pl.col("n_nationkey").alias("n2_nationkey"),
                  pl.col("n_name").alias("cust_nation"))
    pair = (((pl.col("supp_nation") == "FRANCE") & (pl.col("cust_nation") == "GERMANY"))
            | ((pl.col("supp_nation") == "GERMANY") & (pl.col("cust_nation") == "FRANCE")))
    return (
        s.join(li.filter(pl.col("l_shipdate").is_between(datetime(1995, 1, 1),
                                                         datetime(1996, 12, 31))),
               left_on="s_suppkey", right_on="l_suppkey")
        .join(o, left_on="l_orderkey", right_on="o_orderkey")
        .join(c, left_on="o_custkey", right_on="c_custkey")
        .join(n1, left_on="s_nationkey", right_on="n1_nationkey")
        .join(n2, left_on="c_nationkey", right_on="n2_nationkey")
        .filter(pair)
        .group_by("supp_nation", "cust_nation", pl.col("l_shipdate").dt.year().alias("l_year"))
        .agg(revenue=_revenue(pl).sum())
        .sort("supp_nation", "cust_nation", "l_year")
        .collect()
    )


def q8(pl, t):
    p, s, li, o, c, n, r = (t[k].lazy() for k in ("part", "supplier", "lineitem", "orders",
                                                    "customer", "nation", "region"))
    n1 = n.select(pl.col("n_nationkey").alias("n1_nationkey"),
                  pl.col("n_regionkey").alias("n1_regionkey"))
    n2 = n.select(pl.col("n_nationkey").alias("n2_nationkey"), pl.col("n_name").alias("nation"))
    volume = _revenue(pl)
    return (
        p.filter(pl.col("p_type") == "ECONOMY ANODIZED STEEL")
        .join(li, left_on="p_partkey", right_on="l_partkey")
        .join(s, left_on="l_suppkey", right_on="s_suppkey")
        .join(o.filter(pl.col("o_orderdate").is_between(datetime(1995, 1, 1),
                                                        datetime(1996, 12, 31))),
              left_on="l_orderkey", right_on="o_orderkey")
        .join(c, left_on="o_custkey", right_on="c_custkey")
        .join(n1, left_on="c_nationkey", right_on="n1_nationkey")
        .join(n2, left_on="s_nationkey", right_on="n2_nationkey")
        .join(r.filter(pl.col("r_name") == "AMERICA"), left_on="n1_regionkey",
              right_on="r_regionkey")
        .group_by(pl.col("o_orderdate").dt.year().alias("o_year"))
        .agg(mkt_share=pl.when(pl.col("nation") == "BRAZIL").then(volume).otherwise(0.0).sum()
             / volume.sum())
        .sort("o_year")
        .collect()
    )


def q9(pl, t):
    p, s, li, ps, o, n = (t[k].lazy() for k in ("part", "supplier", "lineitem", "partsupp",
                                                  "orders", "nation"))
    amount = _revenue(pl) - pl.col("ps_supplycost") * pl.col("l_quantity")
    return (
        p.filter(pl.col("p_name").str.contains("green", literal=True))
        .join(li, left_on="p_partkey", right_on="l_partkey")
        .join(s, left_on="l_suppkey", right_on="s_suppkey")
        .join(ps, left_on=["l_suppkey", "p_partkey"], right_on=["ps_suppkey", "ps_partkey"])
        .join(o, left_on="l_orderkey", right_on="o_orderkey")
        .join(n, left_on="s_nationkey", right_on="n_nationkey")
        .group_by(pl.col("n_name").alias("nation"),
                  pl.col("o_orderdate").dt.year().alias("o_year"))
        .agg(sum_profit=amount.sum())
        .sort(["nation", "o_year"], descending=[False, True])
        .collect()
    )


def q10(pl, t):
    c, o, li, n = (t[k].lazy() for k in ("customer", "orders", "lineitem", "nation"))
    return (
        c.join(o.filter(_between(pl, "o_orderdate", datetime(1993, 10, 1), datetime(1994, 1, 1))),
               left_on="c_custkey", right_on="o_custkey")
        .join(li.filter(pl.col("l_returnflag") == "R"), left_on="o_orderkey",
              right_on="l_orderkey")
        .join(n, left_on="c_nationkey", right_on="n_nationkey")
        .group_by("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address",
                  "c_comment")
        .agg(revenue=_revenue(pl).sum())
        .sort("revenue", descending=True)
        .head(20)
        .select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone",
                "c_comment")
        .collect()
    )


def q11(pl, t):
    ps, s, n = (t[k].lazy() for k in ("partsupp", "supplier", "nation"))
    value = pl.col("ps_supplycost") * pl.col("ps_availqty")
    german = (
        ps.join(s, left_on="ps_suppkey", right_on="s_suppkey")
        .join(n.filter(pl.col("n_name") == "GERMANY"), left_on="s_nationkey",
              right_on="n_nationkey")
    )
    threshold = german.select(threshold=value.sum() * q11_fraction(t.sf))
    return (
        german.group_by("ps_partkey")
        .agg(value=value.sum())
        .join(threshold, how="cross")
        .filter(pl.col("value") > pl.col("threshold"))
        .sort("value", descending=True)
        .select("ps_partkey", "value")
        .collect()
    )


def q12(pl, t):
    o, li = t["orders"].lazy(), t["lineitem"].lazy()
    high = pl.col("o_orderpriority").is_in(["1-URGENT", "2-HIGH"])
    return (
        o.join(
            li.filter(
                pl.col("l_shipmode").is_in(["MAIL", "SHIP"])
                & (pl.col("l_commitdate") < pl.col("l_receiptdate"))
                & (pl.col("l_shipdate") < pl.col("l_commitdate"))
                & _between(pl, "l_receiptdate", datetime(1994, 1, 1), datetime(1995, 1, 1))
            ),
            left_on="o_orderkey", right_on="l_orderkey")
        .group_by("l_shipmode")
        .agg(high_line_count=high.sum(), low_line_count=(~high).sum())
        .sort("l_shipmode")
        .collect()
    )


def q13(pl, t):
    c = t["customer"].lazy()
    o = t["orders"].lazy().filter(~pl.col("o_comment").str.contains("special.*requests"))
    return (
        c.join(o, left_on="c_custkey", right_on="o_custkey", how="left")
        .group_by("c_custkey")
        .agg(c_count=pl.col("o_orderkey").count())
        .group_by("c_count")
        .agg(custdist=pl.len())
        .sort(["custdist", "c_count"], descending=True)
        .collect()
    )


def q14(pl, t):
    li, p = t["lineitem"].lazy(), t["part"].lazy()
    revenue = _revenue(pl)
    promo = pl.when(pl.col("p_type").str.starts_with("PROMO")).then(revenue).otherwise(0.0)
    return (
        li.filter(_between(pl, "l_shipdate", datetime(1995, 9, 1), datetime(1995, 10, 1)))
        .join(p, left_on="l_partkey", right_on="p_partkey")
        .select(100.0 * promo.sum() / revenue.sum())
        .collect()
        .item()
    )


def q15(pl, t):
    s, li = t["supplier"].lazy(), t["lineitem"].lazy()
    revenue0 = (
        li.filter(_between(pl, "l_shipdate", datetime(1996, 1, 1), datetime(1996, 4, 1)))
        .group_by(pl.col("l_suppkey").alias("supplier_no"))
        .agg(total_revenue=_revenue(pl).sum())
    )
    return (
        s.join(revenue0, left_on="s_suppkey", right_on="supplier_no")
        .filter(pl.col("total_revenue") == pl.col("total_revenue").max())
        .sort("s_suppkey")
        .select("s_suppkey", "s_name", "s_address", "s_phone", "total_revenue")
        .collect()
    )


def q16(pl, t):
    ps, p, s = (t[k].lazy() for k in ("partsupp", "part", "supplier"))
    complaints = s.filter(pl.col("s_comment").str.contains("Customer.*Complaints"))
    return (
        ps.join(p.filter((pl.col("p_brand") != "Brand#45")
                         & ~pl.col("p_type").str.starts_with("MEDIUM POLISHED")
                         & pl.col("p_size").is_in(Q16_SIZES)),
                left_on="ps_partkey", right_on="p_partkey")
        .join(complaints, left_on="ps_suppkey", right_on="s_suppkey", how="anti")
        .group_by("p_brand", "p_type", "p_size")
        .agg(supplier_cnt=pl.col("ps_suppkey").n_unique())
        .sort(["supplier_cnt", "p_brand", "p_type", "p_size"],
              descending=[True, False, False, False])
        .collect()
    )


def q17(pl, t):
    li, p = t["lineitem"].lazy(), t["part"].lazy()
    return (
        li.join(p.filter((pl.col("p_brand") == "Brand#23") & (pl.col("p_container") == "MED BOX")),
                left_on="l_partkey", right_on="p_partkey")
        .filter(pl.col("l_quantity") < 0.2 * pl.col("l_quantity").mean().over("l_partkey"))
        .select(pl.col("l_extendedprice").sum() / 7.0)
        .collect()
        .item()
    )


def q18(pl, t):
    c, o, li = (t[k].lazy() for k in ("customer", "orders", "lineitem"))
    big = (li.group_by("l_orderkey").agg(pl.col("l_quantity").sum())
           .filter(pl.col("l_quantity") > 300).select("l_orderkey"))
    return (
        c.join(o.join(big, left_on="o_orderkey", right_on="l_orderkey", how="semi"),
               left_on="c_custkey", right_on="o_custkey")
        .join(li, left_on="o_orderkey", right_on="l_orderkey")
        .group_by("c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice")
        .agg(sum_qty=pl.col("l_quantity").sum())
        .sort(["o_totalprice", "o_orderdate"], descending=[True, False])
        .head(100)
        .collect()
    )


def q19(pl, t):
    li, p = t["lineitem"].lazy(), t["part"].lazy()
    keep = pl.lit(False)
    for brand, containers, qty, size in Q19_TERMS:
        keep = keep | ((pl.col("p_brand") == brand) & pl.col("p_container").is_in(containers)
                       & pl.col("l_quantity").is_between(qty, qty + 10)
                       & pl.col("p_size").is_between(1, size))
    return (
        li.filter(pl.col("l_shipmode").is_in(["AIR", "AIR REG"])
                  & (pl.col("l_shipinstruct") == "DELIVER IN PERSON"))
        .join(p, left_on="l_partkey", right_on="p_partkey")
        .filter(keep)
        .select(_revenue(pl).sum())
        .collect()
        .item()
    )


def q20(pl, t):
    s, n, ps, p, li = (t[k].lazy() for k in ("supplier", "nation", "partsupp", "part",
                                               "lineitem"))
    shipped = (
        li.filter(_between(pl, "l_shipdate", datetime(1994, 1, 1), datetime(1995, 1, 1)))
        .group_by("l_partkey", "l_suppkey")
        .agg(sum_quantity=pl.col("l_quantity").sum())
    )
    available = (
        ps.join(p.filter(pl.col("p_name").str.starts_with("forest")), left_on="ps_partkey",
                right_on="p_partkey", how="semi")
        .join(shipped, left_on=["ps_partkey", "ps_suppkey"], right_on=["l_partkey", "l_suppkey"])
        .filter(pl.col("ps_availqty") > 0.5 * pl.col("sum_quantity"))
    )
    return (
        s.join(available, left_on="s_suppkey", right_on="ps_suppkey", how="semi")
        .join(n.filter(pl.col("n_name") == "CANADA"), left_on="s_nationkey",
              right_on="n_nationkey")
        .select("s_name", "s_address")
        .sort("s_name")
        .collect()
    )


def q21(pl, t):
    s, li, o, n = (t[k].lazy() for k in ("supplier", "lineitem", "orders", "nation"))
    late = li.filter(pl.col("l_receiptdate") > pl.col("l_commitdate"))
    suppliers = li.group_by("l_orderkey").agg(n_supp=pl.col("l_suppkey").n_unique())
    late_suppliers = late.group_by("l_orderkey").agg(n_late=pl.col("l_suppkey").n_unique())
    return (
        s.join(late, left_on="s_suppkey", right_on="l_suppkey")
        .join(o.filter(pl.col("o_orderstatus") == "F"), left_on="l_orderkey",
              right_on="o_orderkey")
        .join(n.filter(pl.col("n_name") == "SAUDI ARABIA"), left_on="s_nationkey",
              right_on="n_nationkey")
        .join(suppliers, on="l_orderkey")
        .join(late_suppliers, on="l_orderkey")
        .filter((pl.col("n_supp") > 1) & (pl.col("n_late") == 1))
        .group_by("s_name")
        .agg(numwait=pl.len())
        .sort(["numwait", "s_name"], descending=[True, False])
        .head(100)
        .collect()
    )


def q22(pl, t):
    c, o = t["customer"].lazy(), t["orders"].lazy()
    c = (c.with_columns(cntrycode=pl.col("c_phone").str.slice(0, 2))
         .filter(pl.col("cntrycode").is_in(Q22_CODES)))
    avg = c.filter(pl.col("c_acctbal") > 0.0).select(pl.col("c_acctbal").mean())
    return (
        c.join(avg.rename({"c_acctbal": "avg"}), how="cross")
        .filter(pl.col("c_acctbal") > pl.col("avg"))
        .join(o, left_on="c_custkey", right_on="o_custkey", how="anti")
        .group_by("cntrycode")
        .agg(numcust=pl.len(), totacctbal=pl.col("c_acctbal").sum())
        .sort("cntrycode")
        .collect()
    )


POLARS = {f"q{i}": globals()[f"q{i}"] for i in range(1, 23)}
