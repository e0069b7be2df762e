"""The logical plan: immutable nodes (``node``, ``sources``, ``nodes``), their metadata rules
(``meta``), positional helpers (``positional``) and ``wrap``, the one way from a plan up to the
façade's DataFrame and Series."""
