"""Series from the same frame line up partition by partition even after a filter, as pandas
aligns them by index: ``x[x.v1 > 2].assign(w=x.v3 * x.v2)`` is native."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import dframe

from .conftest import NPARTITIONS, make_frame

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

CASES = {
    "assign a full-frame series to filtered rows": lambda x: x[x.a > 2].assign(w=x.b * x.a)[["s", "w"]],
    "assign a filtered series to all rows": lambda x: x.assign(w=x[x.flag].b),
    "filter, then filter again": lambda x: x[x.a > 0][x[x.a > 0].b > 95],
    "setitem from the unfiltered frame": lambda x: _setitem(x[x.a % 2 == 0], "c", x.a * 10),
}


def _setitem(frame, name, value):
    frame = frame.copy()
    frame[name] = value
    return frame


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_same_source_series_align_like_pandas(name, npartitions, executor):
    pdf = make_frame(29)
    expected = CASES[name](pdf)
    got = CASES[name](dframe.from_pandas(pdf, npartitions=npartitions))
    pdt.assert_frame_equal(got.to_pandas(), expected)


def test_series_from_another_frame_still_falls_back(sync):
    a = dframe.from_pandas(make_frame(10), npartitions=2)
    b = dframe.from_pandas(make_frame(10), npartitions=3)
    with pytest.warns(dframe.PandasFallbackWarning):
        got = a.assign(w=b.b)
    pdt.assert_frame_equal(got.to_pandas(), make_frame(10).assign(w=make_frame(10).b))
