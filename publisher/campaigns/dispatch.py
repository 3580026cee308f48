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


def batches(session: Session, campaign_id: int, batch_size: int, *, pending_only: bool = False) -> list[Batch]:
    """Split a campaign's outbox rows into id ranges of at most batch_size rows, per channel."""
    where = [OutboxRow.campaign_id == campaign_id]
    if pending_only:
        where.append(OutboxRow.state.in_(PENDING_ROWS))
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
    for batch in work:
        dispatcher.deliver(campaign_id, batch.channel, batch.first_id, batch.last_id, queue_for(kind, batch.channel))
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
