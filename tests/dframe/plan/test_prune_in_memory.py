"""Column pruning reaches data already in memory (what ``read_*`` returns, ``persist``,
``from_pandas``): the used columns are selected first, so a filter downstream copies only them,
as it copied only them when the reader itself was narrowed."""

from __future__ import annotations

import numpy as np
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
