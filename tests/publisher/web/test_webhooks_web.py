"""The Webhooks page, the event log page and the webhook API (issue 16), through the real HTTP app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from publisher import delivery, editors, runtime
from publisher.automation import webhook_endpoints, webhooks
from publisher.config import Settings
from publisher.states import EventType
from publisher.store import Store
from publisher.store.events import emit
from publisher.store.models import OutboxRow
from tests.publisher.web.conftest import csrf_of
from tests.support.factories import RecordingDispatcher
from tests.support.hook_receiver import HookReceiver, hook_receiver
from tests.support.web import LiveServer


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with hook_receiver() as r:
        yield r


def delivered_event(store: Store, settings: Settings, receiver: HookReceiver, *statuses: int) -> int:
    """An endpoint, an event and its delivery, answered with these statuses; returns the endpoint id."""
    endpoint_id, _ = webhook_endpoints.add_endpoint(store, settings, receiver.url, ["*"], "CRM sync")
    with store.session() as session:
        emit(session, EventType.SUBSCRIBER_CONFIRMED, {"email": "ana@example.com"})
    services = runtime.build(settings, store=store, dispatcher=RecordingDispatcher())
    webhooks.fan_out(services, now=services.clock.now())
    receiver.answer(*statuses)
    for campaign_id, channel, first, last, _ in services.dispatcher.calls:  # type: ignore[attr-defined]
        delivery.deliver_batch(store, settings, campaign_id, channel, first, last)
    return endpoint_id


def test_an_endpoint_added_on_the_page_shows_its_secret_once(editor: httpx.Client):
    page = editor.get("/editor/webhooks")
    assert page.status_code == 200 and 'href="/editor/automation"' in page.text  # the nav's one link for it
    assert 'href="/editor/webhooks"' in editor.get("/editor/automation").text

    added = editor.post(
        "/editor/webhooks",
        data={"csrf_token": csrf_of(page.text), "url": "https://hooks.example.org/p", "event": ["digest.sent"]},
    )

    assert added.status_code == 200 and "Endpoint 1 added." in added.text
    secret = added.text.split('<code id="new-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_")
    again = editor.get("/editor/webhooks")
    assert secret not in again.text and "https://hooks.example.org/p" in again.text and "digest.sent" in again.text


def test_a_bad_url_or_no_event_is_refused_naming_the_problem(editor: httpx.Client, store: Store):
    csrf = csrf_of(editor.get("/editor/webhooks").text)

    ftp = editor.post("/editor/webhooks", data={"csrf_token": csrf, "url": "ftp://x.example", "event": ["*"]})
    none = editor.post("/editor/webhooks", data={"csrf_token": csrf, "url": "https://x.example"})

    assert ftp.status_code == 422 and "must start with https://" in ftp.text
    assert none.status_code == 422 and "choose at least one event type" in none.text
    assert webhook_endpoints.list_endpoints(store) == []  # nothing stored


def test_a_delivery_shows_its_state_response_and_attempts_and_replay_queues_it_again(
    editor: httpx.Client, store: Store, settings: Settings, receiver: HookReceiver, dispatcher: RecordingDispatcher
):
    delivered_event(store, settings, receiver, 404)
    page = editor.get("/editor/webhooks")
    row = page.text.split("data-delivery=")[1]
    assert "subscriber.confirmed" in row and "failed" in row and '<td class="status">404</td>' in row
    row_id = int(row.split('"')[1])

    replayed = editor.post(f"/editor/webhooks/deliveries/{row_id}/replay", data={"csrf_token": csrf_of(page.text)})

    assert replayed.status_code == 200 and "queued again, with the same webhook-id" in replayed.text
    with store.session() as session:
        again = session.get(OutboxRow, row_id)
        assert (again.state, again.attempts) == ("queued", 0)
    assert [call[4] for call in dispatcher.calls] == ["share.hook"]


def test_rotate_disable_enable_and_remove(editor: httpx.Client, store: Store, settings: Settings):
    endpoint_id, old = webhook_endpoints.add_endpoint(store, settings, "https://h.example/x", ["*"])
    csrf = csrf_of(editor.get("/editor/webhooks").text)

    rotated = editor.post(f"/editor/webhooks/{endpoint_id}/rotate", data={"csrf_token": csrf})
    assert "has a new secret" in rotated.text and old not in rotated.text and '<code id="new-secret">' in rotated.text
    assert editor.post(f"/editor/webhooks/{endpoint_id}/disable", data={"csrf_token": csrf}).status_code == 303
    assert "disabled by the editor" in editor.get("/editor/webhooks").text
    assert editor.post(f"/editor/webhooks/{endpoint_id}/enable", data={"csrf_token": csrf}).status_code == 303
    assert webhook_endpoints.get_endpoint(store, endpoint_id).enabled
    removed = editor.post(f"/editor/webhooks/{endpoint_id}/remove", data={"csrf_token": csrf})
    assert "Endpoint 1 removed." in removed.text and webhook_endpoints.list_endpoints(store) == []


def test_a_form_without_its_csrf_token_changes_nothing(editor: httpx.Client, store: Store):
    refused = editor.post("/editor/webhooks", data={"url": "https://h.example/x", "event": ["*"]})
    assert refused.status_code in (400, 403) and webhook_endpoints.list_endpoints(store) == []


def test_the_event_log_lists_events_and_filters_by_type(editor: httpx.Client, store: Store):
    with store.session() as session:
        emit(session, EventType.ARTICLE_PUBLISHED, {"article_id": 1, "title": "Harbour bridge"})
        emit(session, EventType.SUBSCRIBER_CONFIRMED, {"email": "ana@example.com"})

    everything = editor.get("/editor/events")
    only = editor.get("/editor/events", params={"type": "article.published"})
    unknown = editor.get("/editor/events", params={"type": "nope"})

    assert "Harbour bridge" in everything.text and "ana@example.com" in everything.text
    assert "Harbour bridge" in only.text and "ana@example.com" not in only.text
    assert unknown.status_code == 400 and "unknown event type &#39;nope&#39;" in unknown.text


# --- the API ---


def test_the_api_adds_lists_and_removes_endpoints_showing_the_secret_only_when_added(robot_api: httpx.Client):
    added = robot_api.post("/api/webhooks", json={"url": "https://h.example/x", "event_types": ["post.failed"]})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["post.failed"] and body["enabled"]

    listed = robot_api.get("/api/webhooks").json()
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert body["secret"] not in robot_api.get("/api/webhooks").text

    assert robot_api.delete(f"/api/webhooks/{body['id']}").status_code == 204
    gone = robot_api.delete(f"/api/webhooks/{body['id']}")
    assert gone.status_code == 404 and "no webhook endpoint with id" in gone.text


def test_the_api_refuses_an_unknown_event_type_naming_it(robot_api: httpx.Client):
    refused = robot_api.post("/api/webhooks", json={"url": "https://h.example/x", "event_types": ["post.liked"]})
    assert refused.status_code == 422 and "unknown event type 'post.liked'" in refused.text


def test_the_api_lists_events_and_deliveries_and_replays_one(
    robot_api: httpx.Client, store: Store, settings: Settings, receiver: HookReceiver
):
    delivered_event(store, settings, receiver, 500)
    with store.session() as session:
        emit(session, EventType.ARTICLE_PUBLISHED, {"article_id": 1})

    events = robot_api.get("/api/events", params={"type": "subscriber.confirmed"}).json()
    assert [e["type"] for e in events] == ["subscriber.confirmed"] and events[0]["data"]["email"] == "ana@example.com"
    assert robot_api.get("/api/events", params={"type": "nope"}).status_code == 422
    [shown] = robot_api.get("/api/webhooks/deliveries").json()
    assert (shown["state"], shown["status"], shown["attempts"]) == ("queued", 500, 1)
    assert shown["webhook_id"] == f"evt_{events[0]['id']}"

    assert robot_api.post(f"/api/webhooks/deliveries/{shown['id']}/replay").status_code == 202
    assert robot_api.post("/api/webhooks/deliveries/999/replay").status_code == 404
    with store.session() as session:
        assert session.scalar(select(OutboxRow.attempts).where(OutboxRow.id == shown["id"])) == 0


def test_a_read_only_token_may_list_but_not_add(live_server: LiveServer, store: Store):
    editors.add_user(store, "reader", "a long enough password")
    token = editors.create_token(store, "reader", "ro", ["read"])
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        assert client.get("/api/webhooks").status_code == 200
        refused = client.post("/api/webhooks", json={"url": "https://h.example/x", "event_types": ["*"]})
    assert refused.status_code == 403 and "write" in refused.text
