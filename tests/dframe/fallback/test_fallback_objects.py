"""pandas' deferred objects handed out by a fallback (GroupBy, Resampler, windows, chunked
readers) come back as ``FallbackObject``s: what is computed from them is dframe objects equal
to pandas' results, and each method warns once."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import PandasFallbackWarning
from dframe.fallback import FallbackObject
from tests.dframe.conftest import assert_same, make_frame

pytestmark = [
    pytest.mark.timeout(60),
    # Warnings a test checks are checked with pytest.warns; the others are expected.
    pytest.mark.filterwarnings("ignore::dframe.fallback.PandasFallbackWarning"),
]


def _frames(npartitions: int = 3) -> tuple[pd.DataFrame, dframe.DataFrame]:
    pdf = make_frame().assign(k=lambda d: np.arange(len(d)) % 3)
    return pdf, dframe.from_pandas(pdf, npartitions=npartitions)


def _is_dframe(value) -> bool:
    return isinstance(value, dframe.DataFrame | dframe.Series)


def test_groupby_resample_returns_dframe_objects(executor):
    pdf, df = _frames()
    pdf, df = pdf[["k", "a", "b", "t"]], df[["k", "a", "b", "t"]]
    # Still pandas' job (each group resampled over its own range): a FallbackObject.
    resampler = df.groupby("k").resample("2D", on="t")
    assert isinstance(resampler, FallbackObject)
    with pytest.warns(PandasFallbackWarning, match=r"ResamplerGroupBy\.sum") as record:
        result = resampler.sum()
    assert record[0].filename == __file__  # points at the user's line
    assert _is_dframe(result)
    assert_same(pdf.groupby("k").resample("2D", on="t").sum(), result)
    # A selection is deferred too; its aggregation is a dframe Series.
    assert_same(
        pdf.groupby("k").resample("2D", on="t")["a"].mean(),
        df.groupby("k").resample("2D", on="t")["a"].mean(),
    )


def _fallback_warnings(fn):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = fn()
    names = [
        str(w.message).split()[0]
        for w in record
        if issubclass(w.category, PandasFallbackWarning)
    ]
    return result, names


def test_one_warning_per_operation():
    pdf, df = _frames()
    pdf, df = pdf[["a", "b"]], df[["a", "b"]]

    def key(i):  # a function key: pandas' groupby
        return i % 2

    # The GroupBy handed out a window: its method is what ran on pandas, and says so once.
    result, names = _fallback_warnings(lambda: df.groupby(key).rolling(2).sum())
    assert names == ["RollingGroupBy.sum"]
    assert_same(pdf.groupby(key).rolling(2).sum(), result)
    assert _fallback_warnings(lambda: df.groupby(key).rolling(2).sum())[1] == []
    assert _fallback_warnings(lambda: df.groupby(key).rolling(2).mean())[1] == [
        "RollingGroupBy.mean"
    ]
    # ``Series.ewm`` warned when it took the data: the window's methods are part of it.
    # (an ewm's agg of several functions is not split)
    result, names = _fallback_warnings(lambda: df.b.ewm(span=3).agg(["mean", "std"]))
    assert names == ["Series.ewm"]
    assert_same(pdf.b.ewm(span=3).agg(["mean", "std"]), result)
    assert _fallback_warnings(lambda: df.b.ewm(span=3).agg(["sum"]))[1] == []


@pytest.mark.parametrize(
    "op",
    [
        lambda s: s.ewm(span=3).corr(s * 2),  # (with another frame: pandas)
        lambda s: s.ewm(alpha=0.5, adjust=False).agg(["mean", "var"]),
        lambda s: s.rolling(3, min_periods=1, step=2).sum(),  # (win_type= needs scipy)
        lambda s: s.rolling(3, center=True).apply(
            lambda w: w.max() - w.min(), raw=True
        ),
        lambda s: s.expanding(2).agg(["sum", "max"]),
    ],
    ids=["ewm_corr_other", "ewm_agg", "rolling_step", "rolling_apply", "expanding_agg"],
)
def test_window_fallbacks_return_dframe_objects(sync, op):
    pdf, df = _frames()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PandasFallbackWarning)
        result = op(df[["a", "b"]])
    assert isinstance(result, dframe.DataFrame)
    assert_same(op(pdf[["a", "b"]]), result)


def test_frame_ewm_and_time_span_rolling(sync):
    pdf, df = _frames()
    with pytest.warns(PandasFallbackWarning):
        result = df[["a", "b"]].ewm(halflife=2).cov(df[["b", "a"]])  # (another frame: pandas)
    assert_same(pdf[["a", "b"]].ewm(halflife=2).cov(pdf[["b", "a"]]), result)
    indexed, pindexed = df.set_index("t"), pdf.set_index("t")
    with pytest.warns(PandasFallbackWarning):  # a centred time span: pandas
        result = indexed.b.rolling("3D", center=True).sum()
    assert_same(pindexed.b.rolling("3D", center=True).sum(), result)


def test_fallback_groupby_objects(sync):
    pdf, df = _frames()
    pdf, df = pdf[["k", "a", "b"]], df[["k", "a", "b"]]
    with pytest.warns(PandasFallbackWarning, match=r"DataFrameGroupBy\.corrwith"):
        assert_same(pdf.groupby("k").corrwith(pdf.b), df.groupby("k").corrwith(df.b))

    def key(i):  # a function key: pandas' groupby
        return i % 2

    with pytest.warns(PandasFallbackWarning, match=r"RollingGroupBy\.sum"):
        result = df.groupby(key).rolling(2).sum()
    assert _is_dframe(result)
    assert_same(pdf.groupby(key).rolling(2).sum(), result)
    with pytest.warns(PandasFallbackWarning, match=r"ExpandingGroupBy\.max"):
        result = df.groupby(key).b.expanding().max()
    assert_same(pdf.groupby(key).b.expanding().max(), result)
    with pytest.warns(PandasFallbackWarning, match=r"DataFrameGroupBy\.cov"):
        assert_same(pdf.groupby(key).cov(), df.groupby(key).cov())


def test_groupby_attributes_are_values_not_methods(sync):
    pdf, df = _frames()
    for gb, pgb in [
        (df.groupby("k"), pdf.groupby("k")),
        (df.groupby(pdf.k.to_numpy()), None),
    ]:
        pgb = pgb if pgb is not None else pdf.groupby(pdf.k.to_numpy())
        with pytest.warns(PandasFallbackWarning, match=r"DataFrameGroupBy\.groups"):
            groups = gb.groups
        assert {k: list(v) for k, v in groups.items()} == {
            k: list(v) for k, v in pgb.groups.items()
        }
        assert {k: list(v) for k, v in gb.indices.items()} == {
            k: list(v) for k, v in pgb.indices.items()
        }
        from dframe import fallback

        fallback.reset_warnings()
    with pytest.raises(AttributeError, match="no_such_method"):
        _ = df.groupby(lambda i: i % 2).no_such_method


@pytest.mark.parametrize("native", [True, False])
def test_iteration_yields_dframe_objects(sync, native):
    pdf, df = _frames()
    key = "k" if native else (lambda i: i % 3)
    expected = list(pdf.groupby(key))
    if native:
        result = list(df.groupby(key))
    else:
        with pytest.warns(PandasFallbackWarning, match=r"GroupBy\.__iter__"):
            result = list(df.groupby(key))
    assert [k for k, _ in result] == [k for k, _ in expected]
    for (_, got), (_, want) in zip(result, expected, strict=True):
        assert isinstance(got, dframe.DataFrame)
        assert_same(want, got)


# Partitions do not keep an index's freq (pandas will compare it in assert_index_equal).
@pytest.mark.filterwarnings("ignore:assert_index_equal will check the 'freq'")
def test_resampler_iteration(sync):
    pdf, df = _frames()
    pindexed, indexed = pdf.set_index("t")[["a", "b"]], df.set_index("t")[["a", "b"]]
    for resampler, expected in [
        (indexed.resample("3D"), pindexed.resample("3D")),  # native Resampler
        (  # a MultiIndex level: pandas' Resampler
            df.set_index(["t", "k"]).resample("3D", level="t"),
            pdf.set_index(["t", "k"]).resample("3D", level="t"),
        ),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PandasFallbackWarning)
            pairs = list(resampler)
        want = list(expected)
        assert len(want) > 1
        assert [k for k, _ in pairs] == [k for k, _ in want]
        for (_, got), (_, rows) in zip(pairs, want, strict=True):
            assert isinstance(got, dframe.DataFrame)
            assert_same(rows, got)


def test_pipe_hands_out_dframe_objects(sync):
    pdf, df = _frames()
    pdf, df = pdf[["k", "a", "b"]], df[["k", "a", "b"]]
    seen = []

    def spread(gb, column):
        seen.append(gb)
        return gb[column].max() - gb[column].min()

    assert_same(pdf.groupby("k").pipe(spread, "b"), df.groupby("k").pipe(spread, "b"))
    assert (
        type(seen[-1]).__name__ == "DataFrameGroupBy"
        and seen[-1].__module__ == "dframe.groupby.api"
    )
    with pytest.warns(PandasFallbackWarning):
        result = df.groupby(lambda i: i % 2).pipe((spread, "gb"), column="a")
    assert isinstance(seen[-1], FallbackObject)
    assert_same(pdf.groupby(lambda i: i % 2).pipe((spread, "gb"), column="a"), result)


def test_chunked_reader(sync, tmp_path):
    pdf, _ = _frames()
    path = tmp_path / "data.csv"
    pdf[["a", "b", "s"]].to_csv(path, index=False)
    with pytest.warns(PandasFallbackWarning, match="pandas.read_csv"):
        reader = dframe.read_csv(path, chunksize=5)
    expected = list(pd.read_csv(path, chunksize=5))
    with reader:
        chunks = list(reader)
    assert len(chunks) == len(expected) == 3
    for got, want in zip(chunks, expected, strict=True):
        assert isinstance(got, dframe.DataFrame)
        assert_same(want, got)


def test_helper_objects_and_plain_values(sync):
    pdf, df = _frames()
    rolling = df.groupby(lambda i: i % 2).b.rolling(2)
    assert repr(rolling) == repr(pdf.groupby(lambda i: i % 2).b.rolling(2))
    assert "sum" in dir(rolling)
    assert rolling.window == 2  # a plain value stays a plain value
    assert bool(rolling)
    gb = df.groupby(lambda i: i % 2)
    assert len(gb) == 2
