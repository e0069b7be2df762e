"""The façade: ``DataFrame`` and ``Series`` (``frame``, ``series``), what they share
(``collection``), their accessors, indexing, element-wise values, summaries, distinct values,
alignment of operands from different sources, display, info, interop and ``concat``.

A façade object holds one thing, a plan; families (groupby, merge, sort, reshape, window) attach
their methods to these classes, so nothing here imports a family.
"""
