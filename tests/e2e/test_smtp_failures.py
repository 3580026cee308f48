"""SMTP servers that misbehave, with a real worker process: 421 at first then recovery, 550 for some mailboxes."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from publisher import campaigns
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow, Suppression
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import FlakySmtpServer
from workers.dispatch import CeleryDispatcher
from workers.process import spawn_worker, stop_worker


def test_421_then_recovery_and_550_mailboxes(seed_path: Path, tmp_path: Path):
    flaky = FlakySmtpServer(refusals=4).start()
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")},
        "PUBLISHER_SMTP_HOST": flaky.host,
        "PUBLISHER_SMTP_PORT": str(flaky.port),
        "PUBLISHER_RETRY_BASE_SECONDS": "0.2",
        "PUBLISHER_BATCH_SIZE": "100",
    }
    os.environ.update(env)
    settings = Settings()
    store = Store(settings.resolved_database_url)
    worker = None
    try:
        article_id = seed_article(store, seed_path)
        addresses = subscribe(store, "readers", 300)
        gone = set(addresses[::50])  # 6 mailboxes that do not exist
        for address in gone:
            flaky.server.handler.reject[address] = "550 5.1.1 no such mailbox"
        campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers")
        campaigns.dispatch(store, settings, CeleryDispatcher(settings), campaign_id)
        worker = spawn_worker(env, concurrency=2, log_path=tmp_path / "worker.log")
        deadline = time.monotonic() + 90
        while campaigns.status(store, campaign_id).pending and time.monotonic() < deadline:
            time.sleep(0.2)
        status = campaigns.status(store, campaign_id)
        with store.session() as session:
            failed = dict(
                session.execute(
                    select(OutboxRow.recipient_id, OutboxRow.error).where(OutboxRow.state == "failed")
                ).all()
            )
            suppressed = set(session.scalars(select(Suppression.email)))
    finally:
        if worker is not None:
            stop_worker(worker)
        flaky.stop()
        store.dispose()

    assert flaky.refused == 4
    assert status.pending == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert status.counts["sent"] == 294 and status.counts["failed"] == 6
    received = Counter(r for m in flaky.server.messages for r in m.rcpt_tos)
    assert set(received) == set(addresses) - gone and max(received.values()) == 1
    assert suppressed == gone
    assert all("550 5.1.1 no such mailbox" in error for error in failed.values())
    assert all(flaky.server.handler.rcpt_calls[a] == 1 for a in gone)  # asked once: a 550 is not retried
