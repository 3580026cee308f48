"""A full disk mid-chunk: what went out is held on to, recorded once there is room, and the campaign pauses.

Real pieces: SQLite on a small tmpfs that really fills up, and an SMTP server that really receives.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.delivery import batch as delivery_batch
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.disks import fill, tmpfs
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import SmtpServer

READERS = 60


@pytest.fixture
def disk(tmp_path: Path):
    with tmpfs(tmp_path / "data", size="8m") as mounted:
        yield mounted


def test_results_that_cannot_be_written_are_kept_recorded_later_and_the_campaign_pauses(
    disk: Path, smtp_server: SmtpServer, seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(delivery_batch, "RECORD_RETRY_FIRST_SECONDS", 0.2, raising=False)
    database = disk / "publisher.db"
    settings = Settings(
        data_dir=disk,
        database_url=f"sqlite:///{database}",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        PUBLISHER_FROM="News <news@example.org>",
    )
    store = Store(settings.resolved_database_url)
    subscribe(store, "news", READERS)
    campaign_id = campaigns.create_email_campaign(store, settings, [seed_article(store, seed_path)], "news")

    freed = threading.Event()

    def disk_fills_while_sending() -> None:
        # The WAL is emptied first so the next write needs new space; then the disk fills for a moment.
        with sqlite3.connect(database) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(disk)
        threading.Timer(1.5, lambda: (filler.unlink(), freed.set())).start()

    smtp_server.handler.on_message = {READERS // 2: disk_fills_while_sending}

    outcome = delivery.deliver_batch(store, settings, campaign_id, "smtp", 1, 10**9)

    assert freed.is_set()
    assert outcome.paused is not None and "could not be recorded" in outcome.paused and "is full" in outcome.paused
    with store.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).all()
    assert {r.state for r in rows} == {"sent"}, "every message that went out is recorded as sent"
    received = [r for m in smtp_server.messages for r in m.rcpt_tos]
    assert len(received) == len(set(received)) == READERS, "and none goes out twice"
    state = campaigns.status(store, campaign_id)
    assert state.state == "paused" and (state.pause_reason or "").startswith("results could not be recorded")
    store.dispose()
