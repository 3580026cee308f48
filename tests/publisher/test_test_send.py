"""Send a test to me (issue 12): the digest to one address through the real channel, marked as a test,
with no campaign and no outbox row."""

from __future__ import annotations

import email
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher.campaigns.proof import send_test
from publisher.config import Settings
from publisher.errors import InvalidAddress, PublisherError
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


def test_the_test_reaches_the_editor_marked_and_nothing_is_queued(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 3)

    send_test(store, smtp_settings, [article_id], "editor@example.org", subject="Monday", preheader="Hello there")

    [received] = smtp_server.messages
    assert received.rcpt_tos == ["editor@example.org"]
    message = email.message_from_bytes(received.data, policy=default)
    assert message["Subject"] == "[Test] Monday"
    assert message["X-Publisher-Test"] == "yes"
    assert "Hello there" in message.get_body(("html",)).get_content()
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0


def test_two_tests_have_different_message_ids(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    send_test(store, smtp_settings, [article_id], "editor@example.org")
    send_test(store, smtp_settings, [article_id], "editor@example.org")

    ids = {email.message_from_bytes(m.data)["Message-ID"] for m in smtp_server.messages}
    assert len(ids) == 2


def test_a_bad_address_is_named(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    with pytest.raises(InvalidAddress, match="'nobody' is not a valid email address"):
        send_test(store, settings, [article_id], "nobody")


def test_a_server_that_refuses_is_said_in_words(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    smtp_server.handler.reject["editor@example.org"] = "550 5.1.1 no such user"

    with pytest.raises(PublisherError, match="the test could not be sent to editor@example.org: .*550"):
        send_test(store, smtp_settings, [article_id], "editor@example.org")
