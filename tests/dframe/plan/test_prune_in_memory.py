"""Column pruning reaches data already in memory (what ``read_*`` returns, ``persist``,
``from_pandas``): the used columns are selected first, so a filter downstream copies only them,
as it copied only them when the reader itself was narrowed."""

from __future__ import annotations

import numpy as np
import pytest
import pandas as pd

import dframe
from dframe.optimize.rules import prune_columns
from dframe.plan import nodes as N
from tests.dframe.conftest import assert_same


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "k": pd.array([f"k{i % 4}" for i in range(40)], dtype="str"),
        "v": rng.normal(size=40), "w": rng.normal(size=40),
        "text": pd.array([f"long text {i}" for i in range(40)], dtype="str"),
    })


def _projections_over_sources(plan: N.Node) -> list[tuple]:
    found = []

    def walk(node: N.Node) -> None:
        if isinstance(node, N.Project) and isinstance(node.child, N.Materialized | N.FromPandas):
            found.append(node.columns)
        for child in node.inputs:
            walk(child)

    walk(plan)
    return found


def test_filter_then_groupby_reads_only_used_columns(sync):
    pdf = frame()
    d = dframe.from_pandas(pdf, 3).persist()
    out = d[d.v > 0].groupby("k", as_index=False).agg(total=("w", "sum"))
    assert ("k", "v", "w") in _projections_over_sources(prune_columns(out._plan))
    assert_same(pdf[pdf.v > 0].groupby("k", as_index=False).agg(total=("w", "sum")), out)


def test_every_column_used_adds_no_projection(sync):
    d = dframe.from_pandas(frame(), 3)
    # Only the mask's own selection of "v": the rows keep every column.
    assert _projections_over_sources(prune_columns((d[d.v > 0])._plan)) == [("v",)]


def _dims() -> pd.DataFrame:
    return pd.DataFrame({
        "k": pd.array([f"k{i}" for i in range(4)], dtype="str"),
        "v": [10.0, 20.0, 30.0, 40.0],  # a label both sides have: suffixed v_x / v_y
        "region": pd.array(["a", "b", "a", "c"], dtype="str"),
        "unused": np.arange(4),
    })


@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
@pytest.mark.parametrize("how", ["inner", "left", "outer"])
def test_merge_moves_only_used_columns(sync, npartitions, how):
    """A merge whose result is narrowed merges narrowed sides: the keys, the used columns and
    every label both sides have (so suffixes stay pandas')."""
    pdf, dims = frame(), _dims()
    d = dframe.from_pandas(pdf, npartitions).persist()
    dd = dframe.from_pandas(dims, 2).persist()

    def query(lib_frame, lib_dims):
        j = lib_frame.merge(lib_dims, on="k", how=how)
        return j.assign(x=j.v_x + j.w).groupby("region", as_index=False, dropna=False).x.sum()

    projected = _projections_over_sources(prune_columns(query(d, dd)._plan))
    assert ("k", "v", "w") in projected  # not "text"
    assert ("k", "v", "region") in projected  # not "unused"
    assert_same(query(pdf, dims), query(d, dd))


@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
def test_sides_filtered_before_the_merge_are_narrowed_first(sync, npartitions, tmp_path):
    """Each side filtered by a mask on its own columns, then merged (how TPC-H queries are
    written), over what ``read_parquet`` returned: the data is narrowed below the filters, so
    they copy only the used columns. (The mask shares the data's partitioning, which had kept
    the data whole: a node taking its input's partitioning is narrowed with it.)"""
    pdf, dims = frame(), _dims()
    pdf.to_parquet(tmp_path / "facts.parquet", row_group_size=max(1, 40 // npartitions))
    d = dframe.read_parquet(tmp_path / "facts.parquet")
    assert isinstance(d._plan, N.Materialized)
    dd = dframe.from_pandas(dims, 2).persist()

    def query(lib_frame, lib_dims):
        j = lib_frame[lib_frame.w > 0].merge(lib_dims[lib_dims.unused < 3], on="k")
        return j.groupby("region", as_index=False).v_x.sum()

    assert ("k", "v", "w") in _projections_over_sources(prune_columns(query(d, dd)._plan))
    assert_same(query(pdf, dims), query(d, dd))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_merge_narrowed_after_the_merge_keeps_pandas_columns(sync, npartitions):
    pdf, dims = frame(), _dims()
    d = dframe.from_pandas(pdf, npartitions).persist()
    dd = dframe.from_pandas(dims, 2).persist()
    for cols in (["region"], ["v_y", "text"], ["k", "w", "unused"]):
        assert_same(pdf.merge(dims, on="k")[cols], d.merge(dd, on="k")[cols])
    for cols in (["region"], ["k_x", "v_y"], ["text", "unused"]):
        j = pdf.merge(dims, left_on="text", right_on="region", how="right")[cols]
        assert_same(j, d.merge(dd, left_on="text", right_on="region", how="right")[cols])


@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
def test_groupby_without_a_tree_reads_only_used_columns(sync, npartitions):
    """Aggregations that move rows (nunique, median) move only their keys and columns."""
    pdf = frame()
    d = dframe.from_pandas(pdf, npartitions).persist()
    queries = [
        lambda x: x.groupby("k").agg(n=("v", "nunique"), m=("w", "median")),
        lambda x: x.groupby("k", as_index=False).agg({"v": ["nunique", "first"]}),
        lambda x: x.groupby("k").agg(n=pd.NamedAgg("w", "nunique")),
    ]
    for query, used in zip(queries, [("k", "v", "w"), ("k", "v"), ("k", "w")], strict=True):
        assert used in _projections_over_sources(prune_columns(query(d)._plan))
        assert_same(query(pdf), query(d))
