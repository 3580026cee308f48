"""Arrange helpers: an imported seed article and a list of subscribers in a store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from publisher import importers, library, subscribers
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Subscriber


def seed_article(store: Store, path: Path) -> int:
    [(article_id, _)] = library.save_articles(store, [importers.load(path)])
    return article_id


def subscribe(store: Store, list_name: str, count: int, domain: str = "example.com") -> list[str]:
    addresses = [f"reader{i:05d}@{domain}" for i in range(count)]
    people = [subscribers.NewSubscriber(a, f"Reader {i}") for i, a in enumerate(addresses)]
    subscribers.add_to_list(store, list_name, people)
    return addresses


def sent_to(store: Store, address: str, *, domain: str = "example.org", kind: str = "email") -> str:
    """Record that a (done) campaign mailed this subscriber; the Message-ID that mail carried."""
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        assert subscriber_id is not None, f"{address} is not a subscriber"
        campaign = Campaign(kind=kind, state="done", subject="Digest")
        session.add(campaign)
        session.flush()
        session.add(OutboxRow(campaign_id=campaign.id, recipient_id=subscriber_id, channel="file", state="sent"))
        return f"<publisher.c{campaign.id}.r{subscriber_id}@{domain}>"


class RecordingDispatcher:
    """A Dispatcher that keeps the batches instead of sending them to a broker."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, int, int, str]] = []

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None:
        self.calls.append((campaign_id, channel, first_id, last_id, queue))
