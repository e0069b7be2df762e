"""``head``/``tail`` read only the partitions holding their rows (``select_sources`` pushes the
selection down to the sources) — but never below a step that needs every partition (a shift's
halo, a cumulative carry, a rank) while its sibling inputs are pushed: their partitions would
no longer line up (found by the differential tests: ValueError from ``repr``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import dframe
from tests.dframe.conftest import NPARTITIONS, assert_same, product_on_executors

CASES = {
    "shift": lambda d: d.assign(b=d.a.shift(1)),
    "cumsum": lambda d: d.assign(c=d.a.cumsum()),
    "rank": lambda d: d.assign(r=d.a.rank()),
    "diff_and_plain": lambda d: d.assign(b=d.a.diff(), e=d.a * 2),
}


@product_on_executors(
    NPARTITIONS, NPARTITIONS, count="nparts", case=sorted(CASES), which=["head", "tail"]
)
def test_ends_of_a_frame_with_an_assigned_window_column(executor, case, which, nparts):
    pdf = pd.DataFrame({"a": np.arange(20, dtype="float64") ** 2})
    want = getattr(CASES[case](pdf), which)(4)
    assert_same(want, getattr(CASES[case](dframe.from_pandas(pdf, nparts)), which)(4))


def test_setitem_then_repr(sync):
    pdf = pd.DataFrame({"a": range(10)})
    d = dframe.from_pandas(pdf, 3)
    d["b"] = d.a.shift(1)
    pdf["b"] = pdf.a.shift(1)
    assert repr(d) == repr(pdf)
