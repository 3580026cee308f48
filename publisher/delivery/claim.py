"""Claiming rows: a chunk of due rows becomes "sending" with a claim time, in one statement.

A worker killed mid-batch leaves at most one chunk in flight; a claim older than the lease is taken over
by the next worker. Pause and cancel take effect here, between chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, update

from publisher.states import ACTIVE_CAMPAIGNS, RowState
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, utcnow

# Rows claimed and recorded together: bigger chunks spread the three database round trips of a chunk over
# more messages; a worker killed mid-chunk leaves at most this many rows in flight.
CHUNK = 200


def in_batch(campaign_id: int, first_id: int, last_id: int) -> ColumnElement[bool]:
    """Rows of the campaign with id in [first_id, last_id], found through the primary key's range only.

    The campaign is checked row by row (`campaign_id + 0`, which no index serves), not looked up: a new
    campaign's rows have no statistics yet (nor its partition), so the planner took (campaign_id, ...) for
    selective and read every row of the campaign per chunk, 40 ms per claim on 20,000 rows instead of 0.3.
    """
    return and_(OutboxRow.id.between(first_id, last_id), (OutboxRow.campaign_id + 0) == campaign_id)


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient_id: int
    attempts: int
    payload: dict[str, Any] | None


def claimable(
    campaign_id: int, channel: str, first_id: int, last_id: int, lease: int, chunk: int, now: datetime
) -> Select[int]:
    """The ids claim() takes, locked, skipping rows another worker holds: due rows of the batch, in id order."""
    due = or_(
        and_(
            OutboxRow.state == RowState.QUEUED,
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
        ),
        and_(OutboxRow.state == RowState.SENDING, OutboxRow.claimed_at < now - timedelta(seconds=lease)),
    )
    return (
        select(OutboxRow.id)
        .where(
            in_batch(campaign_id, first_id, last_id),
            OutboxRow.channel == channel,
            due,
            # Pause and cancel take effect here, between chunks: at most one chunk is in flight when they land.
            exists().where(Campaign.id == campaign_id, Campaign.state.in_(ACTIVE_CAMPAIGNS)),
        )
        .order_by(OutboxRow.id)
        .limit(chunk)
        .with_for_update(skip_locked=True)
    )


def claim(
    store: Store, campaign_id: int, channel: str, first_id: int, last_id: int, lease: int, chunk: int = CHUNK
) -> tuple[datetime, list[Claimed]]:
    """Claim up to `chunk` due rows of (campaign, channel) with id in [first_id, last_id]; returns the claim time."""
    now = utcnow()
    ids = claimable(campaign_id, channel, first_id, last_id, lease, chunk, now)
    with store.autocommit() as session:  # one statement: its own transaction, without BEGIN and COMMIT
        rows = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids.scalar_subquery()))
            .values(state=RowState.SENDING, claimed_at=now, updated_at=now)
            .returning(OutboxRow.id, OutboxRow.recipient_id, OutboxRow.attempts, OutboxRow.payload),
            execution_options={"synchronize_session": False},
        ).all()
    return now, sorted((Claimed(*r) for r in rows), key=lambda c: c.id)
