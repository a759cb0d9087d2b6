"""One module per schema revision; see `jts.storage.migrate` for how they are run."""
