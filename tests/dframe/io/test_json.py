"""JSON Lines: ``read_json(lines=True)`` by blocks and ``to_json(orient="records", lines=True)``
partition by partition (every other orient: ``test_to_json.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import make_frame, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]


@product_on_executors(date_format=[None, "iso"])
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


def _records() -> list[dict]:
    return [
        {"a": i, "s": f"x{i}", "f": i * 0.5 + 0.25, "when": f"2024-01-{i % 28 + 1:02d}"}
        for i in range(60)
    ]


@product_on_executors([1, 3, 7], partition_bytes=[10**9, 300, 60])
def test_read_json_lines_matches_pandas(executor, npartitions, partition_bytes, tmp_path):
    import json

    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _records()) + "\n")
    with dframe.config.override(partition_bytes=partition_bytes):
        result = dframe.read_json(path, lines=True)
        if partition_bytes < 1000:
            assert result.npartitions > 3
    pd.testing.assert_frame_equal(result.to_pandas(), pd.read_json(path, lines=True))
    pdf = pd.read_json(path, lines=True, convert_dates=["when"])
    with dframe.config.override(partition_bytes=partition_bytes):
        result = dframe.read_json(path, lines=True, convert_dates=["when"])
    pd.testing.assert_frame_equal(result.to_pandas(), pdf)
    out = dframe.from_pandas(pdf, npartitions=npartitions).to_json(orient="records", lines=True)
    assert out == pdf.to_json(orient="records", lines=True)


@pytest.mark.parametrize("partition_bytes", [300, 60])
def test_blocks_that_disagree_are_read_by_pandas(sync, tmp_path, partition_bytes):
    """A key only the last records have, one float among ints: pandas' dtypes come from all
    the records, which no block sees; pandas reads such a file."""
    import json

    rows = _records()
    rows[30]["a"] = 1.5
    rows[40]["s"] = None
    for row in rows[45:]:
        row["late"] = "yes"
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with dframe.config.override(partition_bytes=partition_bytes):
        with pytest.warns(dframe.PandasFallbackWarning):
            result = dframe.read_json(path, lines=True)
    pd.testing.assert_frame_equal(result.to_pandas(), pd.read_json(path, lines=True))
