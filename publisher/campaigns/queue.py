"""Posting queues (issue 14): each account's slots in the database, and "Add to queue" taking the next free one.

A queued post is a scheduled share campaign (one account each, since each account's next free slot differs)
plus a queued_posts row holding its slot: unique per (account, slot), so a slot holds one post per account
even when two editors queue at once. The sweep starts it at its time like any scheduled share
(schedule.start_due). A slot whose campaign was cancelled, or moved to another time, is free again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from publisher.campaigns.create import add_share_campaign, open_share_channels
from publisher.campaigns.post_links import tracking_settings
from publisher.campaigns.schedule import MAX_SCHEDULE_AHEAD
from publisher.campaigns.slots import SLOTS_EXAMPLE, Slots, parse_slots
from publisher.config import Settings
from publisher.errors import NotFound, PublisherError
from publisher.render.share import PostShape
from publisher.states import CampaignKind, CampaignState
from publisher.store import Store
from publisher.store.models import Campaign, CampaignArticle, OutboxRow, PostingSlots, QueuedPost, utcnow


@dataclass(frozen=True)
class QueuedShare:
    """One account's post put in its queue: the slot it took (UTC) and the scheduled campaign."""

    account: str
    at: datetime
    campaign_id: int
    zone: str

    @property
    def local(self) -> datetime:
        """The slot in the account's own zone, as its slots are written."""
        return self.at.astimezone(ZoneInfo(self.zone))

    def to_dict(self) -> dict[str, object]:
        return {"campaign_id": self.campaign_id, "account": self.account, "at": self.at.isoformat(), "zone": self.zone}


def set_slots(store: Store, account: str, spec: str, tz: str | None = None) -> Slots:
    """Store an account's posting slots (replacing any); returns them as read. Bad specs raise InvalidSlots."""
    slots = parse_slots(spec, tz)
    with store.session() as session:
        row = session.get(PostingSlots, account, with_for_update=True)
        if row is None:
            session.add(PostingSlots(account=account, spec=slots.text, timezone=slots.zone))
        else:
            row.spec, row.timezone, row.updated_at = slots.text, slots.zone, utcnow()
    return slots


def clear_slots(store: Store, account: str) -> bool:
    """Remove an account's posting slots (posts already queued stay scheduled); False if it had none."""
    with store.session() as session:
        row = session.get(PostingSlots, account)
        if row is None:
            return False
        session.delete(row)
        return True


def get_slots(store: Store, account: str) -> Slots | None:
    """An account's posting slots, or None when it has none."""
    with store.session() as session:
        row = session.get(PostingSlots, account)
        return parse_slots(row.spec, row.timezone) if row is not None else None


def all_slots(store: Store) -> dict[str, Slots]:
    """Every account's posting slots, by account name."""
    with store.session() as session:
        rows = session.scalars(select(PostingSlots).order_by(PostingSlots.account)).all()
        return {row.account: parse_slots(row.spec, row.timezone) for row in rows}


def next_free(store: Store, accounts: Sequence[str], *, now: datetime | None = None) -> dict[str, datetime | None]:
    """The slot "Add to queue" would take now for each account (None: it has no slots); nothing is taken."""
    now = now or utcnow()
    with store.session() as session:
        found = _load(session, accounts, lock=False)
        return {a: _next_free(session, a, found[a], now, prune=False) if a in found else None for a in accounts}


def add_to_queue(
    store: Store,
    settings: Settings,
    article_id: int,
    accounts: Sequence[str],
    *,
    force: bool = False,
    attach_image: bool = False,
    now: datetime | None = None,
    shape: PostShape | None = None,
    texts: Mapping[str, str] | None = None,
    track_clicks: bool = False,
) -> list[QueuedShare]:
    """Queue the article on each account: a scheduled share campaign at the account's next free slot.

    All or nothing: an account without slots, or one the article was shared to (AlreadyShared, unless
    forced), refuses the whole request. The accounts' slot rows are locked while the slots are chosen, so
    two requests at once take different slots; the unique (account, slot) is the backstop.
    texts: the editor's text for some accounts, stored on their queued posts (campaigns.create).
    track_clicks: the posts' links count clicks (campaigns.post_links; refused when tracking is off).
    """
    if track_clicks:
        settings = tracking_settings(store, settings)
    opened = open_share_channels(settings, accounts)
    texts = texts or {}
    stray = [name for name in texts if name not in opened]
    if stray:
        raise PublisherError(f"a text is given for {stray[0]}, which is not among the accounts queued on")
    now = now or utcnow()
    with store.session() as session:
        found = _load(session, list(opened), lock=True)
        missing = [a for a in opened if a not in found]
        if missing:
            raise PublisherError(
                f"{missing[0]} has no posting slots; set them first, such as {SLOTS_EXAMPLE!r} in its time zone"
            )
        queued = []
        for account, limits in opened.items():
            slots = found[account]
            at = _next_free(session, account, slots, now, prune=True)
            if at is None:
                raise PublisherError(f"{account} has no free posting slot in the coming year ({slots})")
            own = {account: texts[account]} if account in texts else None
            campaign_id = add_share_campaign(
                session,
                settings,
                article_id,
                {account: limits},
                force=force,
                attach_image=attach_image,
                when=at,
                shape=shape,
                texts=own,
                track_clicks=track_clicks,
            )
            session.add(QueuedPost(account=account, slot_at=at, campaign_id=campaign_id))
            session.flush()  # a slot taken meanwhile fails here, and the whole request with it
            queued.append(QueuedShare(account, at, campaign_id, slots.zone))
        return queued


def upcoming(store: Store, account: str | None = None, *, now: datetime | None = None) -> list[QueuedShare]:
    """The queued posts still to go (scheduled, slot ahead), soonest first; one account's or everyone's."""
    now = now or utcnow()
    query = (
        select(QueuedPost.account, QueuedPost.slot_at, QueuedPost.campaign_id, PostingSlots.timezone)
        .join(Campaign, Campaign.id == QueuedPost.campaign_id)
        .outerjoin(PostingSlots, PostingSlots.account == QueuedPost.account)
        .where(
            Campaign.state == CampaignState.SCHEDULED,
            Campaign.scheduled_at == QueuedPost.slot_at,
            QueuedPost.slot_at > now,
        )
        .order_by(QueuedPost.slot_at, QueuedPost.account)
    )
    if account is not None:
        query = query.where(QueuedPost.account == account)
    with store.session() as session:
        rows = session.execute(query).all()
    return [QueuedShare(r.account, r.slot_at, r.campaign_id, r.timezone or "UTC") for r in rows]


@dataclass(frozen=True)
class ScheduledShare:
    """A share of an article waiting for its time: at a time, or in a posting queue (queued)."""

    campaign_id: int
    at: datetime
    channels: tuple[str, ...]
    queued: bool


def scheduled_shares(store: Store, article_id: int) -> list[ScheduledShare]:
    """The article's shares still scheduled, soonest first: what the Share page lists, each cancellable."""
    with store.session() as session:
        rows = session.execute(
            select(Campaign.id, Campaign.scheduled_at, OutboxRow.channel, QueuedPost.id.is_not(None))
            .join(CampaignArticle, CampaignArticle.campaign_id == Campaign.id)
            .join(OutboxRow, OutboxRow.campaign_id == Campaign.id)
            .outerjoin(QueuedPost, QueuedPost.campaign_id == Campaign.id)
            .where(
                CampaignArticle.article_id == article_id,
                Campaign.kind == CampaignKind.SHARE,
                Campaign.state == CampaignState.SCHEDULED,
            )
            .order_by(Campaign.scheduled_at, Campaign.id, OutboxRow.channel)
        ).all()
    found: dict[int, ScheduledShare] = {}
    for campaign_id, at, channel, queued in rows:
        if at is None:  # pragma: no cover - a scheduled campaign always has its time
            continue
        item = found.get(campaign_id)
        channels = (item.channels if item else ()) + (channel,)
        found[campaign_id] = ScheduledShare(campaign_id, at, channels, bool(queued))
    return list(found.values())


def _load(session: Session, accounts: Sequence[str], *, lock: bool) -> dict[str, Slots]:
    query = select(PostingSlots).where(PostingSlots.account.in_(list(accounts))).order_by(PostingSlots.account)
    if lock:  # in name order, so two requests locking several accounts never deadlock
        query = query.with_for_update()
    return {row.account: parse_slots(row.spec, row.timezone) for row in session.scalars(query)}


def _next_free(session: Session, account: str, slots: Slots, now: datetime, *, prune: bool) -> datetime | None:
    """The first slot after now that no queued post of this account holds."""
    held = (
        select(QueuedPost.id)
        .join(Campaign, Campaign.id == QueuedPost.campaign_id)
        .where(
            QueuedPost.account == account,
            Campaign.state != CampaignState.CANCELLED,
            Campaign.scheduled_at == QueuedPost.slot_at,
        )
    )
    if prune:  # cancelled or rescheduled: the slot is free again (its row would block the unique slot)
        session.execute(
            delete(QueuedPost).where(QueuedPost.account == account, QueuedPost.id.not_in(held.scalar_subquery())),
            execution_options={"synchronize_session": False},
        )
    taken = set(
        session.scalars(
            select(QueuedPost.slot_at).where(
                QueuedPost.id.in_(held.scalar_subquery()), QueuedPost.slot_at > now
            )
        )
    )
    return next((at for at in slots.times(now, now + MAX_SCHEDULE_AHEAD) if at not in taken), None)


def require_slots(store: Store, account: str) -> Slots:
    """An account's posting slots; NotFound when it has none."""
    slots = get_slots(store, account)
    if slots is None:
        raise NotFound(f"{account} has no posting slots")
    return slots
