"""Persistence: SQLAlchemy tables, Alembic migrations and repositories behind the ports."""
