"""Arrange helpers for recurring digests: articles published at given times, readers of given cadences, and
Services whose clock says what the test says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update

from publisher import importers, library, runtime, subscribers
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.runtime import Services
from publisher.store import Store
from publisher.store.automation import DigestRun
from publisher.store.models import ArticleRow, Campaign, OutboxRow, Subscriber, Subscription
from tests.support.factories import RecordingDispatcher


def services_at(store: Store, settings: Settings, now: datetime, dispatcher: object | None = None) -> Services:
    """A worker's Services at `now` (a fresh one per call: a restarted worker)."""
    return runtime.build(settings, store=store, dispatcher=dispatcher or RecordingDispatcher(), clock=FixedClock(now))  # type: ignore[arg-type]


def published(store: Store, folder: Path, title: str, when: datetime) -> int:
    """A new article with this title, published at `when`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{title.lower().replace(' ', '-')}.txt"
    path.write_text(f"{title}\n\nThe story of {title.lower()}, told in one plain paragraph.\n", encoding="utf-8")
    [(article_id, _)] = library.save_articles(store, [importers.load(path)])
    with store.session() as session:
        session.execute(update(ArticleRow).where(ArticleRow.id == article_id).values(published_at=when))
    return article_id


def readers(store: Store, list_name: str, prefix: str, count: int, cadence: str | None = None) -> list[str]:
    """Active readers of a list, each having chosen this cadence (None: none chosen)."""
    addresses = [f"{prefix}{i}@example.com" for i in range(count)]
    subscribers.add_to_list(store, list_name, [subscribers.NewSubscriber(a, a) for a in addresses])
    with store.session() as session:
        ids = select(Subscriber.id).where(Subscriber.email.in_(addresses))
        session.execute(update(Subscription).where(Subscription.subscriber_id.in_(ids)).values(cadence=cadence))
    return addresses


def campaigns_of(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(Campaign.id).where(Campaign.kind == "email").order_by(Campaign.id)))


def recipients(store: Store, campaign_id: int) -> list[str]:
    with store.session() as session:
        return sorted(
            session.scalars(
                select(Subscriber.email)
                .join(OutboxRow, OutboxRow.recipient_id == Subscriber.id)
                .where(OutboxRow.campaign_id == campaign_id)
            )
        )


def runs_of(store: Store, schedule_id: int) -> list[DigestRun]:
    with store.session() as session:
        found = session.scalars(
            select(DigestRun).where(DigestRun.schedule_id == schedule_id).order_by(DigestRun.due_at)
        )
        rows = list(found)
        session.expunge_all()
        return rows


def count_runs(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(DigestRun)) or 0
