"""A categorical column with many categories is stored once, however many partitions (issue 12,
gate 4): the store holds the codes of every partition and one copy of the categories, tasks
that derive new partitions reuse it, and results keep pandas' dtype."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
import runtime
from tests.dframe.conftest import assert_same

pytestmark = pytest.mark.timeout(120)

CATEGORIES = 1_000_000
ROWS = 200_000
NPARTS = 8


def _store_used() -> int:
    total = runtime.cluster_resources()["object_store_memory"]
    return int(total - runtime.available_resources()["object_store_memory"])


@pytest.fixture(scope="module")
def pdf():
    categories = pd.Index([f"product-{i:07d}" for i in range(CATEGORIES)], dtype="str")
    rng = np.random.default_rng(0)
    codes = rng.integers(0, CATEGORIES, ROWS)
    return pd.DataFrame(
        {
            "c": pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories)),
            "v": rng.normal(size=ROWS),
        }
    )


def test_categories_stored_once(shared_ray, pdf):
    categories_bytes = pdf.c.cat.categories.memory_usage(deep=True)
    rows_bytes = pdf.c.cat.codes.nbytes + pdf.v.nbytes
    with dframe.config.override(executor="runtime", progress=False):
        before = _store_used()
        frame = dframe.from_pandas(pdf, npartitions=NPARTS).persist()
        stored = _store_used() - before
        # 8 copies would be 8x the categories; one copy and the rows, plus headers.
        assert stored < rows_bytes + 1.5 * categories_bytes, (stored, categories_bytes)

        before = _store_used()
        derived = frame.assign(w=frame.v * 2).persist()  # computed in the workers
        added = _store_used() - before
        assert added < 2 * rows_bytes + 0.5 * categories_bytes, (added, categories_bytes)

        result = derived.to_pandas()
        assert result.c.dtype == pdf.c.dtype
        assert_same(pdf.assign(w=pdf.v * 2), derived)
        del frame, derived


def test_groupby_on_shared_categories(shared_ray, pdf):
    with dframe.config.override(executor="runtime", progress=False):
        frame = dframe.from_pandas(pdf, npartitions=NPARTS)
        for sort in (True, False):
            got = frame.groupby("c", observed=True, sort=sort).v.agg(["sum", "count"])
            assert_same(pdf.groupby("c", observed=True, sort=sort).v.agg(["sum", "count"]), got)


def test_few_categories_travel_inline(shared_ray):
    small = pd.DataFrame({"c": pd.Categorical(list("abcab") * 20), "v": np.arange(100.0)})
    with dframe.config.override(executor="runtime", progress=False):
        got = dframe.from_pandas(small, npartitions=4).groupby("c", observed=True).v.sum()
        assert_same(small.groupby("c", observed=True).v.sum(), got)
