
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from publisher.store import Store
from publisher.store.models import Base
from publisher.store.partitions import is_outbox_partition
from publisher.store.session import _alembic_config


def test_migrations_build_exactly_the_models_schema(database_url: str):
    store = Store(database_url)
    try:
        with store.engine.connect() as conn:
            # The outbox's partitions (PostgreSQL, publisher.store.partitions) are made at run time, not by models.
            context = MigrationContext.configure(conn, opts={"include_name": _not_a_partition})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert {"articles", "subscribers", "lists", "subscriptions", "campaigns", "outbox"} <= set(
            inspect(store.engine).get_table_names()
        )
    finally:
        store.dispose()


def _not_a_partition(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and name is not None and is_outbox_partition(name))


def test_opening_twice_is_a_no_op(database_url: str):
    Store(database_url).dispose()
    Store(database_url).dispose()


def test_upgrading_drops_the_word_paused_from_stored_pause_reasons(database_url: str):
    """Issue 18 item 15: reasons are shown after "paused:", so those stored before 0010 lose their own "paused"."""
    engine = create_engine(database_url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
    old = {
        1: "paused by an operator",
        2: "paused: delivery cannot start as configured: no key",
        3: "paused after 10 consecutive connection failures; last: refused",
        4: "a reason of someone else's",
    }
    with engine.begin() as conn:
        for cid, reason in old.items():
            conn.execute(
                text(
                    "INSERT INTO campaigns (id, kind, state, subject, body_html, body_text, render_key, created_at,"
                    " pause_reason, failure_streak) VALUES (:id, 'email', 'paused', '', '', '', '', :at, :reason, 0)"
                ),
                {"id": cid, "at": "2026-01-01 00:00:00", "reason": reason},
            )
    engine.dispose()

    store = Store(database_url)  # opening the store migrates to the newest revision
    try:
        with store.engine.connect() as conn:
            reasons = dict(conn.execute(text("SELECT id, pause_reason FROM campaigns")).all())
    finally:
        store.dispose()
    assert reasons == {
        1: "by an operator",
        2: "delivery cannot start as configured: no key",
        3: "after 10 consecutive connection failures; last: refused",
        4: "a reason of someone else's",
    }


def test_the_schema_heads_constant_names_every_branch_head():
    # Store checks the database against SCHEMA_HEADS with one SELECT instead of importing alembic.
    from alembic.script import ScriptDirectory

    from publisher.store.session import SCHEMA_HEADS, _alembic_config

    assert set(ScriptDirectory.from_config(_alembic_config()).get_heads()) == SCHEMA_HEADS
