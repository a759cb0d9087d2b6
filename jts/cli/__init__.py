"""The `jts` command."""
