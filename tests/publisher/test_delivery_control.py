"""Delivery control: suppression after a 5xx, pausing on a dead server, pause/resume/cancel, the sweeper."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Suppression, utcnow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.services import free_port
from tests.support.smtp import FlakySmtpServer, SmtpServer


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PUBLISHER_RETRY_BASE_SECONDS", "0")
    return Settings()


def new_campaign(store: Store, settings: Settings, seed_path: Path, count: int, list_name: str = "news"):
    article_id = seed_article(store, seed_path)
    addresses = subscribe(store, list_name, count)
    return campaigns.create_email_campaign(store, settings, [article_id], list_name), addresses


def run_all(store: Store, settings: Settings, campaign_id: int) -> delivery.BatchOutcome:
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    return delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)


def test_550_suppresses_the_address_and_later_campaigns_skip_it(store, smtp_settings, smtp_server, seed_path):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 6)
    smtp_server.handler.reject[addresses[2]] = "550 5.1.1 <x>: user unknown"

    first = run_all(store, smtp_settings, campaign_id)

    assert (first.sent, first.failed, first.retry_in) == (5, 1, None)
    with store.session() as session:
        [entry] = session.scalars(select(Suppression)).all()
    assert entry.email == addresses[2] and entry.reason == "hard_bounce" and "550 5.1.1" in entry.detail

    second_id = campaigns.create_email_campaign(store, smtp_settings, [1], "news", subject="Second", force=True)
    second = run_all(store, smtp_settings, second_id)

    # A hard bounce also marks the subscription bounced, so the next campaign does not even queue the address.
    assert (second.sent, second.suppressed) == (5, 0)
    assert smtp_server.handler.rcpt_calls[addresses[2]] == 1  # asked once, never again


def test_a_5xx_for_the_message_fails_it_but_does_not_suppress_the_address(store, smtp_settings, seed_path):
    server = SmtpServer().start()
    try:

        async def reject_data(server_, session, envelope):
            return "554 5.7.1 message content rejected"

        server.handler.handle_DATA = reject_data
        smtp_settings.smtp_port = server.port
        campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 2)

        outcome = run_all(store, smtp_settings, campaign_id)
    finally:
        server.stop()
    assert outcome.failed == 2
    with store.session() as session:
        assert session.scalars(select(Suppression)).all() == []


def test_dead_server_pauses_the_campaign_after_n_connection_failures(store, smtp_settings, seed_path):
    smtp_settings.smtp_port = free_port()  # nobody listens there
    smtp_settings.smtp_timeout = 2
    smtp_settings.pause_after_failures = 6
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 40)

    first = run_all(store, smtp_settings, campaign_id)
    assert first.paused is None and first.retry_in is not None  # 3 failures: not yet
    second = run_all(store, smtp_settings, campaign_id)

    status = campaigns.status(store, campaign_id)
    assert second.paused is not None and second.retry_in is None
    assert status.state == "paused"
    assert status.pause_reason.startswith("after 6 consecutive connection failures")  # read after "paused: "
    assert "cannot reach" in status.pause_reason
    assert status.counts["queued"] == 40  # nothing burnt
    with store.session() as session:
        attempts = session.scalars(select(OutboxRow.attempts).where(OutboxRow.campaign_id == campaign_id)).all()
    assert sum(attempts) == 6  # six connection attempts in all, not one per row

    third = run_all(store, smtp_settings, campaign_id)  # a task that arrives while paused sends nothing
    assert (third.sent, third.deferred) == (0, 0)


def test_a_server_that_answers_421_first_then_recovers_gets_everything(store, smtp_settings, seed_path):
    flaky = FlakySmtpServer(refusals=2).start()
    try:
        smtp_settings.smtp_port = flaky.port
        campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 20)
        outcome = run_all(store, smtp_settings, campaign_id)
        while outcome.retry_in is not None:
            outcome = run_all(store, smtp_settings, campaign_id)
        received = sorted(r for m in flaky.server.messages for r in m.rcpt_tos)
    finally:
        flaky.stop()
    assert flaky.refused == 2
    assert received == sorted(addresses)
    assert campaigns.status(store, campaign_id).state == "done"


def test_smtp_pool_fails_over_to_the_next_server(store, smtp_settings, smtp_server, seed_path):
    smtp_settings.smtp_host = f"127.0.0.1:{free_port()},{smtp_server.host}:{smtp_server.port}"
    smtp_settings.smtp_timeout = 2
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 10)

    outcome = run_all(store, smtp_settings, campaign_id)

    assert (outcome.sent, outcome.deferred) == (10, 0)
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == sorted(addresses)


def test_pause_then_resume_delivers_the_rest(store, smtp_settings, smtp_server, seed_path):
    campaign_id, addresses = new_campaign(store, smtp_settings, seed_path, 8)
    dispatcher = RecordingDispatcher()
    campaigns.dispatch(store, smtp_settings, dispatcher, campaign_id)

    campaigns.pause(store, campaign_id)
    paused = run_all(store, smtp_settings, campaign_id)
    assert paused.sent == 0 and smtp_server.messages == []
    assert campaigns.status(store, campaign_id).pause_reason == "by an operator"

    assert campaigns.resume(store, smtp_settings, dispatcher, campaign_id) == 1
    [*_, (cid, channel, first, last, queue)] = dispatcher.calls
    outcome = delivery.deliver_batch(store, smtp_settings, cid, channel, first, last)

    assert outcome.sent == 8 and queue == "email"
    status = campaigns.status(store, campaign_id)
    assert status.state == "done" and status.counts["sent"] == 8 and status.pause_reason is None


def test_cancel_marks_unsent_rows_and_nothing_more_goes_out(store, smtp_settings, smtp_server, seed_path):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 5)

    assert campaigns.cancel(store, campaign_id) == 5
    outcome = run_all(store, smtp_settings, campaign_id)

    assert outcome.sent == 0 and smtp_server.messages == []
    status = campaigns.status(store, campaign_id)
    assert status.state == "cancelled" and status.counts["cancelled"] == 5
    with pytest.raises(PublisherError, match="cancelled, not paused"):
        campaigns.resume(store, smtp_settings, RecordingDispatcher(), campaign_id)
    with pytest.raises(PublisherError, match="cannot be cancelled"):
        campaigns.cancel(store, campaign_id)


def test_periodic_sweep_redispatches_only_stalled_campaigns(store, smtp_settings, seed_path):
    busy_id, _ = new_campaign(store, smtp_settings, seed_path, 3, "busy")
    stalled_id = campaigns.create_email_campaign(store, smtp_settings, [1], "busy", subject="Stalled", force=True)
    stale_claim_id = campaigns.create_email_campaign(store, smtp_settings, [1], "busy", subject="Claimed", force=True)
    for cid in (busy_id, stalled_id, stale_claim_id):
        campaigns.dispatch(store, smtp_settings, RecordingDispatcher(), cid)
    long_ago = utcnow() - timedelta(seconds=smtp_settings.lease_seconds + 5)
    with store.session() as session:
        session.execute(update(Campaign).where(Campaign.id == stalled_id).values(progress_at=long_ago))
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.campaign_id == stale_claim_id)
            .values(state="sending", claimed_at=long_ago)
        )

    dispatcher = RecordingDispatcher()
    campaigns.sweep(store, smtp_settings, dispatcher, stalled_only=True)

    assert sorted({call[0] for call in dispatcher.calls}) == [stalled_id, stale_claim_id]
    everything = RecordingDispatcher()
    campaigns.sweep(store, smtp_settings, everything)  # the sweep at worker start takes every pending one
    assert sorted({call[0] for call in everything.calls}) == [busy_id, stalled_id, stale_claim_id]


def test_status_reports_throughput(store, smtp_settings, seed_path):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 30)
    run_all(store, smtp_settings, campaign_id)

    data = campaigns.status(store, campaign_id).to_dict()

    assert data["counts"]["sent"] == 30
    assert data["throughput_per_s"] == round(30 / campaigns.THROUGHPUT_WINDOW_SECONDS, 1)
    assert data["average_per_s"] > 0


def test_a_spent_time_budget_stops_claiming_and_asks_to_continue(store, smtp_settings, smtp_server, seed_path):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 5)
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)

    first = delivery.deliver_batch(
        store, smtp_settings, campaign_id, batch.channel, batch.first_id, batch.last_id, time_budget=0
    )
    assert (first.sent, first.retry_in) == (0, 0.0)
    second = delivery.deliver_batch(store, smtp_settings, campaign_id, batch.channel, batch.first_id, batch.last_id)
    assert (second.sent, second.retry_in) == (5, None)


def test_rate_limited_delivery_goes_through_the_shared_bucket(store, smtp_settings, smtp_server, seed_path):
    smtp_settings.rate_limits = {"smtp": 1000}
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 12)

    outcome = run_all(store, smtp_settings, campaign_id)

    assert outcome.sent == 12
    with store.session() as session:
        from publisher.store.models import RateBucket

        [bucket] = session.scalars(select(RateBucket)).all()
    assert bucket.channel == "smtp" and bucket.tokens < 1000  # every message took a token


def test_sweep_finishes_a_campaign_whose_worker_died_before_marking_it_done(store, smtp_settings, seed_path):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 2)
    campaigns.dispatch(store, smtp_settings, RecordingDispatcher(), campaign_id)
    with store.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.campaign_id == campaign_id).values(state="sent"))
    assert campaigns.status(store, campaign_id).state == "sending"

    dispatcher = RecordingDispatcher()
    campaigns.sweep(store, smtp_settings, dispatcher, stalled_only=True)

    assert campaigns.status(store, campaign_id).state == "done" and dispatcher.calls == []
