"""``value_counts`` of a categorical Series: every category (unobserved ones with 0), summed
over partitions, pandas' stable sort of ties; natively."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import dframe

from tests.dframe.conftest import assert_same, product_on_executors

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::dframe.PandasFallbackWarning"),
]

_RNG = np.random.default_rng(0)
_CATS = [f"c{i}" for i in range(30)]
SERIES = {
    "ties and unobserved": pd.Series(
        pd.Categorical(_RNG.choice(_CATS[:25] + [None], 200), categories=_CATS), name="x"
    ),
    "ordered": pd.Series(pd.Categorical(["b", "a", None, "a"], categories=["b", "a", "z"],
                                        ordered=True)),  # fmt: skip
    "no rows": pd.Series(pd.Categorical([], categories=["a", "b"])),
    "numbers": pd.Series(pd.Categorical(_RNG.choice([1, 2, 3], 50))),
}
FLAGS = list(itertools.product([False, True], [True, False], [False, True], [True, False]))


@product_on_executors(case=SERIES)
def test_categorical_value_counts(executor, npartitions, case):
    s = SERIES[case]
    d = dframe.from_pandas(s, npartitions=npartitions)
    for normalize, sort, ascending, dropna in FLAGS:
        options = {"normalize": normalize, "sort": sort, "ascending": ascending, "dropna": dropna}
        assert_same(s.value_counts(**options), d.value_counts(**options))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_counts_of_a_cut(sync, npartitions):
    x = pd.Series(_RNG.normal(size=100))
    d = dframe.from_pandas(x, npartitions=npartitions)
    assert_same(pd.cut(x, 10).value_counts(), dframe.cut(d, 10).value_counts())
