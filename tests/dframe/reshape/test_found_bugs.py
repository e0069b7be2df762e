"""Regressions of issue 10 in the reshape family: ``unstack`` orders rows and columns as pandas
does, which follows the index *levels* behind the values, at every partition count in process
and at one and a few partitions on the runtime.

``Series.unstack()`` of a groupby result came out in another order than pandas': the groupby's
result carried the levels its pieces brought (fixed in the groupby family), and ``unstack``
put a missing key first even when it is a value of its level (a groupby's ``dropna=False``
keys), where pandas keeps it in its level's place (last when sorted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
import dframe.reshape.unstack
from tests.dframe.conftest import NPARTITIONS, assert_same, product_on_executors

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def _data(n: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    s = pd.array(rng.choice(["b", "a", "c"], n), dtype="str")
    s[[3, 11, 17]] = None
    k = rng.integers(0, 4, n).astype("float64")
    k[[5, 17]] = np.nan
    return pd.DataFrame({"s": s, "k": k, "v": rng.normal(size=n).round(2), "w": np.arange(n)})


DATA = _data()

# pandas objects whose MultiIndex levels matter: a missing key as a level value (sorted last,
# or where it first appears), a missing key as no level value (code -1), unsorted levels.
INPUTS = {
    "missing_in_level": DATA.groupby(["s", "k"], dropna=False).v.sum(),
    "missing_in_level_unsorted": DATA.groupby(["k", "s"], sort=False, dropna=False).w.sum(),
    "missing_not_in_level": DATA.set_index(["s", "k"]).v.iloc[
        ~DATA.set_index(["s", "k"]).index.duplicated()
    ],
    "unsorted_levels": DATA.groupby(["s", "k"], sort=False).w.sum(),
    "frame_missing_in_level": DATA.groupby(["k", "s"], dropna=False)[["v", "w"]].sum(),
}
CALLS = {
    "last": lambda x: x.unstack(),
    "first": lambda x: x.unstack(0),
    "fill_value": lambda x: x.unstack(0, fill_value=0),
}


@product_on_executors(call=list(CALLS), name=list(INPUTS))
def test_unstack_follows_levels(executor, name, call, npartitions):
    data = INPUTS[name]
    expected = CALLS[call](data)
    result = CALLS[call](dframe.from_pandas(data, npartitions=npartitions))
    assert_same(expected, result)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_unstack_several_outputs(sync, monkeypatch, npartitions):
    # The rows are range-partitioned into several output partitions by the same level order.
    monkeypatch.setattr(dframe.reshape.unstack, "MIN_ROWS_PER_OUTPUT", 3)
    for name in ("missing_in_level", "missing_in_level_unsorted", "frame_missing_in_level"):
        data = INPUTS[name]
        ddata = dframe.from_pandas(data, npartitions=npartitions)
        assert_same(data.unstack(), ddata.unstack())
        assert_same(data.unstack(0, fill_value=-1), ddata.unstack(0, fill_value=-1))


GROUPBY_THEN_UNSTACK = {
    "sum": lambda d: d.groupby(["s", "k"]).v.sum().unstack(),
    "sum_unsorted": lambda d: d.groupby(["s", "k"], sort=False).v.sum().unstack(0),
    "missing_kept": lambda d: d.groupby(["s", "k"], dropna=False).w.sum().unstack(fill_value=0),
    "size_frame": lambda d: d.groupby(["k", "s"], dropna=False).size().unstack(0),
    "frame": lambda d: d.groupby(["s", "k"])[["v", "w"]].max().unstack(),
}


@product_on_executors(name=list(GROUPBY_THEN_UNSTACK))
def test_unstack_of_groupby_result(executor, name, npartitions):
    op = GROUPBY_THEN_UNSTACK[name]
    assert_same(op(DATA), op(dframe.from_pandas(DATA, npartitions=npartitions)))
