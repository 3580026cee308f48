"""Webhook endpoints (issue 16): what is checked when one is added, its secret's keeping, and the answers
that are retried later (429 with its Retry-After, no answer) rather than failed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from publisher import delivery, runtime
from publisher.automation import webhook_endpoints, webhooks
from publisher.config import Settings
from publisher.errors import ConfigError, PublisherError
from publisher.states import CampaignState, EventType
from publisher.store import Store
from publisher.store.automation import EventRow, WebhookEndpoint
from publisher.store.events import emit
from publisher.store.models import Campaign, OutboxRow
from publisher.store.types import aware_utc
from tests.support.factories import RecordingDispatcher
from tests.support.hook_receiver import HookReceiver, hook_receiver


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with hook_receiver() as r:
        yield r


@pytest.fixture
def services(settings: Settings, store: Store) -> runtime.Services:
    return runtime.build(settings, store=store, dispatcher=RecordingDispatcher())


def deliver(services: runtime.Services) -> None:
    calls, services.dispatcher.calls = services.dispatcher.calls, []  # type: ignore[attr-defined]
    for campaign_id, channel, first, last, _ in calls:
        delivery.deliver_batch(services.store, services.settings, campaign_id, channel, first, last)


def one_event(services: runtime.Services) -> None:
    with services.store.session() as session:
        emit(session, EventType.DIGEST_SENT, {"campaign_id": 7})
    webhooks.fan_out(services, now=services.clock.now())


@pytest.mark.parametrize(
    ("url", "types", "problem"),
    [
        ("ftp://h.example/x", ["*"], "must start with https://"),
        ("https:///nohost", ["*"], "has no host"),
        ("https://h.example/a b", ["*"], "one line without spaces"),
        ("", ["*"], "needs a URL"),
        ("https://h.example/x", [], "choose at least one event type"),
        ("https://h.example/x", ["digest.sent", "post.liked"], "unknown event type 'post.liked'; known: "),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_problem_and_nothing_is_stored(store, settings, url, types, problem):
    with pytest.raises(PublisherError, match=problem):
        webhook_endpoints.add_endpoint(store, settings, url, types)
    assert webhook_endpoints.list_endpoints(store) == []


def test_every_type_is_one_star_and_types_are_kept_sorted(store, settings):
    all_id, _ = webhook_endpoints.add_endpoint(store, settings, "https://h.example/a", ["digest.sent", "*"])
    some_id, _ = webhook_endpoints.add_endpoint(store, settings, "https://h.example/b", ["post.failed", "digest.sent"])
    assert webhook_endpoints.get_endpoint(store, all_id).event_types == ["*"]
    assert webhook_endpoints.get_endpoint(store, some_id).event_types == ["digest.sent", "post.failed"]


def test_without_a_secret_key_no_endpoint_is_stored(store, monkeypatch):
    monkeypatch.delenv("PUBLISHER_SECRET_KEY")
    with pytest.raises(ConfigError, match="PUBLISHER_SECRET_KEY is not set"):
        webhook_endpoints.add_endpoint(store, Settings(), "https://h.example/x", ["*"])
    assert webhook_endpoints.list_endpoints(store) == []


def test_the_secret_is_stored_sealed_and_rotating_it_replaces_it(store, settings):
    endpoint_id, secret = webhook_endpoints.add_endpoint(store, settings, "https://h.example/x", ["*"])
    with store.session() as session:
        sealed = session.get(WebhookEndpoint, endpoint_id).sealed_secret
    assert secret.startswith("whsec_") and secret not in sealed and sealed.startswith("v1:")

    rotated = webhook_endpoints.rotate_secret(store, settings, endpoint_id)
    assert rotated != secret and rotated.startswith("whsec_")


def test_rekey_reseals_every_secret_under_the_new_key_all_or_nothing(store, settings, monkeypatch, receiver):
    webhook_endpoints.add_endpoint(store, settings, receiver.url, ["*"])
    monkeypatch.setenv("PUBLISHER_SECRET_KEY", "the-new-key")
    new = Settings()

    assert webhook_endpoints.rekey(store, "test-secret-key", new) == 1
    assert webhook_endpoints.rekey(store, "test-secret-key", new) == 1  # again: harmless
    services = runtime.build(new, store=store, dispatcher=RecordingDispatcher())
    one_event(services)
    deliver(services)
    assert [r.status for r in receiver.requests] == [200]


def test_a_429_waits_the_receivers_retry_after_and_no_answer_is_retried(services, receiver, monkeypatch):
    monkeypatch.setattr(services.settings, "share_timeout", 0.5)
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    receiver.answer(429)
    receiver.headers = {"Retry-After": "120"}
    one_event(services)
    before = services.clock.now()
    deliver(services)
    with services.store.session() as session:
        row = session.scalar(select(OutboxRow))
        assert (row.state, row.attempts, row.payload["status"]) == ("queued", 1, 429)
        assert (aware_utc(row.next_attempt_at) - before).total_seconds() >= 119
        row.next_attempt_at = None  # due now
        retry = (row.campaign_id, row.channel, row.id, row.id)

    receiver.headers, receiver.delay = {}, 2.0  # longer than the timeout: no answer
    delivery.deliver_batch(services.store, services.settings, *retry)
    with services.store.session() as session:
        row = session.scalar(select(OutboxRow))
        assert (row.state, row.attempts, row.payload["status"]) == ("queued", 2, None)
        assert "timed out" in row.error


def test_a_backlog_is_fanned_out_a_batch_at_a_time_in_one_sweep(services, receiver, monkeypatch):
    monkeypatch.setattr(services.settings, "webhook_fan_out_batch", 2)
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    with services.store.session() as session:
        for n in range(5):
            emit(session, EventType.ARTICLE_PUBLISHED, {"article_id": n})

    assert webhooks.fan_out(services, now=services.clock.now()) == 5
    with services.store.session() as session:
        assert session.scalars(select(EventRow.delivery_campaign_id)).all() == [1, 2, 3, 4, 5]


def test_a_paused_delivery_says_why(services, receiver, monkeypatch):
    webhook_endpoints.add_endpoint(services.store, services.settings, receiver.url, ["*"])
    one_event(services)
    monkeypatch.delenv("PUBLISHER_SECRET_KEY")
    deliver(runtime.build(Settings(), store=services.store, dispatcher=services.dispatcher))  # a worker without it

    [shown] = webhooks.deliveries(services.store)
    with services.store.session() as session:
        assert session.scalar(select(Campaign.state)) == CampaignState.PAUSED
    assert shown.state == "queued" and shown.error.startswith("paused: delivery cannot start as configured")
    assert "PUBLISHER_SECRET_KEY is not set" in shown.error and receiver.requests == []
