"""A campaign's report: what its mail or posts did, human and machine counted apart (issue 15).

`campaign_report(store, campaign_id, settings=...)` reads it in one transaction of SQL aggregates
(publisher.insight.counting and .spread; the bounces through publisher.bounces.stats). `to_dict()` is the
JSON the CLI (`publisher report ID --format json`) and the API (GET /api/campaigns/{id}/report) give;
its shape is stable:

    campaign      {id, kind, subject, state, started_at, finished_at}
    mode          the tracking mode the campaign was sent with: off | aggregate | individual
    delivered     outbox rows sent; failed: rows that failed for good; outbox: every state's count
    bounced       {total, by_kind: {hard, soft, sender}, by_reason: {reason: n}} (complaints apart)
    complained    feedback reports (spam complaints)
    unsubscribed  recipients who left one of its lists after it started, before another mail reached them
    opens, clicks {human, machine: unique readers; human_total, machine_total: events;
                   reasons: {why a machine: events}; estimated: true when the uniques are estimates}
    links         [{position, url, channel, human, machine, human_total, machine_total}] (no honeypot); a
                  share's links are its posts' (track_clicks), one per channel, `channel` naming it (mail: null)
    timeline      [{start, span: hour | day, opens_human, opens_machine, clicks_human, clicks_machine}]
    domains       [{domain, delivered, failed, bounced, opens_human, ..., clicks_machine}]; more_domains
    posts         [{channel, url, state, error, likes, reposts, replies, read_at, metrics_error}] (shares)
    notes         {field: what its number can and cannot say}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.bounces.reasons import effect_of
from publisher.bounces.stats import bounce_report
from publisher.config import Settings
from publisher.insight import counting, spread
from publisher.insight.counting import Engagement, LinkCounts
from publisher.insight.spread import Bucket, DomainCounts
from publisher.states import CampaignKind, RowState
from publisher.store import Store
from publisher.store.models import OutboxRow, PostMetric
from publisher.store.progress import load_campaign, row_counts
from publisher.tracking import Mode, mode_of
from publisher.tracking_tokens import POST_RECIPIENT

NOTES = {
    "unsubscribed": (
        "attributed by time: recipients of this mail who left one of its lists after it started and before "
        "another mail reached them; a subscription records when it ended, not which mail's link ended it"
    ),
    "estimated": (
        "mode aggregate keeps no row per reader: unique readers are estimated from a HyperLogLog sketch "
        "(exact for a few dozen, within about 2% for large lists)"
    ),
    "machine": (
        "machine: mail privacy proxies (Apple, Google), link scanners and bots, decided when the event arrived; "
        "a click on the hidden honeypot link is always a machine's"
    ),
    "off": "mode off: no pixel and no rewritten link, so no opens or clicks are known",
}


@dataclass(frozen=True)
class PostReport:
    """One share post: where it went, what happened, and what its network says of it since."""

    channel: str
    url: str | None
    state: str
    error: str | None
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    read_at: datetime | None = None
    metrics_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "url": self.url,
            "state": self.state,
            "error": self.error,
            "likes": self.likes,
            "reposts": self.reposts,
            "replies": self.replies,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "metrics_error": self.metrics_error,
        }


@dataclass
class CampaignReport:
    id: int
    kind: str
    subject: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    mode: Mode
    outbox: dict[str, int]
    bounced_by_kind: dict[str, int]
    bounced_by_reason: dict[str, int]
    complained: int
    unsubscribed: int
    opens: Engagement
    clicks: Engagement
    links: list[LinkCounts] = field(default_factory=list)
    timeline: list[Bucket] = field(default_factory=list)
    domains: list[DomainCounts] = field(default_factory=list)
    more_domains: int = 0
    posts: list[PostReport] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return self.outbox.get(RowState.SENT, 0)

    @property
    def failed(self) -> int:
        return self.outbox.get(RowState.FAILED, 0)

    @property
    def bounced(self) -> int:
        return sum(self.bounced_by_kind.values())

    def notes(self) -> dict[str, str]:
        keys = ["machine", "unsubscribed"] if self.mode != Mode.OFF else ["off", "unsubscribed"]
        if self.mode == Mode.AGGREGATE:
            keys.insert(0, "estimated")
        if self.kind == CampaignKind.SHARE:  # a post has no list to leave, and tracking off is its default
            keys = [key for key in keys if key not in ("unsubscribed", "off")]
        return {key: NOTES[key] for key in keys}

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign": {
                "id": self.id,
                "kind": self.kind,
                "subject": self.subject,
                "state": self.state,
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            },
            "mode": self.mode.value,
            "delivered": self.delivered,
            "failed": self.failed,
            "outbox": self.outbox,
            "bounced": {"total": self.bounced, "by_kind": self.bounced_by_kind, "by_reason": self.bounced_by_reason},
            "complained": self.complained,
            "unsubscribed": self.unsubscribed,
            "opens": self.opens.to_dict(),
            "clicks": self.clicks.to_dict(),
            "links": [link.to_dict() for link in self.links],
            "timeline": [bucket.to_dict() for bucket in self.timeline],
            "domains": [domain.to_dict() for domain in self.domains],
            "more_domains": self.more_domains,
            "posts": [post.to_dict() for post in self.posts],
            "notes": self.notes(),
        }


def campaign_report(store: Store, campaign_id: int, *, settings: Settings) -> CampaignReport:
    """The report of one campaign (NotFound when there is none), read in one read-only transaction."""
    with store.read_session() as session:
        campaign = load_campaign(session, campaign_id)
        started = campaign.scheduled_at or campaign.created_at
        mode = mode_of(campaign.tracking)
        outbox = row_counts(session, campaign_id)
        bounces = bounce_report(session, settings, campaign_id=campaign_id)
        by_kind = {kind: n for kind, n in bounces.by_kind.items() if kind != "complaint"}
        by_reason = {reason: n for reason, n in bounces.by_reason.items() if effect_of(reason) != "complaint"}
        shown = counting.engagement(session, campaign_id, mode)
        domains, more = spread.domains(session, campaign_id, {d.domain: d.total for d in bounces.domains})
        share = campaign.kind == CampaignKind.SHARE
        links = counting.links(session, campaign_id, mode)
        return CampaignReport(
            id=campaign.id,
            kind=campaign.kind,
            subject=campaign.subject,
            state=campaign.state,
            started_at=started,
            finished_at=campaign.finished_at,
            mode=mode,
            outbox=outbox,
            bounced_by_kind=by_kind,
            bounced_by_reason=by_reason,
            complained=bounces.by_kind.get("complaint", 0),
            unsubscribed=0 if share else spread.unsubscribed(session, campaign, started),
            opens=shown["open"],
            clicks=shown["click"],
            links=_labelled(session, campaign_id, links) if share else links,
            timeline=spread.timeline(session, campaign_id, started),
            domains=[] if share else domains,
            more_domains=0 if share else more,
            posts=_posts(session, campaign_id) if share else [],
        )


def _labelled(session: Session, campaign_id: int, links: list[LinkCounts]) -> list[LinkCounts]:
    """A share's tracked links, each named by its channel: position n is the campaign's n-th post (by id)."""
    channels = session.scalars(
        select(OutboxRow.channel)
        .where(OutboxRow.campaign_id == campaign_id, OutboxRow.recipient_id == POST_RECIPIENT)
        .order_by(OutboxRow.id)
    ).all()
    for link in links:
        if 1 <= link.position <= len(channels):
            link.channel = channels[link.position - 1]
    return links


def _posts(session: Session, campaign_id: int) -> list[PostReport]:
    rows = session.execute(
        select(
            OutboxRow.channel,
            OutboxRow.url,
            OutboxRow.state,
            OutboxRow.error,
            PostMetric.likes,
            PostMetric.reposts,
            PostMetric.replies,
            PostMetric.read_at,
            PostMetric.error,
        )
        .outerjoin(PostMetric, PostMetric.outbox_id == OutboxRow.id)
        .where(OutboxRow.campaign_id == campaign_id)
        .order_by(OutboxRow.channel, OutboxRow.id)
    )
    return [PostReport(*row) for row in rows]
