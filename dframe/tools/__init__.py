"""Developer commands: ``python -m dframe.tools.coverage`` writes docs/coverage.md."""
