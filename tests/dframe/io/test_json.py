"""``to_json(orient="records", lines=True)`` is pandas' text, formatted partition by partition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import make_frame, on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]


@on_executors()
@pytest.mark.parametrize("date_format", [None, "iso"])
def test_json_lines_match_pandas(executor, npartitions, date_format, tmp_path):
    pdf = make_frame().set_axis(np.arange(13) * 2)
    kwargs = {"orient": "records", "lines": True}
    if date_format:
        kwargs["date_format"] = date_format
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    assert d.to_json(**kwargs) == pdf.to_json(**kwargs)
    path = tmp_path / "out.jsonl"
    d.to_json(path, **kwargs)
    assert path.read_text() == pdf.to_json(**kwargs)


@pytest.mark.parametrize("npartitions", [1, 3])
def test_no_rows(sync, npartitions):
    pdf = make_frame().iloc[:0]
    d = dframe.from_pandas(pdf, npartitions=npartitions)
    assert d.to_json(orient="records", lines=True) == pdf.to_json(orient="records", lines=True)


def test_other_orients_run_on_pandas(sync):
    pdf = pd.DataFrame({"a": [1, 2]})
    with pytest.warns(dframe.PandasFallbackWarning):
        text = dframe.from_pandas(pdf, npartitions=2).to_json(orient="split")
    assert text == pdf.to_json(orient="split")
