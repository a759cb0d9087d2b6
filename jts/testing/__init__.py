"""Fakes, builders and service fixtures shared by the tests (not used at run time)."""
