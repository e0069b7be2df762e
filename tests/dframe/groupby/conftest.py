"""Both per-partition kernels of the tree reduction (``groupby_kernel``: Arrow's hash aggregation
and pandas' groupby) pass the parity tests that reduce by tree.

Only those tests run twice: the others (shuffles, windows, describe, value_counts ...) never
reach the chunk, and doubling the whole groupby suite would add about three CPU-minutes to CI.
With ``split_out=4`` (hash shuffle) the kernel is irrelevant, so that half runs once.
"""

from __future__ import annotations

import pytest

from dframe import config as options

# test function -> it aggregates by tree (as well as other things): run it under both kernels
# (test_aggregations and test_resample give each operation both kernels themselves, in turn
# over the partition counts.)
BOTH_KERNELS = {
    "test_runtime_aggregations",
    "test_keys_from_series_and_levels",
    "test_empty_partitions_and_frames",
    "test_named_aggregation_takes_the_tree_reduction",
    "test_unobserved_categories_fill_every_selected_column",
    "test_time_zones_and_sorted_data",
    "test_empty_frames",
}


@pytest.fixture(autouse=True)
def groupby_kernel(request):
    """The kernel a test runs with: a parameter for ``BOTH_KERNELS``, else the default."""
    kernel = getattr(request, "param", options.get("groupby_kernel"))
    with options.override(groupby_kernel=kernel):
        yield kernel


def pytest_generate_tests(metafunc):
    if metafunc.function.__name__ in BOTH_KERNELS:
        metafunc.parametrize("groupby_kernel", ["arrow", "pandas"], indirect=True)


def pytest_collection_modifyitems(config, items):
    keep, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        shuffled = (params.get("split_out") or 1) > 1
        (dropped if shuffled and params.get("groupby_kernel") == "arrow" else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
