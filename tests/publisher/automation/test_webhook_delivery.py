"""Event webhooks delivered as the worker delivers them (delivery.deliver_batch), to a real local receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from publisher import delivery, runtime
from publisher.automation import webhook_endpoints, webhooks
from publisher.config import Settings
from publisher.states import CampaignState, EventType
from publisher.store import Store
from publisher.store.automation import EventRow
from publisher.store.events import emit
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import RecordingDispatcher
from tests.support.hook_receiver import HookReceiver, hook_receiver


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_RETRY_BASE_SECONDS", "0")  # a retry is due at once: no waiting in tests
    return Settings()


@pytest.fixture
def services(settings: Settings, store: Store) -> runtime.Services:
    return runtime.build(settings, store=store, dispatcher=RecordingDispatcher())


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with hook_receiver() as r:
        yield r


def deliver_everything(services: runtime.Services, rounds: int = 10) -> None:
    """Run every dispatched batch as the worker would, again while rows wait for a retry."""
    dispatcher = services.dispatcher
    assert isinstance(dispatcher, RecordingDispatcher)
    for _ in range(rounds):
        calls, dispatcher.calls = dispatcher.calls, []
        retry = []
        for campaign_id, channel, first, last, queue in calls:
            assert queue == "share.hook"
            outcome = delivery.deliver_batch(services.store, services.settings, campaign_id, channel, first, last)
            if outcome.retry_in is not None:
                retry.append((campaign_id, channel, first, last, queue))
        dispatcher.calls.extend(retry)
        if not dispatcher.calls:
            return
    raise AssertionError("deliveries still pending")


def event(store: Store, type: EventType = EventType.ARTICLE_PUBLISHED, **data: object) -> int:
    with store.session() as session:
        row = emit(session, type, {"article_id": 1, **data})
        session.flush()
        return row.id


def rows(store: Store) -> list[OutboxRow]:
    with store.session() as session:
        found = list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
        session.expunge_all()
        return found


def test_a_receiver_failing_twice_then_answering_200_processes_each_event_once_signed(services, receiver):
    endpoint_id, secret = webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    ids = [event(services.store, title=f"Story {n}") for n in range(3)]
    receiver.fail_each(2)

    assert webhooks.fan_out(services, now=services.clock.now()) == 3
    deliver_everything(services)

    acknowledged = receiver.acknowledged()
    assert sorted(acknowledged) == sorted(f"evt_{i}" for i in ids)  # one processed delivery per event
    for event_id in ids:  # retried, with the same webhook-id every time
        assert [r.status for r in receiver.requests if r.webhook_id == f"evt_{event_id}"] == [500, 500, 200]
    verifier = Webhook(secret)
    for request in receiver.requests:
        verifier.verify(request.body, request.headers)  # the reference library accepts every signature
    body = json.loads(acknowledged[f"evt_{ids[1]}"].body)
    assert body["type"] == "article.published" and body["data"]["title"] == "Story 1"
    assert body["timestamp"].endswith("Z")
    delivered = rows(services.store)
    assert [(r.recipient_id, r.state, r.payload["status"]) for r in delivered] == [(endpoint_id, "sent", 200)] * 3
    assert delivered[0].attempts == 3


def test_a_wrong_secret_is_caught_by_the_receivers_check(services, receiver):
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["article.published"])
    event(services.store)
    webhooks.fan_out(services, now=services.clock.now())
    deliver_everything(services)

    other = webhook_endpoints.new_secret()
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other).verify(receiver.requests[0].body, receiver.requests[0].headers)


def test_an_endpoint_answering_410_is_disabled_and_sent_nothing_more(services, receiver):
    endpoint_id, _ = webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    event(services.store)
    receiver.answer(410)
    webhooks.fan_out(services, now=services.clock.now())
    deliver_everything(services)

    gone = webhook_endpoints.get_endpoint(services.store, endpoint_id)
    assert not gone.enabled and gone.disabled_reason.startswith("answered 410 Gone at ")
    [row] = rows(services.store)
    assert (row.state, row.payload["status"], row.attempts) == ("failed", 410, 1)
    assert "(410)" in row.error and receiver.url not in row.error

    event(services.store)
    webhooks.fan_out(services, now=services.clock.now())
    assert len(rows(services.store)) == 1 and len(receiver.requests) == 1  # a disabled endpoint gets no row


def test_other_4xx_fail_at_once_and_5xx_retry_until_the_attempts_run_out(services, receiver, monkeypatch):
    monkeypatch.setattr(services.settings, "max_attempts", 2)
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    event(services.store)
    event(services.store)
    receiver.answer(400, 503, 503)
    webhooks.fan_out(services, now=services.clock.now())
    deliver_everything(services)

    refused, gave_up = rows(services.store)
    assert (refused.state, refused.attempts, refused.payload["status"]) == ("failed", 1, 400)
    assert (gave_up.state, gave_up.attempts, gave_up.payload["status"]) == ("failed", 2, 503)
    assert gave_up.error.startswith("gave up after 2 attempts")


def test_replay_sends_the_same_webhook_id_again(services, receiver):
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    event_id = event(services.store)
    webhooks.fan_out(services, now=services.clock.now())
    deliver_everything(services)
    [row] = rows(services.store)
    with services.store.session() as session:
        assert session.get(Campaign, row.campaign_id).state == CampaignState.DONE

    webhooks.replay(services, row.id)
    deliver_everything(services)

    assert [r.webhook_id for r in receiver.requests] == [f"evt_{event_id}"] * 2
    assert receiver.requests[0].body == receiver.requests[1].body
    [again] = rows(services.store)
    assert (again.state, again.attempts) == ("sent", 1)
    [shown] = webhooks.deliveries(services.store)
    assert (shown.event_type, shown.state, shown.status, shown.webhook_id) == (
        "article.published",
        "sent",
        200,
        f"evt_{event_id}",
    )


def test_an_event_no_endpoint_wants_is_marked_and_makes_no_campaign(services, receiver):
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["subscriber.confirmed"])
    event_id = event(services.store, EventType.ARTICLE_PUBLISHED)

    assert webhooks.fan_out(services, now=services.clock.now()) == 1
    assert webhooks.fan_out(services, now=services.clock.now()) == 0
    with services.store.session() as session:
        row = session.get(EventRow, event_id)
        assert row.fanned_out_at is not None and row.delivery_campaign_id is None
    assert rows(services.store) == []


def test_a_removed_endpoints_queued_delivery_is_suppressed_saying_why(services, receiver):
    endpoint_id, _ = webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    event(services.store)
    webhooks.fan_out(services, now=services.clock.now())
    webhook_endpoints.remove_endpoint(services.store, endpoint_id)
    deliver_everything(services)

    [row] = rows(services.store)
    assert (row.state, row.error) == ("suppressed", "the webhook endpoint was removed")
    assert receiver.requests == []
