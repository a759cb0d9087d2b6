"""Rows <-> domain objects. Rows are storage shapes; nothing outside `jts.storage` sees them."""
