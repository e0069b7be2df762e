"""dframe.numpy: NumPy's API on chunked arrays computed in parallel — ``import dframe.numpy as np``.

``ndarray`` is a lazy plan over blocks held in the executor's object store (``array``); creation
(``creation``, ``random``), element-wise functions and every ufunc (``elementwise``) and
reductions (``reductions``) are native and run block by block, element-wise chains fused into
one task per block and reductions as tree reductions. NumPy's dtypes, scalar types, constants,
classes and submodules are NumPy's own objects (``dframe.numpy.float64 is numpy.float64``), and
its ufuncs too: called on a dframe array they dispatch back here (``__array_ufunc__``). Every
other NumPy function runs on NumPy over the collected arrays with one ``NumpyFallbackWarning``
(``fallback``).
"""

from __future__ import annotations

import types
from typing import Any

import numpy as _np

from dframe.numpy import (  # noqa: F401 - importing a module registers its functions
    creation,
    elementwise,
    indexing,
    npyio,
    products,
    protocols,
    random,
    reductions,
    scan,
    shapes,
)
from dframe.numpy import fallback as _fallback
from dframe.numpy.array import ndarray
from dframe.numpy.fallback import NumpyFallbackWarning
from dframe.numpy.registry import NATIVE as _NATIVE

rechunk = creation.rechunk
default_rng = random.default_rng

# Natively implemented NumPy functions, by NumPy's names (``dframe.numpy.sum``, ``zeros`` ...).
for _name in sorted(_NATIVE):
    if not _name.startswith("_") and hasattr(_np, _name):
        globals()[_name] = protocols.namespace_function(_name)

__all__ = ["NumpyFallbackWarning", "default_rng", "ndarray", "random", "rechunk"]
__all__.extend(sorted(n for n in _NATIVE if not n.startswith("_") and hasattr(_np, n)))


def __getattr__(name: str) -> Any:
    try:
        value = getattr(_np, name)
    except AttributeError:
        msg = f"module 'dframe.numpy' has no attribute {name!r} (nor has numpy)"
        raise AttributeError(msg) from None
    if isinstance(value, type | _np.ufunc | types.ModuleType) or not callable(value):
        return value  # dtypes, scalar types, classes, ufuncs, submodules, constants: NumPy's own
    return _fallback.function(name, value)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_np)))
