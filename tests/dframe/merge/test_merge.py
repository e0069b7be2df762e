"""merge/join parity: dframe's result equals pandas' (values, dtypes, index, row order) for every
``how`` and kind of key, with both strategies forced (broadcast, hash shuffle), at several
partition counts. Falling back to pandas counts as a failure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import NPARTITIONS, assert_same, merge_node

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore:The 'lsuffix' and 'rsuffix'"),
]

HOWS = ["inner", "left", "right", "outer"]
STRATEGIES = ["broadcast", "shuffle"]


def make_sides() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    n, m = 24, 11
    k = rng.integers(0, 6, n).astype("float64")
    k[: n // 2] = 1  # skew: one key holds half the left rows
    k[[3, 20]] = np.nan
    left = pd.DataFrame(
        {
            "k": k,
            "k2": pd.array([f"s{i % 3}" for i in range(n)], dtype="str"),
            "c": pd.Categorical(rng.choice(["b", "a", "d"], n), categories=["d", "c", "b", "a"]),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 4, n), "D"),
            "v": rng.integers(-50, 50, n),
            "flag": rng.random(n) > 0.5,
        }
    )
    rk = rng.integers(0, 8, m).astype("float64")
    rk[[0, 5]] = 1
    rk[7] = np.nan
    right = pd.DataFrame(
        {
            "k": rk,
            "k2": pd.array([f"s{i % 4}" for i in range(m)], dtype="str"),
            "c": pd.Categorical(rng.choice(["a", "b", "c"], m), categories=["d", "c", "b", "a"]),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 6, m), "D"),
            "v": rng.integers(0, 9, m),
            "w": rng.normal(size=m),
        }
    )
    return left, right


LEFT, RIGHT = make_sides()

# name -> (pandas-style call on (left, right), restrict to these hows or None)
CASES = {
    "on_single": lambda a, b, how, s: a.merge(b, on="k", how=how, sort=s),
    "on_multi": lambda a, b, how, s: a.merge(b, on=["k", "k2"], how=how, sort=s),
    "left_right_on": lambda a, b, how, s: a.merge(
        b, left_on="v", right_on="k", how=how, sort=s, suffixes=("_l", "_r")
    ),
    "categorical": lambda a, b, how, s: a.merge(b, on="c", how=how, sort=s),
    "datetime": lambda a, b, how, s: a.merge(b[["t", "w"]], on="t", how=how, sort=s),
    "indicator": lambda a, b, how, s: a.merge(b, on="k2", how=how, sort=s, indicator=True),
    "index_index": lambda a, b, how, s: a.set_index("k").merge(
        b.set_index("k"), left_index=True, right_index=True, how=how, sort=s
    ),
    "on_index": lambda a, b, how, s: a.merge(
        b.set_index("k"), left_on="k", right_index=True, how=how, sort=s
    ),
    "index_on": lambda a, b, how, s: a.set_index("k").merge(
        b, left_index=True, right_on="k", how=how, sort=s
    ),
    "no_match": lambda a, b, how, s: a.merge(b.assign(k=b.k + 1000), on="k", how=how, sort=s),
}


def _run(case, how, sort, nparts, strategy):
    fn = CASES[case]
    expected = fn(LEFT, RIGHT, how, sort)
    a = dframe.from_pandas(LEFT, npartitions=nparts)
    b = dframe.from_pandas(RIGHT, npartitions=max(1, nparts // 2))
    with config.override(merge_strategy=strategy):
        result = fn(a, b, how, sort)
        assert_same(expected, result)


# One-sided index merges where pandas labels unmatched rows by position fall back.
ONE_SIDED_INDEX = {"on_index": ["inner", "left"], "index_on": ["inner"]}


def _hows(case):
    return ONE_SIDED_INDEX.get(case, HOWS)


@pytest.mark.parametrize(
    ("case", "nparts"),
    [(c, n) for c in CASES for n in NPARTITIONS[:3]]
    + [("on_single", NPARTITIONS[-1])],
)
def test_merge_parity(sync, case, nparts):
    # The strategies in turn over the hows and the partition counts: every how of every case
    # meets both at several partitions (3 and 7), at half the cost of all of them everywhere.
    turn = list(CASES).index(case) + NPARTITIONS.index(nparts)
    for i, how in enumerate(_hows(case)):
        _run(case, how, False, nparts, STRATEGIES[(turn + i) % len(STRATEGIES)])


@pytest.mark.parametrize("case", list(CASES))
def test_merge_sorted(sync, case):
    for strategy in STRATEGIES:
        for how in _hows(case):
            _run(case, how, True, 3, strategy)


@pytest.mark.parametrize("nparts", NPARTITIONS)
def test_cross(sync, nparts):
    a = dframe.from_pandas(LEFT.head(7), npartitions=nparts)
    assert_same(LEFT.head(7).merge(RIGHT, how="cross"), a.merge(RIGHT, how="cross"))


@pytest.mark.parametrize("how", HOWS)
def test_runtime_executor(executor, how):
    a = dframe.from_pandas(LEFT, npartitions=7)
    b = dframe.from_pandas(RIGHT, npartitions=3)
    # On the runtime the strategies in turn over the hows: each runs there with two of them.
    turn = [STRATEGIES[HOWS.index(how) % len(STRATEGIES)]]
    for strategy in STRATEGIES if isinstance(executor, SyncExecutor) else turn:
        with config.override(merge_strategy=strategy):
            assert_same(LEFT.merge(RIGHT, on="k", how=how), dframe.merge(a, b, on="k", how=how))
            assert_same(
                LEFT.merge(RIGHT, on=["k", "k2"], how=how, sort=True),
                a.merge(b, on=["k", "k2"], how=how, sort=True),
            )


def test_right_is_pandas_and_function(sync):
    a = dframe.from_pandas(LEFT, npartitions=3)
    assert_same(LEFT.merge(RIGHT, on="k"), dframe.merge(a, RIGHT, on="k"))
    assert_same(pd.merge(LEFT, RIGHT, on="k2", how="left"), dframe.merge(LEFT, RIGHT, on="k2", how="left"))


@pytest.mark.parametrize("nparts", [1, 3, 7])
@pytest.mark.parametrize("how", HOWS)
def test_join(sync, how, nparts):
    left = LEFT.set_index("k2")
    other = RIGHT.drop_duplicates("k2").set_index("k2")[["w"]]
    a = dframe.from_pandas(left, npartitions=nparts)
    for strategy in STRATEGIES:
        with config.override(merge_strategy=strategy):
            assert_same(left.join(other, how=how), a.join(other, how=how))
            assert_same(
                left.join(RIGHT.set_index("k2"), how=how, lsuffix="_l", rsuffix="_r"),
                a.join(dframe.from_pandas(RIGHT.set_index("k2"), npartitions=2), how=how,
                       lsuffix="_l", rsuffix="_r"),
            )
            if how in ("inner", "left"):
                on = LEFT.join(RIGHT.set_index("k")[["w"]], on="k", how=how)
                b = dframe.from_pandas(LEFT, npartitions=nparts)
                assert_same(on, b.join(RIGHT.set_index("k")[["w"]], on="k", how=how))


def test_join_overlap_raises(sync):
    a = dframe.from_pandas(LEFT, npartitions=3)
    with pytest.raises(ValueError, match="overlap"):
        a.join(RIGHT)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_validate(sync, strategy):
    a = dframe.from_pandas(LEFT, npartitions=3)
    uniq = RIGHT.drop_duplicates("k")
    with config.override(merge_strategy=strategy):
        assert_same(
            LEFT.merge(uniq, on="k", validate="many_to_one"),
            a.merge(uniq, on="k", validate="many_to_one"),
        )
        for how in ("one_to_one", "one_to_many"):
            with pytest.raises(pd.errors.MergeError, match="not unique in left"):
                a.merge(uniq, on="k", validate=how)
        with pytest.raises(pd.errors.MergeError, match="not unique in right"):
            a.merge(RIGHT, on="k", validate="many_to_one")
    with pytest.raises(ValueError, match="not a valid argument"):
        a.merge(RIGHT, on="k", validate="bogus")


def test_errors_at_call(sync):
    a = dframe.from_pandas(LEFT, npartitions=3)
    with pytest.raises(KeyError):
        a.merge(RIGHT, on="missing")
    with pytest.raises(pd.errors.MergeError):
        a.merge(RIGHT, how="cross", on="k")


def test_auto_strategy_broadcasts_small_side(sync):
    a = dframe.from_pandas(LEFT, npartitions=4)
    small = dframe.merge(a, RIGHT, on="k")
    assert merge_node(small).spec.strategy == "broadcast_right"
    with config.override(merge_broadcast_bytes=0):
        big = dframe.merge(a, RIGHT, on="k")
    assert merge_node(big).spec.strategy == "shuffle"
    assert merge_node(dframe.merge(a, RIGHT, on="k", how="outer")).spec.strategy == "shuffle"
    assert_same(LEFT.merge(RIGHT, on="k"), big)


def test_many_categories_do_not_make_a_small_side_big(sync):
    """A categorical column's categories are stored once, not with every row: a 2,000-row side
    whose column has 2,000 categories is still small (counted per row, it looked like
    ~2,000 x 2,000 strings and was shuffled: h2o's j2 ran 6x slower than pandas)."""
    n = 2_000
    labels = pd.Series([f"id{i}" for i in range(n)], dtype="str")
    right = pd.DataFrame({"k": np.arange(n), "c": labels.astype("category")})
    left = pd.DataFrame({"k": np.arange(3 * n) % (2 * n), "v": np.arange(3 * n)})
    with config.override(merge_broadcast_bytes=2**20):  # per row: ~2,000 x 2,000 x 50 bytes
        got = dframe.from_pandas(left, npartitions=4).merge(right, on="k")
        assert merge_node(got).spec.strategy == "broadcast_right"
    assert_same(left.merge(right, on="k"), got)


def test_int_and_float_keys_meet(sync):
    left = pd.DataFrame({"k": np.arange(20) % 7, "a": np.arange(20)})
    right = pd.DataFrame({"k": [0.0, 3.0, 6.0, 9.5], "b": [1, 2, 3, 4]})
    with config.override(merge_strategy="shuffle"):
        for how in HOWS:
            got = dframe.from_pandas(left, npartitions=5).merge(
                dframe.from_pandas(right, npartitions=3), on="k", how=how
            )
            assert_same(left.merge(right, on="k", how=how), got)
