"""Where and when: a campaign's events over time and by receiving domain, and the unsubscribes it may have caused.

SQL aggregates like publisher.insight.counting: the timeline is one GROUP BY per clock hour (UTC), the
first 48 hours after the campaign started kept by hour and the rest summed into days; the domains are one
GROUP BY over tracking_events.domain and one over the outbox joined to the subscribers' addresses.
What reads the outbox reads campaign_totals instead once the campaign is compacted (publisher.insight.retention).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from publisher.insight.counting import HOURLY, VERDICT, events_of
from publisher.states import CampaignKind, RowState
from publisher.store.models import Campaign, CampaignList, OutboxRow, Subscriber, Subscription, TrackingEvent
from publisher.store.totals import totals_of
from publisher.store.types import aware_utc


def _counts() -> dict[str, int]:
    return {"opens_human": 0, "opens_machine": 0, "clicks_human": 0, "clicks_machine": 0}


def _add(counts: dict[str, int], kind: str, verdict: str, n: int) -> None:
    key = f"{'opens' if kind == 'open' else 'clicks'}_{'human' if verdict == 'human' else 'machine'}"
    counts[key] += n


@dataclass
class Bucket:
    """Events in one hour (span "hour") or one day ("day") from `start` (UTC)."""

    start: datetime
    span: str
    counts: dict[str, int] = field(default_factory=_counts)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "span": self.span, **self.counts}


def _hour_of(session: Session, at: Any) -> ColumnElement[Any]:  # noqa: ANN401 - a timestamp column
    """The clock hour (UTC) of a timestamp, as the database computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", at))
    return func.strftime("%Y-%m-%d %H:00:00", at)


def _as_hour(value: Any) -> datetime:  # noqa: ANN401 - a datetime (PostgreSQL) or its text (SQLite)
    return aware_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def timeline(session: Session, campaign_id: int, started: datetime) -> list[Bucket]:
    """Events by hour for the first 48 hours from the hour the campaign started, then by day; empty hours too."""
    first = started.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hour = _hour_of(session, TrackingEvent.at)
    rows = session.execute(
        events_of(campaign_id, hour, TrackingEvent.kind, VERDICT, func.count()).group_by(
            hour, TrackingEvent.kind, VERDICT
        )
    ).all()
    if not rows:
        return []
    buckets: dict[datetime, Bucket] = {}
    last = first
    for value, kind, verdict, n in rows:
        at = max(_as_hour(value), first)  # a clock a little behind counts in the first hour
        offset = int((at - first).total_seconds() // 3600)
        if offset < HOURLY:
            start, span = at, "hour"
        else:
            start, span = first + timedelta(hours=HOURLY + (offset - HOURLY) // 24 * 24), "day"
        _add(buckets.setdefault(start, Bucket(start, span)).counts, kind, verdict, n)
        last = max(last, start)
    # Every hour of the hourly part up to the last event, so a chart's gaps are hours nobody read.
    moment = first
    while moment <= last:
        hours = int((moment - first).total_seconds() // 3600)
        span = "hour" if hours < HOURLY else "day"
        buckets.setdefault(moment, Bucket(moment, span))
        moment += timedelta(hours=1 if span == "hour" else 24)
    return [buckets[start] for start in sorted(buckets)]


@dataclass
class DomainCounts:
    """One receiving domain: what the outbox did there, its bounces, and its readers' events."""

    domain: str
    delivered: int = 0
    failed: int = 0
    bounced: int = 0
    counts: dict[str, int] = field(default_factory=_counts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "delivered": self.delivered,
            "failed": self.failed,
            "bounced": self.bounced,
            **self.counts,
        }


def _domain_of(session: Session, email: Any) -> ColumnElement[str]:  # noqa: ANN401 - an address column
    if session.get_bind().dialect.name == "postgresql":
        return func.lower(func.split_part(email, "@", 2))
    return func.lower(func.substr(email, func.instr(email, "@") + 1))


def domains(
    session: Session, campaign_id: int, bounced: dict[str, int], limit: int = 50
) -> tuple[list[DomainCounts], int]:
    """The `limit` domains the campaign reached most (by delivered, then events); how many more there are.

    `bounced`: bounces per domain (publisher.bounces.stats, which owns those queries).
    """
    found: dict[str, DomainCounts] = {}
    kept = totals_of(session, campaign_id)
    by_domain = kept.figures["domains"] if kept is not None else delivered_by_domain(session, campaign_id)
    for name, (delivered, failed) in by_domain.items():
        found[name] = DomainCounts(name, delivered=delivered, failed=failed)
    for name, kind, verdict, n in session.execute(
        events_of(campaign_id, TrackingEvent.domain, TrackingEvent.kind, VERDICT, func.count()).group_by(
            TrackingEvent.domain, TrackingEvent.kind, VERDICT
        )
    ):
        _add(found.setdefault(name or "", DomainCounts(name or "")).counts, kind, verdict, n)
    for name, n in bounced.items():
        found.setdefault(name, DomainCounts(name)).bounced = n
    ordered = sorted(found.values(), key=lambda d: (-d.delivered, -sum(d.counts.values()), d.domain))
    return ordered[:limit], max(0, len(ordered) - limit)


def delivered_by_domain(session: Session, campaign_id: int) -> dict[str, list[int]]:
    """[delivered, failed] per receiving domain, from the campaign's outbox rows and the readers' addresses."""
    found: dict[str, list[int]] = {}
    domain = _domain_of(session, Subscriber.email)
    for name, state, n in session.execute(
        select(domain, OutboxRow.state, func.count())
        .join(Subscriber, Subscriber.id == OutboxRow.recipient_id)
        .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_((RowState.SENT, RowState.FAILED)))
        .group_by(domain, OutboxRow.state)
    ):
        found.setdefault(name, [0, 0])[0 if state == RowState.SENT else 1] += n
    return found


def unsubscribed(session: Session, campaign: Campaign, started: datetime) -> int:
    """Recipients of this mail who left one of its lists after it started, before another mail reached them.

    Attributed by time only: a subscription records when it ended, not which mail's link ended it. A compacted
    campaign's figure is the one counted when it was compacted.
    """
    kept = totals_of(session, campaign.id)
    if kept is not None:
        return int(kept.figures.get("unsubscribed", 0))
    return unsubscribed_from_rows(session, campaign, started)


def unsubscribed_from_rows(session: Session, campaign: Campaign, started: datetime) -> int:
    """unsubscribed(), counted from the campaign's outbox rows."""
    lists = select(CampaignList.list_id).where(CampaignList.campaign_id == campaign.id)
    later = aliased(OutboxRow)
    other = aliased(Campaign)
    another_mail_first = exists(
        select(later.id)
        .join(other, other.id == later.campaign_id)
        .where(
            later.recipient_id == Subscription.subscriber_id,
            later.state == RowState.SENT,
            later.campaign_id != campaign.id,
            other.kind == CampaignKind.EMAIL,
            other.created_at > started,
            other.created_at <= Subscription.updated_at,
        )
    )
    of_campaign: ColumnElement[bool] = Subscription.list_id.in_(lists)
    if campaign.list_id is not None:
        of_campaign = or_(of_campaign, Subscription.list_id == campaign.list_id)
    count = session.scalar(
        select(func.count(Subscription.subscriber_id.distinct()))
        .join(
            OutboxRow,
            and_(
                OutboxRow.recipient_id == Subscription.subscriber_id,
                OutboxRow.campaign_id == campaign.id,
                OutboxRow.state == RowState.SENT,
            ),
        )
        .where(
            Subscription.status == "unsubscribed",
            Subscription.updated_at >= started,
            of_campaign,
            ~another_mail_first,
        )
    )
    return int(count or 0)
