"""Alembic migration scripts (a package so that they are installed with JTS)."""
