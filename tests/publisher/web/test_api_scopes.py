"""API token scopes (issue 18, item 12): every /api operation declares the scope it needs, and a token
without that scope gets a 403 naming it. The table is every operation in the OpenAPI schema, so a new route
that declares no scope fails here (and is refused at run time: the check fails closed)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from publisher import editors
from publisher.store import Store
from publisher.web.routes import ROUTERS
from publisher.web.security import SCOPE_KEY, require_scope
from tests.support.factories import RecordingDispatcher
from tests.support.web import LiveServer

# What each kind of operation needs; the table below must agree with what the routes declare.
EXPECTED = {
    ("GET", "/api/articles"): "read",
    ("POST", "/api/articles"): "write",
    ("GET", "/api/articles/{article_id}"): "read",
    ("PATCH", "/api/articles/{article_id}"): "write",
    ("POST", "/api/articles/{article_id}/publish"): "write",
    ("POST", "/api/articles/{article_id}/unpublish"): "write",
    ("GET", "/api/articles/{article_id}/preview"): "read",
    ("GET", "/api/lists"): "read",
    ("GET", "/api/subscribers"): "read",
    ("POST", "/api/subscribers"): "write",
    ("GET", "/api/campaigns"): "read",
    ("POST", "/api/campaigns/send"): "send",
    ("POST", "/api/campaigns/share"): "send",
    ("GET", "/api/campaigns/{campaign_id}"): "read",
    ("POST", "/api/campaigns/{campaign_id}/pause"): "send",
    ("POST", "/api/campaigns/{campaign_id}/resume"): "send",
    ("POST", "/api/campaigns/{campaign_id}/cancel"): "send",
    ("POST", "/api/campaigns/{campaign_id}/reschedule"): "send",
    ("GET", "/api/campaigns/{campaign_id}/report"): "read",
    ("GET", "/api/channels"): "read",
    ("GET", "/api/me"): "read",
    ("POST", "/api/media"): "write",
    ("GET", "/api/publication"): "read",
    ("PATCH", "/api/publication"): "write",  # and an administrator's token
    ("POST", "/api/subscribe"): "none",  # the public signup: no token
    # Posting slots and the queue (issue 14): reading them is read, changing them and queueing is send.
    ("GET", "/api/channels/{account}/slots"): "read",
    ("PUT", "/api/channels/{account}/slots"): "send",
    ("DELETE", "/api/channels/{account}/slots"): "send",
    ("POST", "/api/queue"): "send",
    ("GET", "/api/queue"): "read",
    # Feeds in (issue 16): reading them is read; adding, removing and polling is write.
    ("GET", "/api/feeds"): "read",
    ("POST", "/api/feeds"): "write",
    ("DELETE", "/api/feeds/{feed_id}"): "write",
    ("POST", "/api/feeds/{feed_id}/poll"): "write",
    # Recurring digests (issue 16): reading them is read, the rest send (a schedule sends digests).
    ("GET", "/api/schedules"): "read",
    ("POST", "/api/schedules"): "send",
    ("GET", "/api/schedules/{schedule_id}"): "read",
    ("POST", "/api/schedules/{schedule_id}/pause"): "send",
    ("POST", "/api/schedules/{schedule_id}/resume"): "send",
    ("DELETE", "/api/schedules/{schedule_id}"): "send",
    # A list's welcome mail and sequence (issue 16): a step mails readers, so changing one is send.
    ("GET", "/api/lists/{list_id}/sequence"): "read",
    ("PUT", "/api/lists/{list_id}/sequence/{position}"): "send",
    ("DELETE", "/api/lists/{list_id}/sequence/{position}"): "send",
    # One Publish and its timeline (issue 16): publishing mails and shares, so it is send.
    ("POST", "/api/articles/{article_id}/publishes"): "send",
    ("GET", "/api/publishes/{publish_id}"): "read",
    # Event webhooks (issue 16): endpoints are configuration (write), a replay sends (send).
    ("GET", "/api/webhooks"): "read",
    ("POST", "/api/webhooks"): "write",
    ("DELETE", "/api/webhooks/{endpoint_id}"): "write",
    ("GET", "/api/webhooks/deliveries"): "read",
    ("POST", "/api/webhooks/deliveries/{row_id}/replay"): "send",
    ("GET", "/api/events"): "read",
}


def _declared_in_routes() -> list[tuple[str, str, str]]:
    """Every /api operation of the app's routers with the scope it declares ("" when it declares none)."""
    out = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith("/api/") and route.include_in_schema:
                scope = (route.openapi_extra or {}).get(SCOPE_KEY, "")
                out.extend((method, route.path, scope) for method in sorted(route.methods))
    return out


OPERATIONS = _declared_in_routes()


def undeclared(schema: dict) -> list[str]:
    """Operations under /api in an OpenAPI schema that declare no known scope."""
    known = {*editors.SCOPES, "none"}
    return [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
        if operation.get(SCOPE_KEY) not in known
    ]


@pytest.fixture
def tokens(live_server: LiveServer, store: Store) -> dict[frozenset[str], str]:
    """A token for every set of scopes the tests need: each scope alone, and each one left out."""
    live_server.app.state.dispatcher = RecordingDispatcher()
    editors.add_user(store, "robot", "a long enough password")
    wanted = {frozenset({s}) for s in editors.SCOPES} | {frozenset(editors.SCOPES) - {s} for s in editors.SCOPES}
    wanted.add(frozenset(editors.SCOPES))
    return {scopes: editors.create_token(store, "robot", "-".join(sorted(scopes)), scopes) for scopes in wanted}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_operation_in_the_schema_declares_a_scope(live_server: LiveServer):
    schema = live_server.app.openapi()
    in_schema = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert undeclared(schema) == []
    assert in_schema == {(m, p) for m, p, _ in OPERATIONS}  # the parametrized table below is the schema
    assert {(m, p): s for m, p, s in OPERATIONS} == EXPECTED
    assert len(in_schema) >= 20


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_a_token_without_the_scope_is_refused_with_403_naming_it(
    http: httpx.Client, tokens: dict[frozenset[str], str], method: str, path: str, scope: str
):
    url = re.sub(r"\{\w+\}", "1", path)
    if scope == "none":
        public = http.request(method, url, json={"email": "someone@example.com", "list": "readers"})
        assert public.status_code == 202
        return

    lacking = http.request(method, url, headers=bearer(tokens[frozenset(editors.SCOPES) - {scope}]))
    assert lacking.status_code == 403, lacking.text
    assert f"lacks the '{scope}' scope" in lacking.json()["detail"]

    # With that one scope alone the token gets past the check (to a 200, or a 404/422 about the input).
    allowed = http.request(method, url, headers=bearer(tokens[frozenset({scope})]))
    assert allowed.status_code not in (401, 403), allowed.text


def test_without_a_token_every_operation_is_401(http: httpx.Client):
    for method, path, scope in OPERATIONS:
        if scope != "none":
            assert http.request(method, re.sub(r"\{\w+\}", "1", path)).status_code == 401, (method, path)


def test_a_route_that_declares_no_scope_is_caught_by_the_table_and_refused(
    live_server: LiveServer, http: httpx.Client, tokens: dict[frozenset[str], str]
):
    app: FastAPI = live_server.app
    careless = APIRouter(prefix="/api", dependencies=[Depends(require_scope)])

    @careless.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(careless)
    app.openapi_schema = None  # rebuilt with the new route

    assert undeclared(app.openapi()) == ["GET /api/forgotten"]
    answer = http.get("/api/forgotten", headers=bearer(tokens[frozenset(editors.SCOPES)]))
    assert answer.status_code == 403 and "declares no token scope" in answer.json()["detail"]


def test_me_names_the_editor_and_the_token_scopes(http: httpx.Client, tokens: dict[frozenset[str], str]):
    me = http.get("/api/me", headers=bearer(tokens[frozenset({"read", "send"})]))
    assert me.json() == {"username": "robot", "admin": True, "scopes": ["read", "send"]}


@pytest.fixture
def share_on_publish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_SHARE_ON_IMPORT", "file")


def test_publishing_needs_send_too_while_publishing_shares(
    share_on_publish: None, http: httpx.Client, tokens: dict[frozenset[str], str], store: Store, seed_path
):
    from tests.support.factories import seed_article

    article_id = seed_article(store, seed_path)
    refused = http.post(f"/api/articles/{article_id}/publish", headers=bearer(tokens[frozenset({"write"})]))
    assert refused.status_code == 403 and "lacks the 'send' scope" in refused.json()["detail"]
    assert "PUBLISHER_SHARE_ON_IMPORT" in refused.json()["detail"]
    published = http.post(f"/api/articles/{article_id}/publish", headers=bearer(tokens[frozenset({"write", "send"})]))
    assert published.status_code == 200 and published.json()["published_at"] is not None


@pytest.fixture
def api_token(store: Store, tokens: dict[frozenset[str], str]) -> Iterator[str]:
    yield tokens[frozenset(editors.SCOPES)]


def test_revoked_tokens_and_a_password_change_end_api_access(http: httpx.Client, store: Store, api_token: str):
    assert http.get("/api/me", headers=bearer(api_token)).status_code == 200
    editors.set_password(store, "robot", "another long password")
    assert http.get("/api/me", headers=bearer(api_token)).status_code == 401

    fresh = editors.create_token(store, "robot", "fresh")
    assert http.get("/api/me", headers=bearer(fresh)).status_code == 200
    assert editors.revoke_tokens(store, "robot") == 1
    assert http.get("/api/me", headers=bearer(fresh)).status_code == 401
