"""``DataFrame.to_json`` / ``Series.to_json`` in every orient, one task per partition.

Each partition's text is pandas' own ``to_json`` of its rows; the driver only joins strings.
pandas' text of the frame without rows (the *template*, written from the frame's metadata) has
an empty array or object wherever rows go — a *slot*: the outer one (``records``, ``values``,
``index``), each column's (``columns``), the index's and the data's (``split``), the data's
(``table``). A partition's text is the template with its own rows in the slots; it hands back
what stands in each slot (checked against the template's fixed text around it), and the driver
fills each slot of the template with the partitions' pieces joined by commas (one per line with
``indent``), which is pandas' text of all the rows. JSON Lines is each partition's lines.

What depends on the whole frame is decided in the driver: pandas raises for repeated index
labels in the ``index`` and ``columns`` orients and names a table's primary key only for unique
labels, so the labels are gathered when the index is not the default one (the text of every
row comes back anyway); a table's schema comes from the frame's dtypes, and every partition
writes with it (pandas' own ``JSONTableWriter`` with the schema given). Files, buffers,
compression and ``mode`` are pandas' own handling (``get_handle``) of the joined text. A
partition whose text does not fit (its dtypes are not the metadata's: the levels of a
MultiIndex, inferred from their values) makes pandas write the collected frame.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import pandas as pd
from pandas.io.common import get_handle
from pandas.io.json._json import JSONTableWriter
from pandas.io.json._normalize import convert_to_line_delimits

from dframe import fallback
from dframe.algebra.rows import index_of
from dframe.execution import lower

# -- templates and slots ---------------------------------------------------------------------------


def _point(text: str, opening: int) -> int:
    """Where pieces go in the empty array or object opening at ``opening``: after its bracket
    and, with ``indent``, its first line end (pandas writes an empty one as ``[\\n\\n  ]``)."""
    after = opening + 1
    return after + 1 if text.startswith("\n", after) else after


def _fill(template: str, points: list[int], pieces: list[list[str]], indent: bool) -> str:
    """``template`` with each slot's pieces (those with rows) joined as pandas writes them."""
    joiner = ",\n" if indent else ","
    out, start = [], 0
    for point, slot in zip(points, pieces, strict=True):
        out += [template[start:point], joiner.join(p for p in slot if p)]
        start = point
    out.append(template[start:])
    return "".join(out)


class _Mismatch(RuntimeError):
    """A partition's text is not the template with rows in the slots: its dtypes are not the
    ones the frame's metadata says (the levels of a MultiIndex inferred from their values);
    then pandas writes the collected frame."""


_MISMATCH = "to_json: a partition's text does not fit the frame's"


def _cut(text: str, template: str, point: int, shift: int = 0, previous: int = 0) -> str:
    """What ``text`` holds in the slot at ``point`` of ``template``; ``shift`` characters stand
    in the slots before it, the last of them at ``previous`` (the text before that is the
    caller's to check)."""
    end = len(text) - (len(template) - point)
    fits = (
        end >= point + shift
        and text.startswith(template[previous:point], previous + shift)
        and text.startswith(template[point:], end)
    )
    if not fits:
        raise _Mismatch(_MISMATCH)
    return text[point + shift : end]


# strings (with their escapes) and brackets: what decides where a JSON array ends
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _slot_end(text: str, point: int) -> int:
    """Where the array or object whose slot starts at ``point`` closes."""
    depth = 0
    for match in _TOKENS.finditer(text, point):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            if depth == 0:
                return match.start()
            depth -= 1
    raise ValueError("unbalanced JSON text")  # (pandas' own text: never)


# -- what each partition writes --------------------------------------------------------------------


def _quiet() -> Any:
    """pandas' warnings (an epoch date format) were shown at the call, not once per part."""
    return warnings.catch_warnings(action="ignore")


class Pieces:
    """Task body: a partition's ``to_json`` text cut into what stands in the template's slots.

    ``kind``: "whole" (one slot), "columns" (one per column, each column written alone),
    "split" (the index's, known from the text of the index alone, then the data's) or "table"
    (the data's, written with the whole frame's ``schema``)."""

    def __init__(
        self,
        kind: str,
        options: dict[str, Any],
        template: str,
        points: list[int],
        extra: Any = None,
    ) -> None:
        self.kind, self.options, self.template, self.points = kind, options, template, points
        self.extra = extra

    def __call__(self, part: Any) -> list[str]:
        with _quiet():
            if self.kind == "columns":
                return [
                    _cut(part.iloc[:, [j]].to_json(None, **self.options), template, point)
                    for j, (template, point) in enumerate(self.extra)
                ]
            if self.kind == "table":
                return [_cut(self._table(part), self.template, self.points[0])]
            text = part.to_json(None, **self.options)
            if self.kind == "whole":
                return [_cut(text, self.template, self.points[0])]
            return self._split(part, text)

    def _split(self, part: Any, text: str) -> list[str]:
        if len(self.points) == 1:  # (index=False: the data alone)
            return [_cut(text, self.template, self.points[0])]
        first, second = self.points
        labels_template, labels_point = self.extra
        if not text.startswith(self.template[:first]):
            raise _Mismatch(_MISMATCH)
        labels = pd.DataFrame(index=part.index).to_json(None, **self.options)
        try:
            index = _cut(labels, labels_template, labels_point)
            if not text.startswith(index, first):
                raise _Mismatch(_MISMATCH)
        except _Mismatch:
            # (the index written alone differs from the frame's: found by its brackets)
            closing = self.template.index("]", first) - first  # (the line end before "]")
            index = text[first : _slot_end(text, first) - closing]
        return [index, _cut(text, self.template, second, len(index), first)]

    def _table(self, part: Any) -> str:
        schema, options = self.extra
        frame = part.to_frame(name=part.name or "values") if part.ndim == 1 else part
        writer = JSONTableWriter(frame, **options)
        if writer.schema["fields"] != schema["fields"]:
            raise _Mismatch(_MISMATCH)
        writer.schema = schema
        return writer.write()

    def __repr__(self) -> str:
        return f"to_json({self.kind})"


class _Lines:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def __call__(self, part: Any) -> str:
        if not len(part):
            return ""  # (pandas writes "\n" for no rows; the frame's text says it once)
        with _quiet():
            return part.to_json(None, **self.options)

    def __repr__(self) -> str:
        return "to_json(lines)"


# -- the driver ------------------------------------------------------------------------------------


def _table_options(options: dict[str, Any]) -> dict[str, Any]:
    """``JSONTableWriter``'s arguments for ``to_json(orient="table", **options)``, defaults as
    ``NDFrame.to_json`` and ``pandas.io.json.to_json`` fill them in."""
    index = options.get("index")
    return {
        "orient": "table",
        "date_format": options.get("date_format") or "iso",
        "double_precision": options.get("double_precision", 10),
        "ensure_ascii": options.get("force_ascii", True),
        "date_unit": options.get("date_unit", "ms"),
        "index": True if index is None else index,
        "default_handler": options.get("default_handler"),
        "indent": options.get("indent") or 0,
    }


def _unique_index(obj: Any, mat: Any) -> bool:
    if obj._plan.range_index:
        return True
    ex = mat.executor
    indexes = ex.get([ex.submit(index_of, h) for h in mat.handles])
    full = [ix for ix in indexes if len(ix)]
    return not full or full[0].append(full[1:]).is_unique


def _plan(obj: Any, mat: Any, options: dict[str, Any]) -> tuple[Pieces, str, list[int]]:
    """What each partition writes, and the template and slots the driver fills."""
    meta = obj._meta
    orient = options.get("orient") or ("columns" if meta.ndim == 2 else "index")
    checked = ("index", "columns") if meta.ndim == 2 else ("index",)
    if orient in checked and not _unique_index(obj, mat):
        kind = "DataFrame" if meta.ndim == 2 else "Series"
        dot = "." if meta.ndim == 2 else ""
        msg = f"{kind} index must be unique for orient='{orient}'{dot}"
        raise ValueError(msg)
    template = meta.to_json(None, **options)
    if orient == "table":
        table = _table_options(options)
        frame = meta.to_frame(name=meta.name or "values") if meta.ndim == 1 else meta
        writer = JSONTableWriter(frame, **table)
        if table["index"] and not _unique_index(obj, mat):
            writer.schema.pop("primaryKey", None)
        template = writer.write()
        points = [_point(template, template.rindex("["))]
        return Pieces("table", options, template, points, (writer.schema, table)), template, points
    if orient == "split":
        points = [_point(template, template.rindex("["))]
        if options.get("index") is False:
            return Pieces("split", options, template, points), template, points
        key = '"index":['
        points.insert(0, _point(template, template.rindex(key) + len(key) - 1))
        labels = pd.DataFrame(index=meta.index).to_json(None, **options)
        labels_point = _point(labels, labels.rindex(key) + len(key) - 1)
        fn = Pieces("split", options, template, points, (labels, labels_point))
        return fn, template, points
    if orient == "columns" and meta.ndim == 2:
        return _columns_plan(meta, options, template)
    points = [_point(template, 0)]  # (records, values, index: one entry per row)
    return Pieces("whole", options, template, points), template, points


def _columns_plan(
    meta: Any, options: dict[str, Any], template: str
) -> tuple[Pieces, str, list[int]]:
    """``orient="columns"``: a slot per column, found in the template by writing each column's
    template alone (the same text, in order)."""
    indent = bool(options.get("indent"))
    columns = []
    points = []
    start = _point(template, 0)
    for j in range(meta.shape[1]):
        alone = meta.iloc[:, [j]].to_json(None, **options)
        point = _point(alone, alone.rindex("{"))
        outer, closing = _point(alone, 0), 2 if indent else 1
        segment = alone[outer : len(alone) - closing]
        if not template.startswith(segment, start):
            raise _Mismatch(_MISMATCH)  # (a column's text alone is not its text in the frame)
        columns.append((alone, point))
        points.append(start + point - outer)
        start += len(segment) + (2 if indent else 1)
    return Pieces("columns", options, template, points, columns), template, points


def _text(obj: Any, options: dict[str, Any]) -> str:
    mat = lower.compute(obj._plan)
    ex = mat.executor
    lines = options.get("lines")
    if lines and not options.get("indent"):
        texts = ex.get([ex.submit(_Lines(options), h) for h in mat.handles])
        return "".join(texts) or "\n"
    if lines:
        # (indented records: pandas' lines are cut from the whole text, at top-level commas)
        options = {k: v for k, v in options.items() if k != "lines"}
    with _quiet():
        fn, template, points = _plan(obj, mat, options)
    pieces = ex.get([ex.submit(fn, h) for h in mat.handles])
    by_slot = [list(slot) for slot in zip(*pieces, strict=True)] or [[] for _ in points]
    text = _fill(template, points, by_slot, bool(options.get("indent")))
    return convert_to_line_delimits(text) if lines else text


def to_json(obj: Any, path_or_buf: Any = None, **kwargs: Any) -> str | None:
    """JSON text (or a file) identical to pandas' ``to_json``, written partition by
    partition."""
    # pandas' errors and warnings for the arguments, at the call (also for no rows)
    obj._known_meta().to_json(None, **kwargs)
    compression = kwargs.pop("compression", "infer")
    storage_options = kwargs.pop("storage_options", None)
    mode = kwargs.pop("mode", "w")
    try:
        text = _text(obj, kwargs)
    except _Mismatch:
        options = {**kwargs, "compression": compression, "mode": mode}
        if storage_options is not None:
            options["storage_options"] = storage_options
        return fallback.call_method(obj, "to_json", (path_or_buf,), options)
    if path_or_buf is None:
        return text
    with get_handle(
        path_or_buf, mode, compression=compression, storage_options=storage_options
    ) as handles:
        handles.handle.write(text)
    return None
