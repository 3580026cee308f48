"""Double opt-in as a reader lives it: the real HTTP app, a real Celery worker process, a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Subscriber, Subscription
from tests.support.signup_site import one_worker, site_client
from tests.support.smtp import SmtpServer
from tests.support.web import eventually


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


@pytest.fixture
def http(settings: Settings, store: Store) -> Iterator[httpx.Client]:
    with site_client(settings, store) as client:
        yield client


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[None]:
    with one_worker(tmp_path):
        yield


def status_of(store: Store, address: str) -> str:
    with store.session() as session:
        return session.scalar(select(Subscription.status).join(Subscriber).where(Subscriber.email == address))


def confirmation_path(smtp_server: SmtpServer, count: int) -> tuple[email.message.EmailMessage, str]:
    received = smtp_server.wait_for(count)
    assert len(received) == count
    message = email.message_from_bytes(received[-1].data, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    [url] = re.findall(r"https://news\.example\.org(/confirm/\S+)", text)
    return message, url


def test_signup_confirmation_link_works_once(http: httpx.Client, store: Store, smtp_server: SmtpServer, worker):
    signed_up = http.post("/subscribe", data={"email": "Jane@Example.COM", "name": "Jane", "list": "readers"})
    assert signed_up.status_code == 200
    assert "Check your inbox" in signed_up.text
    eventually(lambda: status_of(store, "Jane@example.com") == "unconfirmed")  # handled after the answer

    message, path = confirmation_path(smtp_server, 1)
    assert smtp_server.messages[0].rcpt_tos == ["Jane@example.com"]
    assert message["Subject"] == "Confirm your subscription to Publisher digest"
    assert re.fullmatch(r"<publisher\.c\d+\.r\d+@example\.org>", message["Message-ID"])
    with store.session() as session:  # it went through the outbox, like any other email
        row = session.execute(select(OutboxRow.state, Campaign.kind).join(Campaign)).one()
    assert tuple(row) == ("sent", "confirm")

    page = http.get(path)  # opening the link (a person, or a mail scanner) confirms nothing yet
    assert page.status_code == 200 and "Yes, subscribe me" in page.text
    assert status_of(store, "Jane@example.com") == "unconfirmed"

    confirmed = http.post(path)
    assert confirmed.status_code == 200 and "Subscription confirmed" in confirmed.text
    assert status_of(store, "Jane@example.com") == "active"

    again = http.get(path)
    assert again.status_code == 410 and "already been used" in again.text
    reused = http.post(path)
    assert reused.status_code == 410 and "already been used" in reused.text
    assert status_of(store, "Jane@example.com") == "active"


def test_expired_and_altered_confirmation_links_change_nothing(
    http: httpx.Client, store: Store, settings: Settings, smtp_server: SmtpServer, worker
):
    assert http.post("/api/subscribe", json={"email": "joe@example.org", "list": "readers"}).status_code == 202
    _, path = confirmation_path(smtp_server, 1)
    token = path.rsplit("/", 1)[1]

    # One character changed, in the signed data or in the signature's last character (whose spare
    # low bits base64 ignores): either way the link is refused.
    i = len(token) // 2
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    altered = [
        token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :],
        token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1],
    ]
    for bad in altered:
        for method in (http.get, http.post):
            refused = method(f"/confirm/{bad}")
            assert refused.status_code == 400 and "not valid" in refused.text

    # Correctly signed, with the right nonce, but older than confirm_max_age_hours.
    with store.session() as session:
        sid, lid, nonce = session.execute(
            select(Subscription.subscriber_id, Subscription.list_id, Subscription.confirm_nonce)
        ).one()

    class FourDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 4 * 24 * 3600

    old = URLSafeTimedSerializer(settings.signing_key(), salt="publisher.confirm", signer=FourDaysAgo).dumps(
        [sid, lid, nonce]
    )
    for method in (http.get, http.post):
        expired = method(f"/confirm/{old}")
        assert expired.status_code == 410 and "expired" in expired.text
    assert status_of(store, "joe@example.org") == "unconfirmed"

    # The real link still works after all that.
    assert http.post(path).status_code == 200
    assert status_of(store, "joe@example.org") == "active"
