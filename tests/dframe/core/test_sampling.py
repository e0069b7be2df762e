"""``DataFrame.sample`` / ``Series.sample`` run natively with pandas' semantics.

dframe's draw is its own (pandas' cannot be reproduced by parts), so these tests check
properties: for a seed, the same rows in the same order at every partitioning; pandas' sizes,
errors and dtypes; rows (labels and values) of the input; no repeats without replacement; zero
weights never drawn; weights and uniformity respected in distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dframe
from dframe import config
from dframe.core.sampling import uniforms
from dframe.execution.executors import SyncExecutor

from tests.dframe.conftest import (
    NPARTITIONS,
    assert_same,
    make_frame,
    on_executors,
    product_on_executors,
)

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]


def _frame(n: int = 31) -> pd.DataFrame:
    pdf = make_frame(n)
    pdf["id"] = np.arange(n)  # identifies a row whatever its label
    pdf["w"] = np.where(np.arange(n) % 4 == 0, 0.0, np.arange(n) % 5 + 0.5)
    pdf.loc[3, "w"] = np.nan  # a missing weight counts as zero
    return pdf


# Labels: default, shuffled strings, duplicated ints.
def _labelled(kind: str) -> pd.DataFrame:
    pdf = _frame()
    if kind == "str":
        pdf.index = pd.Index([f"r{i}" for i in np.random.default_rng(1).permutation(len(pdf))])
    elif kind == "dup":
        pdf.index = pd.Index(np.arange(len(pdf)) // 3)
    return pdf


CALLS = {
    "n": dict(n=7),
    "frac": dict(frac=0.45),
    "all": dict(frac=1.0),
    "replace": dict(n=40, replace=True),
    "frac_up": dict(frac=1.6, replace=True),
    "weights": dict(n=6, weights="w"),
    "weights_replace": dict(n=25, weights="w", replace=True),
    "ignore_index": dict(n=9, ignore_index=True),
}


def _reference(pdf: pd.DataFrame, call: dict) -> pd.DataFrame:
    with config.override(executor=SyncExecutor()):
        return dframe.from_pandas(pdf, npartitions=1).sample(**call, random_state=11).to_pandas()


def _check_rows(pdf: pd.DataFrame, out: pd.DataFrame, call: dict) -> None:
    """``out`` holds rows of ``pdf`` (labels and values), pandas' dtypes, no repeats unless
    ``replace``, no zero weight."""
    assert list(out.dtypes) == list(pdf.dtypes)
    positions = out["id"].to_numpy()
    source = pdf.iloc[positions]
    if call.get("ignore_index"):
        pd.testing.assert_index_equal(out.index, pd.RangeIndex(len(out)), exact=True)
        source = source.reset_index(drop=True)
    assert_same(source, out)
    if not call.get("replace"):
        assert len(set(positions)) == len(positions)
    if "weights" in call:
        assert (pdf["w"].fillna(0).to_numpy()[positions] > 0).all()


@product_on_executors(labels=["range", "str", "dup"], name=list(CALLS))
def test_same_rows_for_a_seed_at_every_partitioning(executor, npartitions, name, labels):
    pdf = _labelled(labels)
    call = CALLS[name]
    out = dframe.from_pandas(pdf, npartitions=npartitions).sample(**call, random_state=11)
    expected_size = len(pdf.sample(**call, random_state=0))  # pandas' size
    result = out.to_pandas()
    assert len(result) == expected_size == len(out)
    _check_rows(pdf, result, call)
    assert_same(_reference(pdf, call), result)


@on_executors()
def test_series_sample(executor, npartitions):
    pdf = _frame()
    s = dframe.from_pandas(pdf["s"], npartitions=npartitions)
    out = s.sample(frac=0.5, random_state=5).to_pandas()
    assert len(out) == len(pdf["s"].sample(frac=0.5, random_state=5))
    assert out.dtype == pdf["s"].dtype and out.name == "s"
    assert_same(pdf["s"].loc[out.index], out)
    ref = dframe.from_pandas(pdf["s"], npartitions=1).sample(frac=0.5, random_state=5)
    assert_same(ref.to_pandas(), out)
    t = dframe.from_pandas(pdf["t"], npartitions=npartitions)
    times = t.sample(n=5, replace=True, random_state=5, ignore_index=True).to_pandas()
    assert times.dtype == pdf["t"].dtype and times.index.equals(pd.RangeIndex(5))


@on_executors()
def test_weights_as_a_series_from_another_source_and_as_a_list(executor, npartitions):
    pdf = _labelled("str")
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    # pandas aligns a Series by label: labels it lacks weigh nothing, extra labels are ignored
    w = pdf["w"].iloc[::-1].iloc[:-5]
    w = pd.concat([w, pd.Series([100.0], index=["extra"])])
    other = dframe.from_pandas(w, npartitions=3)
    for weights in (other, w, pdf["w"].tolist(), pdf["w"].to_numpy()):
        out = df.sample(n=5, weights=weights, random_state=2).to_pandas()
        _check_rows(pdf, out, {})
        if isinstance(weights, dframe.Series | pd.Series):
            aligned = w.reindex(pdf.index).fillna(0)
        else:
            aligned = pd.Series(pdf["w"].fillna(0).to_numpy(), index=pdf.index)
        assert (aligned.loc[out.index] > 0).all()
        ref = dframe.from_pandas(pdf, npartitions=1).sample(n=5, weights=weights, random_state=2)
        assert_same(ref.to_pandas(), out)


@on_executors()
def test_random_state_kinds(executor, npartitions):
    pdf = _frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    one = df.sample(n=5, random_state=np.random.default_rng(3)).to_pandas()
    assert_same(one, df.sample(n=5, random_state=np.random.default_rng(3)).to_pandas())
    two = df.sample(n=5, random_state=np.random.RandomState(3)).to_pandas()
    assert_same(two, df.sample(n=5, random_state=np.random.RandomState(3)).to_pandas())
    rng = np.random.default_rng(3)
    first, second = df.sample(n=5, random_state=rng), df.sample(n=5, random_state=rng)
    assert not first.to_pandas().index.equals(second.to_pandas().index)  # the state advanced
    np.random.seed(4)
    three = df.sample(n=5).to_pandas()
    np.random.seed(4)
    assert_same(three, df.sample(n=5).to_pandas())  # None: numpy's global state, as pandas
    _check_rows(pdf, three, {})


@on_executors([1, 3, 7])
def test_empty_frames(executor, npartitions):
    pdf = _frame().iloc[:0]
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    assert_same(pdf.sample(n=0), df.sample(n=0))
    assert_same(pdf.sample(frac=0.5, random_state=1), df.sample(frac=0.5, random_state=1))
    assert_same(pdf.sample(frac=0.5, ignore_index=True), df.sample(frac=0.5, ignore_index=True))
    full = dframe.from_pandas(_frame(), npartitions=npartitions)
    assert_same(_frame().sample(n=0), full.sample(n=0))
    calls = (dict(n=1), dict(n=1, replace=True), dict(n=1, random_state=np.random.default_rng()))
    for call in calls:
        with pytest.raises(ValueError) as expected:
            pdf.sample(**call)
        with pytest.raises(ValueError) as got:
            df.sample(**call)
        assert str(got.value) == str(expected.value)


ERRORS = [
    dict(n=32),
    dict(n=32, random_state=np.random.default_rng(0)),
    dict(n=2, frac=0.5),
    dict(n=-1),
    dict(n=1.5),
    dict(frac=-0.1),
    dict(frac=1.5),
    dict(weights="nope"),
    dict(n=2, weights=[1.0] * 3),
    dict(n=2, weights="w", random_state=-1),
    dict(n=2, weights=np.r_[np.inf, np.ones(30)]),
    dict(n=2, weights=np.r_[-1.0, np.ones(30)]),
    dict(n=2, weights=np.zeros(31)),
    dict(n=2, weights="s"),
    dict(n=30, weights="w"),
]


@pytest.mark.parametrize("call", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_like_pandas(sync, call):
    pdf = _frame()
    with pytest.raises(Exception) as expected:
        pdf.sample(**call)
    df = dframe.from_pandas(pdf, npartitions=3)
    with pytest.raises(type(expected.value)) as got:
        df.sample(**call)
    assert str(got.value) == str(expected.value)


def test_series_errors_like_pandas(sync):
    ps = _frame()["a"]
    s = dframe.from_pandas(ps, npartitions=3)
    for call in (dict(weights="a"), dict(n=40)):
        with pytest.raises(ValueError) as expected:
            ps.sample(**call)
        with pytest.raises(ValueError, match=str(expected.value)[:20]):
            s.sample(**call)


def test_draws_are_uniform_and_follow_the_weights(sync):
    # The keys: uniform on (0, 1), a function of position alone.
    u = uniforms(123, 0, 200_000)
    assert abs(u.mean() - 0.5) < 0.005 and 0 < u.min() and u.max() < 1
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 19_000
    assert (uniforms(123, 1000, 50) == u[1000:1050]).all()
    assert not (uniforms(124, 0, 50) == u[:50]).any()
    # Without replacement every row is equally likely first; with weights, in proportion.
    df = dframe.from_pandas(pd.DataFrame({"w": [1.0, 1.0, 2.0, 0.0]}), npartitions=2)
    plain = [int(df.sample(n=1, random_state=s).index[0]) for s in range(600)]
    assert min(np.bincount(plain, minlength=4)) > 100
    weighted = [int(df.sample(n=1, weights="w", random_state=s).index[0]) for s in range(600)]
    counts = np.bincount(weighted, minlength=4)
    assert counts[3] == 0 and 230 < counts[2] < 370
    many = df.sample(n=4000, weights="w", replace=True, random_state=1).index.to_numpy()
    share = np.bincount(many, minlength=4) / 4000
    np.testing.assert_allclose(share, [0.25, 0.25, 0.5, 0.0], atol=0.03)


@pytest.mark.parametrize("npartitions", NPARTITIONS)
def test_axis_one_falls_back(sync, npartitions):
    pdf = _frame()
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    with pytest.warns(dframe.PandasFallbackWarning):
        out = df.sample(n=2, axis=1, random_state=1)
    assert_same(pdf.sample(n=2, axis=1, random_state=1), out)
