"""File readers and writers. Each module inspects files on the driver (schema, sizes) and
provides the per-partition read function that runs inside tasks."""
