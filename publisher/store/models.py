"""SQLAlchemy models: articles, lists and subscribers, campaigns and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from publisher.states import CampaignState, RowState
from publisher.store.base import Base, utcnow
from publisher.store.types import UTCDateTime


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0008)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    summary: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[Any]] = mapped_column()  # the plain-text view, still written for older readers
    # The document, versioned JSON (publisher.articles.document; migration 0010); NULL only if written by
    # a process older than 0010, and then read from sections.
    body: Mapped[dict[str, Any] | None] = mapped_column()
    lang: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    source: Mapped[dict[str, Any]] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()  # set by Publish in the editor (issue 7)


class MailingList(Base):
    __tablename__ = "lists"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0008)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Automation (issue 16, migration 0020): the cadences a reader of this list may choose on the preferences
    # page ("instant", "daily", "weekly"; publisher.states.CADENCES), None: no choice offered; and the cadence
    # of a reader who chose none.
    cadences: Mapped[list[Any] | None] = mapped_column(JSON)
    default_cadence: Mapped[str | None] = mapped_column(String(20))


class Subscriber(Base):
    __tablename__ = "subscribers"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0008)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalized by email-validator (domain lowercased), so duplicates differing in domain case merge.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    __tablename__ = "subscriptions"

    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="active")  # unconfirmed|active|unsubscribed|...
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Consent (issue 5, migration 0003): the nonce a confirmation link must carry, cleared when used.
    confirm_nonce: Mapped[str | None] = mapped_column(String(32), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Automation (issue 16, migration 0020): when the subscription last became active (a confirmation, an
    # editor's add; never a CSV import), what a welcome sequence counts from; and the reader's chosen
    # cadence (None: the list's default_cadence).
    activated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cadence: Mapped[str | None] = mapped_column(String(20), nullable=True)


class Campaign(Base):
    """One Send (kind "email"), Share ("share") or double opt-in confirmation ("confirm"); rendered once."""

    __tablename__ = "campaigns"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0008)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # a publisher.states.CampaignKind
    state: Mapped[str] = mapped_column(String(20), default=CampaignState.QUEUED)  # a publisher.states.CampaignState
    subject: Mapped[str] = mapped_column(String(500), default="")
    list_id: Mapped[int | None] = mapped_column(ForeignKey("lists.id", ondelete="SET NULL"))
    # The digest with its CSS inlined, personal fields left as placeholders (see render.email).
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    render_key: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    # Delivery control (issue 4): why a campaign was paused, the run of connection failures that pauses
    # it, and when a worker last recorded progress (the sweeper re-dispatches a campaign that stalled).
    pause_reason: Mapped[str | None] = mapped_column(Text)
    failure_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last bounce_events id a sender-side alarm counted (publisher.bounces.alarms).
    sender_alarm_mark: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_at: Mapped[datetime | None] = mapped_column()
    # Scheduled sends (issue 7): state "scheduled" until the sweeper starts the campaign at this time (UTC).
    scheduled_at: Mapped[datetime | None] = mapped_column()
    # The editor's Send form (issue 18 item 3): the random token of the form that made this campaign, so
    # the same form posted twice makes one campaign (unique: a second insert with it fails).
    submission: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # The publication (issue 12): the sender this campaign goes out as, frozen when it is made
    # ({"from": ..., "reply_to": ..., "name": ...}); None for campaigns made before, which use the settings.
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Insight (issue 15): the publication's tracking mode when the campaign was made (off | aggregate |
    # individual, publisher.tracking.MODES), so a report never mixes modes; None for campaigns made before: off.
    tracking: Mapped[str | None] = mapped_column(String(20))
    # Sequences (issue 16, migration 0021): the step a "sequence" campaign renders (every rendering of it).
    sequence_step_id: Mapped[int | None] = mapped_column(Integer, index=True)

    articles: Mapped[list[CampaignArticle]] = relationship(order_by="CampaignArticle.position")
    mailing_list: Mapped[MailingList | None] = relationship()


class CampaignList(Base):
    """A list a digest goes to (migration 0014), in the editor's order; none: the campaign's list_id alone."""

    __tablename__ = "campaign_lists"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CampaignArticle(Base):
    __tablename__ = "campaign_articles"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class OutboxRow(Base):
    """One delivery: (campaign, recipient, channel); recipient_id is a subscriber id, or 0 for a share post."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("campaign_id", "recipient_id", "channel", name="uq_outbox_delivery"),
        Index("ix_outbox_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default=RowState.QUEUED)  # a publisher.states.RowState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    provider_id: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime | None] = mapped_column()


# --- Subscribers and consent (issue 5): global suppression list, bounce events, confirmation state ---


class Suppression(Base):
    """An address never mailed again, whatever list it is on: hard bounce, complaint, repeated soft bounces, manual."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(String(50))  # hard_bounce|soft_bounce|complaint|manual
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)


class BounceEvent(Base):
    """One bounce or complaint as reported (a DSN, a feedback report, a webhook call); soft ones are counted."""

    __tablename__ = "bounce_events"
    __table_args__ = (
        # The same report ingested twice (an mbox read again, a webhook retried) counts once.
        UniqueConstraint("report_id", "email", name="uq_bounce_report_recipient"),
        Index("ix_bounce_events_email_received", "email", "received_at"),
        # The bounce report reads these instead of the table (migration 0016, publisher.bounces.stats); the
        # first also serves the alarms' count (campaign_id, kind), which had an index of its own until then.
        Index("ix_bounce_events_campaign_reason", "campaign_id", "kind", "reason", "domain", "received_at"),
        Index("ix_bounce_events_domain_reason", "domain", "reason", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    # What it did: hard (suppressed), soft (counted), sender (the sender's problem), complaint.
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20), default="undefined", server_default="undefined")
    hard: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)  # RFC 3463 code, e.g. 5.1.1
    reply_code: Mapped[str | None] = mapped_column(String(3), nullable=True)  # SMTP, e.g. 550
    remote_mta: Mapped[str | None] = mapped_column(String(255), nullable=True)
    domain: Mapped[str] = mapped_column(String(255), default="", server_default="")  # the receiving domain
    format: Mapped[str] = mapped_column(String(20), default="", server_default="")  # rfc3464, arf, qmail, ses, ...
    diagnostic: Mapped[str | None] = mapped_column(Text, nullable=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subscriber_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    report_id: Mapped[str | None] = mapped_column(String(500), nullable=True)  # the report's own Message-ID
    source: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Delivery (issue 4): the database token bucket behind PUBLISHER_RATE_LIMITS when the broker is not Redis.
class RateBucket(Base):
    __tablename__ = "rate_buckets"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)  # unix time: the bucket only needs differences


# --- web app: editor accounts, sessions, API tokens, login attempts, publish state (issue 7) ---


class User(Base):
    """An editor who can log in to the web app; created with `publisher users add`."""

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0008)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its parameters and salt
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An administrator also manages other editors: their tokens, and removing them (migration 0009).
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Where "Send a test to me" mails this editor (migration 0014); None until set.
    email: Mapped[str | None] = mapped_column(String(320))


class WebSession(Base):
    """A logged-in browser; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 is kept, the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0008)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    # What the token may do, comma-separated: read, write (articles, lists), send (digests, shares).
    scopes: Mapped[str] = mapped_column(String(100), default="read,write,send", server_default="read,write,send")


class LoginAttempt(Base):
    """A failed login, kept for the rate limit (per username and per client address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PublicationSetting(Base):
    """One field of the publication an editor changed (publisher.publication); the environment gives the rest."""

    __tablename__ = "publication_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)


class TemplateOverride(Base):
    """The publication's own source of a shipped template (render.templates.OVERRIDABLE), edited on
    /editor/templates and stored only once it compiled and rendered (campaigns.templates)."""

    __tablename__ = "template_overrides"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChannelAccountRow(Base):
    """A social account added in the editor (issue 14): its URL sealed by publisher.channels.vault.

    Only public parts are kept in clear (name, network, where it posts, the last characters of its main
    secret as a hint); `sealed` opens only with PUBLISHER_SECRET_KEY and only for this name.
    """

    __tablename__ = "channel_accounts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    sealed: Mapped[str] = mapped_column(Text)
    posts_to: Mapped[str] = mapped_column(String(300), default="")
    hint: Mapped[str] = mapped_column(String(8), default="")
    added_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- Scheduled shares and posting queues (issue 14; migration 0018) ---


class PostingSlots(Base):
    """An account's posting slots (publisher.campaigns.slots): "Add to queue" takes the next free one."""

    __tablename__ = "posting_slots"

    account: Mapped[str] = mapped_column(String(100), primary_key=True)  # a share channel name, e.g. mastodon:work
    spec: Mapped[str] = mapped_column(Text)  # the normal form, e.g. "weekdays 09:00, 17:00"
    timezone: Mapped[str] = mapped_column(String(64))  # an IANA name, e.g. Europe/Berlin
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QueuedPost(Base):
    """A slot taken by a queued share: one post per account and slot (unique), held by its scheduled campaign."""

    __tablename__ = "queued_posts"
    __table_args__ = (UniqueConstraint("account", "slot_at", name="uq_queued_posts_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(100))
    slot_at: Mapped[datetime] = mapped_column()  # UTC
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)



# The insight (issue 15, migration 0019) and automation (issue 16, migration 0020) tables, on the same Base.
from publisher.store.automation import DigestRun as DigestRun  # noqa: E402
from publisher.store.automation import DigestSchedule as DigestSchedule  # noqa: E402
from publisher.store.automation import EventRow as EventRow  # noqa: E402
from publisher.store.automation import Feed as Feed  # noqa: E402
from publisher.store.automation import FeedEntry as FeedEntry  # noqa: E402
from publisher.store.automation import PublishRow as PublishRow  # noqa: E402
from publisher.store.automation import SequenceStep as SequenceStep  # noqa: E402
from publisher.store.automation import WebhookEndpoint as WebhookEndpoint  # noqa: E402
from publisher.store.insight import PostMetric as PostMetric  # noqa: E402
from publisher.store.insight import TrackedLink as TrackedLink  # noqa: E402
from publisher.store.insight import TrackingEvent as TrackingEvent  # noqa: E402
from publisher.store.insight import TrackingRecent as TrackingRecent  # noqa: E402
