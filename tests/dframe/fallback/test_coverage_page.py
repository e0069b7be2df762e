"""docs/coverage.md is what ``python -m dframe.tools.coverage`` generates from the classes."""

from __future__ import annotations

from dframe.tools import coverage


def test_coverage_page_is_up_to_date():
    assert coverage.PAGE.exists(), "run python -m dframe.tools.coverage"
    assert coverage.PAGE.read_text() == coverage.render(), "run python -m dframe.tools.coverage"


def test_classification():
    import pandas as pd

    from dframe import DataFrame

    table = coverage.classify(DataFrame, pd.DataFrame)
    assert table["info"] == coverage.NATIVE
    assert table["fillna"] == coverage.PARTIAL  # native for scalars, falls back for methods
    assert table["transpose"] == coverage.PARTIAL  # data too big for the driver falls back
    assert table["combine"] == coverage.FALLBACK
    assert set(table) == {n for n in dir(pd.DataFrame) if not n.startswith("_")}
