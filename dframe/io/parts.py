"""A directory of part files: which paths mean "write one file per partition", their names, and
the files a reader finds in a directory or a glob.

pandas writes one file. dframe does too, unless the path asks for parts, as dask and Spark
spell it: a path ending in "/" (or naming an existing directory) gets ``part-00000.<ext>``,
``part-00001.<ext>`` ...; a path with one ``*`` (``out/part-*.parquet``) gets the ``*`` replaced by
the zero-padded partition number, so the files sort in row order. Each partition is written by
its own task, in parallel, and never passes through the driver.
"""

from __future__ import annotations

import glob
import os
from typing import Any


def is_parts_path(path: Any) -> bool:
    if not isinstance(path, str | os.PathLike):
        return False
    text = os.fspath(path)
    return text.endswith(("/", os.sep)) or os.path.isdir(text) or "*" in os.path.basename(text)


def part_paths(path: Any, count: int, ext: str) -> list[str]:
    """The file names of ``count`` parts (the directory is created)."""
    text = os.fspath(path)
    width = max(5, len(str(count - 1)))
    if "*" in os.path.basename(text):
        directory, pattern = os.path.split(text)
        if pattern.count("*") != 1:
            msg = f"a parts path has one '*' (replaced by the partition number), got {text!r}"
            raise ValueError(msg)
        names = [pattern.replace("*", f"{i:0{width}d}") for i in range(count)]
    else:
        directory = text
        names = [f"part-{i:0{width}d}.{ext}" for i in range(count)]
    if directory:
        os.makedirs(directory, exist_ok=True)
    return [os.path.join(directory, n) for n in names]


def list_files(path: Any, ext: str) -> list[str]:
    """Files a reader reads for ``path``: a list as given, a glob's matches, a directory's
    visible ``*.<ext>`` files (any visible file if none has that extension), else the path."""
    if isinstance(path, list | tuple):
        return [os.fspath(p) for p in path]
    text = os.fspath(path)
    if any(ch in text for ch in "*?["):
        return sorted(glob.glob(text))
    if os.path.isdir(text):
        visible = [
            f
            for f in sorted(os.listdir(text))
            if not f.startswith((".", "_")) and os.path.isfile(os.path.join(text, f))
        ]
        chosen = [f for f in visible if f.endswith(f".{ext}")] or visible
        return [os.path.join(text, f) for f in chosen]
    return [text]
