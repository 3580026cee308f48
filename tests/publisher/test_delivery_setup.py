"""A batch whose setup fails (issue 10, defect 1): the configuration is at fault, so the campaign pauses with
the reason before any row is tried, and fixing the setting and resuming delivers everything."""

from pathlib import Path

import pytest
from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


def new_campaign(store: Store, settings: Settings, seed_path: Path, count: int) -> int:
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", count)
    return campaigns.create_email_campaign(store, settings, [article_id], "news")


def run_all(store: Store, settings: Settings, campaign_id: int) -> delivery.BatchOutcome:
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    return delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)


def rows(store: Store, campaign_id: int) -> list[tuple[str, int]]:
    with store.session() as session:
        query = select(OutboxRow.state, OutboxRow.attempts).where(OutboxRow.campaign_id == campaign_id)
        return [tuple(row) for row in session.execute(query)]


def test_a_dkim_key_the_worker_cannot_read_pauses_the_campaign_with_rows_untried(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path, tmp_path: Path
):
    campaign_id = new_campaign(store, smtp_settings, seed_path, 12)  # created where DKIM is not configured
    missing = tmp_path / "keys" / "dkim.pem"
    worker = smtp_settings.model_copy(update={"dkim_key_path": missing, "dkim_selector": "mail2026"})

    outcome = run_all(store, worker, campaign_id)

    assert outcome.sent == outcome.failed == outcome.deferred == 0 and outcome.retry_in is None
    assert outcome.paused is not None and str(missing) in outcome.paused
    status = campaigns.status(store, campaign_id)
    assert status.state == "paused"
    assert status.pause_reason == outcome.paused
    assert "delivery cannot start as configured" in status.pause_reason
    assert rows(store, campaign_id) == [("queued", 0)] * 12  # untried: no attempt is spent on a setting
    assert smtp_server.messages == []

    again = run_all(store, worker, campaign_id)  # another batch of the same campaign: it is paused, so nothing
    assert again.paused is None and again.errors == []

    assert campaigns.resume(store, smtp_settings, RecordingDispatcher(), campaign_id) == 1
    fixed = run_all(store, smtp_settings, campaign_id)
    assert fixed.sent == 12 and len(smtp_server.messages) == 12
    assert campaigns.status(store, campaign_id).state == "done"


def test_a_channel_setting_that_does_not_parse_pauses_the_campaign(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    campaign_id = new_campaign(store, smtp_settings, seed_path, 3)
    worker = smtp_settings.model_copy(update={"smtp_host": "mail.example.org:submission"})

    outcome = run_all(store, worker, campaign_id)

    status = campaigns.status(store, campaign_id)
    assert status.state == "paused"
    assert "channel smtp cannot open" in status.pause_reason
    assert "PUBLISHER_SMTP_HOST: not a host[:port]: 'mail.example.org:submission'" in status.pause_reason
    assert outcome.paused == status.pause_reason
    assert rows(store, campaign_id) == [("queued", 0)] * 3


def test_an_unexpected_error_while_opening_the_channel_pauses_too(
    store: Store, smtp_settings: Settings, seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    campaign_id = new_campaign(store, smtp_settings, seed_path, 2)

    def broken(name: str, settings: Settings) -> None:
        raise KeyError("tls")

    monkeypatch.setattr("publisher.delivery.batch.open_channel", broken)
    run_all(store, smtp_settings, campaign_id)

    status = campaigns.status(store, campaign_id)
    assert status.state == "paused" and "unexpected KeyError: 'tls'" in status.pause_reason
    assert rows(store, campaign_id) == [("queued", 0)] * 2
