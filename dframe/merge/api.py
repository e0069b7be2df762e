"""``dframe.merge``, ``DataFrame.merge`` and ``DataFrame.join``: the arguments pandas takes,
checked as pandas checks them, turned into a ``nodes.Merge`` plan (broadcast or shuffle, chosen
by the sides' estimated sizes)."""


from __future__ import annotations

import math
import warnings
from collections.abc import Hashable
from typing import Any

import pandas as pd

from dframe import config, fallback
from dframe.algebra.elementwise import MethodCall
from dframe.execution import lower
from dframe.merge import index_join, whole_index
from dframe.merge.nodes import (
    _LEFT_UNIQUE,
    _RIGHT_UNIQUE,
    _VALIDATE,
    HOWS,
    TAG_L,
    TAG_R,
    Merge,
    Side,
    Spec,
    broadcastable,
    with_order,
)
from dframe.optimize.rules import toposort
from dframe.plan import meta as M
from dframe.plan import nodes as N
from dframe.plan.value_dtypes import SettleDtypes
from dframe.plan.wrap import DframeObject, attach, from_pandas, wrap_plan


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _is_label(key: Any) -> bool:
    return isinstance(key, Hashable) and not isinstance(key, tuple) and pd.api.types.is_scalar(key)


def _selectors(meta: pd.DataFrame, keys: list[Any], use_index: bool) -> list[tuple[str, Any]] | None:
    if use_index:
        return [("level", k) for k in range(meta.index.nlevels)]
    out = []
    for key in keys:
        if not _is_label(key) or key not in set(meta.columns):
            return None  # arrays, index level names: pandas decides
        out.append(("col", key))
    return out


def _same_codes(a: Any, b: Any) -> bool:
    """Both keys are categoricals whose codes mean the same values: the same categories in the
    same order (pandas' ``==`` of unordered dtypes ignores the order, the codes do not)."""
    if not (isinstance(a, pd.CategoricalDtype) and isinstance(b, pd.CategoricalDtype)):
        return False
    if a.ordered != b.ordered or a.categories is None or b.categories is None:
        return False
    ca, cb = a.categories, b.categories
    return ca is cb or (ca.dtype == cb.dtype and ca.equals(cb))


def _key_dtype(meta: pd.DataFrame, sel: tuple[str, Any]) -> Any:
    kind, ref = sel
    return meta[ref].dtype if kind == "col" else meta.index.get_level_values(ref).dtype


def _bytes(meta: pd.DataFrame, rows: int) -> float:
    """The size of ``rows`` rows like a sample row of ``meta``'s dtypes. A categorical column
    costs its codes per row and its categories once (they are stored once per column, not
    with every row: 10k categories counted per row made a 10k-row table look like 2 GB)."""
    sample = M.nonempty(meta, 2).copy(deep=False)
    if isinstance(sample, pd.Series):  # (a computed column below a frame's plan)
        sample = sample.to_frame()
    categories = 0
    for j, dtype in enumerate(sample.dtypes):
        if isinstance(dtype, pd.CategoricalDtype):
            categories += dtype.categories.memory_usage(deep=True)
            sample.isetitem(j, sample.iloc[:, j].cat.codes)
    per_row = max(1.0, float(sample.memory_usage(deep=True, index=True).sum()) / 2)
    return rows * per_row + categories


def estimate_bytes(plan: N.Node) -> float:
    """A size estimate of ``plan``'s result: known rows × a sample row, or its input bytes."""
    if plan.lengths is not None:
        return _bytes(plan.meta, sum(plan.lengths))
    # An upper bound from the sources below (a filter only shrinks them): computed partitions
    # (what read_* returns) by their rows, files and pandas data by their bytes.
    total = 0.0
    for node in toposort(plan):
        if isinstance(node, N.Materialized):
            if node.lengths is None:
                return math.inf
            total += _bytes(node.meta, sum(node.lengths))
        elif not node.inputs:
            total += float(lower._input_bytes(node))
    return total


def _choose(how: str, left: N.Node, right: N.Node, validate: Any) -> str:
    allowed = broadcastable(how, validate)
    if how == "cross":
        return "broadcast_right"
    forced = config.get("merge_strategy")
    if forced == "shuffle" or not allowed:
        return "shuffle"
    if forced not in ("auto", "broadcast"):
        msg = f"merge_strategy must be 'auto', 'broadcast' or 'shuffle', not {forced!r}"
        raise ValueError(msg)
    sizes = {"broadcast_right": estimate_bytes(right), "broadcast_left": estimate_bytes(left)}
    best = min(allowed, key=lambda s: sizes[s])  # broadcast the smaller side
    if forced == "broadcast":
        return best
    # The output keeps the other side's partitions: broadcasting the bigger side would size the
    # result by the smaller one (a left join of a small frame with a big one).
    other = {"broadcast_right": sizes["broadcast_left"], "broadcast_left": sizes["broadcast_right"]}
    if sizes[best] > other[best]:
        return "shuffle"
    return best if sizes[best] < config.get("merge_broadcast_bytes") else "shuffle"


def _to_frame(obj: Any) -> Any:
    if isinstance(obj, pd.Series | pd.DataFrame):
        obj = from_pandas(obj)
    if isinstance(obj, DframeObject) and isinstance(obj._meta, pd.Series):
        if obj._meta.name is None:
            msg = "Cannot merge a Series without a name"
            raise ValueError(msg)
        fn = MethodCall("to_frame")
        obj = obj._map(fn, meta=obj._meta.to_frame(), label="to_frame")
    return obj


def merge(
    left: Any,
    right: Any,
    how: str = "inner",
    on: Any = None,
    left_on: Any = None,
    right_on: Any = None,
    left_index: bool = False,
    right_index: bool = False,
    sort: bool = False,
    suffixes: Any = ("_x", "_y"),
    copy: Any = None,
    indicator: Any = False,
    validate: Any = None,
) -> Any:
    """``pandas.merge``: a database-style join of two frames, computed in parallel.

    Broadcasts a small side (``merge_broadcast_bytes``), else hash-shuffles both sides on the
    keys; the result equals pandas' in values, dtypes, index and row order.

    >>> import dframe
    >>> a = dframe.DataFrame({"k": [1, 2, 3], "x": [10, 20, 30]}, npartitions=2)
    >>> b = dframe.DataFrame({"k": [3, 1], "y": ["c", "a"]})
    >>> merge(a, b, on="k").to_pandas()
       k   x  y
    0  1  10  a
    1  3  30  c
    """
    options = dict(
        how=how, on=on, left_on=left_on, right_on=right_on, left_index=left_index,
        right_index=right_index, sort=sort, suffixes=suffixes, indicator=indicator,
    )  # fmt: skip
    left, right = _to_frame(left), _to_frame(right)
    lmeta, rmeta = left._meta, right._meta
    # pandas' own argument errors (MergeError, KeyError ...), at the user's line.
    if validate not in _VALIDATE:
        pd.merge(lmeta, rmeta, validate=validate, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # made-up sample values, not the user's
        sample, keys_checked_later = _sample(left._plan, right._plan, options)
    out_meta = sample.iloc[:0]
    node = _build(left, right, options, validate, out_meta)
    if node is None:
        fn = fallback.function("merge", pd.merge)
        extra = {} if copy is None else {"copy": copy}
        return fn(left, right, validate=validate, **extra, **options)
    if keys_checked_later or _dtypes_depend_on_matches(lmeta, rmeta, options, out_meta):
        node = SettleDtypes(node, agreed=True)  # (Finish unifies the partitions)
    result = wrap_plan(node)
    if validate in _LEFT_UNIQUE | _RIGHT_UNIQUE:
        # pandas raises MergeError at the call; so do we (the check needs the data).
        lower.partition_lengths(node)
    return result


def _stand_in(plan: N.Node) -> pd.DataFrame:
    return plan.meta if plan.known_empty else M.nonempty(plan.meta)


def _sample(lplan: N.Node, rplan: N.Node, options: dict[str, Any]) -> tuple[pd.DataFrame, bool]:
    """pandas' merge of stand-ins for the sides, and whether pandas' check of keys of unlike
    dtypes is left to the computation.

    pandas checks (and may reject) keys of different dtypes only when both sides have rows: a
    str key merges on an int key when a side is empty. A side known to have no rows stands in as
    it is; where pandas rejects the keys and a side's rows are not known (a filter may have
    emptied it), the sample is pandas' merge with that side empty, and the merge's tasks raise
    pandas' error if both sides turn out to have rows (see ``unlike_keys``)."""
    try:
        return pd.merge(_stand_in(lplan), _stand_in(rplan), **options), False
    except ValueError as err:
        unknown = [plan.lengths is None for plan in (lplan, rplan)]
        if not str(err).startswith("You are trying to merge on") or not any(unknown):
            raise
    if unknown[0]:
        return pd.merge(lplan.meta, M.nonempty(rplan.meta), **options), True
    return pd.merge(M.nonempty(lplan.meta), rplan.meta, **options), True


def _dtypes_depend_on_matches(
    lmeta: pd.DataFrame, rmeta: pd.DataFrame, options: dict[str, Any], out_meta: pd.DataFrame
) -> bool:
    """Whether the merge's dtypes depend on which rows find a match: a left merge whose every
    row matched keeps the right's int columns int64, one with a miss makes them float64. Seen
    by merging stand-ins with a side of no rows (no row matches) as well as with rows."""
    if options["how"] not in ("left", "right", "outer"):
        return False  # (inner and cross merges fill in no missing values)
    left, right = M.nonempty(lmeta), M.nonempty(rmeta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a, b in ((left, rmeta), (lmeta, right)):
            try:
                out = pd.merge(a, b, **options)
            except Exception:  # noqa: BLE001  # no answer from these stand-ins
                continue
            if list(out.dtypes) != list(out_meta.dtypes):
                return True
    return False


def _sorts(options: dict[str, Any], lmeta: pd.DataFrame, rmeta: pd.DataFrame) -> bool:
    """Whether ``sort=True`` sorts: pandas joins two indexes of different dtypes (str and int,
    int32 and int64) by casting both to a common dtype and joining again without ``sort``
    (``Index.join``), so the left (right) order stays."""
    if not options["sort"]:
        return False
    if options["left_index"] and options["right_index"]:
        li, ri = lmeta.index, rmeta.index
        if li.nlevels == 1 and ri.nlevels == 1 and li.dtype != ri.dtype:
            return False
    return True


def _build(
    left: Any, right: Any, options: dict[str, Any], validate: Any, out_meta: pd.DataFrame
) -> Merge | None:
    how = options["how"]
    lmeta, rmeta = left._meta, right._meta
    if how not in HOWS:
        return None
    one_sided = {(True, False): ("inner",), (False, True): ("inner", "left")}
    if how not in one_sided.get((options["left_index"], options["right_index"]), HOWS):
        # pandas labels rows the label-giving side lacks by position: not per partition.
        return None
    for meta in (lmeta, rmeta):
        if isinstance(meta.columns, pd.MultiIndex) or any(
            isinstance(c, str) and c.startswith("__dframe_") for c in meta.columns
        ):
            return None
    if how == "cross":
        lsel: list[tuple[str, Any]] = []
        rsel: list[tuple[str, Any]] = []
        kwargs = {"suffixes": options["suffixes"], "indicator": options["indicator"]}
    else:
        on, left_on, right_on = options["on"], options["left_on"], options["right_on"]
        li, ri = options["left_index"], options["right_index"]
        if on is None and left_on is None and right_on is None and not li and not ri:
            on = [c for c in lmeta.columns if c in set(rmeta.columns)]
        lkeys = _as_list(on if on is not None else left_on)
        rkeys = _as_list(on if on is not None else right_on)
        lsel_ = _selectors(lmeta, lkeys, li)
        rsel_ = _selectors(rmeta, rkeys, ri)
        if lsel_ is None or rsel_ is None or len(lsel_) != len(rsel_) or not lsel_:
            return None
        lsel, rsel = lsel_, rsel_
        kwargs = {
            "on": on,
            "left_on": left_on if on is None else None,
            "right_on": right_on if on is None else None,
            "left_index": li,
            "right_index": ri,
            "suffixes": options["suffixes"],
            "indicator": options["indicator"],
            "validate": validate,
        }
    ldt = [_key_dtype(lmeta, s) for s in lsel]
    rdt = [_key_dtype(rmeta, s) for s in rsel]
    normalize = tuple(a != b for a, b in zip(ldt, rdt, strict=True))
    same = tuple(_same_codes(a, b) for a, b in zip(ldt, rdt, strict=True))
    # Categoricals pandas calls equal (the same categories, maybe in another order) sort by the
    # left's codes, as pandas' merge recodes the right side into the left's categories.
    codes = tuple(
        isinstance(a, pd.CategoricalDtype) and a == b for a, b in zip(ldt, rdt, strict=True)
    )
    recode = tuple(a if c and not x else None for a, c, x in zip(ldt, codes, same, strict=True))
    by_keys = how == "outer" or (_sorts(options, lmeta, rmeta) and how != "cross")
    index_names, order_facts, whole_labels = None, False, False
    if options["left_index"] and options["right_index"] and how != "cross":
        # pandas decides the index's names and order for the whole indexes, not per partition
        lplan, rplan, sort = left._plan, right._plan, options["sort"]
        rule = index_join.rule(lplan, rplan, how, sort)
        if rule is not None:
            by_keys, index_names = bool(rule.by_keys), rule.names
            out_meta = out_meta.set_axis(out_meta.index.set_names(list(rule.names)))
            order_facts = index_join.needs_order_facts(lplan, rplan, how, sort)
        whole_labels = whole_index.applies(lmeta.index, rmeta.index)
        order_facts = order_facts and not whole_labels
    spec = Spec(
        how=how,
        kwargs=tuple(kwargs.items()),
        left=Side(TAG_L, tuple(lsel), normalize, None, codes, same),
        right=Side(TAG_R, tuple(rsel), normalize, None, codes, same, recode),
        order=(),
        nkeys_sorted=0,
        fresh_index=not (options["left_index"] or options["right_index"]) or how == "cross",
        strategy=_choose(how, left._plan, right._plan, validate),
        index_names=index_names,
        sort=bool(options["sort"]),
        order_facts=order_facts,
        whole_labels=whole_labels,
    )
    spec = with_order(spec, by_keys)
    return Merge(left._plan, right._plan, spec, out_meta)


def join(
    left: Any,
    other: Any,
    on: Any = None,
    how: str = "left",
    lsuffix: str = "",
    rsuffix: str = "",
    sort: bool = False,
    validate: Any = None,
    suffixes: Any = None,
) -> Any:
    """``DataFrame.join``: columns of ``other`` matched on its index (to ``left``'s index, or
    to the column(s) ``on``), as ``merge`` with the index on the right."""
    kwargs: dict[str, Any] = dict(on=on, how=how, sort=sort, validate=validate)
    if suffixes is not None:
        kwargs["suffixes"] = suffixes
        lsuffix, rsuffix = suffixes
    elif lsuffix or rsuffix:
        kwargs.update(lsuffix=lsuffix, rsuffix=rsuffix)
    if isinstance(other, list | tuple | dict):
        return fallback.call_method(left, "join", (other,), kwargs)
    other = _to_frame(other)
    # pandas' own errors (overlapping columns without suffixes ...).
    sample_l, sample_r = M.nonempty(left._meta), M.nonempty(other._meta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' deprecation of lsuffix is the user's to see
        expected = sample_l.join(sample_r, **kwargs)
    if how == "cross":
        return merge(left, other, how="cross", suffixes=(lsuffix, rsuffix), sort=sort,
                     validate=validate)  # fmt: skip
    if on is None:
        out = merge(left, other, how=how, left_index=True, right_index=True,
                    suffixes=(lsuffix, rsuffix), sort=sort, validate=validate)  # fmt: skip
    else:
        out = merge(left, other, how=how, left_on=on, right_index=True,
                    suffixes=(lsuffix, rsuffix), sort=sort, validate=validate)  # fmt: skip
    if not out._meta.columns.equals(expected.columns):
        fallback.warn("DataFrame.join")
        return fallback.wrap(left.to_pandas().join(fallback.to_pandas(other)[0], **kwargs))
    return out


@attach("DataFrame")
class FrameMergeMethods:
    def merge(self, right: Any, how: str = "inner", **kwargs: Any) -> Any:
        """Database-style join with ``right`` (see ``dframe.merge``), computed in parallel."""
        return merge(self, right, how=how, **kwargs)

    def join(self, other: Any, on: Any = None, how: str = "left", **kwargs: Any) -> Any:
        """Columns of ``other`` matched on its index (see ``pandas.DataFrame.join``)."""
        return join(self, other, on=on, how=how, **kwargs)
