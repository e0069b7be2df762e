"""How many groups a partition holds, estimated from a sample: what decides between a tree
reduction (few groups: partial aggregates are small) and a hash shuffle (many groups).

The share of distinct keys in a sample says little about the partition: a 100k-row sample of a
2.5M-row partition with 100k equally frequent keys sees ~63k distinct keys (63 %), yet the
partition's partial aggregate is only 4 % of its rows. The sample's frequency profile says
more: keys seen once (f1) and twice (f2) give Chao's estimate of the unseen ones,
``d + f1² / (2 f2)`` — a lower bound that is close for the near-uniform keys groupbys meet, and
that grows to the partition's row count when the keys look unique (every sampled key seen once).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SAMPLE_ROWS = 100_000


def estimate_groups(keys: pd.DataFrame, rows: int) -> int:
    """Estimated distinct rows of ``keys``, a sample of a partition of ``rows`` rows.

    >>> keys = pd.DataFrame({"k": np.arange(1000) % 10})
    >>> estimate_groups(keys, 1_000_000)
    10
    """
    if len(keys) == 0:
        return 0
    # Rows hashed to one uint64 each: one vectorized pass, whatever the key columns' dtypes
    # (categoricals by their codes: hashing them hashes every category).
    coded = [j for j, d in enumerate(keys.dtypes) if isinstance(d, pd.CategoricalDtype)]
    if coded:
        keys = keys.copy(deep=False)
        for j in coded:
            keys.isetitem(j, keys.iloc[:, j].cat.codes)
    hashes = pd.util.hash_pandas_object(keys, index=False).to_numpy()
    counts = np.unique(hashes, return_counts=True)[1]
    distinct = len(counts)
    if len(keys) >= rows:
        return distinct  # the sample is the partition
    f1, f2 = int((counts == 1).sum()), int((counts == 2).sum())
    if f1 == 0:
        return distinct
    if f2 == 0:
        return rows  # every key seen once: as good as unique
    return int(min(rows, distinct + f1 * f1 / (2 * f2)))


def sample_rows(part: pd.DataFrame, size: int = SAMPLE_ROWS) -> pd.DataFrame:
    """Evenly spaced rows: the first rows of a sorted file would see one key."""
    if len(part) <= size:
        return part
    return part.iloc[np.linspace(0, len(part) - 1, size).astype(np.int64)]
