"""Event webhooks out (issue 16): each event of the log fanned out, once, to the endpoints subscribed to it.

The sweep calls fan_out: for each event not yet fanned out (oldest first, at most
PUBLISHER_WEBHOOK_FAN_OUT_BATCH per sweep) one transaction claims it (fanned_out_at NULL -> now, a
conditional UPDATE: of two sweepers one wins), makes its campaign (kind "event") with one outbox row per
enabled endpoint subscribed to its type, on the hook channel, and commits; then the campaign is dispatched.
From there a delivery is an outbox row like any other: retried with the outbox's backoff, resumed after a
worker dies, dispatched again by the sweep if the broker lost it. An event no endpoint wants is marked
fanned out and makes no campaign. Replay re-queues one delivery; its webhook-id stays the event's.

Endpoints themselves (add, list, remove, enable, rotate) are in webhook_endpoints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from publisher.automation.webhook_endpoints import ALL, Endpoint
from publisher.campaigns.dispatch import dispatch_campaign
from publisher.delivery.events import webhook_id
from publisher.errors import NotFound, PublisherError
from publisher.runtime import Services
from publisher.states import CampaignKind, CampaignState, EventType, RowState
from publisher.store import Store
from publisher.store.automation import EventRow, WebhookEndpoint
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.progress import rows_changed

FAN_OUT_SECONDS = 10.0  # how long one sweep keeps fanning out full batches
CHANNEL = "hook"  # the channel of event deliveries (channels/networks/hook.py), on the share.hook queue


@dataclass(frozen=True)
class Event:
    """One event of the log, as the editor's log and the API show it."""

    id: int
    type: str
    created_at: datetime
    data: dict[str, Any]
    delivery_campaign_id: int | None
    fanned_out_at: datetime | None

    @property
    def subject(self) -> str:
        """What the event is about, in a few words: the article, post, digest or reader it names."""
        d = self.data
        for key in ("email", "title", "subject", "url", "channel"):
            if d.get(key):
                return str(d[key])
        return ", ".join(f"{k} {v}" for k, v in d.items() if k.endswith("_id") and v is not None)


@dataclass(frozen=True)
class Delivery:
    """One delivery of an event to an endpoint: its outbox row, with the receiver's last answer."""

    row_id: int
    endpoint_id: int
    event_id: int | None
    event_type: str
    webhook_id: str
    state: str
    status: int | None  # the receiver's last HTTP status; None: not tried yet, or no answer
    attempts: int
    error: str | None
    at: datetime | None  # the last attempt (or the queuing)


def fan_out(services: Services, *, now: datetime) -> int:
    """Fan out the events not yet fanned out, a batch at a time while batches come full, for at most
    FAN_OUT_SECONDS (a backlog drains over a few sweeps, not in one long one); how many this sweeper claimed."""
    s = services
    started, claimed = time.monotonic(), 0
    while True:
        with s.store.session() as session:
            pending = session.scalars(
                select(EventRow.id)
                .where(EventRow.fanned_out_at.is_(None))
                .order_by(EventRow.id)
                .limit(s.settings.webhook_fan_out_batch)
            ).all()
        for event_id in pending:
            won, campaign_id = _fan_out_one(s.store, event_id, now)
            claimed += won
            if campaign_id is not None:
                dispatch_campaign(s.store, s.settings, s.dispatcher, campaign_id)
        if len(pending) < s.settings.webhook_fan_out_batch or time.monotonic() - started > FAN_OUT_SECONDS:
            return claimed


def _fan_out_one(store: Store, event_id: int, now: datetime) -> tuple[bool, int | None]:
    """Claim one event and queue its deliveries, in one transaction: (whether we claimed it, its campaign)."""
    with store.session() as session:
        won = rows_changed(
            session,
            update(EventRow).where(EventRow.id == event_id, EventRow.fanned_out_at.is_(None)).values(fanned_out_at=now),
        )
        if not won:
            return False, None  # another sweeper has it
        event = session.get(EventRow, event_id)
        if event is None:  # erased with its reader meanwhile
            return True, None
        enabled = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(WebhookEndpoint.enabled.is_(True))
        wanted = [i for i, types in session.execute(enabled).all() if ALL in types or event.type in types]
        if not wanted:
            return True, None
        subject = f"{event.type} {webhook_id(event.id)}"
        campaign = Campaign(kind=CampaignKind.EVENT, state=CampaignState.QUEUED, subject=subject)
        session.add(campaign)
        session.flush()
        session.add_all(
            OutboxRow(
                campaign_id=campaign.id,
                recipient_id=endpoint_id,
                channel=CHANNEL,
                state=RowState.QUEUED,
                payload={"event_id": event.id},
                updated_at=now,
            )
            for endpoint_id in sorted(wanted)
        )
        event.delivery_campaign_id = campaign.id
        return True, campaign.id


def replay(services: Services, row_id: int) -> None:
    """Send one delivery again, whatever its state was: queued now, attempts from 0, the same webhook-id."""
    s = services
    with s.store.session() as session:
        row = session.get(OutboxRow, row_id)
        campaign = session.get(Campaign, row.campaign_id) if row is not None else None
        if row is None or campaign is None or campaign.kind != CampaignKind.EVENT:
            raise NotFound(f"no webhook delivery with id {row_id}")
        if row.state == RowState.SENDING:
            raise PublisherError(f"webhook delivery {row_id} is being sent right now; replay it once it is done")
        if session.get(WebhookEndpoint, row.recipient_id) is None:
            raise PublisherError(f"webhook delivery {row_id}: its endpoint was removed")
        now = utcnow()
        row.state, row.attempts, row.next_attempt_at, row.claimed_at = RowState.QUEUED, 0, now, None
        row.error, row.updated_at = None, now
        # An event's campaign reopens for the replay (only this kind does): done again once the row is final.
        if campaign.state not in (CampaignState.QUEUED, CampaignState.SENDING):
            campaign.state, campaign.finished_at, campaign.pause_reason = CampaignState.SENDING, None, None
        campaign_id = campaign.id
    dispatch_campaign(s.store, s.settings, s.dispatcher, campaign_id, pending_only=True)


def deliveries(store: Store, endpoint_id: int | None = None, limit: int = 50) -> list[Delivery]:
    """The most recent deliveries (of one endpoint, or of all), newest first."""
    query = (
        select(OutboxRow, EventRow.id, EventRow.type, Campaign.state, Campaign.pause_reason)
        .join(Campaign, Campaign.id == OutboxRow.campaign_id)
        .outerjoin(EventRow, EventRow.delivery_campaign_id == Campaign.id)
        .where(Campaign.kind == CampaignKind.EVENT, OutboxRow.channel == CHANNEL)
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    )
    if endpoint_id is not None:
        query = query.where(OutboxRow.recipient_id == endpoint_id)
    with store.session() as session:
        rows = session.execute(query).all()
        return [
            Delivery(
                row.id,
                row.recipient_id,
                event_id,
                event_type or "(erased)",
                webhook_id(event_id) if event_id is not None else "",
                row.state,
                (row.payload or {}).get("status"),
                row.attempts,
                f"paused: {reason}" if state == CampaignState.PAUSED and row.state == RowState.QUEUED else row.error,
                row.updated_at,
            )
            for row, event_id, event_type, state, reason in rows
        ]


def recent_events(store: Store, type: str | None = None, limit: int = 100) -> list[Event]:
    """The event log, newest first; `type` filters to one EventType (an unknown one is refused, naming it)."""
    query = select(EventRow).order_by(EventRow.id.desc()).limit(max(1, min(limit, 1000)))
    if type:
        try:
            query = query.where(EventRow.type == EventType(type).value)
        except ValueError:
            known = ", ".join(t.value for t in EventType)
            raise PublisherError(f"unknown event type {type!r}; known: {known}") from None
    with store.session() as session:
        return [
            Event(e.id, e.type, e.created_at, dict(e.data), e.delivery_campaign_id, e.fanned_out_at)
            for e in session.scalars(query)
        ]


__all__ = ["CHANNEL", "Delivery", "Endpoint", "Event", "deliveries", "fan_out", "recent_events", "replay"]
