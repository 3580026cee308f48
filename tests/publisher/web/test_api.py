"""The REST API does what the pages do, with a bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from publisher import campaigns, editors
from publisher.store import Store
from publisher.store.models import Campaign
from tests.support.factories import RecordingDispatcher, subscribe
from tests.support.web import LiveServer


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as client:
        yield client


def test_import_edit_publish_preview(api: httpx.Client, seed_path: Path, http: httpx.Client):
    created = api.post("/api/articles", json={"text": seed_path.read_text(), "filename": seed_path.name})
    assert created.status_code == 201 and created.json()["created"] is True
    article_id = created.json()["id"]

    edited = api.patch(
        f"/api/articles/{article_id}",
        json={"title": "Shorter title", "sections": [{"heading": None, "paragraphs": ["One paragraph."]}]},
    )
    assert edited.json()["title"] == "Shorter title" and edited.json()["summary"] == "One paragraph."
    assert edited.json()["published_at"] is None

    published = api.post(f"/api/articles/{article_id}/publish").json()
    assert published["published_at"] is not None
    assert http.get(f"/articles/{published['slug']}").status_code == 200

    preview = api.get(f"/api/articles/{article_id}/preview").json()
    assert preview["subject"] == "Shorter title" and "Hello Alex Reader" in preview["html"]
    assert preview["shares"][0]["channel"] == "file" and preview["shares"][0]["length"] > 0


def test_bad_input_is_named(api: httpx.Client):
    empty = api.post("/api/articles", json={"text": "   "})
    assert empty.status_code == 422 and "the file is empty" in empty.json()["detail"]
    assert api.get("/api/articles/999").json() == {"detail": "no article with id 999"}
    bad = api.post("/api/subscribers", json={"emails": ["x"], "list_name": "l"})
    assert bad.status_code == 422 and "'x' is not a valid email address" in bad.json()["detail"]


def test_send_share_and_campaign_control(
    api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = api.post("/api/articles", json={"text": seed_path.read_text()}).json()["id"]
    assert api.post("/api/subscribers", json={"emails": ["a@example.com"], "list_name": "news"}).json() == {
        "added": 1,
        "already": 0,
    }
    subscribe(store, "news", 4)

    sent = api.post("/api/campaigns/send", json={"article_ids": [article_id], "list_name": "news", "full": False})
    assert sent.status_code == 201
    with store.session() as session:
        body = session.get(Campaign, sent.json()["id"])
        assert body is not None and "Read more" in body.body_html and "Washington Says No" not in body.body_html
    campaign = sent.json()
    assert campaign["total"] == 5 and campaign["kind"] == "email"

    paused = api.post(f"/api/campaigns/{campaign['id']}/pause").json()
    assert paused["state"] == "paused" and paused["pause_reason"] == "by an operator"  # read after "paused:"
    resumed = api.post(f"/api/campaigns/{campaign['id']}/resume").json()
    assert resumed["state"] == "sending" and resumed["pause_reason"] is None
    assert api.post(f"/api/campaigns/{campaign['id']}/cancel").json()["state"] == "cancelled"
    assert campaigns.status(store, campaign["id"]).state == "cancelled"

    shared = api.post("/api/campaigns/share", json={"article_id": article_id, "channels": ["file"]})
    assert shared.status_code == 201 and shared.json()["kind"] == "share"
    unknown = api.post("/api/campaigns/share", json={"article_id": article_id, "channels": ["myspace"]})
    assert unknown.status_code == 422 and "unknown channel 'myspace'" in unknown.json()["detail"]
    assert [c["id"] for c in api.get("/api/campaigns").json()] == [shared.json()["id"], campaign["id"]]


def test_the_openapi_schema_documents_the_api(http: httpx.Client):
    schema = http.get("/api/openapi.json").json()
    assert "/api/campaigns/{campaign_id}/pause" in schema["paths"]
    assert not any(path.startswith("/editor") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_an_article_carries_its_language_and_document(api: httpx.Client):
    page = '<html lang="es"><h1>Rico</h1><p>Ver <a href="https://example.org/r">el informe</a>.</p></html>'
    declared = api.post("/api/articles", json={"text": page, "filename": "rico.html"}).json()["id"]
    given = api.post("/api/articles", json={"text": "Plain\nText.\n", "lang": "it"}).json()["id"]
    refused = api.post("/api/articles", json={"text": "Other\nText.\n", "lang": "no such tag"})

    article = api.get(f"/api/articles/{declared}").json()

    assert article["lang"] == "es"
    assert article["blocks"]["version"] == 1
    assert article["blocks"]["blocks"][0]["children"][1]["href"] == "https://example.org/r"
    assert article["sections"] == [{"heading": None, "paragraphs": ["Ver el informe."]}]
    assert api.get(f"/api/articles/{given}").json()["lang"] == "it"
    assert refused.status_code == 422 and "language tag" in refused.text
