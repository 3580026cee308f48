"""What recorded results set off (issue 16), in record.record's transaction: the event log's post.* events,
and event webhook endpoints disabled after answering 410 Gone.

Only the rows this worker's claim recorded count (their claim time is still ours), so a row taken over by
another worker after its lease emits its event once, from whoever recorded it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from publisher.states import CampaignKind, RowState
from publisher.store.automation import WebhookEndpoint
from publisher.store.event_points import post_result
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.progress import rows_changed

GONE = 410


def results_recorded(session: Session, campaign_id: int, claimed_at: datetime, updates: list[dict[str, Any]]) -> None:
    """Emit each share row's post.published / post.failed; disable the endpoints of event rows answered 410."""
    final = [u["row_id"] for u in updates if u["new_state"] in (RowState.SENT, RowState.FAILED)]
    gone = [u["row_id"] for u in updates if (u.get("new_payload") or {}).get("status") == GONE]
    if not (final or gone):
        return
    kind = session.scalar(select(Campaign.kind).where(Campaign.id == campaign_id))
    if kind == CampaignKind.SHARE and final:
        rows = session.execute(
            select(OutboxRow.channel, OutboxRow.state, OutboxRow.url, OutboxRow.error).where(
                OutboxRow.id.in_(final), OutboxRow.claimed_at == claimed_at
            )
        ).all()
        for channel, state, url, error in rows:
            post_result(session, campaign_id, channel, url, None if state == RowState.SENT else (error or "failed"))
    if kind == CampaignKind.EVENT and gone:
        endpoints = session.scalars(
            select(OutboxRow.recipient_id).where(OutboxRow.id.in_(gone), OutboxRow.claimed_at == claimed_at)
        ).all()
        disable_gone(session, list(endpoints))


def disable_gone(session: Session, endpoint_ids: list[int]) -> int:
    """Disable the endpoints that answered 410 Gone, saying when; returns how many were still enabled."""
    if not endpoint_ids:
        return 0
    now = utcnow()
    return rows_changed(
        session,
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.enabled.is_(True))
        .values(enabled=False, disabled_reason=f"answered 410 Gone at {now:%Y-%m-%d %H:%M:%S} UTC", updated_at=now),
    )
