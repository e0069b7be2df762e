"""``Series.str.split``/``rsplit(expand=True)`` run natively and match pandas: the width of the
longest split over all partitions, short rows padded as pandas pads them, pandas' dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import assert_same, on_executors, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

# The longest split sits in one partition; missing rows (None and NaN), empty strings.
TEXT = ["a b c", "d", None, "e f", None, "", "x y z w", np.nan, "q", "r s", "t", "u v w", "  "]
SERIES = {
    "object": pd.Series(TEXT, dtype=object),
    "str": pd.Series(TEXT, dtype="str", index=[f"k{i % 5}" for i in range(len(TEXT))]),
    "string": pd.Series(TEXT, dtype="string", name="text"),
    "str_python": pd.Series(TEXT, dtype=pd.StringDtype("python", na_value=np.nan)),
    "all_missing": pd.Series([None] * 4, dtype="str"),
    "object_missing": pd.Series([None, np.nan, None], dtype=object),
    "empty": pd.Series([], dtype="str"),
    "object_empty": pd.Series([], dtype=object),
}
CALLS = {
    "split": lambda s: s.str.split(expand=True),
    "split_n": lambda s: s.str.split(" ", n=1, expand=True),
    "split_regex": lambda s: s.str.split(r"\s+", regex=True, expand=True),
    "split_pat": lambda s: s.str.split("w", expand=True),
    "split_none_regex": lambda s: s.str.split(None, regex=True, expand=True),
    "rsplit": lambda s: s.str.rsplit(expand=True),
    "rsplit_n": lambda s: s.str.rsplit(n=1, expand=True),
}


@product_on_executors(data=list(SERIES), call=list(CALLS))
def test_split_expand_like_pandas(executor, npartitions, data, call):
    ps = SERIES[data]
    s = dframe.from_pandas(ps, npartitions=npartitions)
    assert_same(CALLS[call](ps), CALLS[call](s))


@on_executors([1, 3, 7])
def test_split_of_a_filtered_column_and_of_a_frame_column(executor, npartitions):
    pdf = pd.DataFrame({"s": SERIES["str"].to_numpy(), "a": np.arange(len(TEXT))})
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf.s[pdf.a > 5].str.split(expand=True), df.s[df.a > 5].str.split(expand=True))
    assert_same(pdf.s[pdf.a > 99].str.split(expand=True), df.s[df.a > 99].str.split(expand=True))
    # the columns, once known, are ordinary columns
    assert_same(pdf.s.str.split(expand=True)[1], df.s.str.split(expand=True)[1])


@on_executors([1, 7])
def test_split_without_expand_is_native(executor, npartitions):
    ps = SERIES["object"]
    s = dframe.from_pandas(ps, npartitions=npartitions)
    assert_same(ps.str.split(), s.str.split())
    assert_same(ps.str.rsplit(n=1, expand=False), s.str.rsplit(n=1, expand=False))


def test_errors_like_pandas(sync):
    ps = SERIES["str"]
    s = dframe.from_pandas(ps, npartitions=3)
    for call in (
        lambda x: x.str.split(expand=1),
        lambda x: x.str.split(n="a", expand=True),
        lambda x: x.str.split(3, expand=True),
    ):
        with pytest.raises(Exception) as expected:
            call(ps)
        with pytest.raises(type(expected.value), match=str(expected.value)[:30]):
            call(s)
    with pytest.raises(AttributeError):
        dframe.from_pandas(pd.Series([1, 2]), npartitions=2).str.split(expand=True)
