"""Scheduled sends (issue 7): the time lives in the database; the workers' periodic sweep starts what is due."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from publisher import campaigns, delivery, editing, subscribers
from publisher.campaigns import schedule as scheduling
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Subscription, utcnow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.smtp import SmtpServer


def schedule(
    store: Store, settings: Settings, seed_path: Path, count: int = 3, ahead: float = 3600, force: bool = False
) -> int:
    """The seed article scheduled to list "news"; force=True for another campaign of the same digest."""
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", count)
    return campaigns.create_email_campaign(
        store, settings, [article_id], "news", send_at=utcnow() + timedelta(seconds=ahead), force=force
    )


def make_due(store: Store, campaign_id: int) -> None:
    """Move the time into the past, as the clock would (no sleeping in tests)."""
    with store.session() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(scheduled_at=utcnow() - timedelta(seconds=1))
        )


def campaign_row(store: Store, campaign_id: int) -> tuple[str, int]:
    with store.session() as session:
        state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
        rows = session.scalar(select(func.count()).where(OutboxRow.campaign_id == campaign_id))
    return state, rows


def test_a_scheduled_campaign_renders_and_queues_its_rows_but_nothing_is_dispatched_before_its_time(
    any_store, settings, seed_path
):
    paris = timezone(timedelta(hours=1))
    send_at = (datetime.now(UTC) + timedelta(days=2)).astimezone(paris).replace(microsecond=0)
    article_id = seed_article(any_store, seed_path)
    subscribe(any_store, "news", 3)
    dispatcher = RecordingDispatcher()

    campaign_id = campaigns.create_email_campaign(any_store, settings, [article_id], "news", send_at=send_at)
    assert campaigns.dispatch(any_store, settings, dispatcher, campaign_id) == 0
    campaigns.sweep(any_store, settings, dispatcher)  # a worker starting up
    campaigns.sweep(any_store, settings, dispatcher, stalled_only=True)  # the periodic sweep
    with any_store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 100)
    outcome = delivery.deliver_batch(any_store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)

    assert dispatcher.calls == []
    assert outcome.sent == 0  # a stray broker message claims nothing either
    state = campaigns.status(any_store, campaign_id)
    assert (state.state, state.counts["queued"]) == ("scheduled", 3)
    assert state.scheduled_at == send_at and state.scheduled_at.utcoffset() == timedelta(0)
    assert state.to_dict()["scheduled_at"] == send_at.astimezone(UTC).isoformat()
    with any_store.session() as session:
        body = session.scalar(select(Campaign.body_html).where(Campaign.id == campaign_id))
    assert "<html" in body.lower()  # rendered once, at creation


@pytest.mark.parametrize(
    ("send_at", "problem"),
    [
        (datetime(2026, 12, 1, 9, 0), "has no UTC offset"),
        (datetime.now(UTC) - timedelta(minutes=1), "is in the past"),
        (datetime.now(UTC) + timedelta(days=400), "more than a year ahead"),
        (datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))), "out of range"),
    ],
)
def test_a_send_time_without_offset_in_the_past_or_absurdly_far_is_refused_and_nothing_is_written(
    store, settings, seed_path, send_at, problem
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 2)

    with pytest.raises(PublisherError, match=problem):
        campaigns.create_email_campaign(store, settings, [article_id], "news", send_at=send_at)

    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0


def test_parse_send_at_reads_iso_8601_with_an_offset_or_z_and_names_a_bad_value():
    assert campaigns.parse_send_at("2026-12-01T09:00:00+01:00") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert campaigns.parse_send_at("2026-12-01T08:00:00Z") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert campaigns.parse_send_at("2026-12-01T09:00").tzinfo is None  # check_send_at refuses it
    with pytest.raises(PublisherError, match=r"'next monday' is not an ISO 8601"):
        campaigns.parse_send_at("next monday")


def test_the_sweep_starts_a_due_campaign_once_and_later_sweeps_leave_it_alone(any_store, settings, seed_path):
    campaign_id = schedule(any_store, settings, seed_path, count=5)
    dispatcher = RecordingDispatcher()
    campaigns.sweep(any_store, settings, dispatcher, stalled_only=True)
    assert dispatcher.calls == []

    make_due(any_store, campaign_id)
    campaigns.sweep(any_store, settings, dispatcher, stalled_only=True)
    campaigns.sweep(any_store, settings, dispatcher, stalled_only=True)

    assert [call[0] for call in dispatcher.calls] == [campaign_id]
    assert campaign_row(any_store, campaign_id) == ("sending", 5)


def test_two_concurrent_sweeps_dispatch_a_due_campaign_exactly_once(any_store, settings, seed_path):
    campaign_ids = [schedule(any_store, settings, seed_path, count=2, force=True) for _ in range(3)]
    for campaign_id in campaign_ids:
        make_due(any_store, campaign_id)
    dispatcher = RecordingDispatcher()
    sweepers = 4
    ready = threading.Barrier(sweepers)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            ready.wait()
            campaigns.sweep(any_store, settings, dispatcher, stalled_only=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(call[0] for call in dispatcher.calls) == campaign_ids  # each campaign's one batch, once
    assert all(campaign_row(any_store, cid)[0] == "sending" for cid in campaign_ids)


def test_only_one_of_two_sweepers_that_both_saw_the_campaign_due_may_start_it(store, settings, seed_path):
    campaign_id = schedule(store, settings, seed_path)
    make_due(store, campaign_id)
    now = utcnow()

    assert scheduling._start_scheduled(store, campaign_id, now) is True
    assert scheduling._start_scheduled(store, campaign_id, now) is False


def test_subscribers_who_join_before_the_send_time_get_it_and_those_who_leave_do_not(
    store, monkeypatch, seed_path, smtp_server: SmtpServer
):
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    settings = Settings()
    campaign_id = schedule(store, settings, seed_path, count=3)
    joined = subscribe(store, "news", 2, domain="joined.example.com")
    with store.session() as session:
        list_id = subscribers.get_list(session, "news").id
        leaver = session.scalars(select(Subscription).where(Subscription.list_id == list_id)).first()
        leaver.status = "unsubscribed"

    make_due(store, campaign_id)
    dispatcher = RecordingDispatcher()
    campaigns.sweep(store, settings, dispatcher, stalled_only=True)
    [(_, channel, first_id, last_id, _)] = dispatcher.calls
    outcome = delivery.deliver_batch(store, settings, campaign_id, channel, first_id, last_id)

    assert (outcome.sent, outcome.suppressed) == (4, 1)
    received = {rcpt for message in smtp_server.handler.messages for rcpt in message.rcpt_tos}
    assert set(joined) <= received and len(received) == 4
    assert campaigns.status(store, campaign_id).state == "done"


def test_a_scheduled_campaign_can_be_cancelled_before_its_time_and_then_never_starts(any_store, settings, seed_path):
    campaign_id = schedule(any_store, settings, seed_path, count=3)

    assert campaigns.cancel(any_store, campaign_id) == 3
    make_due(any_store, campaign_id)
    dispatcher = RecordingDispatcher()
    campaigns.sweep(any_store, settings, dispatcher)

    assert dispatcher.calls == []
    state = campaigns.status(any_store, campaign_id)
    assert (state.state, state.counts["cancelled"], state.pending) == ("cancelled", 3, 0)


def test_a_scheduled_campaign_can_be_rescheduled_until_it_starts(store, settings, seed_path):
    campaign_id = schedule(store, settings, seed_path)
    later = (utcnow() + timedelta(days=3)).replace(microsecond=0)

    assert campaigns.reschedule(store, campaign_id, later) == later
    assert campaigns.status(store, campaign_id).scheduled_at == later
    with pytest.raises(PublisherError, match="has no UTC offset"):
        campaigns.reschedule(store, campaign_id, later.replace(tzinfo=None))
    with pytest.raises(PublisherError, match="only a queued or sending one can pause"):
        campaigns.pause(store, campaign_id)

    make_due(store, campaign_id)
    campaigns.sweep(store, settings, RecordingDispatcher())
    with pytest.raises(PublisherError, match="is sending; only a scheduled campaign can be rescheduled"):
        campaigns.reschedule(store, campaign_id, later)


def test_a_scheduled_digest_keeps_an_unpublished_article_private_until_it_goes_out(store, settings, seed_path):
    campaign_id = schedule(store, settings, seed_path)
    article_id = 1
    assert not editing.is_public(store, article_id)
    assert [a.id for a in editing.public_articles(store)] == []

    cancelled = campaigns.create_email_campaign(
        store, settings, [article_id], "news", send_at=utcnow() + timedelta(hours=1), force=True
    )
    campaigns.cancel(store, cancelled)
    assert not editing.is_public(store, article_id)  # cancelled before its time: it never went out

    make_due(store, campaign_id)
    campaigns.sweep(store, settings, RecordingDispatcher())
    assert editing.is_public(store, article_id)
    assert [a.id for a in editing.public_articles(store)] == [article_id]


def test_a_workers_start_up_sweep_dispatches_a_campaign_it_starts_once(store, settings, seed_path):
    campaign_id = schedule(store, settings, seed_path, count=2)
    make_due(store, campaign_id)
    dispatcher = RecordingDispatcher()

    campaigns.sweep(store, settings, dispatcher)  # stalled_only=False: re-dispatches every pending campaign

    assert [call[0] for call in dispatcher.calls] == [campaign_id]
