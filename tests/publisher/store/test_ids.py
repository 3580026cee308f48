"""Ids are never reused: an erased subscriber's id (and every link that names it) goes to nobody else."""

from __future__ import annotations

import sqlite3

from alembic import command
from sqlalchemy import create_engine, text

from publisher.privacy import erase_subscriber
from publisher.store import Store
from publisher.store.session import _alembic_config
from publisher.subscribers import NewSubscriber, add_to_list


def _ids(store: Store) -> dict[str, int]:
    with store.session() as session:
        return dict(session.execute(text("SELECT email, id FROM subscribers")).all())


def test_the_next_subscriber_never_gets_an_erased_subscribers_id(any_store: Store):
    add_to_list(any_store, "news", [NewSubscriber("keeper@example.com"), NewSubscriber("leaver@example.com")])
    leaver = _ids(any_store)["leaver@example.com"]
    erase_subscriber(any_store, "leaver@example.com")
    add_to_list(any_store, "news", [NewSubscriber("victim@example.com")])
    assert _ids(any_store)["victim@example.com"] > leaver


def test_upgrading_a_sqlite_database_keeps_every_row_and_stops_reuse(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:  # a database as 0007 left it, foreign keys on as every process has them
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO lists (id, name, created_at) VALUES (1, 'news', '2026-01-01')")
        for sid in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO subscribers (id, email, name, attributes, created_at) "
                f"VALUES ({sid}, 'p{sid}@example.com', '', '{{}}', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO subscriptions (list_id, subscriber_id, status, source, created_at, updated_at) "
                f"VALUES (1, {sid}, 'active', 'csv', '2026-01-01', '2026-01-01')"
            )
    engine.dispose()

    store = Store(url)  # runs 0008
    with store.session() as session:
        assert session.scalar(text("SELECT count(*) FROM subscriptions")) == 2, "the rebuild cascaded nothing"
    erase_subscriber(store, "p2@example.com")
    add_to_list(store, "news", [NewSubscriber("new@example.com")])
    assert _ids(store)["new@example.com"] == 3
    store.dispose()
    with sqlite3.connect(tmp_path / "old.db") as raw:
        schema = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'subscribers'").fetchone()[0]
        assert "AUTOINCREMENT" in schema
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
