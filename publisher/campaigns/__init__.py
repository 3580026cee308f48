"""Campaigns: a Send (digest to a list) or a Share (post to channels), rendered once, fanned out to the outbox.

Creating a campaign writes its outbox rows with one set-based statement; dispatching hands id ranges
(batches) to workers through a Dispatcher. The outbox is the truth: dispatching again is always safe.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, case, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from publisher.channels import open_channel
from publisher.config import Settings
from publisher.errors import AlreadyShared, NotFound, PublisherError
from publisher.library import get_articles
from publisher.render.email import render_digest
from publisher.render.mime import check_header_value
from publisher.render.share import compose_post
from publisher.store import Store
from publisher.store.models import Campaign, CampaignArticle, OutboxRow, Subscription, utcnow
from publisher.subscribers import get_list

PENDING_STATES = ("queued", "sending")
STATES = ("queued", "sending", "sent", "failed", "suppressed", "cancelled")
THROUGHPUT_WINDOW_SECONDS = 60


class Dispatcher(Protocol):
    """Hands a batch of outbox rows to a worker (workers.dispatch.CeleryDispatcher in production)."""

    def deliver(self, campaign_id: int, channel: str, first_id: int, last_id: int, queue: str) -> None: ...


def queue_for(kind: str, channel: str) -> str:
    """One queue per channel, so a slow network never holds up email."""
    # Route by network, not account: `x:work` shares the `share.x` queue the workers listen on.
    return "email" if kind in ("email", "confirm") else f"share.{channel.split(':', 1)[0]}"


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
    pause_reason: str | None = None
    # Rows finished (sent, failed or suppressed) per second: over the last minute, and since the first one.
    throughput_per_s: float = 0.0
    average_per_s: float = 0.0
    scheduled_at: datetime | None = None  # when a scheduled send starts (or started), in UTC

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
        data["scheduled_at"] = self.scheduled_at.isoformat() if self.scheduled_at else None
        data["total"] = self.total
        return data


def create_email_campaign(
    store: Store,
    settings: Settings,
    article_ids: Sequence[int],
    list_name: str,
    *,
    subject: str | None = None,
    send_at: datetime | None = None,
) -> int:
    """Render the digest once and queue one outbox row per active subscriber of the list.

    With send_at (timezone-aware, in the future) the campaign is "scheduled": the periodic sweep starts it
    when the time comes (see start_due); until then nothing is dispatched.
    """
    when = check_send_at(send_at) if send_at is not None else None
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
            state="scheduled" if when else "queued",
            scheduled_at=when,
            subject=digest.subject,
            list_id=mailing_list.id,
            body_html=digest.html,
            body_text=digest.text,
            render_key=digest.key,
        )
        session.add(campaign)
        session.flush()
        _check_headers(session, campaign, settings)
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
                where = _earlier_share(session, article_id, name)
                if where is not None:
                    raise AlreadyShared(article_id, name, where)
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


def _earlier_share(session: Session, article_id: int, channel: str) -> str | None:
    """Where the article was shared to this channel (account) before, or None."""
    earlier = session.execute(
        select(OutboxRow.url, OutboxRow.provider_id, OutboxRow.state)
        .join(Campaign, Campaign.id == OutboxRow.campaign_id)
        .join(CampaignArticle, CampaignArticle.campaign_id == Campaign.id)
        .where(
            Campaign.kind == "share",
            CampaignArticle.article_id == article_id,
            OutboxRow.channel == channel,
            OutboxRow.state.in_(("queued", "sending", "sent")),
        )
        .order_by(OutboxRow.id.desc())
    ).first()
    if earlier is None:
        return None
    if earlier.url:
        return earlier.url
    return "(still queued)" if earlier.state != "sent" else f"(posted, id {earlier.provider_id})"


def earlier_share(store: Store, article_id: int, channel: str) -> str | None:
    """Where the article was shared to this channel (account) before, or None."""
    with store.session() as session:
        return _earlier_share(session, article_id, channel)


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
        if campaign.state in ("cancelled", "paused", "scheduled"):
            return 0
        work = batches(session, campaign_id, settings.batch_size, pending_only=pending_only)
        first_dispatch = campaign.state == "queued"
        if campaign.state == "queued":
            campaign.state = "sending"
        campaign.progress_at = utcnow()  # the sweeper waits a lease before dispatching this campaign again
    for batch in work:
        dispatcher.deliver(
            campaign_id, batch.channel, batch.first_id, batch.last_id, queue_for(campaign.kind, batch.channel)
        )
    # Auto-share (issue 6): when a digest goes out for the first time, share its articles if configured.
    if first_dispatch and campaign.kind == "email" and settings.share_on_digest_channels:
        from publisher.sharing import auto_share_digest

        auto_share_digest(store, settings, dispatcher, campaign_id)
    return len(work)


def sweep(store: Store, settings: Settings, dispatcher: Dispatcher, *, stalled_only: bool = False) -> int:
    """Dispatch again what is still pending in unfinished campaigns: a lost broker message costs only latency.

    With stalled_only (the periodic sweep), only campaigns that need it: rows claimed longer ago than the
    lease, or rows due while no worker has recorded progress for a lease.
    """
    now = utcnow()
    started = start_due(store, settings, dispatcher, now=now)  # scheduled sends whose time has come (issue 7)
    stale = now - timedelta(seconds=settings.lease_seconds)
    pending = exists().where(OutboxRow.campaign_id == Campaign.id, OutboxRow.state.in_(PENDING_STATES))
    condition = pending
    if stalled_only:
        stale_claims = exists().where(
            OutboxRow.campaign_id == Campaign.id, OutboxRow.state == "sending", OutboxRow.claimed_at < stale
        )
        due = exists().where(
            OutboxRow.campaign_id == Campaign.id,
            OutboxRow.state == "queued",
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
        )
        quiet = or_(Campaign.progress_at.is_(None), Campaign.progress_at < stale)
        condition = or_(stale_claims, and_(quiet, due))
    with store.session() as session:
        # A worker that died between recording the last rows and marking the campaign done leaves it "sending".
        session.execute(
            update(Campaign)
            .where(Campaign.state.in_(("queued", "sending")), ~pending)
            .values(state="done", finished_at=now),
            execution_options={"synchronize_session": False},
        )
        unfinished = session.scalars(
            select(Campaign.id).where(Campaign.state.in_(("queued", "sending")), condition, Campaign.id.not_in(started))
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
            pause_reason=campaign.pause_reason,
            **_throughput(session, campaign_id),
            scheduled_at=_aware(campaign.scheduled_at) if campaign.scheduled_at else None,
        )


def watch(
    store: Store, campaign_id: int, *, timeout: float | None = None, interval: float = 0.25
) -> Iterator[CampaignStatus]:
    """Yield the campaign's status every interval until no row is pending, it pauses or is cancelled, or
    the timeout passes; the last status yielded is the final word. Interfaces draw progress from it."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        state = status(store, campaign_id)
        yield state
        if state.pending == 0 or state.state in ("cancelled", "paused"):
            return
        if deadline is not None and time.monotonic() > deadline:
            return
        time.sleep(interval)


# Campaign control (issue 4): pause, resume, cancel, and the checks and figures they rely on.


def _check_headers(session: Session, campaign: Campaign, settings: Settings) -> None:
    """Build the campaign's message template now: a bad header value or DKIM key is refused before queueing."""
    from publisher.delivery import campaign_template  # delivery imports this module

    campaign_template(session, campaign, settings)


def _get(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None:
        raise NotFound(f"no campaign with id {campaign_id}")
    return campaign


def pause(store: Store, campaign_id: int, reason: str = "paused by an operator") -> None:
    """Stop handing out rows; a chunk already being sent finishes and is recorded."""
    with store.session() as session:
        campaign = _get(session, campaign_id)
        if campaign.state == "paused":
            return
        if campaign.state not in ("queued", "sending"):
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}; only a queued or sending one can pause")
        campaign.state = "paused"
        campaign.pause_reason = reason


def resume(store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int) -> int:
    """Continue a paused campaign where its outbox says; returns how many batches were dispatched."""
    with store.session() as session:
        campaign = _get(session, campaign_id)
        if campaign.state != "paused":
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}, not paused")
        campaign.state = "sending"
        campaign.pause_reason = None
        campaign.failure_streak = 0
    with store.session() as session:
        finish_if_done(session, campaign_id)
    return dispatch(store, settings, dispatcher, campaign_id, pending_only=True)


def cancel(store: Store, campaign_id: int) -> int:
    """Cancel a campaign: rows not yet sent become "cancelled"; returns how many. Rows in flight finish."""
    with store.session() as session:
        campaign = _get(session, campaign_id)
        if campaign.state not in ("scheduled", "queued", "sending", "paused"):
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}; it cannot be cancelled")
        campaign.state = "cancelled"
        campaign.finished_at = utcnow()
        result = session.execute(
            update(OutboxRow)
            .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == "queued")
            .values(state="cancelled", updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        return result.rowcount or 0


def _throughput(session: Session, campaign_id: int) -> dict[str, float]:
    """Finished rows per second over the last minute, and on average since the first one finished."""
    since = utcnow() - timedelta(seconds=THROUGHPUT_WINDOW_SECONDS)
    finished = OutboxRow.state.in_(("sent", "failed", "suppressed"))
    row = session.execute(
        select(
            func.count(),
            func.sum(case((OutboxRow.updated_at >= since, 1), else_=0)),
            func.min(OutboxRow.updated_at),
            func.max(OutboxRow.updated_at),
        ).where(OutboxRow.campaign_id == campaign_id, finished)
    ).one()
    total, recent, first, last = row[0] or 0, row[1] or 0, row[2], row[3]
    average = 0.0
    if total and first is not None and last is not None:
        span = (_aware(last) - _aware(first)).total_seconds()
        average = total / span if span > 0 else float(total)
    return {"throughput_per_s": round(recent / THROUGHPUT_WINDOW_SECONDS, 1), "average_per_s": round(average, 1)}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Scheduled sends (issue 7): the time lives in the database and the periodic sweep starts what is due;
# no long ETA/countdown Celery task (brokers redeliver or drop those; see DESIGN.md).

MAX_SCHEDULE_AHEAD = timedelta(days=366)  # further ahead is far more likely a typo in the year than a plan
SEND_AT_EXAMPLE = "2026-12-01T09:00:00+01:00"


def parse_send_at(text: str) -> datetime:
    """Read an ISO 8601 send time with its UTC offset ("Z" for UTC); check_send_at does the other checks."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PublisherError(
            f"send time {text!r} is not an ISO 8601 date and time, such as {SEND_AT_EXAMPLE}"
        ) from None
    return value


def check_send_at(send_at: datetime, now: datetime | None = None) -> datetime:
    """The send time in UTC; a time without a UTC offset, in the past, or over a year ahead is refused."""
    if send_at.tzinfo is None or send_at.utcoffset() is None:
        raise PublisherError(
            f"send time {send_at.isoformat()} has no UTC offset, so it could mean any time zone; "
            f"add one, such as {SEND_AT_EXAMPLE} (or Z for UTC)"
        )
    now = now or utcnow()
    try:
        when = send_at.astimezone(UTC)
    except OverflowError:
        raise PublisherError(f"send time {send_at.isoformat()} is out of range") from None
    if when <= now:
        raise PublisherError(
            f"send time {when:%Y-%m-%d %H:%M:%S} UTC is in the past (it is now {now:%Y-%m-%d %H:%M:%S} UTC); "
            "send now, or choose a later time"
        )
    if when - now > MAX_SCHEDULE_AHEAD:
        raise PublisherError(f"send time {when:%Y-%m-%d %H:%M} UTC is more than a year ahead; check the year")
    return when


def start_due(store: Store, settings: Settings, dispatcher: Dispatcher, *, now: datetime | None = None) -> list[int]:
    """Start the scheduled campaigns whose time has come; returns their ids.

    Every worker sweeps, so each campaign is claimed with a conditional UPDATE (state "scheduled" ->
    "sending"): whichever sweeper changes the row dispatches it, the others change nothing.
    """
    now = now or utcnow()
    with store.session() as session:
        due = session.scalars(
            select(Campaign.id)
            .where(Campaign.state == "scheduled", Campaign.scheduled_at <= now)
            .order_by(Campaign.scheduled_at, Campaign.id)
        ).all()
    started = [campaign_id for campaign_id in due if _start_scheduled(store, campaign_id, now)]
    for campaign_id in started:
        dispatch(store, settings, dispatcher, campaign_id)
        if settings.share_on_digest_channels:  # dispatch shares on a first dispatch from "queued" only
            from publisher.sharing import auto_share_digest

            auto_share_digest(store, settings, dispatcher, campaign_id)
    return started


def _start_scheduled(store: Store, campaign_id: int, now: datetime) -> bool:
    """Claim one due campaign for this sweeper; adds the subscribers who joined since it was scheduled."""
    with store.session() as session:
        claimed = session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.state == "scheduled", Campaign.scheduled_at <= now)
            # progress_at now: the stalled-campaign sweep of other workers leaves it alone for a lease.
            .values(state="sending", progress_at=now),
            execution_options={"synchronize_session": False},
        )
        if claimed.rowcount != 1:
            return False
        _add_joiners(session, campaign_id)
        return True


def _add_joiners(session: Session, campaign_id: int) -> int:
    """Queue subscribers who became active after the campaign was scheduled: the list as it is at send time.

    Those who left are already handled when each message is built (delivery checks the subscription).
    """
    campaign = session.get(Campaign, campaign_id)
    channel = session.scalar(select(OutboxRow.channel).where(OutboxRow.campaign_id == campaign_id).limit(1))
    if campaign is None or campaign.kind != "email" or campaign.list_id is None or channel is None:
        return 0
    already = exists().where(
        OutboxRow.campaign_id == campaign_id,
        OutboxRow.recipient_id == Subscription.subscriber_id,
        OutboxRow.channel == channel,
    )
    joined = select(
        literal(campaign_id), Subscription.subscriber_id, literal(channel), literal("queued"), literal(0)
    ).where(Subscription.list_id == campaign.list_id, Subscription.status == "active", ~already)
    result = session.execute(
        insert(OutboxRow).from_select(["campaign_id", "recipient_id", "channel", "state", "attempts"], joined)
    )
    return result.rowcount or 0


def reschedule(store: Store, campaign_id: int, send_at: datetime) -> datetime:
    """Move a scheduled campaign to another time (checked like a new one); returns the time in UTC."""
    when = check_send_at(send_at)
    with store.session() as session:
        campaign = _get(session, campaign_id)  # locked: a sweeper starting it waits, then sees the new time
        if campaign.state != "scheduled":
            raise PublisherError(
                f"campaign {campaign_id} is {campaign.state}; only a scheduled campaign can be rescheduled"
            )
        campaign.scheduled_at = when
    return when
