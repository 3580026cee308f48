"""“Count clicks on the posts” (issue 15) on the Share page and in the API: offered only when the publication
tracks; when asked, each post's link is the tracked /r/<token> one, its counted length unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher import publication, textrules
from publisher.config import Settings
from publisher.store import Store
from publisher.store.insight import TrackedLink
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article

from .conftest import csrf_of

ACCOUNTS = {"x:work": "x://ck:cs-secret@at:as-secret", "mastodon:social": "mastodon://tok-secret@social.example"}
BASE = "https://news.example.org"
CHECKBOX = '<input type="checkbox" name="track_clicks" value="yes">'


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    monkeypatch.setenv("PUBLISHER_BASE_URL", BASE)
    return Settings()


def _payloads(store: Store, campaign_id: int) -> dict[str, dict]:
    with store.session() as session:
        query = select(OutboxRow.channel, OutboxRow.payload).where(OutboxRow.campaign_id == campaign_id)
        return {channel: payload for channel, payload in session.execute(query)}


def test_the_share_page_offers_the_choice_only_while_the_publication_tracks(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    page = f"/editor/articles/{seed_article(store, seed_path)}/share"
    assert CHECKBOX in editor.get(page).text  # the default mode, aggregate

    publication.update(store, settings, {"tracking": "off"})

    assert CHECKBOX not in editor.get(page).text


def test_the_share_page_posts_tracked_links_when_ticked(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    page = f"/editor/articles/{seed_article(store, seed_path)}/share"
    chosen = {"channel": "x:work", "track_clicks": "yes"}
    confirm = editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), **chosen})
    assert '<input type="hidden" name="track_clicks" value="yes">' in confirm.text

    done = editor.post(page, data={"csrf_token": csrf_of(confirm.text), **chosen, "confirm": "yes"})

    assert done.status_code == 303
    with store.session() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.kind == "share")).one()
        assert campaign.tracking == "aggregate"
    post = _payloads(store, campaign.id)["x:work"]
    assert f"{BASE}/r/" in post["text"] and post["url"].startswith(f"{BASE}/r/")


def test_the_api_tracks_each_channels_link_with_the_length_unchanged(
    robot_api: httpx.Client, store: Store, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    body = {"article_id": article_id, "channels": ["x:work", "mastodon:social"]}
    plain = robot_api.post("/api/campaigns/share", json=body)
    tracked = robot_api.post("/api/campaigns/share", json={**body, "force": True, "track_clicks": True})

    assert (plain.status_code, tracked.status_code) == (201, 201)
    before, after = _payloads(store, plain.json()["id"]), _payloads(store, tracked.json()["id"])
    for channel in ("x:work", "mastodon:social"):
        network = channel.split(":")[0]
        article, link = before[channel]["url"], after[channel]["url"]
        assert link.startswith(f"{BASE}/r/") and article in before[channel]["text"]
        assert after[channel]["text"] == before[channel]["text"].replace(article, link)
        assert textrules.length(after[channel]["text"], network) == textrules.length(before[channel]["text"], network)
        assert after[channel]["extra"]["length"] == before[channel]["extra"]["length"]
    with store.session() as session:
        links = session.execute(
            select(TrackedLink.position, TrackedLink.url).where(TrackedLink.campaign_id == tracked.json()["id"])
        ).all()
    assert sorted(links) == [(1, before["x:work"]["url"]), (2, before["mastodon:social"]["url"])]
    assert after["x:work"]["url"] != after["mastodon:social"]["url"]  # one token per channel


def test_the_api_refuses_tracked_posts_when_the_publication_tracks_nothing(
    robot_api: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    publication.update(store, settings, {"tracking": "off"})
    body = {"article_id": seed_article(store, seed_path), "channels": ["x:work"], "track_clicks": True}

    refused = robot_api.post("/api/campaigns/share", json=body)

    assert refused.status_code == 422
    assert "tracking mode is off" in refused.text
    with store.session() as session:
        assert session.scalars(select(Campaign).where(Campaign.kind == "share")).all() == []


def test_the_api_queue_tracks_the_queued_posts_links_too(robot_api: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    slots = robot_api.put("/api/channels/x:work/slots", json={"spec": "daily 09:00", "timezone": "Europe/Berlin"})
    assert slots.status_code == 200, slots.text

    queued = robot_api.post("/api/queue", json={"article_id": article_id, "channels": ["x:work"], "track_clicks": True})

    assert queued.status_code == 201, queued.text
    [item] = queued.json()
    post = _payloads(store, item["campaign_id"])["x:work"]
    assert post["url"].startswith(f"{BASE}/r/") and f"{BASE}/r/" in post["text"]
