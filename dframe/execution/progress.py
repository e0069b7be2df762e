"""A progress bar for long computations.

A computation that is still running ``progress_delay`` seconds after it started shows a
``tqdm.auto`` bar (a widget in Jupyter, text on stderr in a terminal) counting its partition tasks
as they complete; a short one shows nothing. ``dframe.options.progress = False`` turns bars off.

Executors report to a ``Tracker`` through their ``listeners`` list: the sync executor runs a task
inside ``submit`` and reports it done at once; the runtime executor reports each submitted
``ObjectRef``, and ``Tracker.wait`` then watches them complete with the backend's ``wait``.
Refs are dropped as soon as they are seen complete, so tracking keeps no partition alive longer
than the tasks that read it do.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

from dframe import config


def _make_bar(total: int | None, initial: int) -> Any:
    try:
        from tqdm.auto import tqdm

        return tqdm(total=total, initial=initial, unit="task", desc="dframe", leave=False)
    except ImportError:
        # tqdm.auto picked the notebook bar but ipywidgets is missing: fall back to text.
        from tqdm import tqdm as text_tqdm

        return text_tqdm(
            total=total, initial=initial, unit="task", desc="dframe", leave=False, file=sys.stderr
        )


class Tracker:
    """Counts the tasks of one computation and shows a bar once it has run long enough."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.start = time.monotonic()
        self.submitted = 0
        self.done = 0
        self.pending: list[Any] = []
        self.bar: Any = None

    # -- reports from executors ------------------------------------------------------------------

    def task_submitted(self, handles: Any) -> None:
        refs = handles if isinstance(handles, list) else [handles]
        self.submitted += 1
        # A task with several returns completes when its first return does.
        self.pending.append(refs[0])

    def task_finished(self) -> None:
        self.submitted += 1
        self._advance(1, total=None)

    # -- the bar ---------------------------------------------------------------------------------

    def _advance(self, n: int, total: int | None) -> None:
        self.done += n
        if self.bar is None:
            if time.monotonic() - self.start < self.delay:
                return
            self.bar = _make_bar(total, self.done)
            self.bar.refresh()
            return
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(n)

    def wait(self, backend: Any) -> None:
        """Block until every reported task of the runtime has completed, updating the bar."""
        pending, self.pending = self.pending, []
        while pending:
            elapsed = time.monotonic() - self.start
            if self.bar is None and elapsed < self.delay:
                # Until the bar is due, one call waits for everything (or for the delay).
                timeout = self.delay - elapsed
                ready, pending = backend.wait(pending, num_returns=len(pending), timeout=timeout)
            else:
                ready, pending = backend.wait(pending, num_returns=1, timeout=0.5)
            self._advance(len(ready), total=self.submitted)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextlib.contextmanager
def tracking(executor: Any) -> Iterator[Tracker | None]:
    """Report ``executor``'s tasks to a new ``Tracker`` inside the block (None when progress bars
    are off or the executor cannot report)."""
    listeners = getattr(executor, "listeners", None)
    if not config.get("progress") or listeners is None:
        yield None
        return
    tracker = Tracker(float(config.get("progress_delay")))
    listeners.append(tracker)
    try:
        yield tracker
    finally:
        listeners.remove(tracker)
        tracker.close()
