"""A task that ends its worker's Python (sys.exit) fails that task only; the node lives on."""

from __future__ import annotations

import sys

import pytest

from runtime import exceptions

pytestmark = pytest.mark.timeout(60)


def test_sys_exit_in_task_fails_only_that_task(ray):
    @ray.remote(max_retries=0)
    def exits():
        sys.exit(3)

    @ray.remote
    def ok():
        return "ok"

    with pytest.raises(exceptions.RayError) as info:
        ray.get(exits.remote(), timeout=10)
    assert not isinstance(info.value, (exceptions.GetTimeoutError, exceptions.RaySystemError))
    assert ray.get(ok.remote(), timeout=10) == "ok"
