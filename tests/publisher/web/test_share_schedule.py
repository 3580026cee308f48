"""Scheduled shares and the posting queue in the editor's Share page, the Channels page and the API (issue 14)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from publisher import campaigns, editors
from publisher.campaigns import queue
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.web import LiveServer

from .conftest import csrf_of

ACCOUNTS = {"mastodon:work": "mastodon://tok-secret@social.example", "bluesky": "bluesky://me.example:pw-secret@"}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    return Settings()


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def _hidden(page: str, name: str) -> str:
    return html.unescape(page.split(f'name="{name}" value="', 1)[1].split('"', 1)[0])


def test_schedule_on_the_share_page_confirms_the_time_then_schedules_without_dispatching(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    form = editor.get(page).text
    assert 'type="datetime-local"' in form and 'value="queue"' in form and "/static/send-time.js" in form
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    local = (when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")  # the same moment in UTC+02:00
    chosen = {"channel": ["bluesky", "mastodon:work"], "when": "later", "send_at_local": local, "tz_offset": "+02:00"}

    confirm = editor.post(page, data={"csrf_token": csrf_of(form), **chosen})

    assert confirm.status_code == 200, confirm.text
    assert f"(UTC+02:00), {when:%Y-%m-%d %H:%M} UTC" in confirm.text and "Yes, schedule it" in confirm.text
    assert datetime.fromisoformat(_hidden(confirm.text, "send_at")) == when
    done = editor.post(
        page,
        data={
            "csrf_token": csrf_of(confirm.text),
            "channel": ["bluesky", "mastodon:work"],
            "when": "later",
            "send_at": _hidden(confirm.text, "send_at"),
            "confirm": "yes",
        },
    )
    assert done.status_code == 303
    campaign_id = int(done.headers["location"].rsplit("/", 1)[1])
    state = campaigns.status(store, campaign_id)
    assert (state.state, state.scheduled_at, state.total) == ("scheduled", when, 2)
    assert dispatcher.calls == []
    shown = editor.get(f"/editor/campaigns/{campaign_id}").text
    assert f'Scheduled for <time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M} UTC</time>' in shown
    listed = editor.get(page).text
    assert f'data-campaign="{campaign_id}"' in listed and "bluesky, mastodon:work" in listed


def test_a_scheduled_share_is_cancelled_from_the_share_page(
    editor: httpx.Client, store: Store, seed_path: Path, settings
):
    article_id = seed_article(store, seed_path)
    at = datetime.now(UTC) + timedelta(hours=4)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["bluesky"], send_at=at)
    page = editor.get(f"/editor/articles/{article_id}/share").text
    row = page.split(f'data-campaign="{campaign_id}"', 1)[1]

    cancelled = editor.post(f"/editor/campaigns/{campaign_id}/cancel", data={"csrf_token": csrf_of(row)})

    assert cancelled.status_code == 303
    assert campaigns.status(store, campaign_id).state == "cancelled"
    assert f'data-campaign="{campaign_id}"' not in editor.get(f"/editor/articles/{article_id}/share").text


def test_add_to_queue_on_the_share_page_shows_each_next_slot_then_takes_it(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    queue.set_slots(store, "bluesky", "daily 09:00", "Europe/Berlin")
    queue.set_slots(store, "mastodon:work", "weekdays 17:00", "America/New_York")
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    form = editor.get(page).text
    assert "bluesky: daily 09:00 (Europe/Berlin); next free " in form
    expected = queue.next_free(store, ["bluesky", "mastodon:work"])

    confirm = editor.post(
        page, data={"csrf_token": csrf_of(form), "channel": ["bluesky", "mastodon:work"], "when": "queue"}
    )

    assert confirm.status_code == 200
    assert "at each account's next free posting slot" in html.unescape(confirm.text)
    assert "Yes, add to the queues" in confirm.text
    done = editor.post(
        page,
        data={
            "csrf_token": csrf_of(confirm.text),
            "channel": ["bluesky", "mastodon:work"],
            "when": "queue",
            "confirm": "yes",
        },
    )
    assert (done.status_code, done.headers["location"]) == (303, f"{page}?queued=2")
    assert {(q.account, q.at) for q in queue.upcoming(store)} == set(expected.items())
    assert dispatcher.calls == []
    after = editor.get(done.headers["location"]).text
    assert "Added to 2 queues" in after and after.count("queue slot") == 2


def test_add_to_queue_without_slots_is_refused_naming_the_account(editor: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"

    refused = editor.post(
        page, data={"csrf_token": csrf_of(editor.get(page).text), "channel": ["bluesky"], "when": "queue"}
    )

    assert refused.status_code == 422
    assert "bluesky has no posting slots yet" in html.unescape(refused.text)
    assert queue.upcoming(store) == []


def test_the_channels_page_shows_each_accounts_posting_slots(editor: httpx.Client, store: Store):
    queue.set_slots(store, "bluesky", "weekdays 09:00, 17:00", "Europe/Berlin")

    page = editor.get("/editor/channels").text

    slots = page.split('id="posting-slots"', 1)[1]
    assert "weekdays 09:00, 17:00 (Europe/Berlin)" in slots
    assert 'data-account="mastodon:work"' in slots and "none" in slots


def test_api_share_at_a_time_schedules_it_and_cancel_cancels_it(
    api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)

    shared = api.post(
        "/api/campaigns/share",
        json={"article_id": article_id, "channels": ["bluesky"], "send_at": when.isoformat().replace("+00:00", "Z")},
    )

    assert shared.status_code == 201, shared.text
    body = shared.json()
    assert (body["state"], datetime.fromisoformat(body["scheduled_at"]), body["kind"]) == ("scheduled", when, "share")
    assert dispatcher.calls == []
    assert api.post(f"/api/campaigns/{body['id']}/cancel").json()["state"] == "cancelled"
    naive = api.post(
        "/api/campaigns/share", json={"article_id": article_id, "channels": ["bluesky"], "send_at": "2027-01-01T09:00"}
    )
    assert naive.status_code == 422 and "has no UTC offset" in naive.json()["detail"]


def test_api_sets_slots_and_queues_at_the_next_free_one(api: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)

    set_ = api.put(
        "/api/channels/bluesky/slots", json={"spec": "weekdays 09:00 and 17:00", "timezone": "Europe/Berlin"}
    )
    queued = api.post("/api/queue", json={"article_id": article_id, "channels": ["bluesky"]})

    assert set_.status_code == 200, set_.text
    assert (set_.json()["spec"], set_.json()["timezone"]) == ("weekdays 09:00, 17:00", "Europe/Berlin")
    assert queued.status_code == 201, queued.text
    [item] = queued.json()
    assert datetime.fromisoformat(item["at"]) == datetime.fromisoformat(set_.json()["next_free"])
    assert api.get("/api/queue").json() == [item]
    again = api.post("/api/queue", json={"article_id": article_id, "channels": ["bluesky"]})
    assert again.status_code == 409 and "already shared to bluesky" in again.json()["detail"]
    assert api.get("/api/channels/mastodon:work/slots").status_code == 404
    bad = api.put("/api/channels/bluesky/slots", json={"spec": "weekdays 9am"})
    assert bad.status_code == 422 and "'9am' is neither a day nor a time" in bad.json()["detail"]
    unknown = api.put("/api/channels/x:home/slots", json={"spec": "daily 09:00"})
    assert unknown.status_code == 422 and "unknown channel 'x:home'" in unknown.json()["detail"]
    assert api.delete("/api/channels/bluesky/slots").status_code == 204
    assert api.get("/api/channels/bluesky/slots").status_code == 404
