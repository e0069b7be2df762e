"""The progress bar: shown for computations that outlast progress_delay, never for short ones,
never when switched off."""

from __future__ import annotations

import pytest

import dframe
from dframe import config
from tests.dframe.conftest import make_frame

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def _compute(n: int = 5) -> None:
    df = dframe.from_pandas(make_frame(50), npartitions=n)
    (df.a * 2 + 1).to_pandas()


def test_bar_shown_when_the_computation_outlasts_the_delay(executor, capsys):
    with config.override(progress=True, progress_delay=0.0):
        _compute()
    err = capsys.readouterr().err
    assert "dframe" in err and "task" in err


def test_no_bar_when_switched_off(executor, capsys):
    with config.override(progress=False, progress_delay=0.0):
        _compute()
    assert capsys.readouterr().err == ""


def test_no_bar_for_short_computations(executor, capsys):
    with config.override(progress=True, progress_delay=30.0):
        _compute()
    assert capsys.readouterr().err == ""


def test_options_attribute_switches_bars_off(sync, capsys):
    before = dframe.options.progress
    dframe.options.progress = False
    try:
        with config.override(progress_delay=0.0):
            _compute()
    finally:
        dframe.options.progress = before
    assert capsys.readouterr().err == ""
