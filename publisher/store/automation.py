"""Automation tables (issue 16, migration 0020): feeds in, recurring digests, sequences, events, webhooks, publishes.

The database holds every schedule and every event; the broker only wakes workers up. Each table that a
sweeper acts on carries what makes two sweepers agree on one winner:

- feeds: `next_poll_at`, moved forward by a conditional UPDATE before a poll (the sweeper that moves it polls);
  `feed_entries` is unique per (feed, entry key), so an entry is imported once whoever polls.
- digest_schedules: `digest_runs` is unique per (schedule, due_at): the sweeper whose insert succeeds runs it.
- sequence_steps: each step is a campaign (kind "sequence", rendered once); a reader's mail of a step is the
  outbox row (campaign, reader, channel), unique, so queuing a step twice queues nothing twice.
- events: the event log, written in the same transaction as the change it records (store.events.emit); an
  event is fanned out to the webhook endpoints subscribed to its type once (`fanned_out_at`), each delivery
  an outbox row of the event's campaign (kind "event").
- publishes: one Publish action on an article and the campaigns it made, for its timeline page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from publisher.store.base import Base, utcnow


class Feed(Base):
    """A feed polled for new entries, each imported as an article (publisher.automation.feeds)."""

    __tablename__ = "feeds"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # New entries become candidates of this list's next recurring digest (None: none).
    list_id: Mapped[int | None] = mapped_column(ForeignKey("lists.id", ondelete="SET NULL"))
    share_accounts: Mapped[list[Any]] = mapped_column(JSON, default=list)  # share channel names, e.g. mastodon:work
    every_seconds: Mapped[int] = mapped_column(Integer, default=900, server_default="900")
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[int | None] = mapped_column(Integer)  # the last HTTP status (304 included)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # consecutive, for the backoff
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedEntry(Base):
    """One entry of a feed, seen once: keyed by its GUID, else its link (sha256 of either)."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key", name="uq_feed_entries_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str] = mapped_column(String(2000), default="")
    link: Mapped[str] = mapped_column(String(2000), default="")
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    error: Mapped[str | None] = mapped_column(Text)  # why this entry could not be imported
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSchedule(Base):
    """A list's recurring digest: "every friday 08:00" in a named time zone (publisher.automation.recurring)."""

    __tablename__ = "digest_schedules"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"), index=True)
    spec: Mapped[str] = mapped_column(String(200))  # the normal form, e.g. "every friday 08:00"
    timezone: Mapped[str] = mapped_column(String(64))  # an IANA name, e.g. Europe/Berlin
    # Which readers' cadence this schedule serves: "daily" or "weekly" (readers who chose it, and those who
    # chose nothing when it is the list's default), or None: every active reader of the list.
    cadence: Mapped[str | None] = mapped_column(String(20))
    subject_template: Mapped[str] = mapped_column(String(500), default="", server_default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # composer settings: full, preheader, ...
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_run_at: Mapped[datetime | None] = mapped_column()  # UTC; None while paused
    # Articles published after this go into the next run (the previous run's due time; creation at first).
    collect_since: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DigestRun(Base):
    """One due time of a schedule, claimed by the sweeper whose insert succeeded: it ran, or was skipped."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "due_at", name="uq_digest_runs_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("digest_schedules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column()
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))  # sent | skipped | failed
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")  # e.g. "no new article", "42 min late"


class SequenceStep(Base):
    """A mail of a list's welcome sequence: sent `delay_days` after a reader's subscription became active.

    Step 0 with delay 0 is the welcome mail. Each step is rendered once into its campaign (kind "sequence");
    readers whose subscription became active before `starts_at` (the step's creation) are not mailed it.
    """

    __tablename__ = "sequence_steps"
    __table_args__ = (UniqueConstraint("list_id", "position", name="uq_sequence_steps_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    delay_days: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)  # Markdown, rendered like an article
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EventRow(Base):
    """One event of the event log (publisher.states.EventType), written with the change it records."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_type_created", "type", "created_at"),
        Index("ix_events_fanned_out", "fanned_out_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Erased with the reader (their events name them): ON DELETE CASCADE.
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    # Set once its webhook deliveries are queued (the event's campaign, kind "event"); None: not yet.
    fanned_out_at: Mapped[datetime | None] = mapped_column()
    delivery_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))


class WebhookEndpoint(Base):
    """A subscription of a URL to event types; its secret sealed like an account's (channels.vault)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    sealed_secret: Mapped[str] = mapped_column(Text)  # a whsec_ secret, sealed with PUBLISHER_SECRET_KEY
    event_types: Mapped[list[Any]] = mapped_column(JSON, default=list)  # EventType values; ["*"]: every type
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    disabled_reason: Mapped[str | None] = mapped_column(Text)  # e.g. "answered 410 Gone"
    description: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PublishRow(Base):
    """One Publish action on an article: what it made, for the one timeline of its page."""

    __tablename__ = "publishes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    email_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    share_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # lists, accounts, as chosen
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The Publish form's random token (migration 0022): the same form posted twice makes one publish.
    submission: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
