"""Writing a mail campaign's outbox rows: one set-based INSERT ... SELECT over the list's subscriptions."""

from __future__ import annotations

from sqlalchemy import exists, insert, literal, select
from sqlalchemy.orm import Session

from publisher.states import RowState
from publisher.store.models import OutboxRow, Subscription

_COLUMNS = ["campaign_id", "recipient_id", "channel", "state", "attempts"]


def queue_subscribers(
    session: Session, campaign_id: int, list_id: int, channel: str, *, only_new: bool = False
) -> None:
    """Queue a row per active subscriber of the list (with only_new: those who have no row yet)."""
    where = [Subscription.list_id == list_id, Subscription.status == "active"]
    if only_new:
        where.append(
            ~exists().where(
                OutboxRow.campaign_id == campaign_id,
                OutboxRow.recipient_id == Subscription.subscriber_id,
                OutboxRow.channel == channel,
            )
        )
    rows = select(
        literal(campaign_id), Subscription.subscriber_id, literal(channel), literal(RowState.QUEUED.value), literal(0)
    ).where(*where)
    # No count from the result: psycopg reports -1 for an INSERT ... SELECT made through the ORM session.
    session.execute(insert(OutboxRow).from_select(_COLUMNS, rows))
