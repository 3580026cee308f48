"""A welcome mail as a reader lives it: sign up, confirm, and the welcome arrives, through a real Celery worker.

The real HTTP app (signup form, confirmation page), a real worker process, a real SMTP server (aiosmtpd).
The confirmation queues the welcome at once (the sweep is only the guarantee), so it arrives within seconds.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher.automation import sequences
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.support.signup_site import one_worker, site_client
from tests.support.smtp import SmtpServer

WELCOME = """Thanks for confirming. Here is what to expect:

- a digest every **Friday**
- nothing else, ever
"""


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


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_welcome_mail_reaches_the_reader_after_they_confirm(
    http: httpx.Client, store: Store, settings: Settings, smtp_server: SmtpServer, worker
):
    sequences.set_step(store, settings, "readers", 0, 0, "Welcome to the Test Desk", WELCOME)

    signed_up = http.post("/subscribe", data={"email": "jane@example.com", "name": "Jane", "list": "readers"})
    assert signed_up.status_code == 200
    [confirmation] = smtp_server.wait_for(1)
    text = parse(confirmation.data).get_body(("plain",)).get_content()
    [path] = re.findall(r"https://news\.example\.org(/confirm/\S+)", text)
    assert len(smtp_server.messages) == 1  # nothing but the confirmation before confirming

    assert http.post(path).status_code == 200
    received = smtp_server.wait_for(2)[1]
    welcome = parse(received.data)

    assert received.rcpt_tos == ["jane@example.com"]
    assert welcome["Subject"] == "Welcome to the Test Desk"
    assert welcome["List-Unsubscribe"].startswith("<https://news.example.org/unsubscribe/")
    body = welcome.get_body(("plain",)).get_content()
    assert "Hello Jane," in body and "a digest every Friday" in body
    assert re.search(r"<strong>Friday</strong>", welcome.get_body(("html",)).get_content())
    with store.session() as session:  # an outbox row of the step's campaign, like any other send
        rows = session.execute(select(Campaign.kind, OutboxRow.state).join(Campaign)).all()
    assert sorted(tuple(r) for r in rows) == [("confirm", "sent"), ("sequence", "sent")]
