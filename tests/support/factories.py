"""Arrange helpers: an imported seed article and a list of subscribers in a store."""

from __future__ import annotations

from pathlib import Path

from publisher import importers, library, subscribers
from publisher.store import Store


def seed_article(store: Store, path: Path) -> int:
    [(article_id, _)] = library.save_articles(store, [importers.load(path)])
    return article_id


def subscribe(store: Store, list_name: str, count: int, domain: str = "example.com") -> list[str]:
    addresses = [f"reader{i:05d}@{domain}" for i in range(count)]
    people = [subscribers.NewSubscriber(a, f"Reader {i}") for i, a in enumerate(addresses)]
    subscribers.add_to_list(store, list_name, people)
    return addresses


class RecordingDispatcher:
    """A Dispatcher that keeps the batches instead of sending them to a broker."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, int, int, str]] = []

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None:
        self.calls.append((campaign_id, channel, first_id, last_id, queue))
