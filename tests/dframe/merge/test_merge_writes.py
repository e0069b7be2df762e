"""What a join writes to the object store (issue 11, gate 2): one copy of a broadcast small side
(none when it is one computed partition already), and each row of a hash-exchanged side written
once by the exchange. Counted by the scheduler (``objects_total``/``bytes_total``: every value
stored, inline or in shared memory), around joins whose sides are already in the store.

Few keys match, so what the join writes after the exchange (merged rows, their order, the
finished partitions) is small and the counts show the copies of the inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from runtime import api, protocol
from tests.dframe.conftest import assert_same

pytestmark = pytest.mark.timeout(120)

NBIG = 200_000


def _written() -> tuple[int, int]:
    totals = api.client().request(protocol.MEMORY)[1]
    return totals["objects_total"], totals["bytes_total"]


def _sides(nsmall: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    big = pd.DataFrame(
        {
            "k": rng.integers(0, 10**9, NBIG),
            "v": rng.normal(size=NBIG),
            "w": rng.integers(0, 9, NBIG),
        }
    )
    small = pd.DataFrame({"k": np.arange(nsmall) * 7, "s": rng.normal(size=nsmall)})
    return big, small


def _bytes(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(index=True).sum())


def _join_writes(big, small, nbig, nsmall, strategy):
    """The pandas result, dframe's, and what computing dframe's wrote (objects, bytes)."""
    with config.override(executor="runtime", progress=False, merge_strategy=strategy):
        left, right = dframe.from_pandas(big, nbig), dframe.from_pandas(small, nsmall)
        left.to_pandas(), right.to_pandas()  # the sides in the store first, not counted
        before = _written()
        got = left.merge(right, on="k", how="inner").to_pandas()
        after = _written()
    return big.merge(small, on="k", how="inner"), got, (after[0] - before[0], after[1] - before[1])


@pytest.mark.parametrize("nsmall_parts", [1, 3])
def test_broadcast_writes_the_small_side_once(shared_ray, nsmall_parts):
    big, small = _sides(40_000)  # 640 KB: a copy per task (8 tasks) would be 5 MB
    want, got, (objects, written) = _join_writes(big, small, 8, nsmall_parts, "broadcast")
    assert_same(want, got)
    tagged = _bytes(small) + 8 * len(small)  # the small side with its position tags
    # merged and finished rows, and each small object's pickled frame header (~1 KiB)
    output = 3 * _bytes(want) + 2048 * objects
    if nsmall_parts == 1:
        assert written < tagged // 2 + output, written  # no copy: tasks tag a view of it
    else:
        assert tagged <= written < tagged + output, written  # one copy
    # one small-side object at most, per big partition: merged, its info, finished; and what
    # the partitions agree on
    assert objects <= 1 + 3 * 8 + 1, objects
    print(f"broadcast of {nsmall_parts}: {objects} objects, {written} bytes, small {tagged}")


@pytest.mark.parametrize("nbig_parts", [4, 8])
def test_hash_exchange_writes_each_row_once(shared_ray, nbig_parts):
    big, small = _sides(40_000)
    want, got, (objects, written) = _join_writes(big, small, nbig_parts, 3, "shuffle")
    assert_same(want, got)
    inputs = _bytes(big) + _bytes(small) + 8 * (len(big) + len(small))  # rows + position tags
    # merged, ordered (split, sorted), finished rows, and each small object's frame header
    after_exchange = 6 * _bytes(want) + 2048 * objects
    assert inputs <= written < inputs + after_exchange, (written, inputs, objects)
    print(f"shuffle of {nbig_parts}: {objects} objects, {written} bytes for {inputs} input bytes")


@pytest.mark.parametrize(("strategy", "how"), [("broadcast", "left"), ("shuffle", "left"),
                                               ("shuffle", "outer")])  # fmt: skip
def test_a_chain_of_merges_waits_for_nothing_but_its_result(sync, monkeypatch, strategy, how):
    """Each merge used to wait for its partitions' infos (dtypes, lengths) before the next one
    was submitted, and an outer merge for samples of its keys: round trips per merge. Now tasks
    agree on them, and the driver's only synchronous get is the result's."""
    gets = []
    original = type(sync).get

    def counted(self, handles):
        gets.append(handles)
        return original(self, handles)

    monkeypatch.setattr(type(sync), "get", counted)
    rng = np.random.default_rng(8)
    a = pd.DataFrame({"k": rng.integers(0, 30, 300), "x": rng.normal(size=300)})
    b = pd.DataFrame({"k": np.arange(30), "j": rng.integers(0, 5, 30)})
    c = pd.DataFrame({"j": np.arange(4), "y": ["p", "q", "r", "s"]})
    want = a.merge(b, on="k").merge(c, on="j", how=how)
    with config.override(merge_strategy=strategy):
        da, db, dc = (dframe.from_pandas(f, n) for f, n in ((a, 5), (b, 2), (c, 1)))
        got = da.merge(db, on="k").merge(dc, on="j", how=how)
        assert_same(want, got)
    assert len(gets) == 1, gets


def _categorical_sides(categories: pd.Index, order: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    keys = categories[rng.integers(0, len(categories), 3_000)]
    big = pd.DataFrame({"k": pd.Categorical(keys, categories=categories), "v": np.arange(3_000)})
    picked = categories[rng.integers(0, len(categories), 500)].append(pd.Index([None]))
    small = pd.DataFrame({"k": pd.Categorical(picked, categories=order), "s": np.arange(501)})
    big.loc[7, "k"] = None  # missing keys match each other, as in pandas
    return big, small


@pytest.mark.parametrize("how", ["inner", "left", "outer"])
@pytest.mark.parametrize("same_order", [True, False])
def test_categorical_keys_are_exchanged_by_their_codes(sync, monkeypatch, how, same_order):
    """Gate 2's categorical keys: both sides of one categorical dtype (50,000 categories) are
    hash-partitioned by their codes — no task hashes the categories. Categories in another order
    (pandas' ``==`` says equal, the codes differ) are exchanged by value."""
    hashed = []
    original = pd.Categorical._hash_pandas_object

    def spy(cat, **kwargs):
        hashed.append(len(cat.categories))
        return original(cat, **kwargs)

    monkeypatch.setattr(pd.Categorical, "_hash_pandas_object", spy)
    categories = pd.Index([f"c{i}" for i in range(50_000)])
    order = categories if same_order else categories[::-1]
    big, small = _categorical_sides(categories, order)
    want = big.merge(small, on="k", how=how)
    with config.override(merge_strategy="shuffle", progress=False):
        for nbig, nsmall in [(1, 1), (4, 3), (7, 2)]:
            hashed.clear()
            got = dframe.from_pandas(big, nbig).merge(dframe.from_pandas(small, nsmall), on="k", how=how)
            assert_same(want, got)
            if same_order:
                assert hashed == [], hashed


@pytest.mark.parametrize("strategy", ["broadcast", "shuffle"])
@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_what_reads_a_merge_alone_runs_in_its_finishing_task(sync, strategy, npartitions):
    """A filter (or assign, projection) that is a merge's only reader runs in the task that
    finishes each merged partition: the merge's result is not stored and read again. A merge
    with two readers is finished on its own, so neither computes it twice."""
    rng = np.random.default_rng(5)
    facts = pd.DataFrame({"k": rng.integers(0, 9, 40), "v": rng.normal(size=40)})
    dims = pd.DataFrame({"k": np.arange(9), "w": rng.normal(size=9)})
    f, d = dframe.from_pandas(facts, npartitions), dframe.from_pandas(dims, 2)

    def tasks(make) -> int:
        before = sync.tasks_submitted
        make().to_pandas()
        return sync.tasks_submitted - before

    with config.override(merge_strategy=strategy):
        merged = tasks(lambda: f.merge(d, on="k"))
        filtered = tasks(lambda: (lambda j: j[j.v > j.w].assign(s=j.v + j.w))(f.merge(d, on="k")))
        assert filtered == merged
        j, pj = f.merge(d, on="k"), facts.merge(dims, on="k")
        assert_same(pj[pj.v > pj.w].assign(s=pj.v + pj.w), j[j.v > j.w].assign(s=j.v + j.w))
        both = dframe.concat([j[j.v > 0], j[j.v <= 0]])  # two readers: finished once, alone
        assert_same(pd.concat([pj[pj.v > 0], pj[pj.v <= 0]]), both)
