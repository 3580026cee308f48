"""Scheduled sends (issue 7): the send time lives in the database and the periodic sweep starts what is due.

No long ETA/countdown Celery task: brokers redeliver or drop those (see DESIGN.md). Auto-share for a
scheduled digest is the service layer's (service.sweep), on the ids start_due returns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from publisher.campaigns.dispatch import dispatch_campaign
from publisher.campaigns.outbox import queue_subscribers
from publisher.config import Settings
from publisher.dispatcher import Dispatcher
from publisher.errors import PublisherError
from publisher.states import CampaignKind, CampaignState, EventType
from publisher.store import Store
from publisher.store.event_points import digest_events
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.store.progress import load_campaign, rows_changed
from publisher.subscribers import campaign_list_ids

MAX_SCHEDULE_AHEAD = timedelta(days=366)  # further ahead is far more likely a typo in the year than a plan
SEND_AT_EXAMPLE = "2026-12-01T09:00:00+01:00"


def parse_send_at(text: str) -> datetime:
    """Read an ISO 8601 send time with its UTC offset ("Z" for UTC); check_send_at does the other checks."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PublisherError(
            f"send time {text!r} is not an ISO 8601 date and time, such as {SEND_AT_EXAMPLE}"
        ) from None
    return value


def check_send_at(send_at: datetime, now: datetime | None = None) -> datetime:
    """The send time in UTC; a time without a UTC offset, in the past, or over a year ahead is refused."""
    if send_at.tzinfo is None or send_at.utcoffset() is None:
        raise PublisherError(
            f"send time {send_at.isoformat()} has no UTC offset, so it could mean any time zone; "
            f"add one, such as {SEND_AT_EXAMPLE} (or Z for UTC)"
        )
    now = now or utcnow()
    try:
        when = send_at.astimezone(UTC)
    except OverflowError:
        raise PublisherError(f"send time {send_at.isoformat()} is out of range") from None
    if when <= now:
        raise PublisherError(
            f"send time {when:%Y-%m-%d %H:%M:%S} UTC is in the past (it is now {now:%Y-%m-%d %H:%M:%S} UTC); "
            "send now, or choose a later time"
        )
    if when - now > MAX_SCHEDULE_AHEAD:
        raise PublisherError(f"send time {when:%Y-%m-%d %H:%M} UTC is more than a year ahead; check the year")
    return when


def start_due(store: Store, settings: Settings, dispatcher: Dispatcher, *, now: datetime | None = None) -> list[int]:
    """Start and dispatch the scheduled campaigns whose time has come; returns their ids.

    Every worker sweeps, so each campaign is claimed with a conditional UPDATE (state "scheduled" ->
    "sending"): whichever sweeper changes the row dispatches it, the others change nothing.
    """
    now = now or utcnow()
    with store.session() as session:
        due = session.scalars(
            select(Campaign.id)
            .where(Campaign.state == CampaignState.SCHEDULED, Campaign.scheduled_at <= now)
            .order_by(Campaign.scheduled_at, Campaign.id)
        ).all()
    started = [campaign_id for campaign_id in due if _start_scheduled(store, campaign_id, now)]
    for campaign_id in started:
        dispatch_campaign(store, settings, dispatcher, campaign_id)
    return started


def _start_scheduled(store: Store, campaign_id: int, now: datetime) -> bool:
    """Claim one due campaign for this sweeper; adds the subscribers who joined since it was scheduled."""
    with store.session() as session:
        claimed = rows_changed(
            session,
            update(Campaign)
            .where(
                Campaign.id == campaign_id, Campaign.state == CampaignState.SCHEDULED, Campaign.scheduled_at <= now
            )
            # progress_at now: the stalled-campaign sweep of other workers leaves it alone for a lease.
            .values(state=CampaignState.SENDING, progress_at=now),
        )
        if claimed != 1:
            return False
        digest_events(session, EventType.DIGEST_SENT, [campaign_id])  # issue 16: a scheduled digest starts
        _add_joiners(session, campaign_id)
        return True


def _add_joiners(session: Session, campaign_id: int) -> None:
    """Queue subscribers who became active after the campaign was scheduled: the list as it is at send time.

    Those who left are already handled when each message is built (delivery checks the subscription).
    """
    campaign = session.get(Campaign, campaign_id)
    channel = session.scalar(select(OutboxRow.channel).where(OutboxRow.campaign_id == campaign_id).limit(1))
    if campaign is None or campaign.kind != CampaignKind.EMAIL or channel is None:
        return
    list_ids = campaign_list_ids(session, campaign_id, campaign.list_id)
    if not list_ids:  # its lists were deleted
        return
    queue_subscribers(session, campaign_id, list_ids, channel, only_new=True)


def reschedule(store: Store, campaign_id: int, send_at: datetime) -> datetime:
    """Move a scheduled campaign to another time (checked like a new one); returns the time in UTC."""
    when = check_send_at(send_at)
    with store.session() as session:
        # Locked: a sweeper starting it waits, then sees the new time.
        campaign = load_campaign(session, campaign_id, for_update=True)
        if campaign.state != CampaignState.SCHEDULED:
            raise PublisherError(
                f"campaign {campaign_id} is {campaign.state}; only a scheduled campaign can be rescheduled"
            )
        campaign.scheduled_at = when
    return when
