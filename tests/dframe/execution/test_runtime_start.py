"""dframe starts the runtime on first use when the program has not, and nothing outlives the
program."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.timeout(60)

PROGRAM = textwrap.dedent(
    """
    import dframe, runtime
    dframe.config.set(executor="runtime")
    assert not runtime.is_initialized()
    df = dframe.DataFrame({"a": range(10)}, npartitions=3)
    print(int(df[df.a > 4].a.sum()), runtime.is_initialized())
    """
)


def test_first_computation_starts_the_runtime_and_exit_cleans_up():
    import psutil

    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        capture_output=True,
        text=True,
        timeout=50,
        cwd=sys.path[0] or ".",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["35", "True"]
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if PROGRAM.strip()[:20] in " ".join(p.info["cmdline"] or [])
    ]
    assert not leftovers
