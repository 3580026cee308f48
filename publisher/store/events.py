"""The event log's one writer: emit() adds an event in the caller's transaction (issue 16).

Written with the change it records (the subscription confirmed, the campaign finished), so an event exists
exactly when its change committed; publisher.automation.webhooks fans each event out to the endpoints
subscribed to its type, as outbox rows, later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from publisher.states import EventType
from publisher.store.automation import EventRow
from publisher.store.base import utcnow


def emit(
    session: Session,
    type: EventType | str,
    data: dict[str, Any] | None = None,
    *,
    article_id: int | None = None,
    campaign_id: int | None = None,
    subscriber_id: int | None = None,
    at: datetime | None = None,
) -> EventRow:
    """Add one event to the log in `session`'s transaction; it is committed (or rolled back) with it.

    data: what a receiver needs, JSON-able, never a secret; the ids are also kept in columns, so the
    timeline and erasure find the event without reading its data.
    """
    row = EventRow(
        type=str(EventType(type)),
        data=dict(data or {}),
        article_id=article_id,
        campaign_id=campaign_id,
        subscriber_id=subscriber_id,
        created_at=at or utcnow(),
    )
    session.add(row)
    return row
