"""Malformed input is a 4xx naming the field, never a 500 (issue 18, item 10), against the app served by uvicorn."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from publisher import editors
from publisher.store import Store
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.web import LiveServer

SECRET = "hook-secret"
LONE = '"\\ud800"'  # JSON for a string holding one lone surrogate


@pytest.fixture(autouse=True)
def _webhook_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_BOUNCE_WEBHOOK_SECRET", SECRET)


@pytest.fixture
def tokens(live_server: LiveServer, store: Store, seed_path: Path) -> dict[str, str]:
    live_server.app.state.dispatcher = RecordingDispatcher()
    seed_article(store, seed_path)
    editors.add_user(store, "robot", "a long enough password")
    return {"api": f"Bearer {editors.create_token(store, 'robot', 'tests')}", "webhook": f"Bearer {SECRET}", "": ""}


# Every endpoint with a JSON body, the body with a lone surrogate in one field, that field, who may call it.
JSON_BODIES = [
    ("POST", "/api/subscribe", '{"email": %s}', ["email"], ""),
    ("POST", "/api/subscribe", '{"email": "a@example.com", "name": %s}', ["name"], ""),
    ("POST", "/api/articles", '{"text": %s}', ["text"], "api"),
    ("PATCH", "/api/articles/1", '{"sections": [{"paragraphs": ["ok", %s]}]}', ["sections", 0, "paragraphs", 1], "api"),
    ("POST", "/api/subscribers", '{"emails": [%s], "list_name": "x"}', ["emails", 0], "api"),
    ("POST", "/api/campaigns/send", '{"article_ids": [1], "list_name": %s}', ["list_name"], "api"),
    ("POST", "/api/campaigns/share", '{"article_id": 1, "channels": [%s]}', ["channels", 0], "api"),
    ("POST", "/api/campaigns/1/reschedule", '{"send_at": %s}', ["send_at"], "api"),
    ("PUT", "/api/channels/1/slots", '{"spec": %s}', ["spec"], "api"),
    ("POST", "/api/queue", '{"article_id": 1, "channels": [%s]}', ["channels", 0], "api"),
    ("PATCH", "/api/publication", '{"social_links": {"x": %s}}', ["social_links", "x"], "api"),
    ("POST", "/api/articles/1/publishes", '{"lists": [%s]}', ["lists", 0], "api"),
    ("POST", "/webhooks/bounces", '{"email": %s, "kind": "hard"}', ["email"], "webhook"),
    ("POST", "/api/webhooks", '{"url": %s, "event_types": ["*"]}', ["url"], "api"),  # event webhooks (issue 16)
    ("POST", "/api/feeds", '{"url": %s}', ["url"], "api"),  # feeds in (issue 16)
    ("POST", "/api/schedules", '{"list": "x", "spec": %s}', ["spec"], "api"),  # recurring digests (issue 16)
    ("PUT", "/api/lists/1/sequence/1", '{"subject": "Hi", "body": %s}', ["body"], "api"),  # sequences (issue 16)
    ("POST", "/api/webhooks", '{"url": "https://h.example/x", "event_types": [%s]}', ["event_types", 0], "api"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "who"), JSON_BODIES, ids=[f"{m} {p} {f}" for m, p, _, f, _ in JSON_BODIES]
)
def test_a_lone_surrogate_in_a_json_body_is_a_422_naming_the_field(
    http: httpx.Client, tokens: dict[str, str], method: str, path: str, body: str, field: list, who: str
):
    headers = {"Content-Type": "application/json", "Authorization": tokens[who]}
    answer = http.request(method, path, content=(body % LONE).encode(), headers=headers)

    assert answer.status_code == 422, answer.text
    named = ".".join(str(part) for part in field)
    if path.startswith("/webhooks/"):  # the webhook answers {"error": "..."}
        assert named in answer.json()["error"]
    else:
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", *field] and named in error["msg"] and error["type"] == "string_unicode"


def test_the_table_covers_every_endpoint_with_a_json_body(live_server: LiveServer):
    """Every operation the schema documents with a JSON body (the webhook parses its own, and is in the table)."""
    with_body = {
        (method.upper(), re.sub(r"\{\w+\}", "1", path))
        for path, operations in live_server.app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert len(with_body) >= 7 and with_body <= {(m, p) for m, p, _, _, _ in JSON_BODIES}


def test_a_non_ascii_byte_in_the_webhook_authorization_is_a_401(live_server: LiveServer):
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /webhooks/bounces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n"
            b"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        )
        status = sock.recv(4096).split(b" ", 2)[1]
    assert status == b"401"


def test_a_file_sent_as_the_list_field_on_preferences_is_a_400_naming_it(http: httpx.Client):
    answer = http.post("/preferences/any-token", files={"list": ("x.txt", b"1", "text/plain")})
    assert answer.status_code == 400
    assert "“list”" in answer.text


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"email": "a@example.com", "kind": "hard", "status": {"x": 1}}, "status"),
        ({"email": "a@example.com", "kind": "hard", "message_id": 5}, "message_id"),
        ({"email": "a@example.com", "kind": "hard", "diagnostic": ["x"]}, "diagnostic"),
        ({"email": {"a": 1}, "kind": "hard"}, "email"),
        ({"email": "a@example.com", "kind": ["hard"]}, "kind"),
        ({"email": "a@example.com", "kind": "hard", "id": {"x": 1}}, "id"),
        ({"kind": "hard"}, "email"),
        ("just a string", "each bounce"),
    ],
)
def test_webhook_json_of_the_wrong_shape_is_a_422_naming_the_field(
    http: httpx.Client, tokens: dict[str, str], item: object, field: str
):
    answer = http.post("/webhooks/bounces", json=item, headers={"Authorization": tokens["webhook"]})
    assert answer.status_code == 422
    assert field in answer.json()["error"]
