"""Campaign statements that several layers share: look a campaign up, mark it done, pause it.

Delivery and campaigns both move a campaign on, and delivery must not import campaigns, so the statements
live here, below both. Like every helper that takes a Session, these never commit: the caller's
`store.session()` transaction does (see publisher.store.session).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable, and_, exists, func, select, update
from sqlalchemy.orm import Session

from publisher.errors import NotFound
from publisher.states import ACTIVE_CAMPAIGNS, PENDING_ROWS, CampaignState, EventType, RowState
from publisher.store.automation import SequenceStep
from publisher.store.event_points import digest_events
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.totals import totals_of

MAX_REASON = 2000  # pause_reason and row errors are cut to this many characters


def load_campaign(session: Session, campaign_id: int, *, for_update: bool = False) -> Campaign:
    """The campaign (row-locked with for_update), or NotFound."""
    campaign = session.get(Campaign, campaign_id, with_for_update=True if for_update else None)
    if campaign is None:
        raise NotFound(f"no campaign with id {campaign_id}")
    return campaign


def row_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """The campaign's outbox rows per state (every RowState, 0 where none): one GROUP BY on its index.

    A compacted campaign (publisher.insight.retention) has its counts kept in campaign_totals instead.
    """
    counts = {state.value: 0 for state in RowState}
    totals = totals_of(session, campaign_id)
    if totals is not None:
        counts.update(totals.counts)
        return counts
    counts.update(
        session.execute(
            select(OutboxRow.state, func.count()).where(OutboxRow.campaign_id == campaign_id).group_by(OutboxRow.state)
        ).all()
    )
    return counts


def finish_if_done(session: Session, campaign_id: int) -> None:
    """Mark a campaign done once none of its rows is pending (one statement, safe under concurrency); the one
    that marks a digest done emits digest.finished (issue 16).

    The current campaign of a welcome sequence's step is never done: it gains a row whenever a reader's
    step comes due (publisher.automation.sequences). Replaced by an edit, it finishes like any other.
    """
    finished = rows_changed(
        session,
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.state.in_(ACTIVE_CAMPAIGNS),
            ~exists().where(and_(OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(PENDING_ROWS))),
            ~exists().where(SequenceStep.campaign_id == campaign_id),  # a step's campaign gains rows for ever
        )
        .values(state=CampaignState.DONE, finished_at=utcnow()),
    )
    if finished == 1:
        digest_events(session, EventType.DIGEST_FINISHED, [campaign_id])


def pause_campaign(session: Session, campaign_id: int, reason: str) -> bool:
    """Pause a queued or sending campaign with this reason; False when it was not active (nothing changed).

    One conditional UPDATE: several workers failing the same way at once pause it once, with the first reason.
    The reason is shown after "paused:", so it does not say "paused" itself.
    """
    paused = rows_changed(
        session,
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state.in_(ACTIVE_CAMPAIGNS))
        .values(state=CampaignState.PAUSED, pause_reason=reason[:MAX_REASON]),
    )
    return paused == 1


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE, INSERT or DELETE without syncing the session's objects; how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement, execution_options={"synchronize_session": False}))
    return result.rowcount
