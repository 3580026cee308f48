"""Alembic environment: runs on the connection publisher.store.session.migrate hands over."""

from alembic import context
from sqlalchemy import create_engine

from publisher.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` run by hand: PUBLISHER_DATABASE_URL via the settings
        from publisher.config import Settings

        engine = create_engine(Settings().resolved_database_url)
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()


run_migrations_online()
