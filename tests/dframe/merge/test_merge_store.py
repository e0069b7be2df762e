"""A chain of merges from a one-partition table through a store much smaller than the data
(issue 11, gate 1). Its own module: it starts a runtime with a small store, which must not meet
the module-scoped runtime other merge tests share."""

from __future__ import annotations

import pandas as pd
import pytest

import dframe
from dframe import config
from tests.conftest import running
from tests.dframe.merge.test_merge_sizing import MIB, chain, tpch_like


@pytest.mark.timeout(180)
def test_chain_fits_a_store_much_smaller_than_the_data():
    """~75 MB of merged rows through a 24 MiB store: fits only if no partition is the whole
    result (before the fix it was one 75 MB object: ObjectStoreFullError)."""
    tables = tpch_like(scale=1500)
    want = chain(tables)
    with running(num_cpus=2, object_store_memory=24 * MIB):
        # A broadcast copy must fit next to the running tasks' partitions: keep it small.
        with config.override(executor="runtime", merge_broadcast_bytes=2 * MIB):
            parts = {"region": 1, "nation": 1, "customer": 2, "orders": 8, "lineitem": 24}
            dd = {k: dframe.from_pandas(v, npartitions=parts[k]) for k, v in tables.items()}
            out = chain(dd)
            assert out.npartitions >= 24
            got = out.to_pandas()
    assert want.memory_usage(deep=True).sum() > 3 * 24 * MIB
    pd.testing.assert_frame_equal(got, want)
