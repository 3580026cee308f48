"""Delivery through an SMTP server that cannot be used as configured: the campaign pauses, nothing is burnt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.tls import Accounts, TlsSmtpServer, make_ca, server_context

PASSWORD = "campaign-Pa55"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TlsSmtpServer, Path]]:
    ca = make_ca(tmp_path)
    server = TlsSmtpServer(server_context(ca, tmp_path), "starttls", accounts=Accounts("mailer", PASSWORD)).start()
    yield server, ca.pem
    server.stop()


def run_all(store: Store, settings: Settings, campaign_id: int) -> delivery.BatchOutcome:
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    return delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)


def test_a_refused_login_pauses_the_campaign_and_resuming_after_the_fix_delivers_all(
    store: Store, tls_server: tuple[TlsSmtpServer, Path], seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    server, ca_file = tls_server
    for key, value in {
        "HOST": server.host,
        "PORT": str(server.port),
        "SECURITY": "starttls",
        "CA_FILE": str(ca_file),
        "USERNAME": "mailer",
        "PASSWORD": "not-the-" + PASSWORD,
    }.items():
        monkeypatch.setenv(f"PUBLISHER_SMTP_{key}", value)
    settings = Settings()
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 12)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")

    outcome = run_all(store, settings, campaign_id)

    status = campaigns.status(store, campaign_id)
    assert outcome.paused is not None and (outcome.sent, outcome.failed, outcome.deferred) == (0, 0, 12)
    assert status.state == "paused" and status.counts["queued"] == 12
    assert status.pause_reason.startswith("the channel cannot work as configured: ")  # read after "paused: "
    assert "SMTP login as 'mailer' refused by 127.0.0.1" in status.pause_reason
    assert "not-the-" + PASSWORD not in status.pause_reason
    with store.session() as session:
        query = select(OutboxRow.attempts, OutboxRow.error).where(OutboxRow.campaign_id == campaign_id)
        rows = session.execute(query).all()
    assert {attempts for attempts, _ in rows} == {0}  # nothing burnt
    assert all("not-the-" + PASSWORD not in (error or "") for _, error in rows)
    # one login on one connection (smtplib tries AUTH PLAIN, then AUTH LOGIN), not one per row
    assert server.accounts.attempts == ["mailer", "mailer"]

    settings.smtp_password = SecretStr(PASSWORD)  # the operator fixes the setting and resumes
    campaigns.resume(store, settings, RecordingDispatcher(), campaign_id)
    outcome = run_all(store, settings, campaign_id)

    assert outcome.sent == 12 and campaigns.status(store, campaign_id).state == "done"
    assert len(server.wait_for(12)) == 12
