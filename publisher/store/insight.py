"""Insight tables (issue 15, migration 0019): tracked links, open and click events, share post metrics.

What is kept follows the campaign's tracking mode (campaigns.tracking, publisher.tracking.MODES):

- `off`: nothing; no pixel, no rewritten link, no row here.
- `aggregate`: one tracking_events row per open or click with NO reader in it (subscriber_id NULL) and only
  `sketch`, a HyperLogLog register (publisher.tracking.sketch_of: 12 bits of register index, 6 of rank)
  from which reports estimate unique readers; many readers share a register, so a row names nobody.
- `individual`: the same rows with subscriber_id, erased with the subscriber (ON DELETE CASCADE), so an
  erased reader's events are gone from every report.

tracking_recent holds, for one day at most, a keyed hash per message (campaign and recipient, never an
address, IP or user agent in clear): what deduplicates repeated fetches and tells a scanner that clicks
every link of one message within a second. A periodic task deletes rows older than a day.

post_metrics holds what a network's API says of a share post later (likes, reposts, replies), per outbox row;
it goes with its campaign (campaign_id). No foreign key to outbox.id since migration 0023: on PostgreSQL the
outbox is partitioned and id alone is not a key a foreign key can reference.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from publisher.store.base import Base, utcnow


class TrackedLink(Base):
    """One link of a campaign's message, by its position: the only URL /r/<token> may redirect to."""

    __tablename__ = "tracked_links"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    # A hidden link no reader sees (a honeypot): whoever follows it is a machine.
    honeypot: Mapped[bool] = mapped_column(default=False, server_default="0")


class TrackingEvent(Base):
    """One open (the pixel) or click (/r/<token>), with the verdict decided when it arrived."""

    __tablename__ = "tracking_events"
    __table_args__ = (
        Index("ix_tracking_events_campaign_kind", "campaign_id", "kind", "verdict", "at"),
        Index("ix_tracking_events_subscriber", "subscriber_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # open | click
    position: Mapped[int | None] = mapped_column(Integer)  # the link's position (tracked_links); None: an open
    verdict: Mapped[str] = mapped_column(String(10))  # human | machine
    reason: Mapped[str] = mapped_column(String(40))  # why, e.g. "browser", "apple-mpp", "scanner-agent", "head"
    sketch: Mapped[int] = mapped_column(Integer)  # a HyperLogLog register of the reader (publisher.tracking)
    # Only in mode individual; erased with the subscriber.
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(255), default="", server_default="")  # the receiving domain
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TrackingRecent(Base):
    """A message's recent events, by a keyed hash, kept one day: deduplication and scanner heuristics."""

    __tablename__ = "tracking_recent"
    __table_args__ = (Index("ix_tracking_recent_digest", "digest", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))  # keyed hash of (campaign, recipient[, client])
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PostMetric(Base):
    """A share post's engagement as its network reports it, read back by a periodic task."""

    __tablename__ = "post_metrics"

    outbox_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    likes: Mapped[int | None] = mapped_column(Integer)
    reposts: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[int | None] = mapped_column(Integer)
    read_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
