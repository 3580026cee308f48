"""One publish's timeline (issue 16): everything its Publish made, in the order it happened, with times.

Read from the tables themselves, never from a copy: the article's published_at; the digest's campaign and
its outbox rows (queued, sent, failed, pending, as campaigns.status counts them) and when it finished; each
share post's outbox row (channel, state, the post's URL or the error); the publish's own errors and notes
(publisher.automation.publish); and the event log's events about the article or these campaigns since the
publish, each with its webhook deliveries (the outbox rows of the event's delivery campaign: endpoint,
state, response). With no webhook endpoint there are no deliveries, and the timeline simply has none.

`final` says that nothing on it will change any more without an operator: no outbox row pending, and, while
some webhook endpoint is enabled, every event fanned out. Pages stop polling then, the CLI stops waiting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from publisher.automation.webhooks import CHANNEL as HOOK
from publisher.errors import NotFound
from publisher.states import PENDING_ROWS, CampaignState
from publisher.store import Store
from publisher.store.automation import EventRow, PublishRow, WebhookEndpoint
from publisher.store.models import ArticleRow, Campaign, OutboxRow
from publisher.store.progress import row_counts

_FINAL_CAMPAIGNS = (CampaignState.DONE, CampaignState.CANCELLED)


@dataclass
class Entry:
    """One line of the timeline. kind: publish | published | digest | digest-finished | post | event |
    delivery | error | note; state: the row's or campaign's state where it has one."""

    kind: str
    at: datetime | None
    text: str
    state: str = ""
    channel: str = ""
    url: str | None = None  # a share post's URL (http or https only; anything else is shown as text)
    error: str | None = None
    code: str | None = None  # a webhook delivery's response code, as the delivery recorded it

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat() if self.at else None
        return data


@dataclass
class Digest:
    """The digest's progress, as the campaign page shows it."""

    campaign_id: int
    state: str
    counts: dict[str, int]
    total: int
    pending: int
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int((self.total - self.pending) * 100 / self.total)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["percent"] = self.percent
        return data


@dataclass
class Timeline:
    id: int
    article_id: int
    title: str
    created_at: datetime
    created_by: str | None
    lists: list[str]
    accounts: list[str]
    entries: list[Entry]
    digest: Digest | None
    share_campaign_id: int | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    final: bool = False
    stopped: bool = False  # a campaign of it is paused: nothing moves until an editor resumes it

    @property
    def problems(self) -> int:
        """How many things went wrong: the recorded errors, failed posts and deliveries, failed mails."""
        failed = sum(1 for e in self.entries if e.kind in ("post", "delivery") and e.state == "failed")
        return len(self.errors) + failed + (self.digest.counts["failed"] if self.digest else 0)

    @property
    def summary(self) -> str:
        """One line for the top of the page (and the CLI): where the publish stands."""
        if self.stopped:
            return "Paused: resume it on the campaign's page."
        if not self.final:
            return "In progress: this page follows it."
        if self.problems:
            return f"Final, with {self.problems} problem{'s' if self.problems > 1 else ''}: see the lines in red."
        return "Everything is final."

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "lists": self.lists,
            "accounts": self.accounts,
            "digest": self.digest.to_dict() if self.digest else None,
            "share_campaign_id": self.share_campaign_id,
            "errors": self.errors,
            "final": self.final,
            "stopped": self.stopped,
            "problems": self.problems,
            "summary": self.summary,
            "entries": [e.to_dict() for e in self.entries],
        }


def timeline(store: Store, publish_id: int) -> Timeline:
    """The publish's timeline, ordered by time (entries without one last); NotFound for an unknown id."""
    with store.session() as session:
        row = session.get(PublishRow, publish_id)
        if row is None:
            raise NotFound(f"no publish with id {publish_id}")
        article = session.get(ArticleRow, row.article_id)
        options = dict(row.options or {})
        entries = [Entry("publish", row.created_at, _pressed(row, options))]
        if article is not None and article.published_at is not None:
            entries.append(_published(article.published_at, row.created_at))
        pending = False
        stopped = False
        digest = None
        if row.email_campaign_id is not None:
            digest, digest_entries = _digest(session, row.email_campaign_id)
            entries += digest_entries
            pending |= digest.pending > 0
            stopped |= digest.state == CampaignState.PAUSED
        if row.share_campaign_id is not None:
            post_entries, posts_pending, paused = _posts(session, row.share_campaign_id)
            entries += post_entries
            pending |= posts_pending
            stopped |= paused
        for item in options.get("errors", []):
            entries.append(Entry("error", _when(item.get("at")), item.get("message", ""), error=item.get("message")))
        for item in options.get("notes", []):
            entries.append(Entry("note", _when(item.get("at")), item.get("message", "")))
        event_entries, events_pending = _events(session, row)
        entries += event_entries
        pending |= events_pending
        title = article.title if article is not None else f"article {row.article_id}"
        return Timeline(
            id=row.id,
            article_id=row.article_id,
            title=title,
            created_at=row.created_at,
            created_by=row.created_by,
            lists=list(options.get("lists", [])),
            accounts=list(options.get("accounts", [])),
            entries=_ordered(entries),
            digest=digest,
            share_campaign_id=row.share_campaign_id,
            errors=list(options.get("errors", [])),
            final=not pending and not stopped,
            stopped=stopped,
        )


def _pressed(row: PublishRow, options: dict[str, Any]) -> str:
    what = []
    if options.get("lists"):
        what.append("mail it to " + ", ".join(options["lists"]))
    if options.get("accounts"):
        what.append("share it to " + ", ".join(options["accounts"]))
    by = f" by {row.created_by}" if row.created_by else ""
    return f"Publish{by}: publish the article" + "".join(f", {w}" for w in what)


def _published(published_at: datetime, pressed_at: datetime) -> Entry:
    """Published by this Publish, or before it (a second Publish of the article keeps the first time)."""
    if published_at >= pressed_at:
        return Entry("published", published_at, "Published: the article is in the public archive")
    return Entry("published", pressed_at, f"Already published, since {published_at:%Y-%m-%d %H:%M} UTC")


def _digest(session: Session, campaign_id: int) -> tuple[Digest, list[Entry]]:
    campaign = session.get(Campaign, campaign_id)
    counts = row_counts(session, campaign_id)
    total = sum(counts.values())
    pending = sum(counts[s] for s in PENDING_ROWS)
    state = campaign.state if campaign is not None else "deleted"
    finished_at = campaign.finished_at if campaign is not None else None
    digest = Digest(campaign_id, state, counts, total, pending, finished_at)
    created = campaign.created_at if campaign is not None else None
    entries = [
        Entry(
            "digest",
            created,
            f"Digest queued for {total:,} readers; now {counts['sent']:,} sent, {counts['failed']:,} failed, "
            f"{pending:,} pending",
            state=state,
        )
    ]
    if finished_at is not None:
        entries.append(Entry("digest-finished", finished_at, f"Digest finished: {counts['sent']:,} sent", state=state))
    return digest, entries


def _posts(session: Session, campaign_id: int) -> tuple[list[Entry], bool, bool]:
    """Each post of the share campaign; whether any is pending; whether the campaign is paused."""
    campaign = session.get(Campaign, campaign_id)
    rows = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id).order_by(OutboxRow.id))
    entries: list[Entry] = []
    pending = False
    for r in rows:
        pending |= r.state in PENDING_ROWS
        url = r.url if r.url and r.url.startswith(("https://", "http://")) else None
        text = f"Post to {r.channel}: {r.state}"
        at = r.updated_at or (campaign.created_at if campaign is not None else None)
        entries.append(Entry("post", at, text, state=r.state, channel=r.channel, url=url, error=r.error))
    paused = campaign is not None and campaign.state == CampaignState.PAUSED
    return entries, pending, paused


def _events(session: Session, row: PublishRow) -> tuple[list[Entry], bool]:
    """The events about this article or these campaigns since the publish, each with its deliveries."""
    campaigns = [c for c in (row.email_campaign_id, row.share_campaign_id) if c is not None]
    about = [EventRow.article_id == row.article_id]
    if campaigns:
        about.append(EventRow.campaign_id.in_(campaigns))
    events = session.scalars(
        select(EventRow).where(or_(*about), EventRow.created_at >= row.created_at).order_by(EventRow.id)
    ).all()
    listening = session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.enabled).limit(1)) is not None
    urls: dict[int, str] = dict(session.execute(select(WebhookEndpoint.id, WebhookEndpoint.url)).tuples().all())
    entries: list[Entry] = []
    pending = False
    for event in events:
        entries.append(Entry("event", event.created_at, f"Event {event.type}", state=event.type))
        if event.fanned_out_at is None:
            pending |= listening
            continue
        if event.delivery_campaign_id is None:
            continue
        deliveries = session.scalars(
            select(OutboxRow).where(OutboxRow.campaign_id == event.delivery_campaign_id).order_by(OutboxRow.id)
        )
        for d in deliveries:
            pending |= d.state in PENDING_ROWS
            entries.append(_delivery(event, d, urls))
    return entries, pending


def _delivery(event: EventRow, d: OutboxRow, urls: dict[int, str]) -> Entry:
    """A webhook delivery: where it went (its endpoint's URL: the row's recipient is the endpoint), its state and
    the receiver's last HTTP status (kept in the row's payload by delivery.send)."""
    endpoint = urls.get(d.recipient_id, f"endpoint {d.recipient_id} (removed)") if d.channel == HOOK else d.channel
    code = (d.payload or {}).get("status")
    text = f"Webhook {event.type} to {endpoint}: {d.state}"
    return Entry(
        "delivery",
        d.updated_at or event.fanned_out_at,
        text,
        state=d.state,
        channel=endpoint,
        error=d.error,
        code=None if code is None else str(code),
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _ordered(entries: list[Entry]) -> list[Entry]:
    """By time, keeping the order of equal times (the publish before what it made); no time: at the end."""
    timed = sorted((e for e in entries if e.at is not None), key=lambda e: e.at)  # type: ignore[arg-type,return-value]
    return timed + [e for e in entries if e.at is None]
