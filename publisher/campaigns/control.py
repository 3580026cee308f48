"""Campaign control (issue 4): pause, resume, cancel.

Pause and cancel take effect between chunks: a worker checks the campaign's state with every claim, so at
most one chunk per worker is in flight when they land, and it finishes and is recorded.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from publisher.campaigns.dispatch import dispatch_campaign
from publisher.config import Settings
from publisher.dispatcher import Dispatcher
from publisher.errors import PublisherError
from publisher.states import ACTIVE_CAMPAIGNS, CampaignState, RowState
from publisher.store import Store
from publisher.store.models import BounceEvent, OutboxRow, utcnow
from publisher.store.progress import finish_if_done, load_campaign, rows_changed

_CANCELLABLE = (CampaignState.SCHEDULED, *ACTIVE_CAMPAIGNS, CampaignState.PAUSED)


def pause(store: Store, campaign_id: int, reason: str = "by an operator") -> None:
    """Stop handing out rows; a chunk already being sent finishes and is recorded.

    The reason is shown after "paused:" (`publisher status`, the campaign page, the API).
    """
    with store.session() as session:
        campaign = load_campaign(session, campaign_id, for_update=True)
        if campaign.state == CampaignState.PAUSED:
            return
        if campaign.state not in ACTIVE_CAMPAIGNS:
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}; only a queued or sending one can pause")
        campaign.state = CampaignState.PAUSED
        campaign.pause_reason = reason


def resume(store: Store, settings: Settings, dispatcher: Dispatcher, campaign_id: int) -> int:
    """Continue a paused campaign where its outbox says; returns how many batches were dispatched."""
    with store.session() as session:
        campaign = load_campaign(session, campaign_id, for_update=True)
        if campaign.state != CampaignState.PAUSED:
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}, not paused")
        campaign.state = CampaignState.SENDING
        campaign.pause_reason = None
        campaign.failure_streak = 0
        # Sender-side bounces that came in before the editor fixed the sender no longer count (bounces/alarms.py).
        campaign.sender_alarm_mark = session.scalar(select(func.max(BounceEvent.id))) or 0
        session.flush()
        finish_if_done(session, campaign_id)  # nothing left to send: done, not sending
    # Dispatched once that is committed, so a worker never claims from a campaign still marked paused.
    return dispatch_campaign(store, settings, dispatcher, campaign_id, pending_only=True).batches


def cancel(store: Store, campaign_id: int) -> int:
    """Cancel a campaign: rows not yet sent become "cancelled"; returns how many. Rows in flight finish."""
    with store.session() as session:
        campaign = load_campaign(session, campaign_id, for_update=True)
        if campaign.state not in _CANCELLABLE:
            raise PublisherError(f"campaign {campaign_id} is {campaign.state}; it cannot be cancelled")
        campaign.state = CampaignState.CANCELLED
        campaign.finished_at = utcnow()
        return rows_changed(
            session,
            update(OutboxRow)
            .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state == RowState.QUEUED)
            .values(state=RowState.CANCELLED, updated_at=utcnow()),
        )
