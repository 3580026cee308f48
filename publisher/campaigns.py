"""Campaigns: a Send (digest to a list) or a Share (post to channels), rendered once, fanned out to the outbox.

Creating a campaign writes its outbox rows with one set-based statement; dispatching hands id ranges
(batches) to workers through a Dispatcher. The outbox is the truth: dispatching again is always safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from publisher.channels import open_channel
from publisher.config import Settings
from publisher.errors import NotFound, PublisherError
from publisher.library import get_articles
from publisher.render.email import render_digest
from publisher.render.mime import check_header_value
from publisher.render.share import compose_post
from publisher.store import Store
from publisher.store.models import Campaign, CampaignArticle, OutboxRow, Subscription, utcnow
from publisher.subscribers import get_list

PENDING_STATES = ("queued", "sending")
STATES = ("queued", "sending", "sent", "failed", "suppressed")


class Dispatcher(Protocol):
    """Hands a batch of outbox rows to a worker (workers.dispatch.CeleryDispatcher in production)."""

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None: ...


def queue_for(kind: str, channel: str) -> str:
    """One queue per channel, so a slow network never holds up email."""
    return "email" if kind == "email" else f"share.{channel}"


@dataclass(frozen=True)
class Batch:
    channel: str
    first_id: int
    last_id: int


@dataclass
class CampaignStatus:
    id: int
    kind: str
    state: str
    subject: str
    counts: dict[str, int]
    created_at: datetime
    finished_at: datetime | None
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        return sum(self.counts[s] for s in PENDING_STATES)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["total"] = self.total
        return data


def create_email_campaign(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    list_name: str,
    *,
    subject: str | None = None,
) -> int:
    """Render the digest once and queue one outbox row per active subscriber of the list."""
    if not article_ids:
        raise PublisherError("name at least one article to send")
    if subject is not None:
        check_header_value("subject", subject)
    channel = settings.email_channel
    open_channel(channel, settings).close()  # a configuration error shows now, not in a worker
    with store.session() as session:
        articles = get_articles(session, list(article_ids))
        mailing_list = get_list(session, list_name)
        digest = render_digest(articles, settings, subject=subject)
        check_header_value("subject", digest.subject)
        campaign = Campaign(
            kind="email",
            state="queued",
            subject=digest.subject,
            list_id=mailing_list.id,
            body_html=digest.html,
            body_text=digest.text,
            render_key=digest.key,
        )
        session.add(campaign)
        session.flush()
        _link_articles(session, campaign.id, article_ids)
        active = select(
            literal(campaign.id), Subscription.subscriber_id, literal(channel), literal("queued"), literal(0)
        ).where(Subscription.list_id == mailing_list.id, Subscription.status == "active")
        session.execute(
            insert(OutboxRow).from_select(["campaign_id", "recipient_id", "channel", "state", "attempts"], active)
        )
        queued = session.scalar(select(func.count()).where(OutboxRow.campaign_id == campaign.id))
        if not queued:
            raise PublisherError(f"list {list_name!r} has no active subscribers; nothing to send")
        return campaign.id


def create_share_campaign(
    store: Store,
    settings: Settings,
    article_id: int,
    channels: Sequence[str],
    *,
    force: bool = False,
) -> int:
    """Compose and queue one post per channel; a channel the article was shared to is refused unless forced."""
    if not channels:
        raise PublisherError("name at least one channel to share to")
    opened = {name: open_channel(name, settings) for name in dict.fromkeys(channels)}
    for channel in opened.values():
        channel.close()
    with store.session() as session:
        article = get_articles(session, [article_id])[0]
        if not force:
            for name in opened:
                earlier = session.execute(
                    select(OutboxRow.url, OutboxRow.provider_id)
                    .join(Campaign, Campaign.id == OutboxRow.campaign_id)
                    .join(CampaignArticle, CampaignArticle.campaign_id == Campaign.id)
                    .where(
                        Campaign.kind == "share",
                        CampaignArticle.article_id == article_id,
                        OutboxRow.channel == name,
                        OutboxRow.state.in_(("queued", "sending", "sent")),
                    )
                ).first()
                if earlier is not None:
                    where = earlier.url or "(still queued)"
                    raise PublisherError(
                        f"article {article_id} is already shared to {name} at {where}; use --force to share again"
                    )
        campaign = Campaign(kind="share", state="queued", subject=article.title)
        session.add(campaign)
        session.flush()
        _link_articles(session, campaign.id, [article_id])
        for name, channel in opened.items():
            post = compose_post(article, name, channel.limits, settings)
            session.add(
                OutboxRow(
                    campaign_id=campaign.id,
                    recipient_id=0,
                    channel=name,
                    state="queued",
                    payload=asdict(post),
                )
            )
        return campaign.id


def _link_articles(session: Session, campaign_id: int, article_ids: Sequence[int]) -> None:
    session.add_all(
        CampaignArticle(campaign_id=campaign_id, article_id=a, position=i) for i, a in enumerate(article_ids)
    )


def batches(session: Session, campaign_id: int, batch_size: int, *, pending_only: bool = False) -> list[Batch]:
    """Split a campaign's outbox rows into id ranges of at most batch_size rows, per channel."""
    where = [OutboxRow.campaign_id == campaign_id]
    if pending_only:
        where.append(OutboxRow.state.in_(PENDING_STATES))
    numbered = (
        select(
            OutboxRow.channel,
            OutboxRow.id,
            func.row_number().over(partition_by=OutboxRow.channel, order_by=OutboxRow.id).label("n"),
        )
        .where(*where)
        .subquery()
    )
    starts = session.execute(
        select(numbered.c.channel, numbered.c.id)
        .where((numbered.c.n - 1) % batch_size == 0)
        .order_by(numbered.c.channel, numbered.c.id)
    ).all()
    ends = dict(
        session.execute(
            select(OutboxRow.channel, func.max(OutboxRow.id)).where(*where).group_by(OutboxRow.channel)
        ).all()
    )
    out: list[Batch] = []
    for i, (channel, first) in enumerate(starts):
        following = starts[i + 1] if i + 1 < len(starts) else None
        last = following.id - 1 if following is not None and following.channel == channel else ends[channel]
        out.append(Batch(channel, first, last))
    return out


def dispatch(
    store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int, *, pending_only: bool = False
) -> int:
    """Hand every batch of a campaign to the workers; returns how many batches went out."""
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign with id {campaign_id}")
        if campaign.state in ("cancelled", "paused"):
            return 0
        work = batches(session, campaign_id, settings.batch_size, pending_only=pending_only)
        if campaign.state == "queued":
            campaign.state = "sending"
    for batch in work:
        dispatcher.deliver(
            campaign_id, batch.channel, batch.first_id, batch.last_id, queue_for(campaign.kind, batch.channel)
        )
    return len(work)


def sweep(store: Store, settings: Settings, dispatcher: Dispatcher) -> int:
    """Dispatch again what is still pending in unfinished campaigns: a lost broker message costs only latency."""
    with store.session() as session:
        unfinished = session.scalars(
            select(Campaign.id).where(
                Campaign.state.in_(("queued", "sending")),
                exists().where(OutboxRow.campaign_id == Campaign.id, OutboxRow.state.in_(PENDING_STATES)),
            )
        ).all()
    return sum(dispatch(store, settings, dispatcher, cid, pending_only=True) for cid in unfinished)


def finish_if_done(session: Session, campaign_id: int) -> None:
    """Mark a campaign done once none of its rows is pending (one statement, safe under concurrency)."""
    session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.state.in_(("queued", "sending")),
            ~exists().where(and_(OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(PENDING_STATES))),
        )
        .values(state="done", finished_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def status(store: Store, campaign_id: int, *, with_deliveries: bool = False) -> CampaignStatus:
    """Counts per outbox state, read from the outbox itself."""
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign with id {campaign_id}")
        counts = dict.fromkeys(STATES, 0)
        counts.update(
            session.execute(
                select(OutboxRow.state, func.count())
                .where(OutboxRow.campaign_id == campaign_id)
                .group_by(OutboxRow.state)
            ).all()
        )
        deliveries: list[dict[str, Any]] = []
        if with_deliveries:
            rows = session.execute(
                select(OutboxRow.channel, OutboxRow.state, OutboxRow.url, OutboxRow.provider_id, OutboxRow.error)
                .where(OutboxRow.campaign_id == campaign_id)
                .order_by(OutboxRow.id)
                .limit(100)
            )
            deliveries = [dict(r._mapping) for r in rows]
        return CampaignStatus(
            id=campaign.id,
            kind=campaign.kind,
            state=campaign.state,
            subject=campaign.subject,
            counts=counts,
            created_at=campaign.created_at,
            finished_at=campaign.finished_at,
            deliveries=deliveries,
        )


# --- campaign control (minimal; the delivery engine may replace) ---


def _set_state(store: Store, campaign_id: int, new_state: str, allowed_from: tuple[str, ...]) -> None:
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign with id {campaign_id}")
        if campaign.state not in allowed_from:
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}; it cannot be {new_state}")
        campaign.state = new_state


def pause(store: Store, campaign_id: int) -> None:
    """Stop handing out this campaign's rows; workers skip a paused campaign, rows stay queued."""
    _set_state(store, campaign_id, "paused", ("queued", "sending"))


def resume(store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int) -> None:
    """Back to sending, and hand the still-pending batches to the workers again."""
    _set_state(store, campaign_id, "sending", ("paused",))
    dispatch(store, settings, dispatcher, campaign_id, pending_only=True)
    with store.session() as session:  # nothing was left: done now, not never
        finish_if_done(session, campaign_id)


def cancel(store: Store, campaign_id: int) -> None:
    """Give up on what is not yet sent; rows already sent stay sent."""
    _set_state(store, campaign_id, "cancelled", ("queued", "sending", "paused"))
