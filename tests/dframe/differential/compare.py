"""Running a case on dframe and comparing with pandas: results (values, dtypes, index, order,
floats to 1e-9), exception types, that the input frame is left unchanged, and (counted, or
failing under DFRAME_DIFF_STRICT_META=1) that dframe's dtypes before computing match the data.
Fallback warnings are allowed and counted per operation."""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import dframe
from tests.dframe.differential.chains import Case, other_partitions
from tests.dframe.differential.registry import run_step

STRICT_METADATA = os.environ.get("DFRAME_DIFF_STRICT_META", "") not in ("", "0")


@dataclass
class Stats:
    """What the runs did, for the summary printed after the tests."""

    steps: Counter[str] = field(default_factory=Counter)  # op -> steps run on dframe
    fallback_steps: Counter[str] = field(default_factory=Counter)  # op -> steps that warned
    fallback_names: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    chains: Counter[str] = field(default_factory=Counter)  # test -> chains
    pandas_errors: Counter[str] = field(default_factory=Counter)  # exception class -> chains
    seconds: Counter[str] = field(default_factory=Counter)
    metadata: Counter[str] = field(default_factory=Counter)  # last op -> metadata mismatches
    metadata_examples: dict[str, str] = field(default_factory=dict)
    # test -> digest of the chains drawn: the same seed must draw the same chains, alone or
    # inside the whole suite (if not, something global leaks into the generator)
    drawn: dict[str, Any] = field(default_factory=lambda: defaultdict(hashlib.sha256))

    def summary(self) -> list[str]:
        lines = [
            "dframe differential test: "
            + ", ".join(
                f"{k}: {v} chains ({self.seconds[k]:.0f} s running them on dframe)"
                for k, v in sorted(self.chains.items())
            ),
            "digest of the chains drawn: "
            + ", ".join(f"{k} {h.hexdigest()[:12]}" for k, h in sorted(self.drawn.items())),
            "chains where pandas raised (dframe must raise the same): "
            + (", ".join(f"{k} {v}" for k, v in self.pandas_errors.most_common()) or "none"),
            (
                "PandasFallbackWarning per op (steps that warned / steps run; dframe warns once "
                "per method per test, so later steps of an op that fell back before are not "
                "counted):"
            ),
        ]
        for name, count in self.fallback_steps.most_common():
            methods = ", ".join(f"{m} ({c})" for m, c in self.fallback_names[name].most_common())
            lines.append(f"  {name}: {count}/{self.steps[name]}  {methods}")
        quiet = sorted(set(self.steps) - set(self.fallback_steps))
        lines.append(f"  ops with no fallback ({len(quiet)}): {', '.join(quiet)}")
        total = sum(self.metadata.values())
        lines.append(
            f"results whose dtypes as dframe knew them before computing differ from the computed "
            f"data: {total}"
            + (f" (by last op: {dict(self.metadata.most_common())})" if total else "")
        )
        return lines


STATS = Stats()


def collect(value: Any) -> Any:
    if isinstance(value, dframe.DataFrame | dframe.Series):
        return value.to_pandas()
    return value


def metadata(value: Any) -> Any:
    """What a dframe object says about its data before computing it (columns and dtypes)."""
    if isinstance(value, dframe.DataFrame):
        return list(value.columns), list(value.dtypes)
    if isinstance(value, dframe.Series):
        return value.name, value.dtype
    return None


def data_metadata(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return list(value.columns), list(value.dtypes)
    if isinstance(value, pd.Series):
        return value.name, value.dtype
    return None


def same_metadata(a: Any, b: Any) -> bool:
    if a is None or b is None or len(a) != len(b):
        return a is b
    labels_a, labels_b = a[0], b[0]
    if isinstance(labels_a, list):
        same_labels = pd.Index(labels_a, dtype=object).equals(pd.Index(labels_b, dtype=object))
    else:
        same_labels = labels_a == labels_b or (
            pd.api.types.is_scalar(labels_a) and pd.isna(labels_a) and pd.isna(labels_b)
        )
    return bool(same_labels) and a[1] == b[1]


def run_dframe(case: Case, npartitions: int) -> tuple[Any, Any]:
    """The chain on dframe (under the executor configured by the caller), collected; and the
    result's metadata (columns and dtypes) as dframe knew it before computing."""
    pdf, other_pdf = case.inputs()
    pristine = pdf.copy(deep=True)
    df = dframe.from_pandas(pdf, npartitions=npartitions)
    other = dframe.from_pandas(other_pdf, npartitions=other_partitions(npartitions))
    d: Any = df
    for step in case.steps:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            d = run_step(step.code, d, dframe, other)
        STATS.steps[step.op] += 1
        fallbacks = [w for w in caught if issubclass(w.category, dframe.PandasFallbackWarning)]
        if fallbacks:
            STATS.fallback_steps[step.op] += 1
            for w in fallbacks:
                STATS.fallback_names[step.op][str(w.message).split(" ", 1)[0]] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        meta = metadata(d)
        result = collect(d)
    pd.testing.assert_frame_equal(pdf, pristine, obj="the input frame (dframe changed it)")
    return result, meta


def assert_equivalent(expected: Any, result: Any, check_index_type: bool | str = "equiv") -> None:
    """dframe's collected result equals pandas': values, dtypes, index, order; floats to 1e-9."""
    if isinstance(expected, pd.DataFrame):
        assert isinstance(result, pd.DataFrame), type(result)
        pd.testing.assert_frame_equal(
            result, expected, check_exact=False, rtol=1e-9, check_index_type=check_index_type
        )
    elif isinstance(expected, pd.Series):
        assert isinstance(result, pd.Series), type(result)
        pd.testing.assert_series_equal(
            result, expected, check_exact=False, rtol=1e-9, check_index_type=check_index_type
        )
    elif isinstance(expected, pd.Index):
        assert isinstance(result, pd.Index), type(result)
        pd.testing.assert_index_equal(result, expected, exact=check_index_type)
    elif isinstance(expected, np.ndarray):
        assert isinstance(result, np.ndarray), type(result)
        assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
        if expected.dtype.kind in "fc":  # floats to a relative 1e-9, as in the frames
            np.testing.assert_allclose(result, expected, rtol=1e-9, equal_nan=True)
        else:
            np.testing.assert_array_equal(result, expected)
    elif isinstance(expected, pd.api.extensions.ExtensionArray):
        assert isinstance(result, pd.api.extensions.ExtensionArray), type(result)
        pd.testing.assert_extension_array_equal(result, expected)
    elif isinstance(expected, tuple | list):
        assert type(result) is type(expected) and len(result) == len(expected), (result, expected)
        for e, g in zip(expected, result, strict=True):
            assert_equivalent(e, g)
    elif isinstance(expected, dict):  # to_dict: keys in order, then values, NaN equal to NaN
        assert type(result) is type(expected), (type(result), type(expected))
        assert_equivalent(list(expected), list(result))
        for e, g in zip(expected.values(), result.values(), strict=True):
            assert_equivalent(e, g)
    else:
        # Python and NumPy scalars of one kind (int and np.int64, say) count as the same type.
        assert scalar_kind(result) == scalar_kind(expected), (type(result), type(expected))
        if expected is pd.NA or expected is pd.NaT or expected is None:
            assert result is expected, (result, expected)
        elif isinstance(expected, float | np.floating) and np.isnan(expected):
            assert np.isnan(result), result
        elif isinstance(expected, float | np.floating):
            assert math.isclose(result, expected, rel_tol=1e-9, abs_tol=1e-12), (result, expected)
        else:
            assert result == expected, (result, expected)


def scalar_kind(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool
    if isinstance(value, int | np.integer):
        return int
    if isinstance(value, float | np.floating):
        return float
    return type(value)


def check(case: Case, npartitions: int, executor: str) -> None:
    """Run ``case`` on dframe and compare with pandas' outcome, with a repro on failure."""
    try:
        result, meta = run_dframe(case, npartitions)
    except Exception as error:  # any error: compared with pandas'
        if case.error is not None and isinstance(error, type(case.error)):
            return
        expected = f"raises {type(case.error).__name__}: {case.error}" if case.error else "no error"
        script = case.script(npartitions, executor)
        msg = f"dframe raised {type(error).__name__}: {error}\npandas: {expected}\n\n{script}"
        raise AssertionError(msg) from error
    if case.error is not None:
        msg = (
            f"pandas raised {type(case.error).__name__}: {case.error}\ndframe returned "
            f"{type(result).__name__}\n\n{case.script(npartitions, executor)}"
        )
        raise AssertionError(msg)
    try:
        assert_equivalent(case.expected, result)
    except AssertionError as error:
        script = case.script(npartitions, executor)
        msg = f"{error}\n\npandas:\n{case.expected!r}\ndframe:\n{result!r}\n\n{script}"
        raise AssertionError(msg) from None
    if meta is not None and not same_metadata(meta, data_metadata(result)):
        # Not part of pandas' API as such (``d.dtypes`` is, and is compared when drawn): counted
        # and shown in the summary; DFRAME_DIFF_STRICT_META=1 makes it a failure.
        msg = (
            f"dframe's metadata (before computing) disagrees with its data: {meta} != "
            f"{data_metadata(result)}\n\n{case.script(npartitions, executor)}"
        )
        key = case.steps[-1].op if case.steps else "-"
        STATS.metadata[key] += 1
        STATS.metadata_examples.setdefault(key, msg)
        if STRICT_METADATA:
            raise AssertionError(msg)
