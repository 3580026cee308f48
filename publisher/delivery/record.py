"""Recording a chunk: its row results, the suppressions it found and the campaign's health, in one transaction.

Results are written only where the claim is still ours (state "sending" with our claim time): a row taken
over after its lease expired is the other worker's to record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from publisher.bounces.smtp_refusal import refused_at_send
from publisher.config import Settings
from publisher.delivery.outcome import ChunkHealth
from publisher.delivery.record_events import results_recorded
from publisher.states import ACTIVE_CAMPAIGNS, CampaignState, RowState
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.progress import MAX_REASON

PROGRESS_EVERY_SECONDS = 5.0  # how stale campaigns.progress_at may get before a chunk refreshes it


def record(
    store: Store,
    settings: Settings,
    campaign_id: int,
    claimed_at: datetime,
    updates: list[dict[str, Any]],
    health: ChunkHealth,
) -> str | None:
    """Write a chunk's results, suppressions and the campaign's health in one transaction.

    Returns the reason when this chunk paused the campaign.
    """
    table = cast(Table, OutboxRow.__table__)
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("row_id"),
            table.c.state == RowState.SENDING,
            table.c.claimed_at == claimed_at,
        )
        .values(
            state=bindparam("new_state"),
            attempts=bindparam("new_attempts"),
            next_attempt_at=bindparam("retry_at"),
            provider_id=bindparam("new_provider_id"),
            url=bindparam("new_url"),
            error=bindparam("new_error"),
            updated_at=bindparam("now"),
        )
    )
    with store.session() as session:
        # A thread's posted parts first (the claim still ours), in the transaction that records the row.
        posted = [
            {"row_id": u["row_id"], "claimed": claimed_at, "new_payload": u["new_payload"]}
            for u in updates
            if "new_payload" in u
        ]
        if posted:
            session.connection().execute(_progress_statement(table), posted)
        if updates:
            session.connection().execute(stmt, [{k: v for k, v in u.items() if k != "new_payload"} for u in updates])
        results_recorded(session, campaign_id, claimed_at, updates)  # issue 16: events of the results
        paused = None
        for refusal in health.refused:  # recipients the server refused with a 5xx
            paused = refused_at_send(
                session, settings, campaign_id, refusal.recipient_id, refusal.address, refusal.code, refusal.reply
            ) or paused
        return campaign_health(session, settings, campaign_id, health) or paused


def _progress_statement(table: Table) -> Any:
    """The row's stored post replaced by the one holding its thread's progress, where the claim is ours."""
    return (
        update(table)
        .where(
            table.c.id == bindparam("row_id"),
            table.c.state == RowState.SENDING,
            table.c.claimed_at == bindparam("claimed"),
        )
        .values(payload=bindparam("new_payload", type_=table.c.payload.type))
    )


def campaign_health(session: Session, settings: Settings, campaign_id: int, health: ChunkHealth) -> str | None:
    """Track consecutive connection failures across workers; pause the campaign when there are too many."""
    now = utcnow()
    row = session.execute(
        select(Campaign.state, Campaign.failure_streak, Campaign.progress_at).where(Campaign.id == campaign_id)
    ).first()
    if row is None:
        return None
    streak = health.connection_failures + (0 if health.answered else row.failure_streak)
    values: dict[str, Any] = {}
    if streak != row.failure_streak:
        values["failure_streak"] = streak
    stale = row.progress_at is None or (now - row.progress_at).total_seconds() > PROGRESS_EVERY_SECONDS
    if health.answered and stale:
        values["progress_at"] = now
    reason = _pause_reason(settings, health, streak) if row.state in ACTIVE_CAMPAIGNS else None
    if reason is not None:
        values.update(state=CampaignState.PAUSED, pause_reason=reason)
    if values:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(**values),
            execution_options={"synchronize_session": False},
        )
    return reason


def _pause_reason(settings: Settings, health: ChunkHealth, streak: int) -> str | None:
    """Why this chunk pauses an active campaign, or None (read after "paused:", so it never says "paused")."""
    if health.setup_failed is not None:  # SMTP security (extra-tls)
        return f"the channel cannot work as configured: {health.setup_failed}"[:MAX_REASON]
    if streak >= settings.pause_after_failures:
        return f"after {streak} consecutive connection failures; last: {health.last_error}"[:MAX_REASON]
    return None
