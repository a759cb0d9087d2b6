"""Persistence: SQLAlchemy tables, Alembic migrations and repositories behind the ports.

Start with `Storage.open(url)` (SQLite file by default, PostgreSQL by URL); `jts.storage.migrate`
runs the migrations from code (``jts db upgrade``).
"""

from jts.storage.engine import make_engine
from jts.storage.storage import Storage

__all__ = ["Storage", "make_engine"]
