"""The API's share as a thread: `thread`, `numbered` and per-channel `texts` reach the composed posts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.web import LiveServer

ACCOUNTS = {"bluesky": "bluesky://me.example:pw-secret@", "x": "x://ck:cs@at:as"}


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


def _payloads(store: Store, campaign_id: int) -> dict[str, dict]:
    with store.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).all()
        return {row.channel: row.payload for row in rows}


def test_texts_with_split_markers_become_threads_of_those_parts(api: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    texts = {"bluesky": "Hook 🌉.\n---\nDétail 港 #Harbour"}
    body = {"article_id": article_id, "channels": ["bluesky"], "texts": texts}
    shared = api.post("/api/campaigns/share", json=body)
    assert shared.status_code == 201, shared.text
    payload = _payloads(store, shared.json()["id"])["bluesky"]
    assert payload["text"] == "Hook 🌉." and [r["text"] for r in payload["replies"]] == ["Détail 港 #Harbour"]
    [tag] = payload["replies"][0]["extra"]["tags"]  # each part's own facets, at its own byte offsets
    assert (tag["tag"], tag["byteStart"]) == ("Harbour", len("Détail 港 ".encode()))
    assert "embed" in payload["extra"] and "embed" not in payload["replies"][0]["extra"]


def test_thread_and_numbered_split_the_whole_post_on_x(api: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    body = {"article_id": article_id, "channels": ["x"], "thread": True, "numbered": True}
    shared = api.post("/api/campaigns/share", json=body)
    assert shared.status_code == 201, shared.text
    payload = _payloads(store, shared.json()["id"])["x"]
    parts = [payload["text"], *(r["text"] for r in payload["replies"])]
    assert len(parts) >= 2
    assert [p.rsplit(" ", 1)[1] for p in parts] == [f"{k}/{len(parts)}" for k in range(1, len(parts) + 1)]
    assert "…" not in "".join(parts)  # the whole summary, not shortened


def test_a_text_for_a_channel_not_shared_to_is_refused_naming_it(api: httpx.Client, store: Store, seed_path: Path):
    article_id = seed_article(store, seed_path)
    body = {"article_id": article_id, "channels": ["x"], "texts": {"bluesky": "Hello"}}
    refused = api.post("/api/campaigns/share", json=body)
    assert refused.status_code in (400, 422)
    assert "a text is given for bluesky, which is not among the channels" in refused.text
    with store.session() as session:
        assert session.scalars(select(OutboxRow)).all() == []
