"""Scheduled sends in the editor's Send form, on the campaign page, and in the API (issue 7)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from publisher import campaigns, editors
from publisher.store import Store
from publisher.store.models import Campaign
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.web import LiveServer

from .conftest import csrf_of


def _post(client: httpx.Client, page: str, data: dict) -> httpx.Response:
    return client.post(page, data={"csrf_token": csrf_of(client.get(page).text), **data})


def test_send_at_a_time_shows_the_time_to_confirm_then_schedules_without_dispatching(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 3)
    page = f"/editor/articles/{article_id}/send"
    form = editor.get(page).text
    assert 'type="datetime-local"' in form and 'value="+01:00"' in form and "/static/send-time.js" in form
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    local = (when + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")  # the same moment in UTC+01:00

    confirm = _post(editor, page, {"list": "readers", "when": "later", "send_at_local": local, "tz_offset": "+01:00"})

    assert confirm.status_code == 200
    assert f"(UTC+01:00), {when:%Y-%m-%d %H:%M} UTC" in confirm.text
    assert "Yes, schedule for 3 subscribers" in confirm.text
    hidden = html.unescape(confirm.text.split('name="send_at" value="', 1)[1].split('"', 1)[0])
    assert datetime.fromisoformat(hidden) == when
    done = editor.post(
        page,
        data={
            "csrf_token": csrf_of(confirm.text),
            "list": "readers",
            "when": "later",
            "send_at": hidden,
            "confirm": "yes",
        },
    )
    assert done.status_code == 303
    campaign_id = int(done.headers["location"].rsplit("/", 1)[1])
    state = campaigns.status(store, campaign_id)
    assert (state.state, state.scheduled_at, state.total) == ("scheduled", when, 3)
    assert dispatcher.calls == []

    shown = editor.get(done.headers["location"]).text
    assert f'Scheduled for <time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M} UTC</time>' in shown
    progress = editor.get(f"/editor/campaigns/{campaign_id}/progress").json()
    assert progress["scheduled_at"] == when.isoformat() and progress["can_cancel"] and not progress["can_pause"]
    cancelled = editor.post(f"/editor/campaigns/{campaign_id}/cancel", data={"csrf_token": csrf_of(shown)})
    assert cancelled.status_code == 303
    assert campaigns.status(store, campaign_id).state == "cancelled"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"send_at_local": ""}, "Choose the date and time to send at"),
        ({"send_at_local": "2020-01-01T09:00"}, "is in the past"),
        ({"send_at_local": "tomorrow"}, "is not a date and time such as"),
        ({"send_at_local": "2030-02-30T09:00"}, "is not a date and time such as"),
        ({"send_at_local": "2026-12-01T09:00", "tz_offset": "Europe/Paris"}, "is not a UTC offset"),
    ],
)
def test_a_bad_send_time_is_named_and_nothing_is_queued(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher, fields, message
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 2)
    page = f"/editor/articles/{article_id}/send"

    refused = _post(editor, page, {"list": "readers", "when": "later", "confirm": "yes", **fields})

    assert refused.status_code == 422
    assert message in html.unescape(refused.text)
    assert 'value="later" checked' in refused.text  # the form comes back as the editor left it
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def test_api_send_at_schedules_and_reschedule_moves_it(
    api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 2)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)

    sent = api.post(
        "/api/campaigns/send",
        json={"article_ids": [article_id], "list_name": "news", "send_at": when.isoformat().replace("+00:00", "Z")},
    )

    assert sent.status_code == 201
    body = sent.json()
    assert (body["state"], datetime.fromisoformat(body["scheduled_at"]), body["total"]) == ("scheduled", when, 2)
    assert dispatcher.calls == []
    assert datetime.fromisoformat(api.get(f"/api/campaigns/{body['id']}").json()["scheduled_at"]) == when
    later = when + timedelta(days=1)
    moved = api.post(f"/api/campaigns/{body['id']}/reschedule", json={"send_at": later.isoformat()})
    assert moved.status_code == 200 and datetime.fromisoformat(moved.json()["scheduled_at"]) == later
    now_body = {"article_ids": [article_id], "list_name": "news", "force": True}  # the same digest, scheduled too
    now = api.post("/api/campaigns/send", json=now_body).json()
    assert now["scheduled_at"] is None and [c[0] for c in dispatcher.calls] == [now["id"]]


@pytest.mark.parametrize(
    ("send_at", "message"),
    [("2026-12-01T09:00:00", "has no UTC offset"), ("2020-01-01T00:00:00Z", "is in the past")],
)
def test_api_refuses_a_naive_or_past_send_at(api: httpx.Client, store: Store, seed_path: Path, send_at, message):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 1)

    refused = api.post(
        "/api/campaigns/send", json={"article_ids": [article_id], "list_name": "news", "send_at": send_at}
    )

    assert refused.status_code == 422 and message in refused.json()["detail"]
    assert api.get("/api/campaigns").json() == []
