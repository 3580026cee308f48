"""A confirmation mail is built like a digest: same builder, same headers, signed with the same DKIM key.

The signup goes through the real HTTP app (POST /api/subscribe); the mail goes through the real delivery
path (delivery.deliver_batch over the SMTP channel to aiosmtpd).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import dkim
import httpx
import pytest
from sqlalchemy import select

from publisher import delivery, runtime, subscribers
from publisher.campaigns import service
from publisher.config import Settings
from publisher.states import CampaignKind
from publisher.store import Store
from publisher.store.models import Campaign, Subscriber
from publisher.web import create_app
from tests.support.dkim import dns_answering, make_dkim_key
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer, eventually


@pytest.fixture
def dkim_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    key_path, record = make_dkim_key(tmp_path)
    monkeypatch.setenv("PUBLISHER_DKIM_KEY_PATH", str(key_path))
    monkeypatch.setenv("PUBLISHER_DKIM_SELECTOR", "mail2026")
    return record


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer, dkim_record: bytes) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


@pytest.fixture
def dispatcher() -> RecordingDispatcher:
    return RecordingDispatcher()


@pytest.fixture
def http(settings: Settings, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    with store.session() as session:
        subscribers.ensure_list(session, "Weekly Readers")
    app = create_app(settings, store)
    app.state.dispatcher = dispatcher
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, follow_redirects=False) as client:
            yield client
    finally:
        server.stop()


def deliver_dispatched(store: Store, settings: Settings, dispatcher: RecordingDispatcher) -> None:
    """What a worker does with each dispatched batch."""
    calls, dispatcher.calls[:] = list(dispatcher.calls), []
    for campaign_id, channel, first_id, last_id, _queue in calls:
        delivery.deliver_batch(store, settings, campaign_id, channel, first_id, last_id)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_confirmation_mail_is_signed_and_headed_like_a_digest(
    http: httpx.Client,
    store: Store,
    settings: Settings,
    smtp_server: SmtpServer,
    dispatcher: RecordingDispatcher,
    dkim_record: bytes,
    seed_path: Path,
):
    dns = dns_answering(dkim_record)

    signed_up = http.post("/api/subscribe", json={"email": "Ana@Example.com", "name": "Ana", "list": "Weekly Readers"})
    assert signed_up.status_code == 202
    eventually(lambda: dispatcher.calls)  # the signup is handled after its answer
    deliver_dispatched(store, settings, dispatcher)
    [received] = smtp_server.wait_for(1)
    confirmation = parse(received.data)
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == "Ana@example.com"))
        confirm_id = session.scalar(select(Campaign.id).where(Campaign.kind == CampaignKind.CONFIRM))

    # Signed with the configured key, over the headers a receiver shows.
    assert received.data.startswith(b"DKIM-Signature: ")
    assert dkim.verify(received.data, dnsfunc=dns)
    assert "s=mail2026" in confirmation["DKIM-Signature"] and "d=example.org" in confirmation["DKIM-Signature"]
    assert confirmation["Message-ID"] == f"<publisher.c{confirm_id}.r{subscriber_id}@example.org>"
    assert confirmation["List-Id"] == "Publisher digest <weekly-readers.example.org>"
    assert confirmation["Date"].datetime is not None
    assert confirmation["To"] == "Ana <Ana@example.com>"
    assert confirmation["Subject"] == "Confirm your subscription to Publisher digest"

    # The link in it still confirms; then a digest to the same reader carries the same headers.
    [link] = re.findall(r"https://news\.example\.org(/confirm/\S+)", confirmation.get_body(("plain",)).get_content())
    assert http.post(link).status_code == 200
    article_id = seed_article(store, seed_path)
    services = runtime.build(settings, store=store, dispatcher=dispatcher)
    digest_id = service.send_digest(services, [article_id], "Weekly Readers")
    deliver_dispatched(store, settings, dispatcher)
    digest = parse(smtp_server.wait_for(2)[1].data)

    assert dkim.verify(smtp_server.messages[1].data, dnsfunc=dns)
    assert digest["Message-ID"] == f"<publisher.c{digest_id}.r{subscriber_id}@example.org>"
    assert digest["List-Id"] == confirmation["List-Id"]
    assert digest["Date"].datetime is not None
    assert sorted(digest.keys()) == sorted(confirmation.keys())  # one builder: the same set of headers


def test_a_tampered_confirmation_fails_dkim(
    http: httpx.Client,
    store: Store,
    settings: Settings,
    smtp_server: SmtpServer,
    dispatcher: RecordingDispatcher,
    dkim_record: bytes,
):
    http.post("/api/subscribe", json={"email": "bo@example.com", "list": "Weekly Readers"})
    eventually(lambda: dispatcher.calls)
    deliver_dispatched(store, settings, dispatcher)
    [received] = smtp_server.wait_for(1)
    tampered = received.data.replace(b"Subject: Confirm your", b"Subject: Confirm our")

    assert tampered != received.data
    assert not dkim.verify(tampered, dnsfunc=dns_answering(dkim_record))
