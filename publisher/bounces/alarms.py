"""Sender-side alarms: when too many of a campaign's mails come back for the sender's own problem, pause it.

A blocklisted sending IP, a failing SPF/DKIM/DMARC setup or a provider that calls the mail spam bounces
every reader at that provider, and none of them is the reader's fault. Those bounces suppress nobody; they
count against the campaign, and once they reach PUBLISHER_SENDER_BOUNCE_PAUSE_COUNT (50), or
PUBLISHER_SENDER_BOUNCE_PAUSE_RATE (2%) of the mails it sent with at least PUBLISHER_SENDER_BOUNCE_PAUSE_MIN
(5) of them, an active campaign pauses with the reason, so the editor fixes the sender before burning the
list. Resuming it starts the count again from there (campaigns.sender_alarm_mark, set by campaigns.resume).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from publisher.bounces.reasons import label_of
from publisher.config import Settings
from publisher.states import ACTIVE_CAMPAIGNS, CampaignState, RowState
from publisher.store.models import BounceEvent, Campaign, OutboxRow
from publisher.store.progress import MAX_REASON

_SENT = (RowState.SENT, RowState.SENDING, RowState.FAILED)


@dataclass(frozen=True)
class Alarm:
    """Sender-side bounces of one campaign since its mark, and what they say most."""

    count: int
    sent: int
    domain: str
    reason: str
    diagnostic: str

    def describe(self) -> str:
        """"12 of 400 messages came back sender blocked, most at gmail.com: 550 5.7.1 ... listed on ..." """
        text = (
            f"{self.count} of {self.sent} messages came back for the sender's problem, most of them "
            f"{label_of(self.reason)} at {self.domain}: {self.diagnostic or 'no diagnostic'}"
        )
        return text[:MAX_REASON]


def alarm_of(session: Session, campaign_id: int, since_id: int = 0) -> Alarm | None:
    """The sender-side bounces of a campaign after bounce_events id `since_id`, or None when there are none."""
    where = (BounceEvent.campaign_id == campaign_id, BounceEvent.kind == "sender", BounceEvent.id > since_id)
    count = session.scalar(select(func.count()).select_from(BounceEvent).where(*where)) or 0
    if not count:
        return None
    top = session.execute(
        select(BounceEvent.domain, BounceEvent.reason, func.count().label("n"))
        .where(*where)
        .group_by(BounceEvent.domain, BounceEvent.reason)
        .order_by(func.count().desc(), BounceEvent.domain)
        .limit(1)
    ).one()
    diagnostic = session.scalar(
        select(BounceEvent.diagnostic)
        .where(*where, BounceEvent.domain == top.domain, BounceEvent.reason == top.reason)
        .order_by(BounceEvent.id.desc())
        .limit(1)
    )
    sent = session.scalar(
        select(func.count())
        .select_from(OutboxRow)
        .where(OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(_SENT))
    )
    return Alarm(count, sent or 0, top.domain, top.reason, " ".join((diagnostic or "").split())[:300])


def passes_threshold(settings: Settings, alarm: Alarm) -> bool:
    if alarm.count >= settings.sender_bounce_pause_count:
        return True
    enough = alarm.count >= settings.sender_bounce_pause_min
    return enough and alarm.count >= settings.sender_bounce_pause_rate * alarm.sent


def check_campaign(session: Session, settings: Settings, campaign_id: int) -> str | None:
    """Pause an active campaign whose sender-side bounces passed the threshold; the reason, or None."""
    row = session.execute(
        select(Campaign.state, Campaign.sender_alarm_mark).where(Campaign.id == campaign_id)
    ).first()
    if row is None or row.state not in ACTIVE_CAMPAIGNS:
        return None
    alarm = alarm_of(session, campaign_id, row.sender_alarm_mark)
    if alarm is None or not passes_threshold(settings, alarm):
        return None
    reason = alarm.describe()
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state.in_(ACTIVE_CAMPAIGNS))
        .values(state=CampaignState.PAUSED, pause_reason=reason),
        execution_options={"synchronize_session": False},
    )
    return reason
