"""The runtime executor uses only Ray Core's public API, so real Ray runs dframe too."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.execution.executors import RuntimeExecutor
from tests.conftest import our_processes
from tests.dframe.conftest import assert_same, make_frame

pytestmark = pytest.mark.timeout(120)
ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_executor():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with config.override(executor=RuntimeExecutor(ray)):
            yield
    finally:
        ray.shutdown()
        deadline = time.monotonic() + 30
        while our_processes() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not our_processes()


def test_operations_on_ray(ray_executor, tmp_path):
    pdf = make_frame(30)
    df = dframe.from_pandas(pdf, npartitions=4)
    assert_same(pdf[pdf.a > 5][["a", "b"]] * 2, df[df.a > 5][["a", "b"]] * 2)
    assert_same(pdf[["a", "b"]].std(), df[["a", "b"]].std())
    assert_same(pdf.b.sum(), df.b.sum())
    pdf.to_csv(tmp_path / "f.csv", index=False)  # num_returns=2 tasks
    assert_same(pd.read_csv(tmp_path / "f.csv"), dframe.read_csv(tmp_path / "f.csv", blocksize=100))
    assert repr(df) == repr(pdf)
