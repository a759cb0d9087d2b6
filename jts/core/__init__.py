"""The innermost layer: time, clocks, identifiers and errors. Standard library only."""
