"""Writing a mail campaign's outbox rows: one set-based INSERT ... SELECT over the lists' subscriptions.

A digest to several lists selects each subscriber once (DISTINCT): one row per address, whatever the number
of the campaign's lists they are on; the unique (campaign, recipient, channel) key keeps it so.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, insert, literal, or_, select
from sqlalchemy.orm import Session

from publisher.states import RowState
from publisher.store.models import MailingList, OutboxRow, Subscription

_COLUMNS = ["campaign_id", "recipient_id", "channel", "state", "attempts"]


def queue_subscribers(
    session: Session,
    campaign_id: int,
    list_ids: int | Sequence[int],
    channel: str,
    *,
    only_new: bool = False,
    cadence: str | None = None,
) -> None:
    """Queue a row per active subscriber of the list(s), once each (with only_new: those who have no row yet).

    cadence ("daily", "weekly", "instant"; a recurring digest's, issue 16): only readers whose effective cadence
    is that one, their own choice or else their list's default; None: every active reader.
    """
    lists = [list_ids] if isinstance(list_ids, int) else list(list_ids)
    where = [Subscription.list_id.in_(lists), Subscription.status == "active"]
    if cadence is not None:
        where.append(cadence_is(cadence))
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
    ).where(*where).distinct()
    # No count from the result: psycopg reports -1 for an INSERT ... SELECT made through the ORM session.
    session.execute(insert(OutboxRow).from_select(_COLUMNS, rows))


def cadence_is(cadence: str) -> ColumnElement[bool]:
    """Subscriptions whose effective cadence is this one: chosen by the reader, or their list's default."""
    defaults = select(MailingList.id).where(MailingList.default_cadence == cadence)
    return or_(
        Subscription.cadence == cadence,
        and_(Subscription.cadence.is_(None), Subscription.list_id.in_(defaults)),
    )
