"""Options, the small-data threshold, and persist()."""

from __future__ import annotations

import gc
import re
import weakref

import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.execution import lower
from dframe.execution.executors import RuntimeExecutor, SyncExecutor
from dframe.optimize.rules import CACHE
from tests.dframe.conftest import SMALL_NPARTITIONS, assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def test_options_object():
    options = dframe.options
    assert options is config.options
    before = options.partition_bytes
    try:
        options.partition_bytes = 1000
        assert config.get("partition_bytes") == 1000
        assert dframe.from_pandas(make_frame(200)).npartitions > 1
    finally:
        options.partition_bytes = before
    with pytest.raises(AttributeError, match="unknown dframe option"):
        options.no_such_option = 1
    with pytest.raises(AttributeError, match="unknown dframe option"):
        _ = options.no_such_option
    text = repr(options)
    # Every option is listed with what it means, the small-data threshold included.
    for name in config._DEFAULTS:
        assert re.search(rf"^{name}\s+=", text, re.MULTILINE)
    assert "small-data threshold" in text and "driver process with no tasks" in text
    assert "progress" in dir(options)


def test_boolean_options_read_from_the_environment(monkeypatch):
    assert config._from_env("progress", True) is True
    monkeypatch.setenv("DFRAME_PROGRESS", "0")
    assert config._from_env("progress", True) is False
    monkeypatch.setenv("DFRAME_PROGRESS", "true")
    assert config._from_env("progress", True) is True


def test_small_data_runs_in_the_driver_without_tasks():
    df = dframe.from_pandas(make_frame(13), npartitions=3)
    with config.override(executor="auto"):
        assert isinstance(lower.choose_executor((df.a + 1)._plan), SyncExecutor)
        with config.override(sync_threshold_bytes=0):
            assert isinstance(lower.choose_executor((df.a + 1)._plan), RuntimeExecutor)


def _live_objects(rt) -> int:
    return int(re.search(r"(\d+) live object", rt.memory_summary()).group(1))


def test_persist_keeps_partitions_until_the_frame_is_deleted(shared_ray):
    pdf = make_frame(40)
    with config.override(executor="runtime"):
        df = (dframe.from_pandas(pdf, npartitions=4)[["a", "b"]] * 1).persist()
        cached = CACHE.get(df._plan)
        assert cached is not None and len(cached.handles) == 4
        assert all(isinstance(h, shared_ray.ObjectRef) for h in cached.handles)
        ex = cached.executor
        submitted = ex.tasks_submitted
        assert_same(pdf[["a", "b"]] * 1, df)  # uses the persisted partitions: no new task
        assert ex.tasks_submitted == submitted
        live = _live_objects(shared_ray)
        watch = weakref.ref(cached)
        del df, cached
        gc.collect()
        assert watch() is None
        for _ in range(100):
            if _live_objects(shared_ray) <= live - 4:
                break
            import time

            time.sleep(0.05)
        assert _live_objects(shared_ray) <= live - 4


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_object_index_of_ints_stays_object(npartitions, executor):
    # pd.concat of the partitions alone would re-infer the labels as int64.
    pdf = make_frame().set_index(pd.Index(list(range(13)), dtype=object))
    assert_same(pdf, dframe.from_pandas(pdf, npartitions=npartitions))
    assert_same(pdf.a, dframe.from_pandas(pdf, npartitions=npartitions).a)


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_index_property_keeps_pandas_dtype(npartitions, executor):
    for index in (pd.Index(list(range(13)), dtype=object), pd.Index([f"r{i}" for i in range(13)])):
        pdf = make_frame().set_index(index)
        df = dframe.from_pandas(pdf, npartitions=npartitions)
        pd.testing.assert_index_equal(df.index, pdf.index)
        pd.testing.assert_index_equal(df[df.a > 0].index, pdf[pdf.a > 0].index)


@pytest.mark.parametrize("npartitions", [1, 3])
def test_dframe_constructors_inside_user_functions_make_pandas_objects(npartitions, executor):
    """``import dframe as pd`` code inside a function given to ``apply`` runs on pandas data:
    ``pd.Series(...)`` there is a pandas Series (db-benchmark's h2o q9 is written this way)."""
    pdf = pd.DataFrame({"g": [1, 1, 2, 2, 3], "v1": [1, 2, 3, 5, 4], "v2": [2, 1, 4, 4, 0]})
    df = dframe.from_pandas(pdf, npartitions=npartitions)

    def r2(module):
        return lambda x: module.Series({"r2": x.corr()["v1"]["v2"] ** 2, "n": float(len(x))})

    assert_same(pdf.groupby("g").apply(r2(pd)), df.groupby("g").apply(r2(dframe)))
    assert_same(pdf.groupby("g", as_index=False).apply(r2(pd)),
                df.groupby("g", as_index=False).apply(r2(dframe)))
    for (key, rows), (want_key, want) in zip(df.groupby("g", as_index=False),
                                             pdf.groupby("g", as_index=False), strict=True):
        assert key == want_key
        assert_same(want, rows)
    assert_same(pdf.apply(lambda r: pd.Series([r.v1, r.v2 * 2]), axis=1),
                df.apply(lambda r: dframe.Series([r.v1, r.v2 * 2]), axis=1))
    assert isinstance(dframe.Series([1, 2]), dframe.Series)  # outside a task: dframe's own


@pytest.mark.parametrize("npartitions", SMALL_NPARTITIONS)
def test_categorical_columns_collect_like_pandas(npartitions, executor):
    """Collecting joins categorical columns by their codes when the categories agree (pandas'
    concat hashes them per pair of partitions): same result, missing values included."""
    pdf = make_frame()
    pdf["c"] = pd.Categorical(pdf.s, categories=["s3", "s0", "s1", "s2"])
    pdf["o"] = pd.Categorical(pdf.a % 3, ordered=True)
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf, df)
    assert_same(pdf.c, df.c)
    assert_same(pdf[pdf.a > 0], df[df.a > 0])
    other = pdf.assign(c=pdf.c.cat.set_categories(["s0", "s1", "s2", "s3", "s9"]))
    both = pd.concat([pdf, other])  # different categories: pandas' own rules
    assert_same(both, dframe.concat([df, dframe.from_pandas(other, npartitions=npartitions)]))
    right = pd.DataFrame({"c": pd.Categorical(["s1", "s2"], categories=pdf.c.cat.categories),
                          "r": [1, 2]})
    assert_same(pdf.merge(right, on="c"), df.merge(dframe.from_pandas(right, npartitions=1), on="c"))
