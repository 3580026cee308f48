"""A digest to several lists (issue 12): each address once, and each reader's unsubscribe link and List-Id
name a list that reader is on."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import ScalarSelect, select, update

from publisher import campaigns, delivery, subscribers
from publisher.config import Settings
from publisher.errors import DuplicateSend, PublisherError
from publisher.store import Store
from publisher.store.models import OutboxRow, Subscriber, Subscription
from publisher.subscriber_links import read_unsubscribe_token
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


def two_lists(store: Store) -> tuple[list[str], list[str]]:
    """readers: 0-3 @example.com; weekly: 2-5 @example.com (two people are on both)."""
    readers = subscribe(store, "readers", 4)
    people = [subscribers.NewSubscriber(f"reader{i:05d}@example.com") for i in range(2, 6)]
    subscribers.add_to_list(store, "weekly", people)
    return readers, [p.email for p in people]


def send_all(store: Store, settings: Settings, campaign_id: int) -> None:
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)


def list_ids(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {name: subscribers.get_list(session, name).id for name in ("readers", "weekly")}


def test_an_address_on_several_lists_gets_one_row(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    readers, weekly = two_lists(store)

    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], ["readers", "weekly"])

    with store.session() as session:
        rows = session.scalars(select(OutboxRow.recipient_id).where(OutboxRow.campaign_id == campaign_id)).all()
    assert len(rows) == len(set(readers) | set(weekly)) == 6
    assert len(set(rows)) == 6


def test_each_reader_is_mailed_once_naming_a_list_they_are_on(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    readers, weekly = two_lists(store)
    campaign_id = campaigns.create_email_campaign(store, smtp_settings, [article_id], ["weekly", "readers"])

    send_all(store, smtp_settings, campaign_id)

    received = {m.rcpt_tos[0]: email.message_from_bytes(m.data) for m in smtp_server.messages}
    assert sorted(received) == sorted(set(readers) | set(weekly))
    assert len(smtp_server.messages) == 6
    ids = list_ids(store)
    for address, message in received.items():
        # The first of the campaign's lists (weekly, then readers) the reader is on names the message.
        expected = "weekly" if address in weekly else "readers"
        assert f"<{expected}." in message["List-Id"], (address, message["List-Id"])
        claim = read_unsubscribe_token(smtp_settings.signing_key(), token_of(message))
        assert claim.list_id == ids[expected]


def reader_id(address: str) -> ScalarSelect[int]:
    return select(Subscriber.id).where(Subscriber.email == address).scalar_subquery()


def token_of(message: Message) -> str:
    header = message["List-Unsubscribe"]
    return header.split("/unsubscribe/", 1)[1].split(">", 1)[0]


def test_a_reader_who_left_one_list_is_mailed_through_the_other(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    two_lists(store)
    both = "reader00002@example.com"
    campaign_id = campaigns.create_email_campaign(store, smtp_settings, [article_id], ["readers", "weekly"])
    with store.session() as session:
        session.execute(
            update(Subscription)
            .where(Subscription.list_id == list_ids(store)["readers"])
            .where(Subscription.subscriber_id == reader_id(both))
            .values(status="unsubscribed")
        )

    send_all(store, smtp_settings, campaign_id)

    [message] = [email.message_from_bytes(m.data) for m in smtp_server.messages if m.rcpt_tos == [both]]
    assert "<weekly." in message["List-Id"]


def test_a_duplicate_counts_on_every_list_of_an_earlier_send(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    two_lists(store)
    campaigns.create_email_campaign(store, settings, [article_id], ["readers", "weekly"])

    with pytest.raises(DuplicateSend) as refused:
        campaigns.create_email_campaign(store, settings, [article_id], "weekly")
    assert "'weekly'" in str(refused.value)


def test_lists_without_subscribers_are_named(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    with store.session() as session:
        subscribers.ensure_list(session, "a")
        subscribers.ensure_list(session, "b")

    with pytest.raises(PublisherError, match="lists 'a', 'b' have no active subscribers"):
        campaigns.create_email_campaign(store, settings, [article_id], ["a", "b"])
