"""``to_datetime``/``to_timedelta``/``to_numeric`` of dframe objects match pandas, natively.

pandas guesses a format from the column's first value and refuses mixed UTC offsets: cases put
that first value and the offending ones in different partitions.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import assert_same, on_executors, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
    pytest.mark.filterwarnings("ignore:Could not infer format:UserWarning"),
]

DATETIMES = {
    "iso dates": (["2024-01-02", None, "2024-03-04", "2024-05-06", "NaT"], {}),
    "formats differ": (["2024-01-02", None, "2024-03-04", "2024-05-06 10:00", "NaT"], {}),
    "dayfirst": (["02/01/2024", "03/04/2024", None, "13/05/2024"], {"dayfirst": True}),
    "coerce": (["2024-01-02", "x", "2024-03-04"], {"errors": "coerce"}),
    "bad value": (["2024-01-02", "x", "2024-03-04"], {}),
    "format": (["2024-01-02", "2024-03-04"] * 3, {"format": "%Y-%m-%d"}),
    "mixed": (["Jan 2 2024", "2024-03-04"] * 3, {"format": "mixed"}),
    "month names": (["Jan 2 2024", "Feb 3 2024"] * 3, {}),
    "one offset": (["2024-01-02 10:00+01:00", "2024-01-03 10:00+01:00"] * 2, {}),
    "offsets differ": (["2024-01-02 10:00+01:00", "2024-01-03 10:00+01:00", "2024-01-04 10:00+02:00"], {}),
    "utc": (["2024-01-02 10:00+01:00", "2024-01-03 10:00+02:00", "2024-01-04 10:00+01:00"], {"utc": True}),
    "iso8601 ns": (["2024-01-02 10:00:00.123456789", "2024-01-03"] * 2, {"format": "ISO8601"}),
    "no values": ([], {}),
    "all missing": ([None, None], {}),
}


def _outcome(fn):
    try:
        result = fn()
        return result.to_pandas() if hasattr(result, "to_pandas") else result
    except (ValueError, TypeError) as error:
        return type(error)


@product_on_executors([1, 2, 3, 7], case=DATETIMES)
def test_to_datetime_of_strings(executor, npartitions, case):
    values, kwargs = DATETIMES[case]
    s = pd.Series(values, dtype=object, name="when")
    d = dframe.from_pandas(s, npartitions=npartitions)
    expected = _outcome(lambda: pd.to_datetime(s, **kwargs))
    result = _outcome(lambda: dframe.to_datetime(d, **kwargs))
    if isinstance(expected, type):
        assert isinstance(result, type) and issubclass(result, expected), result
    else:
        assert_same(expected, result)


@on_executors([1, 3, 40])
def test_to_datetime_of_numbers_parts_and_text(executor, npartitions):
    nums = pd.Series([1, 2, 3, None, 1_700_000_000])
    d = dframe.from_pandas(nums, npartitions=npartitions)
    assert_same(pd.to_datetime(nums, unit="s"), dframe.to_datetime(d, unit="s"))
    parts = pd.DataFrame({"year": [2020, 2021, 2022], "month": [1, 2, 3], "day": [4, 5, 6]})
    assert_same(pd.to_datetime(parts), dframe.to_datetime(dframe.from_pandas(parts, npartitions)))
    text = pd.Series(["2024-01-02", "2024-02-03", None] * 3, dtype="str")
    assert_same(pd.to_datetime(text), dframe.to_datetime(dframe.from_pandas(text, npartitions)))


@on_executors([1, 3, 40])
def test_to_timedelta_and_to_numeric(executor, npartitions):
    t = pd.Series(["1 day", "2 hours", None, "3s"])
    assert_same(pd.to_timedelta(t), dframe.to_timedelta(dframe.from_pandas(t, npartitions)))
    u = pd.Series(["1", "2.5", "x", None, "7"])
    du = dframe.from_pandas(u, npartitions)
    assert_same(pd.to_numeric(u, errors="coerce"), dframe.to_numeric(du, errors="coerce"))
    with pytest.raises(ValueError):
        dframe.to_numeric(du).to_pandas()
    v = pd.Series([1, 200, 3, 40_000])
    dv = dframe.from_pandas(v, npartitions)
    assert_same(pd.to_numeric(v, downcast="integer"), dframe.to_numeric(dv, downcast="integer"))
    assert_same(pd.to_numeric(v, downcast="float"), dframe.to_numeric(dv, downcast="float"))


def test_arguments_pandas_refuses_raise_at_the_call(sync):
    d = dframe.from_pandas(pd.Series(["2024-01-02"]), npartitions=1)
    with pytest.raises(ValueError):
        dframe.to_datetime(d, errors="sometimes")


def test_plain_values_are_pandas_own(sync):
    assert dframe.to_datetime("2024-01-02") == pd.Timestamp("2024-01-02")
    pd.testing.assert_index_equal(
        dframe.to_datetime(["2024-01-02"]), pd.to_datetime(["2024-01-02"])
    )
