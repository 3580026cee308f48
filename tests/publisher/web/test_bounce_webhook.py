"""The bounce webhook through the real HTTP app: bearer secret, raw DSN, JSON."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Suppression
from publisher.web import create_app
from tests.support.dsn import postfix_dsn
from tests.support.factories import sent_to, subscribe
from tests.support.web import LiveServer

SECRET = "webhook-secret-123"


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch, store: Store) -> Iterator[httpx.Client]:
    monkeypatch.setenv("PUBLISHER_BOUNCE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PUBLISHER_SOFT_BOUNCE_LIMIT", "2")
    server = LiveServer(create_app(Settings(), store)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client
    finally:
        server.stop()


def suppressed(store: Store) -> dict[str, str]:
    with store.session() as session:
        return dict(session.execute(select(Suppression.email, Suppression.reason)).all())


def test_webhook_needs_the_secret(http: httpx.Client, store: Store):
    raw = postfix_dsn("x@example.com", "5.1.1", "550 5.1.1 User unknown")
    assert http.post("/webhooks/bounces", content=raw).status_code == 401
    wrong = http.post("/webhooks/bounces", content=raw, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert suppressed(store) == {}


def test_webhook_takes_a_raw_dsn_and_json(http: httpx.Client, store: Store):
    people = subscribe(store, "readers", 2)
    auth = {"Authorization": f"Bearer {SECRET}"}

    raw = postfix_dsn(people[0], "5.1.1", "550 5.1.1 User unknown", original_message_id=sent_to(store, people[0]))
    answer = http.post("/webhooks/bounces", content=raw, headers={**auth, "Content-Type": "message/rfc822"})
    assert answer.status_code == 200 and answer.json()["outcomes"] == ["suppressed"]

    soft = [{"email": people[1], "kind": "soft", "status": "4.2.2", "id": f"esp-{i}"} for i in range(2)]
    answer = http.post("/webhooks/bounces", json=soft, headers=auth)
    assert answer.json()["outcomes"] == ["counted", "suppressed"]
    assert suppressed(store) == {people[0]: "hard_bounce", people[1]: "soft_bounce"}

    bad = http.post("/webhooks/bounces", json={"email": "x@example.com", "kind": "angry"}, headers=auth)
    assert bad.status_code == 422 and "kind must be one of" in bad.json()["error"]


def test_webhook_is_off_without_a_secret(monkeypatch: pytest.MonkeyPatch, store: Store):
    server = LiveServer(create_app(Settings(), store)).start()
    try:
        answer = httpx.post(f"{server.url}/webhooks/bounces", content=b"x", headers={"Authorization": "Bearer x"})
    finally:
        server.stop()
    assert answer.status_code == 404


def test_webhook_ignores_a_report_for_a_send_that_never_happened(http: httpx.Client, store: Store):
    [reader] = subscribe(store, "readers", 1)
    auth = {"Authorization": f"Bearer {SECRET}"}
    forged = postfix_dsn(reader, "5.1.1", "550 5.1.1 User unknown", original_message_id="<publisher.c999.r1@any>")

    raw = http.post("/webhooks/bounces", content=forged, headers={**auth, "Content-Type": "message/rfc822"})
    json_ = http.post(
        "/webhooks/bounces",
        json={"email": reader, "kind": "hard", "message_id": "<publisher.c999.r1@example.org>"},
        headers=auth,
    )

    assert raw.status_code == 200 and raw.json()["outcomes"] == ["ignored"]
    assert "'any' is not ours" in raw.json()["ignored"][0]
    assert json_.json() == {"recorded": 1, "outcomes": ["ignored"], "ignored": ["campaign 999 does not exist"]}
    assert suppressed(store) == {}


def test_json_reasons_decide_and_a_providers_hard_blocked_suppresses_nobody(http: httpx.Client, store: Store):
    people = subscribe(store, "readers", 3)
    auth = {"Authorization": f"Bearer {SECRET}"}
    blocked = "550 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org"

    answer = http.post(
        "/webhooks/bounces",
        json=[
            {"email": people[0], "kind": "hard", "status": "5.7.1", "diagnostic": blocked, "id": "e1"},
            {"email": people[1], "reason": "hostunknown", "id": "e2"},
            {"email": people[2], "reason": "vacation", "id": "e3"},
        ],
        headers=auth,
    )

    assert answer.status_code == 422 and "vacation report is not a bounce" in answer.json()["error"]
    answer = http.post("/webhooks/bounces", json=[
        {"email": people[0], "kind": "hard", "status": "5.7.1", "diagnostic": blocked, "id": "e1"},
        {"email": people[1], "reason": "hostunknown", "id": "e2"},
    ], headers=auth)
    assert answer.json()["outcomes"] == ["sender-side", "suppressed"]
    assert suppressed(store) == {people[1]: "hard_bounce"}
    unknown = http.post("/webhooks/bounces", json={"email": people[2], "reason": "angry"}, headers=auth)
    assert unknown.status_code == 422 and "reason must be one of" in unknown.json()["error"]
