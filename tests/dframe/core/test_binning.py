"""``dframe.cut``, ``dframe.qcut`` and ``Series.value_counts(bins=...)`` run natively and match
pandas: categories and their order, codes (``labels=False``), ``retbins``, ``duplicates``,
missing and constant values, ints, bools and nullable ints, no rows, pandas' errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from tests.dframe.conftest import assert_same, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def frame(n: int = 31) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    pdf = pd.DataFrame(
        {
            "x": rng.normal(10, 3, n).round(1),
            "i": rng.integers(0, 5, n),  # ints with ties
            "flag": rng.random(n) > 0.5,
            "nx": pd.array(rng.integers(-3, 9, n), dtype="Int64"),
            "const": 5.0,
        },
        index=pd.RangeIndex(100, 100 + n, name="row"),
    )
    pdf.loc[[102, 108, 117], "x"] = np.nan
    pdf.loc[[104], "nx"] = pd.NA
    return pdf


OPS = {
    "cut_count": lambda lib, d: lib.cut(d.x, 4),
    "cut_edges": lambda lib, d: lib.cut(d.x, [0, 5, 10, 20]),
    "cut_retbins": lambda lib, d: lib.cut(d.x, 4, retbins=True),
    "cut_edges_retbins": lambda lib, d: lib.cut(d.x, [0, 5.5, 20], retbins=True),
    "cut_codes": lambda lib, d: lib.cut(d.x, 4, labels=False),
    "cut_codes_out_of_range": lambda lib, d: lib.cut(d.i, [0, 2, 3], labels=False),
    "cut_codes_in_range": lambda lib, d: lib.cut(d.i, [-1, 2, 9], labels=False),
    "cut_labels": lambda lib, d: lib.cut(d.x, 3, right=False, precision=1, labels=["a", "b", "c"]),
    "cut_unordered": (
        lambda lib, d: lib.cut(d.x, [0, 9, 30], labels=["lo", "hi"], ordered=False)
    ),
    "cut_include_lowest": lambda lib, d: lib.cut(d.i, [0, 2, 4], include_lowest=True),
    "cut_ints": lambda lib, d: lib.cut(d.i, 3),
    "cut_bools": lambda lib, d: lib.cut(d.flag, 2),
    "cut_nullable": lambda lib, d: lib.cut(d.nx, 3),
    "cut_constant": lambda lib, d: lib.cut(d.const, 3),
    "cut_intervals": lambda lib, d: lib.cut(d.x, pd.IntervalIndex.from_breaks([0, 4, 12])),
    "cut_duplicates_drop": lambda lib, d: lib.cut(d.x, [0, 5, 5, 10], duplicates="drop"),
    "cut_duplicates_error": lambda lib, d: lib.cut(d.x, [0, 5, 5, 10]),
    "cut_not_increasing": lambda lib, d: lib.cut(d.x, [5, 0, 10]),
    "cut_no_bins": lambda lib, d: lib.cut(d.x, 0),
    "cut_labels_error": lambda lib, d: lib.cut(d.x, 3, labels=["a"]),
    "cut_infinity": lambda lib, d: lib.cut(d.x.where(d.i != 1, np.inf), 3),
    "cut_no_rows": lambda lib, d: lib.cut(d.x.iloc[:0], 3),
    "cut_no_rows_edges": lambda lib, d: lib.cut(d.x.iloc[:0], [1, 2, 3]),
    "cut_all_missing": lambda lib, d: lib.cut(d.x * np.nan, 2),
    "cut_filtered": lambda lib, d: lib.cut(d.x[d.i > 2], 3),
    "cut_column": lambda lib, d: d.assign(b=lib.cut(d.x, 3)),
    "qcut": lambda lib, d: lib.qcut(d.x, 4),
    "qcut_list": lambda lib, d: lib.qcut(d.x, [0, 0.3, 0.9, 1], retbins=True),
    "qcut_codes": lambda lib, d: lib.qcut(d.x, 3, labels=False, precision=1),
    "qcut_ties_error": lambda lib, d: lib.qcut(d.i, 10),
    "qcut_ties_drop": lambda lib, d: lib.qcut(d.i, 10, duplicates="drop", retbins=True),
    "qcut_bools": lambda lib, d: lib.qcut(d.flag, 2, duplicates="drop"),
    "qcut_nullable": lambda lib, d: lib.qcut(d.nx, 3),
    "qcut_labels": lambda lib, d: lib.qcut(d.x, 2, labels=["low", "high"]),
    "qcut_no_rows": lambda lib, d: lib.qcut(d.x.iloc[:0], 3),
    "qcut_all_missing": lambda lib, d: lib.qcut(d.x * np.nan, 2, duplicates="drop"),
    "qcut_bad_q": lambda lib, d: lib.qcut(d.x, 0),
    "value_counts_bins": lambda lib, d: d.x.value_counts(bins=4),
    "value_counts_edges": lambda lib, d: d.x.value_counts(bins=[0, 5, 10, 100], sort=False),
    "value_counts_normalize": (
        lambda lib, d: d.x.value_counts(bins=[0, 5, 10, 100], normalize=True, dropna=False)
    ),
    "value_counts_ascending": lambda lib, d: d.i.value_counts(bins=3, ascending=True),
    "value_counts_nullable": lambda lib, d: d.nx.value_counts(bins=3, normalize=True),
    "value_counts_bools": lambda lib, d: d.flag.value_counts(bins=2),
    "value_counts_constant": lambda lib, d: d.const.value_counts(bins=2),
    "value_counts_none_in": lambda lib, d: d.x.value_counts(bins=[100, 200]),
    "value_counts_none_in_kept": lambda lib, d: d.x.value_counts(bins=[100, 200], dropna=False),
    "value_counts_no_rows": lambda lib, d: d.x.iloc[:0].value_counts(bins=[1, 2], normalize=True),
    "value_counts_no_rows_count": lambda lib, d: d.x.iloc[:0].value_counts(bins=2),
}


def _same(expected, result):
    if isinstance(expected, tuple):
        assert isinstance(result, tuple) and len(result) == len(expected)
        for e, got in zip(expected, result, strict=True):
            _same(e, got)
    elif isinstance(expected, np.ndarray):
        assert isinstance(result, np.ndarray) and result.dtype == expected.dtype
        np.testing.assert_array_equal(result, expected)
    else:
        assert_same(expected, result)


@product_on_executors(name=OPS)
def test_matches_pandas(name, executor, npartitions):
    op, pdf = OPS[name], frame()
    try:
        expected = op(pd, pdf)
    except Exception as error:  # noqa: BLE001 - pandas' error is the expected result
        with pytest.raises(type(error)) as raised:
            result = op(dframe, dframe.from_pandas(pdf, npartitions=npartitions))
            if isinstance(result, dframe.Series):
                result.to_pandas()
        assert str(raised.value) == str(error)
        return
    _same(expected, op(dframe, dframe.from_pandas(pdf, npartitions=npartitions)))


def test_every_partition_has_the_same_categories(sync):
    from dframe.execution import lower

    s = dframe.from_pandas(frame(), npartitions=7).x
    for binned in (dframe.cut(s, 4), dframe.qcut(s, 3)):
        parts = lower.collect_partitions(binned._plan)
        assert len(parts) == 7
        assert all(p.dtype == binned.dtype for p in parts)
        assert len(binned.dtype.categories) in (3, 4)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, d: lib.cut(pd.Series([1.0, 2.0, 3.0]), 2),
        lambda lib, d: lib.cut(d.assign(t=pd.Timestamp("2024-01-01")).t, 2),
        lambda lib, d: d.assign(o=pd.Series([1, 2.5] * 15 + [3], dtype=object, index=d.index))
        .o.value_counts(bins=2),
    ],
)
def test_other_inputs_run_on_pandas_with_the_warning(call, sync):
    pdf = frame()
    with pytest.warns(dframe.PandasFallbackWarning):
        result = call(dframe, dframe.from_pandas(pdf, npartitions=3))
    assert_same(call(pd, pdf), result)
