"""The dframe half of ``python -m runtime.demo`` (``dframe.tools.demo``) on tiny data: its query
gives pandas' result on both executors. Speed is the demo's business, not the tests'.
(The command alone, which starts and stops a runtime: ``test_demo_command.py``.)"""

from __future__ import annotations

import pandas as pd
import pytest

from dframe.tools import demo


@pytest.mark.timeout(120)
def test_query_matches_pandas(executor, capsys):
    out = demo.compare(rows=5_000, warmup_rows=0)
    pd.testing.assert_frame_equal(out["result"], out["expected"])
    # 12 months x 5 regions; the generator's values keep every group non-empty
    assert out["expected"].shape == (60, 2)
    assert list(out["expected"].columns) == ["revenue", "orders"]
    assert out["pandas_seconds"] > 0 and out["dframe_seconds"] > 0
    assert executor.tasks_submitted > 0  # the query ran on the executor under test
    assert "same result (60 rows)" in capsys.readouterr().out

