"""Alembic environment: runs on the connection publisher.store.session.migrate hands over."""

from alembic import context
from sqlalchemy import create_engine

from publisher.store.models import Base
from publisher.store.partitions import is_outbox_partition

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
        include_name=_not_a_partition,
    )
    context.run_migrations()


def _not_a_partition(name, type_, _parent_names) -> bool:
    # The outbox's partitions on PostgreSQL (publisher.store.partitions) are made at run time, not by models.
    return not (type_ == "table" and name is not None and is_outbox_partition(name))


run_migrations_online()
