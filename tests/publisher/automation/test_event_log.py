"""Each action writes its event to the log, in its own transaction (issue 16): one table of actions.

Also: two sweepers fan each event out once (PostgreSQL, threads), and erasing a reader erases their events.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import consent, delivery, editing, preferences, privacy, runtime, subscriber_links, subscribers
from publisher.automation import webhook_endpoints, webhooks
from publisher.bounces.apply import record as record_bounce
from publisher.bounces.report import BounceReport
from publisher.campaigns import service
from publisher.campaigns.schedule import start_due
from publisher.config import Settings
from publisher.states import EventType
from publisher.store import Store
from publisher.store.automation import EventRow
from publisher.store.events import emit
from publisher.store.models import Campaign, MailingList, OutboxRow, Subscriber, Subscription
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.hook_receiver import HookReceiver, hook_receiver

READER = "ana@example.com"


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with hook_receiver() as r:
        yield r


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, receiver: HookReceiver) -> Settings:
    # A share account that refuses every post (the receiver answers 400): post.failed.
    refusing = receiver.url.replace("http", "webhook+http", 1)
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({"webhook:refusing": refusing}))
    return Settings()


@dataclass
class World:
    services: runtime.Services
    article_id: int
    receiver: HookReceiver

    @property
    def store(self) -> Store:
        return self.services.store

    def deliver(self) -> None:
        dispatcher = self.services.dispatcher
        assert isinstance(dispatcher, RecordingDispatcher)
        calls, dispatcher.calls = dispatcher.calls, []
        for campaign_id, channel, first, last, _ in calls:
            delivery.deliver_batch(self.store, self.services.settings, campaign_id, channel, first, last)

    def reader(self) -> tuple[int, int]:
        with self.store.session() as session:
            row = session.execute(
                select(Subscription.subscriber_id, Subscription.list_id)
                .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
                .where(Subscriber.email == READER)
            ).one()
            return row.subscriber_id, row.list_id

    def unsubscribe_token(self) -> str:
        subscriber_id, list_id = self.reader()
        return subscriber_links.unsubscribe_token(self.services.settings.signing_key(), subscriber_id, list_id, READER)


@pytest.fixture
def world(settings: Settings, store: Store, seed_path: Path, receiver: HookReceiver) -> World:
    with store.session() as session:
        session.add(MailingList(name="news"))
    subscribers.add_to_list(store, "news", [subscribers.NewSubscriber(READER, "Ana")])
    services = runtime.build(settings, store=store, dispatcher=RecordingDispatcher())
    return World(services, seed_article(store, seed_path), receiver)


def publish(w: World) -> None:
    editing.set_published(w.store, w.article_id, True)


def send_digest(w: World) -> None:
    service.send_digest(w.services, [w.article_id], "news", subject="The week")


def scheduled_digest_starts(w: World) -> None:
    later = w.services.clock.now() + timedelta(hours=1)
    service.send_digest(w.services, [w.article_id], "news", subject="The week", send_at=later)
    assert not [e for e in events(w.store) if e.type == "digest.sent"]  # scheduled is not sent yet
    start_due(w.store, w.services.settings, w.services.dispatcher, now=later)
    start_due(w.store, w.services.settings, w.services.dispatcher, now=later)  # a second sweeper: nothing


def finish_digest(w: World) -> None:
    send_digest(w)
    w.deliver()


def share_to_file(w: World) -> None:
    service.share(w.services, w.article_id, ["file"])
    w.deliver()


def share_refused(w: World) -> None:
    w.receiver.answer(400)
    service.share(w.services, w.article_id, ["webhook:refusing"])
    w.deliver()


def confirm(w: World) -> None:
    settings = w.services.settings
    consent.request_signup(w.store, settings, "new@example.com", list_name="news")
    with w.store.session() as session:
        sub = session.scalar(select(Subscription).where(Subscription.status == "unconfirmed"))
        token = consent.confirm_token(settings.signing_key(), sub.subscriber_id, sub.list_id, sub.confirm_nonce)
    consent.confirm(w.store, settings, token)


def unsubscribe_link(w: World) -> None:
    preferences.unsubscribe(w.store, w.services.settings, w.unsubscribe_token())


def leave_on_preferences_page(w: World) -> None:
    preferences.set_preferences(w.store, w.services.settings, w.unsubscribe_token(), set())


def editor_unsubscribes(w: World) -> None:
    preferences.unsubscribe_address(w.store, READER, "news")


def hard_bounce(w: World) -> None:
    with w.store.session() as session:
        record_bounce(session, w.services.settings, BounceReport(READER, "userunknown"), source="test", trusted=True)


def soft_bounces_past_the_limit(w: World) -> None:
    for n in range(w.services.settings.soft_bounce_limit):  # the last one suppresses
        with w.store.session() as session:
            report = BounceReport(READER, "mailboxfull", report_id=f"soft-{n}")
            record_bounce(session, w.services.settings, report, source="test", trusted=True)


def complaint(w: World) -> None:
    with w.store.session() as session:
        record_bounce(session, w.services.settings, BounceReport(READER, "feedback"), source="test", trusted=True)


ACTIONS: list[tuple[Callable[[World], None], EventType, set[str]]] = [
    (publish, EventType.ARTICLE_PUBLISHED, {"article_id", "title", "slug"}),
    (send_digest, EventType.DIGEST_SENT, {"campaign_id", "subject", "list"}),
    (scheduled_digest_starts, EventType.DIGEST_SENT, {"campaign_id", "subject", "list"}),
    (finish_digest, EventType.DIGEST_FINISHED, {"campaign_id", "subject", "list"}),
    (share_to_file, EventType.POST_PUBLISHED, {"campaign_id", "article_id", "channel", "url"}),
    (share_refused, EventType.POST_FAILED, {"campaign_id", "article_id", "channel", "error"}),
    (confirm, EventType.SUBSCRIBER_CONFIRMED, {"subscriber_id", "email", "list_id", "list"}),
    (unsubscribe_link, EventType.SUBSCRIBER_UNSUBSCRIBED, {"subscriber_id", "email", "list_id", "list"}),
    (leave_on_preferences_page, EventType.SUBSCRIBER_UNSUBSCRIBED, {"subscriber_id", "email", "list_id", "list"}),
    (editor_unsubscribes, EventType.SUBSCRIBER_UNSUBSCRIBED, {"subscriber_id", "email", "list_id", "list"}),
    (hard_bounce, EventType.SUBSCRIBER_BOUNCED, {"subscriber_id", "email", "reason", "campaign_id"}),
    (soft_bounces_past_the_limit, EventType.SUBSCRIBER_BOUNCED, {"subscriber_id", "email", "reason", "campaign_id"}),
    (complaint, EventType.SUBSCRIBER_COMPLAINED, {"subscriber_id", "email", "reason", "campaign_id"}),
]


def events(store: Store) -> list[EventRow]:
    with store.session() as session:
        found = list(session.scalars(select(EventRow).order_by(EventRow.id)))
        session.expunge_all()
        return found


@pytest.mark.parametrize(("action", "type", "keys"), ACTIONS, ids=[a.__name__ for a, _, _ in ACTIONS])
def test_each_action_emits_its_event_once_with_what_a_receiver_needs(world, action, type, keys):
    action(world)

    emitted = [e for e in events(world.store) if e.type == type]
    assert len(emitted) == 1, [e.type for e in events(world.store)]
    assert set(emitted[0].data) == keys
    assert "secret" not in json.dumps(emitted[0].data).lower()
    if type.value.startswith("subscriber."):
        assert emitted[0].subscriber_id is not None and "@" in emitted[0].data["email"]


def test_publishing_again_or_unsubscribing_again_emits_nothing_more(world):
    publish(world)
    publish(world)
    unsubscribe_link(world)
    unsubscribe_link(world)

    assert [e.type for e in events(world.store)] == ["article.published", "subscriber.unsubscribed"]


def test_the_one_click_unsubscribe_post_emits_unsubscribed(world, settings, store):
    import httpx

    from publisher.web import create_app
    from tests.support.web import LiveServer

    server = LiveServer(create_app(settings, store)).start()
    try:
        answer = httpx.post(
            f"{server.url}/unsubscribe/{world.unsubscribe_token()}", data={"List-Unsubscribe": "One-Click"}, timeout=10
        )
    finally:
        server.stop()

    assert answer.status_code == 200
    assert [e.type for e in events(store)] == ["subscriber.unsubscribed"]


def test_erasing_a_reader_erases_their_events(world):
    confirm(world)
    unsubscribe_link(world)
    publish(world)

    privacy.erase_subscriber(world.store, READER)

    left = events(world.store)
    assert [e.type for e in left] == ["subscriber.confirmed", "article.published"]  # new@example.com's stays
    assert all(READER not in json.dumps(e.data) for e in left)


def test_two_sweepers_at_once_fan_each_event_out_once_on_postgresql(settings, receiver):
    from tests.support.services import postgres_database

    with postgres_database(migrated=True) as url:
        store = Store(url)
        try:
            webhook_endpoints.add_endpoint(store, settings, receiver.url, ["*"])
            with store.session() as session:
                for n in range(40):
                    emit(session, EventType.ARTICLE_PUBLISHED, {"article_id": n})
            sweepers = [runtime.build(settings, store=store, dispatcher=RecordingDispatcher()) for _ in range(2)]
            counts: list[int] = []
            start = threading.Barrier(2)

            def sweep(services: runtime.Services) -> None:
                start.wait()
                counts.append(webhooks.fan_out(services, now=services.clock.now()))

            threads = [threading.Thread(target=sweep, args=(s,)) for s in sweepers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

            assert sum(counts) == 40
            with store.session() as session:
                assert session.scalar(select(func.count()).select_from(Campaign)) == 40
                assert session.scalar(select(func.count()).select_from(OutboxRow)) == 40
                assert session.scalar(select(func.count()).where(EventRow.fanned_out_at.is_(None))) == 0
            dispatched = [c for s in sweepers for c in s.dispatcher.calls]  # type: ignore[attr-defined]
            assert len(dispatched) == len({c[0] for c in dispatched}) == 40
        finally:
            store.dispose()
