from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow, Subscription, utcnow
from tests.support.factories import seed_article, subscribe
from tests.support.services import free_port
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PUBLISHER_RETRY_BASE_SECONDS", "0")
    return Settings()


def new_campaign(store: Store, settings: Settings, seed_path: Path, count: int) -> tuple[int, list[str]]:
    article_id = seed_article(store, seed_path)
    addresses = subscribe(store, "news", count)
    return campaigns.create_email_campaign(store, settings, [article_id], "news"), addresses


def run_all(store: Store, settings: Settings, campaign_id: int) -> delivery.BatchOutcome:
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    return delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)


def outbox(store: Store, campaign_id: int) -> list[OutboxRow]:
    with store.session() as session:
        return list(session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)))


def test_batch_is_delivered_and_recorded(store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 120)

    outcome = run_all(store, smtp_settings, campaign_id)

    assert (outcome.sent, outcome.failed, outcome.retry_in) == (120, 0, None)
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == sorted(addresses)
    rows = outbox(store, campaign_id)
    assert {r.state for r in rows} == {"sent"}
    assert all(r.provider_id == f"<publisher.c{campaign_id}.r{r.recipient_id}@example.org>" for r in rows)
    assert campaigns.status(store, campaign_id).state == "done"


def test_running_a_batch_again_sends_nothing_twice(store: Store, smtp_settings, smtp_server, seed_path):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 30)
    run_all(store, smtp_settings, campaign_id)

    again = run_all(store, smtp_settings, campaign_id)

    assert again.sent == 0
    assert len(smtp_server.messages) == 30


def test_550_fails_the_row_without_retry(store: Store, smtp_settings, smtp_server: SmtpServer, seed_path):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 10)
    smtp_server.handler.reject[addresses[3]] = "550 5.1.1 user unknown"

    outcome = run_all(store, smtp_settings, campaign_id)

    assert (outcome.sent, outcome.failed, outcome.retry_in) == (9, 1, None)
    [failed] = [r for r in outbox(store, campaign_id) if r.state == "failed"]
    assert failed.attempts == 1 and "550 5.1.1" in failed.error


def test_451_is_retried_until_it_succeeds(store: Store, smtp_settings, smtp_server: SmtpServer, seed_path):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 5)
    smtp_server.handler.reject[addresses[0]] = "451 4.7.1 greylisted, come back later"

    first = run_all(store, smtp_settings, campaign_id)
    assert (first.sent, first.deferred) == (4, 1)
    assert first.retry_in is not None

    del smtp_server.handler.reject[addresses[0]]
    second = run_all(store, smtp_settings, campaign_id)

    assert second.sent == 1
    assert campaigns.status(store, campaign_id).counts["sent"] == 5


def test_transient_errors_give_up_after_max_attempts(store: Store, smtp_settings, smtp_server, seed_path):
    smtp_settings.max_attempts = 3
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 1)
    smtp_server.handler.reject[addresses[0]] = "452 4.2.2 mailbox full"

    for _ in range(3):
        run_all(store, smtp_settings, campaign_id)

    [row] = outbox(store, campaign_id)
    assert row.state == "failed" and row.attempts == 3 and "gave up after 3 attempts" in row.error


def test_dead_server_defers_the_rest_without_burning_attempts(store: Store, smtp_settings, seed_path):
    smtp_settings.smtp_port = free_port()  # nobody listens there
    smtp_settings.smtp_timeout = 2
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 20)

    outcome = run_all(store, smtp_settings, campaign_id)

    assert outcome.sent == 0 and outcome.deferred == 20 and outcome.retry_in is not None
    rows = outbox(store, campaign_id)
    assert {r.state for r in rows} == {"queued"}
    assert sum(r.attempts for r in rows) == delivery.MAX_CONSECUTIVE_TRANSIENT


def test_unsubscribed_after_queueing_is_not_mailed(store: Store, smtp_settings, smtp_server, seed_path):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 4)
    with store.session() as session:
        first_sub = session.scalars(select(Subscription).order_by(Subscription.subscriber_id)).first()
        first_sub.status = "unsubscribed"

    outcome = run_all(store, smtp_settings, campaign_id)

    assert (outcome.sent, outcome.suppressed) == (3, 1)
    assert addresses[0] not in [r for m in smtp_server.messages for r in m.rcpt_tos]


def test_a_stale_claim_is_taken_over_but_a_fresh_one_is_not(store: Store, smtp_settings, smtp_server, seed_path):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 2)
    with store.session() as session:
        first, second = session.scalars(select(OutboxRow.id).order_by(OutboxRow.id)).all()
        stale = utcnow() - timedelta(seconds=smtp_settings.lease_seconds + 5)
        session.execute(update(OutboxRow).where(OutboxRow.id == first).values(state="sending", claimed_at=stale))
        session.execute(update(OutboxRow).where(OutboxRow.id == second).values(state="sending", claimed_at=utcnow()))

    outcome = run_all(store, smtp_settings, campaign_id)

    assert outcome.sent == 1
    states = {r.id: r.state for r in outbox(store, campaign_id)}
    assert states == {first: "sent", second: "sending"}


def test_share_post_is_delivered_to_the_file_channel(store: Store, settings: Settings, seed_path):
    article_id = seed_article(store, seed_path)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["file"])

    outcome = run_all(store, settings, campaign_id)

    assert outcome.sent == 1
    [row] = outbox(store, campaign_id)
    assert row.url == f"file://{settings.outbox_dir / 'shares.jsonl'}"
    assert "https://news.example.org/articles/us-rejects" in (settings.outbox_dir / "shares.jsonl").read_text()


def test_4xx_replies_defer_only_their_rows_and_the_rest_of_the_chunk_is_sent(
    store: Store, smtp_settings, smtp_server: SmtpServer, seed_path
):
    # Half the list answers 451 (greylisting, a full mailbox): the healthy half must not wait behind it.
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 100)
    for address in addresses[::2]:
        smtp_server.handler.reject[address] = "451 4.7.1 greylisted, come back later"

    outcome = run_all(store, smtp_settings, campaign_id)

    assert (outcome.sent, outcome.deferred) == (50, 50)
    delivered = {r for m in smtp_server.messages for r in m.rcpt_tos}
    assert delivered == set(addresses[1::2])
    waiting = [r for r in outbox(store, campaign_id) if r.state == "queued"]
    assert len(waiting) == 50 and all(r.attempts == 1 and "451" in r.error for r in waiting)
