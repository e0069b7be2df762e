"""Chains: a case is two input frames and 1..4 steps drawn one at a time from the registry's
operations that apply to pandas' current result; pandas runs each step as it is drawn, so the
case carries pandas' outcome (a result or an exception)."""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from tests.dframe.differential.frames import Draw, build, frames, other_frames
from tests.dframe.differential.registry import (
    HISTORY,
    OPS,
    OTHER,
    Op,
    compiled_step,
    is_frame,
    kind_of,
    run_step,
)


@dataclass(frozen=True)
class Step:
    op: str
    code: str


@dataclass
class Case:
    """A frame, a second frame and a chain of steps, with pandas' outcome."""

    frame: str
    other: str
    steps: list[Step]
    npartitions: int = 1  # dframe's partitions for this case (the test may run more)
    expected: Any = None
    error: BaseException | None = None
    built: tuple[pd.DataFrame, pd.DataFrame] | None = field(default=None, repr=False)

    def inputs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Fresh copies of the two input frames."""
        if self.built is None:
            self.built = (build(self.frame), build(self.other))
        return self.built[0].copy(deep=True), self.built[1].copy(deep=True)

    def script(self, npartitions: int = 3, executor: str = "sync") -> str:
        body = "\n".join(
            "    " + line for step in self.steps for line in _as_statement(step.code).splitlines()
        )
        return (
            "import numpy as np, pandas as pd, dframe\nfrom numpy import nan, inf\n\n"
            f"pdf = {self.frame}\nother_pdf = {self.other}\n\n"
            f"def chain(d, lib, other):\n{body}\n    return d\n\n"
            "expected = chain(pdf, pd, other_pdf)\n"
            f"with dframe.config.override(executor={executor!r}):\n"
            f"    df = dframe.from_pandas(pdf, npartitions={npartitions})\n"
            "    other = dframe.from_pandas(other_pdf, "
            f"npartitions={other_partitions(npartitions)})\n"
            "    result = chain(df, dframe, other)\n"
            "    result = result.to_pandas() if hasattr(result, 'to_pandas') else result\n"
        )

    def __repr__(self) -> str:
        steps = "; ".join(s.op for s in self.steps)
        outcome = f"pandas raises {type(self.error).__name__}" if self.error else "ok"
        return f"Case<{steps} | {outcome}>\n{self.script(self.npartitions)}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # hypothesis' report of a falsifying example: the script, not the fields (a pandas
        # result of a void dtype cannot even be printed)
        printer.text(repr(self))


def _as_statement(code: str) -> str:
    return code if not compiled_step(code)[1] else f"d = {code}"


PARTITIONS = (1, 3, 7)


def other_partitions(npartitions: int) -> int:
    return max(1, (npartitions + 1) // 2)


def is_collection(value: Any) -> bool:
    return isinstance(value, pd.DataFrame | pd.Series)


@st.composite
def cases(draw: Draw, max_steps: int = 4) -> Case:
    """A frame and a chain of 1..max_steps operations, run on pandas as they are drawn."""
    frame, other = draw(frames()), draw(other_frames())
    case = Case(frame, other, [], npartitions=draw(st.sampled_from(PARTITIONS)))
    pdf, other_pdf = case.inputs()
    OTHER[:] = [other_pdf]
    HISTORY[:] = []
    d: Any = pdf
    widened = exploded = False
    for _ in range(draw(st.integers(1, max_steps))):
        if not is_collection(d):
            break
        applicable = [o for o in OPS.values() if _applies(o, d) for _ in range(o.weight)]
        if widened or exploded:
            # KNOWN: after these, the chain goes on only with selections and explode:
            # - int/bool columns a merge filled with missing values: said to stay int64/bool
            #   (what casts to the dtypes dframe states differs; melt, which gives its blocks
            #   the dtypes of their values, may follow), and an empty outer merge's int columns:
            #   said to be float64 (sum then gives Float64);
            # - exploded lists of strings: str data, but said to be object (a loc setitem
            #   then casts the column to object).
            ok = SELECTIONS | ({"melt"} if widened and not exploded else set())
            applicable = [o for o in applicable if o.name in ok]
        if not applicable:
            break
        chosen = draw(st.sampled_from(applicable))
        code = chosen.draw(draw, d)
        case.steps.append(Step(chosen.name, code))
        HISTORY.append(case.steps[-1])
        before = d
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = run_step(code, d, pd, other_pdf)
        except Exception as error:  # noqa: BLE001  # pandas' error is the expected outcome
            if _pandas_bug(error):
                case.steps.pop()
                HISTORY.pop()
                break
            case.error = error
            return case
        if _has_void(d):
            # KNOWN (a pandas bug): loc-setitem of "" into a new column of a frame without rows
            # makes a void-dtype (V0) column, which pandas itself cannot print or join; the chain
            # ends before that step.
            case.steps.pop()
            HISTORY.pop()
            d = before
            break
        if chosen.name in (
            "frame_corr", "series.corr_self", "groupby_corr", "frame_ewm", "series.ewm", "col.ewm",
            "frame_kendall", "series.corr_kendall", "frame_ewm_pairs", "series.ewm_pairs",
            "frame_ewm_times",
        ):
            # (sums of products and exponentially weighted moments agree with pandas' to 1e-9,
            # not to the last bit: an order taken from them afterwards, sort_values of two
            # equal covariances say, or a covariance of what should cancel to 0, may not)
            break
        if chosen.name == "meta":
            # (what it gives is pandas' and Python's on both sides, d.dtypes a pandas Series
            # of dtypes: nothing after it would run on dframe)
            break
        exploded = exploded or chosen.name in ("explode", "series.explode")
        if chosen.name in ("merge", "join") and is_frame(d):
            # (an empty result too: dframe says float64 for the int columns that did not match,
            # but with no rows pandas keeps int64)
            widened = widened or _widens(before, other_pdf, d) or not len(d)
    case.expected = d
    return case


def _pandas_bug(error: Exception) -> bool:
    """KNOWN (a pandas bug): pandas' internal error for what it otherwise answers with another
    one — comparing a str column with timedeltas after drop_duplicates/reset_index raises
    ValueError from the Arrow string array's constructor (TypeError otherwise); the chain ends
    before that step."""
    return isinstance(error, ValueError) and str(error).startswith(
        "ArrowStringArray requires a PyArrow (chunked) array"
    )


def _has_void(d: Any) -> bool:
    dtypes = d.dtypes if isinstance(d, pd.DataFrame) else [getattr(d, "dtype", None)]
    return any(isinstance(t, np.dtype) and t.kind == "V" for t in dtypes)


SELECTIONS = frozenset({"select", "project", "series.explode"})


def _widens(left: pd.DataFrame, right: pd.DataFrame, merged: pd.DataFrame) -> bool:
    """Whether a merge of ``left`` and ``right`` changed the kind of a column they had."""

    def base(label: Any) -> Any:
        return re.sub(r"_(x|y|l|r)$", "", label) if isinstance(label, str) else label

    kinds: dict[Any, set[str]] = defaultdict(set)
    for frame in (left, right):
        for label, dtype in zip(frame.columns, frame.dtypes, strict=True):
            kinds[base(label)].add(kind_of(dtype))
    return any(
        base(label) in kinds and kind_of(dtype) not in kinds[base(label)]
        for label, dtype in zip(merged.columns, merged.dtypes, strict=True)
    )


def _applies(o: Op, d: Any) -> bool:
    try:
        return bool(o.applies(d))
    except Exception:  # noqa: BLE001
        return False
