"""SQLAlchemy implementations of the repository ports (`jts.ports.repositories`)."""
