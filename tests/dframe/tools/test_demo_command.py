"""``python -m dframe.tools.demo ROWS`` on tiny data, in a module of its own: the other demo
tests share a runtime for their whole module, and this command must start and stop its own."""

from __future__ import annotations

import pytest

import runtime
from dframe.tools import demo
from tests.conftest import our_processes


@pytest.mark.timeout(120)
def test_command_starts_and_stops_its_runtime(capsys):
    """The warm-up runs on a runtime the command starts (the query on 3,000 rows, like any
    small input, runs in the driver), and the command stops it: no worker is left."""
    assert not runtime.is_initialized()
    demo.main(["3000"])
    assert not runtime.is_initialized()
    assert our_processes() == []
    out = capsys.readouterr().out
    assert "wrote 3,000 sales rows" in out and "first call on a 20,000-row file" in out
    assert "same result (60 rows)" in out
