"""Operations that regroup or combine rows: groupby (aggregations, named aggregation,
transform, cumulative and per-group windows), merge/join/concat with the second frame, and
reshaping (melt, pivot_table, pivot, crosstab, stack/unstack, get_dummies, explode)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    KEYS,
    NUMB,
    OTHER,
    TIME,
    Draw,
    call,
    column_kinds,
    columns,
    has,
    is_frame,
    op,
    opt,
    pick,
    plain,
    r,
    small,
    some,
)

# ---- Groupby --------------------------------------------------------------------------------

GROUP_AGGS = [
    "sum",
    "mean",
    "count",
    "size",
    "min",
    "max",
    "first",
    "last",
    "nunique",
    "std",
    "var",
    "median",
    "prod",
]
NUMERIC_AGGS = {"sum", "mean", "std", "var", "median", "prod"}


def groupable(d: Any) -> bool:
    """A frame with a key column, all of whose columns ops may name (the keys may be all)."""
    return bool(key_columns(d)) and len(columns(d)) == d.shape[1]


def exact_floats(s: pd.Series) -> bool:
    """Values any summation order gives exactly (small multiples of 1/64, or not finite)."""
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    v = v[np.isfinite(v)]
    return bool(np.all((np.abs(v) < 2.0**40) & (v * 64 == np.round(v * 64))))


def key_columns(d: Any) -> list[str]:
    """Columns to group by. Not float columns made by a statistic such as std
    (0.9999999999999998 where pandas has 1.0): the values agree to the comparison's 1e-9, but a
    group key must match to the last bit."""
    if not has(KEYS)(d):
        return []
    kinds = column_kinds(d)
    return [c for c in columns(d, KEYS) if kinds[c] != "float" or exact_floats(d[c])]


def group_keys(draw: Draw, d: pd.DataFrame) -> list[str]:
    most = min(2, d.shape[1])
    keys = key_columns(d)
    return draw(st.lists(st.sampled_from(keys), min_size=1, max_size=most, unique=True))


def group_options(draw: Draw, keys: list[str], d: pd.DataFrame) -> dict[str, Any]:
    dropna = opt(draw, False)
    return {
        "sort": opt(draw, False),
        "dropna": dropna,
        "observed": opt(draw, False),
    }


def grouped(draw: Draw, d: pd.DataFrame, as_index: bool = True) -> tuple[str, list[str]]:
    keys = group_keys(draw, d)
    opts = group_options(draw, keys, d)
    by = repr(keys[0]) if len(keys) == 1 and draw(st.booleans()) else repr(keys)
    if as_index:
        opts["as_index"] = opt(draw, False)
    return call("d.groupby", by, **opts), keys


def value_columns(draw: Draw, d: pd.DataFrame, keys: list[str], *aggs: str) -> list[str]:
    """Columns to aggregate: mostly of kinds ``aggs`` accept, now and then any (pandas' errors)."""
    kinds = column_kinds(d)
    pool = [c for c in columns(d) if c not in keys]
    fitting = [c for c in pool if not NUMERIC_AGGS & set(aggs) or kinds[c] in NUMB]
    if fitting and draw(st.integers(0, 7)):
        pool = fitting
    if not pool:
        return []
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))


@op("groupby_agg", groupable)
def _groupby_agg(draw: Draw, d: pd.DataFrame) -> str:
    gb, keys = grouped(draw, d)
    agg = draw(st.sampled_from(GROUP_AGGS))
    vals = value_columns(draw, d, keys, agg)
    select = draw(st.sampled_from(["", "[{one}]", "[{many}]"])) if vals else ""
    others = [c for c in columns(d) if c not in keys]
    select = select.replace("{one}", repr(vals[0]) if vals else "").replace("{many}", repr(vals))
    args = ""
    numeric = [c for c in others if column_kinds(d)[c] in NUMB]
    if agg in NUMERIC_AGGS | {"min", "max", "first", "last"} and not select and numeric:
        # (With no numeric column left only the keys remain.)
        args = "numeric_only=True" if draw(st.booleans()) else ""
    if agg in ("std", "var") and draw(st.booleans()):
        args = ", ".join(a for a in (args, "ddof=0") if a)
    return f"{gb}{select}.{agg}({args})"


@op("groupby_named_agg", groupable)
def _groupby_named(draw: Draw, d: pd.DataFrame) -> str:
    gb, keys = grouped(draw, d)
    parts = []
    for name in draw(st.lists(st.sampled_from(["r", "x", "y"]), min_size=1, max_size=3, unique=True)):
        agg = draw(st.sampled_from(GROUP_AGGS))
        vals = value_columns(draw, d, keys, agg)
        parts.append(f"{name}=({vals[0]!r}, {agg!r})" if vals else f"{name}=({keys[0]!r}, 'size')")
    return f"{gb}.agg({', '.join(parts)})"


@op("groupby_agg_list", groupable)
def _groupby_agg_list(draw: Draw, d: pd.DataFrame) -> str:
    gb, keys = grouped(draw, d)
    aggs = draw(st.lists(st.sampled_from(GROUP_AGGS), min_size=1, max_size=3, unique=True))
    vals = value_columns(draw, d, keys, *aggs)
    if not vals:
        return f"{gb}.size()"
    if draw(st.booleans()):
        return f"{gb}[{vals[0]!r}].agg({aggs!r})"
    return f"{gb}.agg({{{', '.join(f'{v!r}: {a!r}' for v, a in zip(vals, aggs, strict=False))}}})"


@op("groupby_transform", groupable)
def _groupby_transform(draw: Draw, d: pd.DataFrame) -> str:
    gb, keys = grouped(draw, d, as_index=False)
    f = draw(
        st.sampled_from(
            [
                "sum",
                "mean",
                "min",
                "max",
                "count",
                "first",
                "last",
                "size",
                "nunique",
                "std",
                "cumsum",
            ]
        )
    )
    vals = value_columns(draw, d, keys, f)
    if not vals:
        return f"{gb}.size()"
    return f"{gb}[{vals[0]!r}].transform({f!r})"


def drops_rows(gb: str, d: pd.DataFrame, keys: list[str]) -> bool:
    """Whether the grouping ``gb`` leaves rows out (dropna and a missing key)."""
    return "dropna=False" not in gb and bool(d[keys].isna().any(axis=None))


@op("groupby_scan", groupable)
def _groupby_scan(draw: Draw, d: pd.DataFrame) -> str:
    gb, keys = grouped(draw, d, as_index=False)
    f = draw(
        st.sampled_from(
            [
                "cumsum()",
                "cummax()",
                "cummin()",
                "cumcount()",
                "cumcount(ascending=False)",
                "shift(1)",
                "shift(-1)",
                "diff()",
                "rank()",
                "ffill()",
                "head(2)",
                "tail(1)",
                "nth(0)",
                "cumprod()",
            ]
        )
    )
    if f.startswith(("cumcount", "head", "tail", "nth")):
        return f"{gb}.{f}"
    vals = value_columns(draw, d, keys, "sum" if f.startswith("cum") else "max")
    if f.startswith(("cummin", "cummax", "cumsum")):
        # pandas 3.1's groupby cummin/cumsum of a datetime/timedelta column whose key is missing
        # in some row take NaT for the smallest value (cummin stays NaT after one, cumsum adds
        # -2**63 ns; a pandas bug: without missing keys NaT is skipped): no time columns.
        vals = [v for v in vals if column_kinds(d)[v] not in TIME | {"td"}]
    if f == "rank()":
        # pandas 3.1's groupby rank gives NaT in a timedelta column rank 1 when a key is missing
        # (a pandas bug; Series.rank and float columns give NaN): no time columns.
        vals = [v for v in vals if column_kinds(d)[v] not in TIME | {"td"}]
    if not vals:
        return f"{gb}.cumcount()"
    select = repr(vals[0]) if draw(st.booleans()) else repr(vals)
    return f"{gb}[{select}].{f}"


@op("groupby_window", groupable)
def _groupby_window(draw: Draw, d: pd.DataFrame) -> str:
    gb, keys = grouped(draw, d, as_index=False)
    # pandas 3.1 itself raises IndexError for rolling over groups of unobserved categories.
    gb = gb.replace(", observed=False", "")
    vals = value_columns(draw, d, keys, "sum")
    one_category = len(keys) == 1 and column_kinds(d)[keys[0]] == "cat"
    if ("dropna=False" not in gb or one_category) and len(d) and d[keys].isna().any(axis=1).all():
        # pandas 3.1 raises ValueError (need at least one array to concatenate) for windows over
        # rows that all have a missing key (no group at all, and one categorical key's missing
        # group is left out even with dropna=False; a pandas bug: no rows at all give an empty
        # result): dframe gives the empty result (or DataError for a column that is not
        # numeric). Not then.
        vals = []
    if not vals:
        return f"{gb}.size()"
    window = draw(
        st.sampled_from(
            [f"rolling({draw(st.integers(1, 3))})", "rolling(2, min_periods=1)", "expanding()"]
        )
    )
    agg = draw(st.sampled_from(["sum", "mean", "max", "count", "min"]))
    return f"{gb}[{vals[0]!r}].{window}.{agg}()"


# ---- Merge, join, concat --------------------------------------------------------------------


def common_keys(d: Any, other: pd.DataFrame) -> list[str]:
    return [c for c in columns(d, KEYS) if c in other.columns]


HOWS = ["inner", "left", "right", "outer"]
# Keys that become column labels (pivot_table, pivot, crosstab columns): not float, since a
# computed float (a variance, say) can differ in its last bit, which labels compare exactly.
LABEL_KEYS = KEYS - {"float"}


@op("merge", lambda d: is_frame(d) and small(d, 300) and bool(columns(d)))
def _merge(draw: Draw, d: pd.DataFrame) -> str:
    keys = common_keys(d, OTHER[0]) if OTHER else []
    how = draw(st.sampled_from([*HOWS, "cross"]))
    sort, indicator = opt(draw, True), opt(draw, True)
    suffixes = opt(draw, ("_l", "_r"))
    if how == "cross":
        return call("d.merge", "other", how=r(how), suffixes=r(suffixes))
    if keys and draw(st.integers(0, 4)):
        on = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=2, unique=True))
        on_code = repr(on[0]) if len(on) == 1 else repr(on)
        form = draw(st.sampled_from(["d.merge", "lib.merge"]))
        args = ["other"] if form == "d.merge" else ["d", "other"]
        return call(
            form,
            *args,
            on=on_code,
            how=r(how),
            sort=sort,
            indicator=indicator,
            suffixes=r(suffixes),
        )
    keyish = columns(d, frozenset({"int", "bool", "boolean", "cat"}))
    if not keyish:
        return call("d.merge", "other", how="'cross'")
    left = draw(st.sampled_from(keyish))
    return call("d.merge", "other", left_on=repr(left), right_on="'k'", how=r(how), sort=sort)


@op("join", lambda d: is_frame(d) and small(d, 300) and bool(columns(d)))
def _join(draw: Draw, d: pd.DataFrame) -> str:
    how = opt(draw, "inner", "outer", "right")
    if "k" in columns(d, KEYS) and draw(st.booleans()):
        return call(
            "d.join", "other.set_index('k')", on="'k'", how=r(how), lsuffix="'_l'", rsuffix="'_r'"
        )
    sort = opt(draw, True)
    return call("d.join", "other", how=r(how), lsuffix="'_l'", rsuffix="'_r'", sort=sort)


@op("concat", lambda d: is_frame(d) and small(d, 300))
def _concat(draw: Draw, d: pd.DataFrame) -> str:
    forms = ["[d, other]", "[other, d]", "[d, d.iloc[2:5]]"]
    forms += ["[d, d.head(3)]", "[d.tail(2), d]"]
    objs = draw(st.sampled_from(forms))
    if columns(d) and draw(st.integers(0, 3)) == 0:
        a, b = pick(draw, d), pick(draw, d)
        return call("lib.concat", f"[d[[{a!r}]], d[[{b!r}]]]", axis=1)
    return call("lib.concat", objs, ignore_index=opt(draw, True), join=r(opt(draw, "inner")))


# ---- Reshaping ------------------------------------------------------------------------------


@op("melt", plain)
def _melt(draw: Draw, d: pd.DataFrame) -> str:
    cols = columns(d)
    ids = opt(draw, draw(st.lists(st.sampled_from(cols), max_size=2, unique=True)))
    rest = [c for c in cols if ids is None or c not in ids]
    values = (
        opt(draw, draw(st.lists(st.sampled_from(rest), min_size=1, max_size=3, unique=True)))
        if rest
        else None
    )
    form = draw(st.sampled_from(["d.melt", "lib.melt"]))
    args = ["d"] if form == "lib.melt" else []
    return call(
        form,
        *args,
        id_vars=r(ids),
        value_vars=r(values),
        var_name=r(opt(draw, "var")),
        value_name=r(opt(draw, "val")),
        ignore_index=opt(draw, False),
    )


@op("pivot_table", has(KEYS))
def _pivot_table(draw: Draw, d: pd.DataFrame) -> str:
    index = pick(draw, d, KEYS)
    others = [c for c in columns(d, LABEL_KEYS) if c != index]
    cols = opt(draw, draw(st.sampled_from(others))) if others else None
    aggfunc = opt(draw, "sum", "count", "max", "size", "first", "nunique")
    values_pool = [c for c in columns(d) if c not in (index, cols)]
    if aggfunc in (None, "sum") and draw(st.integers(0, 5)):
        values_pool = [c for c in values_pool if column_kinds(d)[c] in NUMB] or values_pool
    values = opt(draw, draw(st.sampled_from(values_pool))) if values_pool else None
    sort = opt(draw, False)
    observed = opt(draw, False)
    return call(
        "d.pivot_table",
        index=repr(index),
        columns=r(cols),
        values=r(values),
        aggfunc=r(aggfunc),
        fill_value=opt(draw, 0),
        margins=opt(draw, True),
        dropna=opt(draw, False),
        observed=observed,
        sort=sort,
    )


@op("pivot", has(KEYS, 2))
def _pivot(draw: Draw, d: pd.DataFrame) -> str:
    index, cols = draw(
        st.lists(st.sampled_from(columns(d, KEYS)), min_size=2, max_size=2, unique=True)
    )
    if column_kinds(d)[cols] == "float":
        index, cols = cols, index  # see LABEL_KEYS
    rest = [c for c in columns(d) if c not in (index, cols)]
    values = opt(draw, draw(st.sampled_from(rest))) if rest else None
    return call("d.pivot", index=repr(index), columns=repr(cols), values=r(values))


@op("crosstab", has(KEYS, 2))
def _crosstab(draw: Draw, d: pd.DataFrame) -> str:
    a, b = draw(st.lists(st.sampled_from(columns(d, KEYS)), min_size=2, max_size=2, unique=True))
    if column_kinds(d)[b] == "float":
        a, b = b, a  # see LABEL_KEYS
    return call(
        "lib.crosstab",
        f"d[{a!r}]",
        f"d[{b!r}]",
        margins=opt(draw, True),
        normalize=r(opt(draw, "index", True)),
        dropna=opt(draw, False),
    )


@op("stack_unstack", is_frame)
def _stack_unstack(draw: Draw, d: pd.DataFrame) -> str:
    forms = ["d.stack()"]
    if isinstance(d.index, pd.MultiIndex):
        forms += ["d.unstack()", "d.unstack(0)", "d.unstack(fill_value=0)"]
    keys = columns(d, KEYS)
    if len(keys) >= 2 and len(columns(d)) >= 3:
        a, b = draw(st.lists(st.sampled_from(keys), min_size=2, max_size=2, unique=True))
        c = draw(st.sampled_from([x for x in columns(d) if x not in (a, b)]))
        forms += [
            f"d.set_index([{a!r}, {b!r}])[{c!r}].unstack()",
            f"d.set_index([{a!r}, {b!r}]).unstack({draw(st.sampled_from([0, 1, -1]))})",
        ]
    if keys and forms and draw(st.booleans()):
        forms.append(f"d.set_index({pick(draw, d, KEYS)!r}, append=True).stack()")
    return draw(st.sampled_from(forms or ["d.count()"]))


@op("get_dummies", plain)
def _get_dummies(draw: Draw, d: pd.DataFrame) -> str:
    # (float columns become labels: not them, see LABEL_KEYS)
    cols = opt(draw, some(draw, d, LABEL_KEYS | {"str", "cat"}) if columns(d, LABEL_KEYS) else None)
    return call(
        "lib.get_dummies",
        "d",
        columns=r(cols),
        prefix=r(opt(draw, "p")),
        dummy_na=opt(draw, True),
        drop_first=opt(draw, True),
        dtype=opt(draw, "float", "int"),
    )


def splittable(d: Any) -> list[str]:
    """String columns to split into lists."""
    return columns(d, frozenset({"str", "cat"}))


@op("explode", lambda d: bool(splittable(d)) and small(d, 300))
def _explode(draw: Draw, d: pd.DataFrame) -> str:
    col = draw(st.sampled_from(splittable(d)))
    target = draw(st.sampled_from([col, "r"]))
    return call(
        f"d.assign({target}=d[{col!r}].str.split(',')).explode",
        repr(target),
        ignore_index=opt(draw, True),
    )
