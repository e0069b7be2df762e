"""Property tests: element-wise ops and exact summaries on random frames with NaNs agree with
pandas at any partition count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dframe
from dframe import config
from dframe.execution.executors import SyncExecutor
from tests.dframe.conftest import assert_same

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

values = st.one_of(st.none(), st.integers(-3, 3).map(float))


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    x = draw(st.lists(values, min_size=n, max_size=n))
    y = draw(st.lists(values, min_size=n, max_size=n))
    pdf = pd.DataFrame(
        {"x": pd.Series(x, dtype="float64"), "y": pd.Series(y, dtype="float64")}
    )
    return pdf, draw(st.integers(1, 14))


OPS = [
    lambda d: d.ffill(),
    lambda d: d.bfill(),
    lambda d: d.where(d > 0, -d),
    lambda d: d.clip(-1, 1),
    lambda d: d.x.duplicated(keep=False),
    lambda d: d.drop_duplicates(keep="last"),
    lambda d: d.x.value_counts(dropna=False),
    lambda d: d.value_counts(normalize=True),
    lambda d: d.x.nlargest(3, keep="last"),
    lambda d: d.nsmallest(2, "y", keep="all"),
    lambda d: d.quantile([0.2, 0.5]),
    lambda d: d.x.median(),
    lambda d: d.nunique(dropna=False),
    lambda d: d.describe(),
]


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames(), st.integers(0, len(OPS) - 1))
def test_random_frames(case, which):
    pdf, npartitions = case
    with config.override(executor=SyncExecutor()):
        df = dframe.from_pandas(pdf, npartitions=npartitions)
        op = OPS[which]
        try:
            expected = op(pdf)
        except Exception as error:  # noqa: BLE001  # pandas' own error must be ours too
            with pytest.raises(type(error)):
                dframe_result = op(df)
                if isinstance(dframe_result, dframe.Series | dframe.DataFrame):
                    dframe_result.to_pandas()
            return
        result = op(df)
        if isinstance(expected, float) and np.isnan(expected):
            assert np.isnan(result)
        else:
            assert_same(expected, result)
