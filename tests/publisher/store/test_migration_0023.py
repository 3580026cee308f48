"""Migration 0023 (issue 17): an outbox with rows is carried over; on PostgreSQL it becomes partitioned."""


from alembic import command
from sqlalchemy import create_engine, text

from publisher.store import Store
from publisher.store.partitions import PARTITION_MIN_ROWS, campaign_partitions
from publisher.store.session import _alembic_config
from tests.support.services import postgres_database

BIG = PARTITION_MIN_ROWS + 5


def _at_0022_with_rows(url: str) -> None:
    engine = create_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0022")
    with engine.begin() as conn:
        for cid, kind in ((1, "share"), (2, "email")):
            conn.execute(
                text(
                    "INSERT INTO campaigns (id, kind, state, subject, body_html, body_text, render_key, created_at,"
                    " failure_streak, sender_alarm_mark) VALUES (:id, :kind, 'done', '', '', '', '', :at, 0, 0)"
                ),
                {"id": cid, "kind": kind, "at": "2026-01-01 00:00:00"},
            )
        conn.execute(
            text(
                "INSERT INTO outbox (campaign_id, recipient_id, channel, state, attempts, url)"
                " VALUES (1, 0, 'mastodon', 'sent', 1, 'https://m.example/1')"
            )
        )
        # A big campaign: generate_series on PostgreSQL, a recursive CTE on SQLite.
        conn.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :big)"
                " INSERT INTO outbox (campaign_id, recipient_id, channel, state, attempts)"
                " SELECT 2, i, 'smtp', 'sent', 1 FROM n"
            ),
            {"big": BIG},
        )
        conn.execute(text("INSERT INTO post_metrics (outbox_id, likes) VALUES (1, 7)"))
    engine.dispose()


def test_rows_ids_and_post_metrics_are_kept(database_url: str):
    _at_0022_with_rows(database_url)
    store = Store(database_url)  # migrates to the head
    try:
        with store.session() as session:
            counts = dict(session.execute(text("SELECT campaign_id, count(*) FROM outbox GROUP BY 1")).all())
            ids = session.execute(text("SELECT min(id), max(id) FROM outbox")).one()
            metric = session.execute(text("SELECT outbox_id, campaign_id, likes FROM post_metrics")).one()
            session.execute(
                text(
                    "INSERT INTO outbox (campaign_id, recipient_id, channel, state, attempts)"
                    " VALUES (1, 0, 'bluesky', 'queued', 0)"
                )
            )
            new_id = session.scalar(text("SELECT max(id) FROM outbox WHERE channel = 'bluesky'"))
            partitions = campaign_partitions(session)
    finally:
        store.dispose()
    assert counts == {1: 1, 2: BIG}
    assert tuple(ids) == (1, BIG + 1)
    assert tuple(metric) == (1, 1, 7)
    assert new_id == BIG + 2  # the id sequence goes on where it was
    assert partitions == ({2: "outbox_c2"} if database_url.startswith("postgresql") else {})


def test_on_postgresql_the_outbox_is_partitioned_with_a_default_partition():
    with postgres_database() as url:
        _at_0022_with_rows(url)
        Store(url).dispose()
        engine = create_engine(url)
        with engine.connect() as conn:
            kind = conn.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'outbox'"))
            in_default = conn.scalar(text("SELECT count(*) FROM outbox_default"))
            in_own = conn.scalar(text("SELECT count(*) FROM outbox_c2"))
            key = conn.scalar(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = 'outbox'::regclass AND contype = 'p'"
                )
            )
        engine.dispose()
    assert kind == "p"
    assert (in_default, in_own) == (1, BIG)
    assert key == "PRIMARY KEY (id, campaign_id)"
