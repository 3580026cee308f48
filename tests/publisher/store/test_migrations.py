from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from publisher.store import Store
from publisher.store.models import Base
from tests.support.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
    else:
        with postgres_database() as url:
            yield url


def test_migrations_build_exactly_the_models_schema(database_url: str):
    store = Store(database_url)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        assert {"articles", "subscribers", "lists", "subscriptions", "campaigns", "outbox"} <= set(
            inspect(store.engine).get_table_names()
        )
    finally:
        store.dispose()


def test_opening_twice_is_a_no_op(database_url: str):
    Store(database_url).dispose()
    Store(database_url).dispose()


def test_the_schema_heads_constant_names_every_branch_head():
    # Store checks the database against SCHEMA_HEADS with one SELECT instead of importing alembic.
    from alembic.script import ScriptDirectory

    from publisher.store.session import SCHEMA_HEADS, _alembic_config

    assert set(ScriptDirectory.from_config(_alembic_config()).get_heads()) == SCHEMA_HEADS
