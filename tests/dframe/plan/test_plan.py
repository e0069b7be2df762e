"""The plan layer: validation at construction, metadata, optimizer rewrites and lowering."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.execution.lower import Lowerer, LoweringError
from dframe.optimize import optimize
from dframe.optimize.rules import toposort
from dframe.plan import nodes as N
from tests.dframe.conftest import assert_same, make_frame

pytestmark = pytest.mark.timeout(60)


def nodes_of(frame, kind):
    return [n for n in toposort(optimize(frame._plan)) if isinstance(n, kind)]


# -- validation at the user's call ---------------------------------------------------------------


def test_missing_column_raises_keyerror_naming_it_and_listing_columns(sync):
    df = dframe.from_pandas(make_frame(), npartitions=2)
    with pytest.raises(
        KeyError, match=r"'zz'.*existing columns are \['a', 'b', 'flag', 's', 't'\]"
    ):
        df["zz"]
    with pytest.raises(KeyError, match="'zz'"):
        df[["a", "zz"]]
    with pytest.raises(KeyError, match="'zz'"):
        df.dropna(subset=["zz"])
    with pytest.raises(KeyError):
        df.drop(columns=["zz"])
    with pytest.raises(KeyError):
        del df["zz"]


def test_bad_dtype_raises_at_the_call(sync):
    df = dframe.from_pandas(make_frame(), npartitions=2)
    with pytest.raises(TypeError):
        df.a + df.s  # int + str: pandas raises TypeError too
    with pytest.raises(TypeError):
        df.mean()  # str and datetime columns


def test_filter_needs_a_boolean_series_of_the_same_frame(sync):
    src = N.FromPandas((make_frame(),))
    other = N.FromPandas((make_frame(),))
    with pytest.raises(TypeError, match="boolean"):
        N.Filter(src, N.Project(src, ("a",), series=True))
    flag = N.Project(other, ("flag",), series=True)
    with pytest.raises(ValueError, match="same frame"):
        N.Filter(src, flag)


def test_meta_and_lengths_are_known_without_computing(sync):
    df = dframe.from_pandas(make_frame(10), npartitions=3)
    plan = (df.assign(e=df.a * 1.5)[["a", "e"]])._plan
    assert plan.lengths == (4, 3, 3)
    assert plan.range_index
    assert list(plan.meta.dtypes) == [np.dtype("int64"), np.dtype("float64")]
    filtered = df[df.a > 0]._plan
    assert filtered.lengths is None and not filtered.range_index
    assert sync.tasks_submitted == 0


def test_partition_functions_pickle_small(sync):
    df = dframe.from_pandas(make_frame(), npartitions=3)
    fused = nodes_of((df[df.a > 0].b * 2), N.MapPartitions)[0]
    blob = pickle.dumps(fused.func)
    assert len(blob) < 5000  # the program only, never the plan or its data
    part = make_frame().iloc[:4]
    assert_same(fused.func(part), pickle.loads(blob)(part))


# -- optimizer -----------------------------------------------------------------------------------


def test_chain_of_partitionwise_ops_fuses_into_one_task_per_partition(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=4)
    out = ((df.a + 1) * df.b)[df.flag | (df.a > 5)].fillna(0).astype("float32")
    plan = optimize(out._plan)
    assert isinstance(plan, N.MapPartitions) and isinstance(plan.inputs[0], N.FromPandas)
    assert len(toposort(plan)) == 2
    before = sync.tasks_submitted
    expected = ((pdf.a + 1) * pdf.b)[pdf.flag | (pdf.a > 5)].fillna(0).astype("float32")
    assert_same(expected, out)
    assert sync.tasks_submitted - before == 4


def test_a_column_selection_runs_in_the_tasks_that_read_it(sync):
    # Selecting columns is a view: a groupby over it (which reads each partition twice, for a
    # sample of the keys and for the aggregation) selects them itself rather than waiting for
    # tasks that store the selected copy.
    pdf = make_frame(40)
    wide = dframe.from_pandas(pdf, npartitions=4)
    narrow = dframe.from_pandas(pdf[["flag", "a"]], npartitions=4)
    before = sync.tasks_submitted
    assert_same(pdf[["flag", "a"]].groupby("flag").sum(), wide[["flag", "a"]].groupby("flag").sum())
    projected = sync.tasks_submitted - before
    before = sync.tasks_submitted
    assert_same(pdf[["flag", "a"]].groupby("flag").sum(), narrow.groupby("flag").sum())
    assert projected == sync.tasks_submitted - before


@pytest.mark.parametrize("npartitions", [1, 3, 50])
def test_a_column_selection_computed_on_its_own(sync, npartitions):
    pdf = make_frame(20)
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf[["a", "b"]], df[["a", "b"]])
    assert len(df[["a"]]) == 20
    kept = df[["b", "a"]].persist()
    assert_same(pdf[["b", "a"]], kept)
    assert_same(pdf[["b", "a"]].merge(pdf[["a"]], on="a"), kept.merge(df[["a"]], on="a"))


def test_tree_reduction_task_count(sync):
    df = dframe.from_pandas(make_frame(), npartitions=7)
    with config.override(split_every=2):
        before = sync.tasks_submitted
        assert df.a.sum() == make_frame().a.sum()
    # 7 chunk tasks (fused with the projection), combines 4 + 2, then the last combine and
    # the finalize in one task.
    assert sync.tasks_submitted - before == 7 + 4 + 2 + 1


def test_predicate_and_columns_reach_the_parquet_reader(tmp_path, sync):
    pdf = make_frame(40)
    path = tmp_path / "f.parquet"
    pdf.to_parquet(path, row_group_size=10)
    # One partition per row group; lazy, as data too large to read at the call (pushdown).
    with config.override(partition_bytes=1, read_eager_bytes=0):
        df = dframe.read_parquet(path)
    out = df[(df.a > 20) & df.b.notna()][["b", "s"]]
    (reader,) = nodes_of(out, N.ReadParquet)
    assert reader.columns == ("b", "s")
    assert reader.predicate is not None and "a > 20" in reader.predicate.text
    assert not nodes_of(out, N.Filter)  # fully pushed: no pandas filter left
    assert reader.npartitions == 4
    before = sync.tasks_submitted
    assert_same(pdf[(pdf.a > 20) & pdf.b.notna()][["b", "s"]], out)
    assert sync.tasks_submitted - before == 4  # read + select fused: one task per partition


def test_untranslatable_predicate_part_stays_as_a_filter(tmp_path, sync):
    pdf = make_frame(30)
    path = tmp_path / "f.parquet"
    pdf.to_parquet(path, row_group_size=7)
    with config.override(partition_bytes=1, read_eager_bytes=0):  # lazy: pushdown
        df = dframe.read_parquet(path)
    out = df[(df.a > 5) & (df.s != "s1")]  # != has no exact Arrow form (missing values)
    (reader,) = nodes_of(out, N.ReadParquet)
    assert "a > 5" in reader.predicate.text and "s1" not in reader.predicate.text
    assert_same(pdf[(pdf.a > 5) & (pdf.s != "s1")], out)
    negated = df[~(df.b > 100)]  # pandas keeps NaN rows here; Arrow would drop them
    (reader,) = nodes_of(negated, N.ReadParquet)
    assert reader.predicate is None
    assert_same(pdf[~(pdf.b > 100)], negated)


def test_usecols_reach_the_csv_reader(tmp_path, sync):
    pdf = make_frame(20)
    path = tmp_path / "f.csv"
    pdf.to_csv(path, index=False)
    with config.override(read_eager_bytes=0):  # lazy: pushdown is for data read on demand
        df = dframe.read_csv(path)
    out = df[df.a > 0][["b"]]
    (reader,) = nodes_of(out, N.ReadCSV)
    assert reader.usecols == ("a", "b")
    expected = pd.read_csv(path)
    assert_same(expected[expected.a > 0][["b"]], out)


def test_explain_prints_the_optimized_plan(tmp_path, sync, capsys):
    path = tmp_path / "f.parquet"
    make_frame().to_parquet(path)
    with config.override(read_eager_bytes=0):  # lazy: pushdown is for data read on demand
        df = dframe.read_parquet(path)
    df[df.a > 3][["b"]].explain()
    text = capsys.readouterr().out
    assert "ReadParquet" in text and "columns=['b']" in text and "a > 3" in text
    assert "fused" in text


# -- lowering ------------------------------------------------------------------------------------


def test_node_without_lowering_rule_is_an_explicit_error():
    from dataclasses import dataclass

    @dataclass(frozen=True, eq=False)
    class Mystery(N.Node):
        def _derive(self):
            self._set(meta=pd.DataFrame(), npartitions=1, lengths=None, range_index=False)

    with pytest.raises(LoweringError, match="Mystery"):
        Lowerer(dframe.execution.executors.SyncExecutor()).lower(Mystery())


def test_repartition_keeps_rows_and_index(sync):
    pdf = make_frame()
    df = dframe.from_pandas(pdf, npartitions=3)
    for n in (1, 2, 5, 20):
        re = dframe.DataFrame(df[df.a > 0], npartitions=n)
        assert re.npartitions == n
        assert_same(pdf[pdf.a > 0], re)


def test_auto_executor_picks_sync_for_small_and_runtime_for_large_inputs():
    from dframe.execution.executors import RuntimeExecutor, SyncExecutor
    from dframe.execution.lower import choose_executor

    plan = dframe.from_pandas(make_frame(), npartitions=2)._plan
    with config.override(executor="auto"):
        assert isinstance(choose_executor(plan), SyncExecutor)
        with config.override(sync_threshold_bytes=0):
            assert isinstance(choose_executor(plan), RuntimeExecutor)


def test_cache_entries_die_with_their_frames(sync):
    import gc

    from dframe.optimize.rules import CACHE

    gc.collect()
    before = len(CACHE)
    df = dframe.from_pandas(make_frame(), npartitions=3)
    out = df[df.a > 0]
    out.to_pandas()
    assert len(CACHE) > before
    del df, out
    gc.collect()
    assert len(CACHE) == before


def test_head_and_tail_read_only_the_partitions_they_show(tmp_path, sync):
    pdf = make_frame(40)
    path = tmp_path / "f.parquet"
    pdf.to_parquet(path, row_group_size=5)
    with config.override(partition_bytes=1, read_eager_bytes=0):  # lazy: pushdown
        df = dframe.read_parquet(path)
    assert df.npartitions == 8
    (reader,) = nodes_of(df.head(7), N.ReadParquet)
    assert reader.npartitions == 2
    (reader,) = nodes_of(df.assign(c=df.a * 2).tail(3), N.ReadParquet)
    assert reader.npartitions == 1
    assert_same(pdf.head(7), df.head(7))
    assert_same(pdf.assign(c=pdf.a * 2).tail(3), df.assign(c=df.a * 2).tail(3))
    assert_same(pdf[pdf.a > 50].head(3), df[df.a > 50].head(3))  # unknown lengths: all read
