"""Dispatching: hand a campaign's outbox rows to workers as id ranges (batches), one queue per channel.

The outbox is the truth and the broker only a wake-up call, so dispatching again is always safe: a worker
claims only rows that are still due. Auto-share is not done here; the service layer (service.py) does it
when dispatch_campaign says this was the campaign's first dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from publisher.config import Settings
from publisher.dispatcher import Dispatcher
from publisher.states import (
    ACTIVE_CAMPAIGNS,
    MAIL_KINDS,
    PENDING_ROWS,
    CampaignKind,
    CampaignState,
    EventType,
    RowState,
)
from publisher.store import Store
from publisher.store.automation import SequenceStep
from publisher.store.event_points import digest_events
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.progress import load_campaign

# A campaign in one of these states hands out nothing, however often it is dispatched.
_HELD = (CampaignState.CANCELLED, CampaignState.PAUSED, CampaignState.SCHEDULED)


def queue_for(kind: str, channel: str) -> str:
    """One queue per channel, so a slow network never holds up email."""
    # Route by network, not account: `x:work` shares the `share.x` queue the workers listen on.
    return "email" if kind in MAIL_KINDS else f"share.{channel.split(':', 1)[0]}"


@dataclass(frozen=True)
class Batch:
    channel: str
    first_id: int
    last_id: int


@dataclass(frozen=True)
class Dispatched:
    """What one dispatch did: how many batches went out, and whether it started the campaign."""

    batches: int
    kind: CampaignKind | None = None
    first: bool = False  # the campaign went from queued to sending: its first dispatch

    @property
    def started_digest(self) -> bool:
        """A digest went out for the first time (auto-share rides on this)."""
        return self.first and self.kind == CampaignKind.EMAIL


# A campaign goes out as at most about this many broker messages per channel: beyond MOST_BATCHES x batch_size
# rows a range holds more rows (ten million rows: 1,000 ranges of 10,000, not 20,000 of 500). Each message is
# a broker round trip; a worker delivers any range chunk by chunk within its time budget, so a big range only
# means fewer, longer tasks, and a thousand of them still keep any number of workers busy.
MOST_BATCHES = 1_000
# Ids of one channel's rows spread over at most this much more than their number still batch by arithmetic:
# a range then holds fewer rows (other campaigns' ids are in it), never more than batch_size of this one.
_SPARSE = 1.25


def batches(session: Session, campaign_id: int, batch_size: int, *, pending_only: bool = False) -> list[Batch]:
    """Split a campaign's outbox rows into id ranges of at most batch_size rows, per channel.

    A channel with more than MOST_BATCHES x batch_size rows gets MOST_BATCHES ranges of more rows each.

    One INSERT ... SELECT (queue_subscribers) gives a campaign's rows nearly contiguous ids, so the ranges come
    from the lowest and highest id in steps of batch_size, after one aggregate: no row_number() over ten million
    rows. A channel whose ids are scattered (rows added over time, pending rows among sent ones) is numbered.
    """
    where = [OutboxRow.campaign_id == campaign_id]
    if pending_only:
        where.append(OutboxRow.state.in_(PENDING_ROWS))
    spans = session.execute(
        select(OutboxRow.channel, func.min(OutboxRow.id), func.max(OutboxRow.id), func.count())
        .where(*where)
        .group_by(OutboxRow.channel)
    ).all()
    out: list[Batch] = []
    for channel, low, high, count in spans:
        size = max(batch_size, -(-count // MOST_BATCHES))
        if high - low + 1 <= count * _SPARSE:
            out.extend(Batch(channel, f, min(f + size - 1, high)) for f in range(low, high + 1, size))
        else:
            out.extend(_numbered(session, [*where, OutboxRow.channel == channel], size))
    return sorted(out, key=lambda b: (b.channel, b.first_id))


def _numbered(session: Session, where: list[ColumnElement[bool]], batch_size: int) -> list[Batch]:
    """Ranges of exactly batch_size rows (the last one fewer), by numbering every row of each channel."""
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


def dispatch_campaign(
    store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int, *, pending_only: bool = False
) -> Dispatched:
    """Hand every batch of a campaign to the workers (a held campaign hands out nothing)."""
    with store.session() as session:
        campaign = load_campaign(session, campaign_id)
        if campaign.state in _HELD:
            return Dispatched(0, CampaignKind(campaign.kind))
        work = batches(session, campaign_id, settings.batch_size, pending_only=pending_only)
        first = campaign.state == CampaignState.QUEUED
        if first:
            campaign.state = CampaignState.SENDING
            digest_events(session, EventType.DIGEST_SENT, [campaign_id])  # a digest's first dispatch (issue 16)
        campaign.progress_at = utcnow()  # the sweeper waits a lease before dispatching this campaign again
        kind = CampaignKind(campaign.kind)
    sends = [(b.channel, b.first_id, b.last_id, queue_for(kind, b.channel)) for b in work]
    deliver_many = getattr(dispatcher, "deliver_many", None)  # CeleryDispatcher's: one producer for them all
    if deliver_many is not None:
        deliver_many(campaign_id, sends)
    else:
        for channel, first_id, last_id, queue in sends:
            dispatcher.deliver(campaign_id, channel, first_id, last_id, queue)
    return Dispatched(len(work), kind, first)


def redispatch_pending(
    store: Store,
    settings: Settings,
    dispatcher: Dispatcher,
    *,
    stalled_only: bool = False,
    now: datetime | None = None,
    skip: tuple[int, ...] | list[int] = (),
) -> int:
    """Dispatch again what is still pending in unfinished campaigns: a lost broker message costs only latency.

    With stalled_only (the periodic sweep), only campaigns that need it: rows claimed longer ago than the
    lease, or rows due while no worker has recorded progress for a lease. Returns how many batches went out.
    """
    now = now or utcnow()
    stale = now - timedelta(seconds=settings.lease_seconds)
    pending = exists().where(OutboxRow.campaign_id == Campaign.id, OutboxRow.state.in_(PENDING_ROWS))
    condition: ColumnElement[bool] = pending
    if stalled_only:
        stale_claims = exists().where(
            OutboxRow.campaign_id == Campaign.id, OutboxRow.state == RowState.SENDING, OutboxRow.claimed_at < stale
        )
        due = exists().where(
            OutboxRow.campaign_id == Campaign.id,
            OutboxRow.state == RowState.QUEUED,
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
        )
        quiet = or_(Campaign.progress_at.is_(None), Campaign.progress_at < stale)
        condition = or_(stale_claims, and_(quiet, due))
    with store.session() as session:
        # A worker that died between recording the last rows and marking the campaign done leaves it "sending".
        # A sequence step's current campaign stays open: it gains rows as readers' steps come due.
        finished = session.scalars(
            update(Campaign)
            .where(
                Campaign.state.in_(ACTIVE_CAMPAIGNS), ~pending, ~exists().where(SequenceStep.campaign_id == Campaign.id)
            )
            .values(state=CampaignState.DONE, finished_at=now)
            .returning(Campaign.id),
            execution_options={"synchronize_session": False},
        ).all()
        digest_events(session, EventType.DIGEST_FINISHED, finished)
        unfinished = session.scalars(
            select(Campaign.id).where(Campaign.state.in_(ACTIVE_CAMPAIGNS), condition, Campaign.id.not_in(skip))
        ).all()
    return sum(
        dispatch_campaign(store, settings, dispatcher, cid, pending_only=True).batches for cid in unfinished
    )
