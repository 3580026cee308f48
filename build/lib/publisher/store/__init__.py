"""The store: SQLAlchemy models, sessions and Alembic migrations."""

from publisher.store.session import Store

__all__ = ["Store"]
