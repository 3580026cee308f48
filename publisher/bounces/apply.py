"""Applying a bounce: believe it only when it points at a send of ours, store it once, do what its reason says.

A report is believed when it points at a send of ours (anyone can mail the bounce mailbox): it came to a
genuine VERP return path (publisher.verp) or it quotes one of our Message-IDs (whose domain is the sender
domain); the campaign exists and is mail; it has an outbox row for that subscriber that was handed to the
mail server; and the recipient the report names (Final-Recipient, Original-Recipient, the ARF
Original-Rcpt-To or what a format reader found) is that subscriber's address. A VERP address whose
signature is wrong is forged or altered and ignored: only the Message-ID can then name the send.
Anything else suppresses nobody: it comes back as "ignored" with `why`, and is logged. Only an
authenticated provider webhook may name a bare address (the provider matched the send itself).

What a believed bounce does follows its reason's effect (publisher.bounces.reasons): suppress at once,
count (suppress after the soft-bounce limit within the window), or count against the sending setup and
the campaign (publisher.bounces.alarms), never against the reader. Each report is recorded once per
recipient (keyed by the report's Message-ID, or a hash of its bytes), so ingesting it twice is safe.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.addresses import canonical_address
from publisher.bounces.alarms import check_campaign
from publisher.bounces.reasons import REASONS
from publisher.bounces.report import BounceReport
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.states import MAIL_KINDS, EventType, RowState
from publisher.store.event_points import subscriber_events
from publisher.store.models import BounceEvent, Campaign, OutboxRow, Subscriber, utcnow
from publisher.store.totals import totals_of
from publisher.suppression import suppress
from publisher.verp import verp_of

log = logging.getLogger(__name__)
MESSAGE_ID = re.compile(r"<?publisher\.c(\d{1,10})\.r(\d{1,10})@([^>\s]+)>?")
# Rows handed to the mail server (a crash may leave one "sending"); queued, cancelled or suppressed rows
# never left, so nothing can bounce from them.
SENT_ROWS = (RowState.SENT, RowState.SENDING, RowState.FAILED)


class Outcome(str):
    """One recipient's outcome: "suppressed", "counted", "sender-side", "duplicate" or "ignored".

    `why` says why an ignored report was not believed; `paused` why the bounce paused its campaign.
    """

    why: str
    paused: str | None

    def __new__(cls, name: str, why: str = "", paused: str | None = None) -> Outcome:
        outcome = super().__new__(cls, name)
        outcome.why, outcome.paused = why, paused
        return outcome


class _Ignored(Exception):
    """The report does not point at a send of ours; the message says why."""


def _sent_ids(session: Session, settings: Settings, report: BounceReport) -> tuple[int, int]:
    """(campaign id, subscriber id) from the VERP return path, else from the returned Message-ID."""
    verp = verp_of(settings)
    by_verp = verp.parse(report.sent_to) if verp is not None and report.sent_to else None
    if isinstance(by_verp, tuple):
        return by_verp
    # A VERP address with a wrong signature (forged, altered, or signed with a key since rotated) says
    # nothing; the returned Message-ID may still name the send, with every check that path makes.
    forged = ""
    if by_verp is False:
        forged = f"the VERP address {report.sent_to!r} has a wrong signature (forged or altered), and "
    match = MESSAGE_ID.fullmatch(report.message_id.strip()) if report.message_id else None
    if match is None:
        found = f"Message-ID {report.message_id!r} is not one of ours" if report.message_id else "no Message-ID"
        raise _Ignored(forged + found)
    campaign_id, subscriber_id, domain = int(match.group(1)), int(match.group(2)), match.group(3).lower()
    ours = settings.sender_domain or "localhost"
    if domain != ours:
        raise _Ignored(f"Message-ID domain {domain!r} is not ours ({ours!r})")
    return campaign_id, subscriber_id


def _send_of(session: Session, settings: Settings, report: BounceReport) -> tuple[int, int, str]:
    """(campaign id, subscriber id, address) of the send the report is about, or _Ignored saying why not."""
    campaign_id, subscriber_id = _sent_ids(session, settings, report)
    kind = session.scalar(select(Campaign.kind).where(Campaign.id == campaign_id))
    if kind is None:
        raise _Ignored(f"campaign {campaign_id} does not exist")
    if kind not in MAIL_KINDS:
        raise _Ignored(f"campaign {campaign_id} is a {kind} campaign, not mail")
    if totals_of(session, campaign_id) is not None:  # its rows were compacted (PUBLISHER_OUTBOX_RETENTION_DAYS)
        raise _Ignored(f"campaign {campaign_id} was compacted: whom it sent to is no longer kept")
    row = session.scalar(
        select(OutboxRow.state).where(OutboxRow.campaign_id == campaign_id, OutboxRow.recipient_id == subscriber_id)
    )
    if row is None or row not in SENT_ROWS:
        raise _Ignored(f"campaign {campaign_id} sent nothing to subscriber {subscriber_id}")
    address = session.scalar(select(Subscriber.email).where(Subscriber.id == subscriber_id))
    if address is None:
        raise _Ignored(f"subscriber {subscriber_id} no longer exists")
    reported = {canonical_address(a) for a in (report.email, report.original_recipient) if a}
    if reported and address not in reported:
        named = ", ".join(sorted(reported))
        raise _Ignored(f"the report names {named}, but campaign {campaign_id} sent to another address")
    if not reported and report.sent_to is None:
        raise _Ignored("the report names no recipient")
    return campaign_id, subscriber_id, address


def record(
    session: Session, settings: Settings, report: BounceReport, *, source: str, trusted: bool = False
) -> Outcome:
    """Store one bounce and apply it: "suppressed", "counted" (a soft bounce below the limit), "sender-side"
    (the sender's problem: nobody suppressed), "duplicate", or "ignored" (with `why`).

    trusted (an authenticated provider webhook) may name a bare address without a Message-ID or VERP
    address; one it gives is checked like any other.
    """
    if report.reason not in REASONS:
        raise PublisherError(f"unknown bounce reason {report.reason!r}; use one of {', '.join(REASONS)}")
    if report.kind == "none":
        return Outcome("ignored", f"a {report.reason} report is not a bounce")
    campaign_id = subscriber_id = None
    try:
        if trusted and not report.message_id and not report.sent_to:
            address = canonical_address(report.email) if report.email else ""
            if not address:
                raise _Ignored("no address")
            subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        else:
            campaign_id, subscriber_id, address = _send_of(session, settings, report)
    except _Ignored as exc:
        log.warning("bounce report %s from %s ignored: %s", report.report_id or "-", source, exc)
        return Outcome("ignored", str(exc))
    return apply(session, settings, report, address, campaign_id, subscriber_id, source=source)


def apply(
    session: Session,
    settings: Settings,
    report: BounceReport,
    address: str,
    campaign_id: int | None,
    subscriber_id: int | None,
    *,
    source: str,
) -> Outcome:
    """Store a believed bounce for this address once, then suppress, count or raise the campaign's alarm."""
    try:
        with session.begin_nested():
            session.add(
                BounceEvent(
                    email=address,
                    kind=report.kind,
                    reason=report.reason,
                    hard=report.hard,
                    status=(report.status or "")[:20] or None,
                    reply_code=(report.reply_code or "")[:3] or None,
                    diagnostic=(report.diagnostic or "")[:2000] or None,
                    remote_mta=(report.remote_mta or "")[:255] or None,
                    domain=address.rpartition("@")[2][:255],
                    format=report.format[:20],
                    campaign_id=campaign_id,
                    subscriber_id=subscriber_id,
                    report_id=report.report_id,
                    source=source[:200],
                    received_at=report.received_at or utcnow(),
                )
            )
    except IntegrityError:
        return Outcome("duplicate")
    detail = " ".join(filter(None, [report.reason, report.status, report.diagnostic])) or None
    if report.kind == "sender":
        paused = check_campaign(session, settings, campaign_id) if campaign_id is not None else None
        return Outcome("sender-side", paused=paused)
    if report.kind in ("hard", "complaint"):
        why = "complaint" if report.kind == "complaint" else "hard_bounce"
        suppress(session, address, why, detail=detail, source=source)
        if subscriber_id is not None:  # issue 16: the event log, in the same transaction
            kind = EventType.SUBSCRIBER_COMPLAINED if report.kind == "complaint" else EventType.SUBSCRIBER_BOUNCED
            subscriber_events(session, kind, subscriber_id, reason=report.reason, campaign_id=campaign_id)
        return Outcome("suppressed")
    since = utcnow() - timedelta(days=settings.soft_bounce_window_days)
    recent = session.scalar(
        select(func.count())
        .select_from(BounceEvent)
        .where(BounceEvent.email == address, BounceEvent.kind == "soft", BounceEvent.received_at >= since)
    )
    if (recent or 0) >= settings.soft_bounce_limit:
        suppress(
            session,
            address,
            "soft_bounce",
            detail=f"{recent} soft bounces in {settings.soft_bounce_window_days:g} days; last: {detail or '-'}",
            source=source,
        )
        if subscriber_id is not None:  # issue 16: too many soft bounces end every list too
            subscriber_events(
                session, EventType.SUBSCRIBER_BOUNCED, subscriber_id, reason=report.reason, campaign_id=campaign_id
            )
        return Outcome("suppressed")
    return Outcome("counted")
