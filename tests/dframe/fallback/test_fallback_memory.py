"""A fallback whose collected data would not fit in the driver raises MemoryError naming the
method, before collecting anything."""

from __future__ import annotations

import pickle

import pytest

import dframe
from dframe.fallback import memory
from tests.dframe.conftest import assert_same, make_frame

pytestmark = [pytest.mark.timeout(60)]


@pytest.fixture
def tiny_driver(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)


def _frame(n=3):
    return dframe.from_pandas(make_frame(200), npartitions=n)


def test_method_fallback_raises_memory_error(executor, tiny_driver):
    df = _frame()
    assert memory.collected_bytes(df) > 500
    with pytest.raises(MemoryError, match=r"DataFrame\.transpose"):
        df.transpose()
    with pytest.raises(MemoryError, match=r"Series\.to_list"):
        df.a.to_list()
    with pytest.raises(MemoryError, match=r"pandas\.merge_ordered"):
        dframe.merge_ordered(df, df, on="a")
    with pytest.raises(MemoryError, match=r"DataFrame\.T"):
        _ = df.T
    # Native operations are not affected.
    assert int(df.a.sum()) == int(make_frame(200).a.sum())


def test_fallback_runs_when_the_data_fits(executor):
    df = _frame()
    pdf = make_frame(200)
    with pytest.warns(dframe.PandasFallbackWarning, match="Series.combine"):
        assert_same(pdf.b.combine(pdf.a, max), df.b.combine(df.a, max))


def test_collected_bytes_measures_deep_usage(executor):
    pdf = make_frame(200)
    df = _frame(7)
    assert memory.collected_bytes(df) >= pdf.memory_usage(deep=True, index=False).sum()
    assert memory.collected_bytes(df.a) >= pdf.a.memory_usage(index=False)


def test_memory_error_pickles():
    err = pickle.loads(pickle.dumps(MemoryError("DataFrame.transpose ...")))
    assert "transpose" in str(err)
