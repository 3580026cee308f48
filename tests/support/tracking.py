"""Arrange helpers for reports: a tracked campaign and its tracking_events rows, as capture writes them.

Rows follow publisher/store/insight.py: every event carries the reader's sketch (publisher.tracking, keyed
with the settings' secret); only in mode individual does it name the subscriber. Events go in with one
bulk insert per call, so a test can seed thousands.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from publisher.store import Store
from publisher.store.models import Campaign, MailingList, OutboxRow, Subscriber, TrackedLink, TrackingEvent
from publisher.tracking import reader_hash, sketch_of

SECRET = "test-secret-key"  # tests/conftest.py's PUBLISHER_SECRET_KEY


def tracked_campaign(
    store: Store,
    addresses: Iterable[str],
    *,
    mode: str = "aggregate",
    links: Iterable[str] = ("https://news.example.org/a", "https://news.example.org/b"),
    honeypot: bool = True,
    started_at: datetime | None = None,
    subject: str = "The week",
    failed: Iterable[str] = (),
    list_name: str = "readers",
) -> int:
    """A done mail campaign to the list `list_name` in this tracking mode that was sent to `addresses` (failed
    to `failed`), with its links at positions 0, 1, ... and, with `honeypot`, a hidden link after them; its id."""
    started_at = started_at or datetime.now(UTC) - timedelta(days=5)
    wanted = [*addresses, *failed]
    with store.session() as session:
        ids = dict(session.execute(select(Subscriber.email, Subscriber.id).where(Subscriber.email.in_(wanted))).all())
        assert len(ids) == len(set(wanted)), "every address must be a subscriber"
        list_id = session.scalar(select(MailingList.id).where(MailingList.name == list_name))
        campaign = Campaign(
            kind="email", state="done", subject=subject, tracking=mode, created_at=started_at, list_id=list_id
        )
        session.add(campaign)
        session.flush()
        failing = set(failed)
        session.add_all(
            OutboxRow(
                campaign_id=campaign.id,
                recipient_id=ids[a],
                channel="email",
                state="failed" if a in failing else "sent",
            )
            for a in wanted
        )
        urls = list(links)
        session.add_all(TrackedLink(campaign_id=campaign.id, position=i, url=u) for i, u in enumerate(urls))
        if honeypot:
            hidden = TrackedLink(
                campaign_id=campaign.id, position=len(urls), url="https://news.example.org/", honeypot=True
            )
            session.add(hidden)
        return campaign.id


def subscriber_ids(store: Store, addresses: Iterable[str]) -> list[int]:
    wanted = list(addresses)
    with store.session() as session:
        ids = dict(session.execute(select(Subscriber.email, Subscriber.id).where(Subscriber.email.in_(wanted))).all())
    return [ids[a] for a in wanted]


def events(
    store: Store,
    campaign_id: int,
    readers: Iterable[int],
    kind: str,
    *,
    verdict: str = "human",
    reason: str = "browser",
    position: int | None = None,
    at: datetime | None = None,
    times: int = 1,
) -> None:
    """`times` events of this kind per reader (subscriber ids), stored as the campaign's mode allows."""
    with store.session() as session:
        mode = session.scalar(select(Campaign.tracking).where(Campaign.id == campaign_id))
        rows = [
            {
                "campaign_id": campaign_id,
                "kind": kind,
                "position": position,
                "verdict": verdict,
                "reason": reason,
                "sketch": sketch_of(reader_hash(SECRET, campaign_id, reader)),
                "subscriber_id": reader if mode == "individual" else None,
                "domain": domain,
                "at": at or datetime.now(UTC),
            }
            for reader, domain in _domains(session, list(readers))
            for _ in range(times)
        ]
        if rows:
            session.execute(insert(TrackingEvent), rows)


def _domains(session, readers: list[int]) -> list[tuple[int, str]]:  # noqa: ANN001
    found = dict(session.execute(select(Subscriber.id, Subscriber.email).where(Subscriber.id.in_(readers))).all())
    return [(reader, found[reader].rsplit("@", 1)[1]) for reader in readers]
