"""Operations that hand the data back in another shape or answer one question about all of it:
``select_dtypes``, ``equals``, ``to_dict``, iteration (``itertuples``, ``iterrows``, ``items``,
a Series' values) and ``transpose`` of narrow frames.

Iteration is compared as the list it yields: rows as plain tuples (a namedtuple's class is made
per call, so pandas' and dframe's are different classes with the same fields).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.registry import (
    Draw,
    call,
    is_frame,
    is_series,
    op,
    opt,
    r,
    small,
)

SELECTORS = [
    "'number'",
    "'object'",
    "'str'",
    "'bool'",
    "'datetime'",
    "'category'",
    "'timedelta'",
    "np.number",
    "'int64'",
    "'float64'",
    "['number', 'bool']",
    "['datetime', 'str']",
]


def _frame_or_series(d: Any) -> bool:
    return isinstance(d, pd.DataFrame | pd.Series)


@op("select_dtypes", is_frame)
def _select_dtypes(draw: Draw, d: pd.DataFrame) -> str:
    include = opt(draw, *SELECTORS)
    exclude = opt(draw, *SELECTORS)
    if include is None and exclude is None and draw(st.integers(0, 5)):
        include = draw(st.sampled_from(SELECTORS))
    return call("d.select_dtypes", include=include, exclude=exclude)


@op("equals", _frame_or_series, weight=2)
def _equals(draw: Draw, d: Any) -> str:
    forms = [
        "d.equals(d)",
        "d.equals(d.copy())",
        "d.equals(d.iloc[::-1])",
        "d.equals(d.iloc[1:])",
        "d.equals(d.head(len(d)))",  # the same rows, partitions cut otherwise
        "d.equals(d.sort_index(kind='stable'))",
        "d.equals(d.fillna(0))",
        "d.equals(d.reset_index(drop=True))",
        "d.equals(d.astype(object))",
        "d.equals(1)",
    ]
    if is_frame(d):
        forms += ["d.equals(other)", "d.equals(d[list(d.columns[::-1])])"]
    else:
        forms += ["d.equals(d.to_frame())", "d.equals(d.rename('other'))"]
    return draw(st.sampled_from(forms))


@op("to_dict", lambda d: _frame_or_series(d) and small(d, 300), weight=2)
def _to_dict(draw: Draw, d: Any) -> str:
    into = opt(draw, "OrderedDict")
    into_code = None if into is None else "__import__('collections').OrderedDict"
    if is_series(d):
        return call("d.to_dict", into=into_code)
    orient = opt(draw, "dict", "list", "series", "split", "tight", "records", "index")
    index = opt(draw, False) if orient in ("split", "tight") else None
    return call("d.to_dict", r(orient), into=into_code, index=index)


@op("iterate", lambda d: _frame_or_series(d) and small(d, 300), weight=2)
def _iterate(draw: Draw, d: Any) -> str:
    if is_series(d):
        return draw(st.sampled_from(["list(d)", "list(d.items())", "[v for v in d][:3]"]))
    index = "" if opt(draw, False) is None else "index=False, "
    forms = [
        f"list(d.itertuples({index}name=None))",
        f"[tuple(row) for row in d.itertuples({index.rstrip(', ')})]",
        "[row._fields for row in d.itertuples(name='Row')][:1]",
        "list(d.iterrows())",
        "list(d.items())",
        "next(d.iterrows(), None)",
    ]
    return draw(st.sampled_from(forms))


@op("transpose", lambda d: _frame_or_series(d) and small(d, 60), weight=2)
def _transpose(draw: Draw, d: Any) -> str:
    return draw(st.sampled_from(["d.T", "d.transpose()", "d.T.T"]))
