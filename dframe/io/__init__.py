"""File readers and writers. Each module inspects files on the driver (schema, sizes) and
provides the per-partition read function that runs inside tasks."""

from dframe.io.identity import FileChangedError

__all__ = ["FileChangedError"]
