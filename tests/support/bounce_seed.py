"""Arrange helpers for the bounce report: a campaign that mailed some readers, and real-shaped bounces of it.

The bounces go in the way a mailbox's would: a Postfix DSN (tests/support/dsn.py) quoting the Message-ID
the send carried, through publisher.bounces.ingest_message, so what the report reads is what intake stored.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select

from publisher import bounces
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Subscriber
from tests.support.dsn import postfix_dsn

# (status, diagnostic) as real servers word them, one per reason the tests use.
USER_UNKNOWN = ("5.1.1", "550 5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table")
MAILBOX_FULL = ("4.2.2", "452 4.2.2 <{email}>: Mailbox full, try again later")
BLOCKED = (
    "5.7.1",
    "550 5.7.1 Service unavailable; client host [192.0.2.10] blocked using zen.spamhaus.org; "
    "https://www.spamhaus.org/query/ip/192.0.2.10",
)
SPAM = ("5.7.1", "550 5.7.1 Message rejected as spam by Content Filtering")

_reports = itertools.count(1)


def campaign_to(store: Store, addresses: list[str], *, subject: str = "The week", state: str = "done") -> int:
    """A mail campaign in this state whose outbox rows to these subscribers were sent; its id."""
    with store.session() as session:
        ids = dict(
            session.execute(select(Subscriber.email, Subscriber.id).where(Subscriber.email.in_(addresses))).all()
        )
        assert len(ids) == len(set(addresses)), "every address must be a subscriber"
        campaign = Campaign(kind="email", state=state, subject=subject)
        session.add(campaign)
        session.flush()
        session.add_all(
            OutboxRow(campaign_id=campaign.id, recipient_id=ids[a], channel="email", state="sent") for a in addresses
        )
        return campaign.id


def bounce(
    store: Store,
    settings: Settings,
    campaign_id: int,
    email: str,
    what: tuple[str, str],
    *,
    date: datetime | None = None,
) -> list[str]:
    """One DSN for this recipient of this campaign, ingested; the outcomes ("suppressed", "counted", ...)."""
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == email))
    status, diagnostic = what
    raw = postfix_dsn(
        email,
        status,
        diagnostic.format(email=email),
        original_message_id=f"<publisher.c{campaign_id}.r{subscriber_id}@{settings.sender_domain}>",
        report_id=f"<seed-{next(_reports)}@mx.example.net>",
        date=date,
    )
    outcomes = bounces.ingest_message(store, settings, raw, source="test")
    assert outcomes and "ignored" not in outcomes, f"the seeded bounce was not believed: {[o.why for o in outcomes]}"
    return outcomes
