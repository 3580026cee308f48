"""Store.reading(): a transaction for reading only, which never waits for (or takes) the write lock."""

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from publisher.store import Store
from publisher.store.models import Campaign
from tests.support.services import postgres_database


def test_a_reader_counts_while_a_writer_holds_the_sqlite_write_lock(store: Store):
    with store.session() as writer:
        writer.add(Campaign(kind="email", state="queued", subject="Digest"))
        writer.flush()  # BEGIN IMMEDIATE: this transaction holds the write lock until the block ends

        with store.reading() as conn:  # a second BEGIN IMMEDIATE would wait out the 60 s busy timeout, then fail
            count = conn.scalar(select(func.count()).select_from(Campaign))

    assert count == 0  # the writer's row was not committed yet


def test_on_postgresql_the_transaction_refuses_writes():
    with postgres_database() as url:
        store = Store(url)
        try:
            with store.reading() as conn:
                assert conn.scalar(text("SHOW transaction_read_only")) == "on"
                with pytest.raises(DBAPIError, match="read-only transaction"):
                    conn.execute(update(Campaign).values(subject="x"))
        finally:
            store.dispose()


def test_a_read_session_reads_the_models_and_keeps_nothing(store: Store):
    from publisher.store.models import MailingList

    with store.session() as session:
        session.add(MailingList(name="kept"))
    with store.read_session() as session:
        assert [m.name for m in session.query(MailingList)] == ["kept"]
        session.add(MailingList(name="dropped"))
        session.flush()
    with store.session() as session:
        assert [m.name for m in session.query(MailingList)] == ["kept"]
