"""Posting queues and scheduled shares (issue 14): slots stored per account, "Add to queue" takes the next free one."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from publisher import campaigns
from publisher.campaigns import queue, service
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.errors import AlreadyShared, PublisherError
from publisher.runtime import Services, build
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, QueuedPost
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.services import postgres_database

ACCOUNTS = {"mastodon:work": "mastodon://tok@social.example", "bluesky": "bluesky://me.example:pw@"}
FRIDAY_NOON = datetime(2027, 3, 26, 11, 0, tzinfo=UTC)  # 12:00 in Berlin, the Friday before summer time


@pytest.fixture
def settings(monkeypatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    return Settings()


def services_at(store: Store, settings: Settings, now: datetime) -> tuple[Services, RecordingDispatcher]:
    dispatcher = RecordingDispatcher()
    return build(settings, store=store, dispatcher=dispatcher, clock=FixedClock(now)), dispatcher


def berlin(at: datetime) -> str:
    return at.astimezone(queue.ZoneInfo("Europe/Berlin")).strftime("%a %H:%M")


def test_add_to_queue_takes_each_accounts_next_free_slot_and_dispatches_nothing(any_store, settings, seed_path):
    queue.set_slots(any_store, "mastodon:work", "weekdays 09:00, 17:00", "Europe/Berlin")
    queue.set_slots(any_store, "bluesky", "daily 13:00 Europe/Berlin")
    first, second = seed_article(any_store, seed_path), _another_article(any_store, seed_path)
    s, dispatcher = services_at(any_store, settings, FRIDAY_NOON)

    one = service.add_to_queue(s, first, ["mastodon:work", "bluesky"])
    two = service.add_to_queue(s, second, ["mastodon:work", "bluesky"])

    assert [(q.account, berlin(q.at)) for q in one] == [("mastodon:work", "Fri 17:00"), ("bluesky", "Fri 13:00")]
    assert [(q.account, berlin(q.at)) for q in two] == [("mastodon:work", "Mon 09:00"), ("bluesky", "Sat 13:00")]
    assert dispatcher.calls == []
    for item in one + two:
        state = campaigns.status(any_store, item.campaign_id, with_deliveries=True)
        assert (state.state, state.kind, state.scheduled_at) == ("scheduled", "share", item.at)
        assert [d["channel"] for d in state.deliveries] == [item.account]  # one account per queued campaign


def test_next_free_shows_the_slot_without_taking_it(any_store, settings, seed_path):
    queue.set_slots(any_store, "bluesky", "daily 13:00", "Europe/Berlin")
    article_id = seed_article(any_store, seed_path)

    shown = queue.next_free(any_store, ["bluesky", "mastodon:work"], now=FRIDAY_NOON)
    [taken] = queue.add_to_queue(any_store, settings, article_id, ["bluesky"], now=FRIDAY_NOON)

    assert shown == {"bluesky": taken.at, "mastodon:work": None}
    assert berlin(queue.next_free(any_store, ["bluesky"], now=FRIDAY_NOON)["bluesky"]) == "Sat 13:00"


def test_a_cancelled_queued_post_frees_its_slot(any_store, settings, seed_path):
    queue.set_slots(any_store, "bluesky", "daily 13:00", "Europe/Berlin")
    first, second = seed_article(any_store, seed_path), _another_article(any_store, seed_path)
    [cancelled] = queue.add_to_queue(any_store, settings, first, ["bluesky"], now=FRIDAY_NOON)

    assert campaigns.cancel(any_store, cancelled.campaign_id) == 1
    [taken] = queue.add_to_queue(any_store, settings, second, ["bluesky"], now=FRIDAY_NOON)

    assert taken.at == cancelled.at
    assert queue.upcoming(any_store, now=FRIDAY_NOON) == [taken]


def test_a_rescheduled_queued_post_frees_its_slot(store, settings, seed_path):
    queue.set_slots(store, "bluesky", "daily 13:00", "UTC")
    first, second = seed_article(store, seed_path), _another_article(store, seed_path)
    now = datetime.now(UTC)
    [moved] = queue.add_to_queue(store, settings, first, ["bluesky"], now=now)

    campaigns.reschedule(store, moved.campaign_id, moved.at + timedelta(hours=2))
    [taken] = queue.add_to_queue(store, settings, second, ["bluesky"], now=now)

    assert taken.at == moved.at


def test_an_account_without_slots_refuses_the_whole_request(any_store, settings, seed_path):
    queue.set_slots(any_store, "bluesky", "daily 13:00", "Europe/Berlin")
    article_id = seed_article(any_store, seed_path)

    with pytest.raises(PublisherError, match="mastodon:work has no posting slots; set them first"):
        queue.add_to_queue(any_store, settings, article_id, ["bluesky", "mastodon:work"], now=FRIDAY_NOON)

    assert _count(any_store, Campaign) == 0 and _count(any_store, QueuedPost) == 0


def test_queueing_an_article_already_queued_on_an_account_is_refused_unless_forced(any_store, settings, seed_path):
    queue.set_slots(any_store, "bluesky", "daily 13:00", "Europe/Berlin")
    article_id = seed_article(any_store, seed_path)
    queue.add_to_queue(any_store, settings, article_id, ["bluesky"], now=FRIDAY_NOON)

    with pytest.raises(AlreadyShared, match="already shared to bluesky at \\(still queued\\)"):
        queue.add_to_queue(any_store, settings, article_id, ["bluesky"], now=FRIDAY_NOON)
    again = queue.add_to_queue(any_store, settings, article_id, ["bluesky"], force=True, now=FRIDAY_NOON)

    assert berlin(again[0].at) == "Sat 13:00"


def test_slots_are_replaced_and_cleared(any_store, settings):
    queue.set_slots(any_store, "bluesky", "daily 13:00", "Europe/Berlin")
    queue.set_slots(any_store, "bluesky", "mon-fri 08:00 and 12:00", "Asia/Tokyo")

    assert str(queue.get_slots(any_store, "bluesky")) == "weekdays 08:00, 12:00 (Asia/Tokyo)"
    assert list(queue.all_slots(any_store)) == ["bluesky"]
    assert queue.clear_slots(any_store, "bluesky") is True
    assert queue.get_slots(any_store, "bluesky") is None and queue.clear_slots(any_store, "bluesky") is False


def test_the_sweep_starts_a_due_queued_post_once_and_shares_nothing_else(any_store, monkeypatch, seed_path):
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    monkeypatch.setenv("PUBLISHER_SHARE_ON_DIGEST", "mastodon:work")  # rides on digests only, not on shares
    settings = Settings()
    queue.set_slots(any_store, "bluesky", "daily 13:00", "Europe/Berlin")
    article_id = seed_article(any_store, seed_path)
    [item] = queue.add_to_queue(any_store, settings, article_id, ["bluesky"], now=FRIDAY_NOON)
    before, dispatcher = services_at(any_store, settings, item.at - timedelta(seconds=1))
    after = build(settings, store=any_store, dispatcher=dispatcher, clock=FixedClock(item.at))

    service.sweep(before, stalled_only=True)
    assert dispatcher.calls == []
    service.sweep(after, stalled_only=True)
    again = campaigns.start_due(any_store, settings, dispatcher, now=item.at + timedelta(minutes=1))

    assert [(c[0], c[1], c[4]) for c in dispatcher.calls] == [(item.campaign_id, "bluesky", "share.bluesky")]
    assert again == []  # started once: the next sweeper finds nothing to start
    assert campaigns.status(any_store, item.campaign_id).state == "sending"
    assert _count(any_store, Campaign) == 1  # no auto-share of a share


def test_a_share_with_a_time_is_scheduled_not_dispatched(any_store, settings, seed_path):
    article_id = seed_article(any_store, seed_path)
    s, dispatcher = services_at(any_store, settings, datetime.now(UTC))
    at = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)

    campaign_id = service.share(s, article_id, ["bluesky", "mastodon:work"], send_at=at)

    state = campaigns.status(any_store, campaign_id, with_deliveries=True)
    assert (state.state, state.scheduled_at, state.pending) == ("scheduled", at, 2)
    assert dispatcher.calls == []
    assert queue.upcoming(any_store) == []  # a share at a time takes no posting slot


@pytest.mark.parametrize(
    ("send_at", "problem"),
    [
        (datetime(2027, 1, 1, 9, 0), "has no UTC offset"),
        (datetime.now(UTC) - timedelta(minutes=1), "is in the past"),
        (datetime.now(UTC) + timedelta(days=400), "more than a year ahead"),
    ],
)
def test_a_share_at_a_bad_time_is_refused_and_nothing_is_stored(store, settings, seed_path, send_at, problem):
    article_id = seed_article(store, seed_path)
    s, _ = services_at(store, settings, datetime.now(UTC))

    with pytest.raises(PublisherError, match=problem):
        service.share(s, article_id, ["bluesky"], send_at=send_at)

    assert _count(store, Campaign) == 0 and _count(store, OutboxRow) == 0


def _another_article(store: Store, seed_path) -> int:
    return seed_article(store, seed_path.parent / "library-opens-late.md")


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_two_editors_queueing_at_once_on_postgresql_take_different_slots(settings, seed_path):
    with postgres_database() as url:
        store = Store(url)
        try:
            queue.set_slots(store, "bluesky", "daily 13:00", "Europe/Berlin")
            articles = [seed_article(store, seed_path), _another_article(store, seed_path)]
            start = threading.Barrier(2)
            taken: list[queue.QueuedShare] = []
            failed: list[BaseException] = []

            def add(article_id: int) -> None:
                start.wait()
                try:
                    taken.extend(queue.add_to_queue(store, settings, article_id, ["bluesky"], now=FRIDAY_NOON))
                except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                    failed.append(exc)

            threads = [threading.Thread(target=add, args=(a,)) for a in articles]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            store.dispose()

    assert failed == []
    assert sorted(berlin(q.at) for q in taken) == ["Fri 13:00", "Sat 13:00"]
