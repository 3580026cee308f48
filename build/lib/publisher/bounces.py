"""Bounces and complaints: read delivery status notifications, map them to the send, suppress.

RFC 3464 reports (multipart/report; report-type=delivery-status) are read with the standard `email`
package: every per-recipient block gives the address, the action and the RFC 3463 status code. ARF
complaints (report-type=feedback-report) count as complaints. Anything else is handed to flufl.bounce
(GNU Mailman's detectors for the non-standard bounces some MTAs still send), which only says temporary
or permanent. The original send is found from the returned headers: our Message-IDs are deterministic,
`<publisher.c{campaign}.r{subscriber}@domain>`.

A report is only believed when it points at a send of ours (anyone can mail the bounce mailbox): the
Message-ID's domain is the sender domain, the campaign exists and is mail, it has an outbox row for that
subscriber that was handed to the mail server, and the report's recipient (Final-Recipient,
Original-Recipient, the ARF Original-Rcpt-To, or the address flufl.bounce found) is the address that
subscriber has. Anything else suppresses nobody: it comes back as "ignored" with `why`, and is logged.
Only the authenticated webhook's JSON may name a bare address (the provider matched the send itself).

A hard bounce or a complaint suppresses the address at once; soft bounces suppress once
`soft_bounce_limit` of them arrived within `soft_bounce_window_days`. Each report is recorded once per
recipient (keyed by the report's Message-ID, or a hash of its bytes), so ingesting a mailbox twice is safe.

A mailbox may also receive mail sent to the List-Unsubscribe mailto (PUBLISHER_UNSUBSCRIBE_MAILTO): a
message whose subject is "unsubscribe <token>" with a valid signed token unsubscribes like the https link.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import mailbox
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, HeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.addresses import canonical_address
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.states import MAIL_KINDS, RowState
from publisher.store import Store
from publisher.store.models import BounceEvent, Campaign, OutboxRow, Subscriber, utcnow
from publisher.suppression import suppress

log = logging.getLogger(__name__)
MESSAGE_ID = re.compile(r"<?publisher\.c(\d{1,10})\.r(\d{1,10})@([^>\s]+)>?")
_BODY_MESSAGE_ID = re.compile(r"^Message-ID:[ \t]*(<[^>\s]{1,500}>)", re.IGNORECASE | re.MULTILINE)
# Rows handed to the mail server (a crash may leave one "sending"); queued, cancelled or suppressed rows
# never left, so nothing can bounce from them.
_SENT_ROWS = (RowState.SENT, RowState.SENDING, RowState.FAILED)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
KINDS = ("hard", "soft", "complaint")


@dataclass(frozen=True)
class BounceReport:
    """One recipient's outcome in one report."""

    email: str
    kind: str  # hard|soft|complaint
    status: str | None = None
    diagnostic: str | None = None
    message_id: str | None = None  # of the message that bounced
    report_id: str | None = None  # of the report itself
    received_at: datetime | None = None
    original_recipient: str | None = None  # Original-Recipient when it differs from `email` (Final-Recipient)


class Outcome(str):
    """One recipient's outcome: "suppressed", "counted", "duplicate" or "ignored" (equal to that string).

    `why` says why an ignored report was not believed.
    """

    why: str

    def __new__(cls, name: str, why: str = "") -> Outcome:
        outcome = super().__new__(cls, name)
        outcome.why = why
        return outcome


@dataclass
class IngestReport:
    outcomes: Counter[str] = field(default_factory=Counter)  # suppressed|counted|duplicate|ignored
    not_reports: int = 0
    details: list[str] = field(default_factory=list)


def classify(status: str | None, action: str | None = None) -> str | None:
    """hard, soft, or None when the block is not a failure (delivered, relayed, expanded, delayed)."""
    action = (action or "").strip().lower()
    if action and action != "failed":
        return None  # "delayed" is a warning: the MTA is still trying
    match = _STATUS.search(status or "")
    if match is None:
        return "hard" if action == "failed" else None
    klass, subject, detail = match.groups()
    if klass == "2":
        return None
    if klass == "4" or (subject, detail) == ("2", "2"):  # x.2.2 mailbox full is transient whatever the class
        return "soft"
    return "hard"


def _address(value: str | None) -> str | None:
    if not value:
        return None
    _, _, address = value.partition(";") if ";" in value else ("", "", value)
    address = address.strip().strip("<>").strip()
    return address or None


def _report_id(message: EmailMessage, raw: bytes) -> str:
    found = (message.get("Message-ID") or "").strip()
    return found[:500] if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def _report_date(message: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        return None


def _original_message_id(report: EmailMessage) -> str | None:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            headers: Message = BytesHeaderParser().parsebytes(_payload_bytes(part))
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if not (isinstance(inner, list) and inner and isinstance(inner[0], Message)):
                continue
            headers = inner[0]
        else:
            continue
        value = headers.get("Message-ID")
        if value:
            return str(value).strip()
    for part in report.walk():  # a non-standard bounce quotes the message inline, after the report's own headers
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            found = _BODY_MESSAGE_ID.search(_body(part))
            if found:
                return found.group(1)
    return None


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _body(message: EmailMessage) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _original_to(report: EmailMessage) -> str | None:
    """The To of the returned headers: a complaint that redacts Original-Rcpt-To still quotes it."""
    for part in report.walk():
        if part.get_content_type() == "text/rfc822-headers":
            headers = BytesHeaderParser().parsebytes(_payload_bytes(part))
            return parseaddr(str(headers.get("To") or ""))[1] or None
    return None


def parse_report(raw: bytes) -> list[BounceReport]:
    """Every failed recipient in a bounce or complaint; [] for a message that is neither."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    report_id = _report_id(message, raw)
    received = _report_date(message)
    original = _original_message_id(message)
    report_type = (message.get_param("report-type") or "") if message.get_content_type() == "multipart/report" else ""
    report_type = str(report_type).lower()
    out: list[BounceReport] = []
    if report_type == "delivery-status":
        for part in message.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks = [b for b in payload if isinstance(b, Message)]
            else:  # a malformed part: read its text as header blocks
                text = _payload_bytes(part).decode("utf-8", "replace")
                blocks = [HeaderParser().parsestr(b) for b in text.split("\n\n")]
            for block in blocks[1:]:
                final, first = _address(block.get("Final-Recipient")), _address(block.get("Original-Recipient"))
                recipient = final or first
                status = (block.get("Status") or "").strip() or None
                kind = classify(status, block.get("Action"))
                if recipient and kind:
                    diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split()) or None
                    also = first if first and first != recipient else None
                    out.append(BounceReport(recipient, kind, status, diagnostic, original, report_id, received, also))
        return out
    if report_type == "feedback-report":
        for part in message.walk():
            if part.get_content_type() != "message/feedback-report":
                continue
            payload = part.get_payload()
            fields = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else part
            recipient = _address(fields.get("Original-Rcpt-To")) or _address(fields.get("Removal-Recipient"))
            recipient = recipient or _original_to(message)
            feedback = str(fields.get("Feedback-Type") or "abuse").strip()
            if recipient or original:
                out.append(BounceReport(recipient or "", "complaint", None, feedback, original, report_id, received))
        return out
    return _heuristic(message, original, report_id, received)


def _heuristic(
    message: EmailMessage, original: str | None, report_id: str, received: datetime | None
) -> list[BounceReport]:
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector choking on an odd message means "not a bounce we understand"
        return []
    out = [
        BounceReport(a.decode("utf-8", "replace"), "hard", None, "flufl.bounce", original, report_id, received)
        for a in sorted(permanent)
    ]
    out += [
        BounceReport(a.decode("utf-8", "replace"), "soft", None, "flufl.bounce", original, report_id, received)
        for a in sorted(temporary - permanent)
    ]
    return out


class _Ignored(Exception):
    """The report does not point at a send of ours; the message says why."""


def _send_of(session: Session, settings: Settings, report: BounceReport) -> tuple[int, int, str]:
    """(campaign id, subscriber id, address) of the send the report is about, or _Ignored saying why not."""
    match = MESSAGE_ID.fullmatch(report.message_id.strip()) if report.message_id else None
    if match is None:
        raise _Ignored(f"Message-ID {report.message_id!r} is not one of ours" if report.message_id else "no Message-ID")
    campaign_id, subscriber_id, domain = int(match.group(1)), int(match.group(2)), match.group(3).lower()
    ours = settings.sender_domain or "localhost"
    if domain != ours:
        raise _Ignored(f"Message-ID domain {domain!r} is not ours ({ours!r})")
    kind = session.scalar(select(Campaign.kind).where(Campaign.id == campaign_id))
    if kind is None:
        raise _Ignored(f"campaign {campaign_id} does not exist")
    if kind not in MAIL_KINDS:
        raise _Ignored(f"campaign {campaign_id} is a {kind} campaign, not mail")
    row = session.scalar(
        select(OutboxRow.state).where(OutboxRow.campaign_id == campaign_id, OutboxRow.recipient_id == subscriber_id)
    )
    if row is None or row not in _SENT_ROWS:
        raise _Ignored(f"campaign {campaign_id} sent nothing to subscriber {subscriber_id}")
    address = session.scalar(select(Subscriber.email).where(Subscriber.id == subscriber_id))
    if address is None:
        raise _Ignored(f"subscriber {subscriber_id} no longer exists")
    reported = {canonical_address(a) for a in (report.email, report.original_recipient) if a}
    if address not in reported:
        named = ", ".join(sorted(reported)) or "no recipient"
        raise _Ignored(f"the report names {named}, but campaign {campaign_id} sent to another address")
    return campaign_id, subscriber_id, address


def record(
    session: Session, settings: Settings, report: BounceReport, *, source: str, trusted: bool = False
) -> Outcome:
    """Store one bounce and apply it: "suppressed", "counted" (a soft bounce below the limit), "duplicate",
    or "ignored" (with `why`) when it does not point at a send of ours.

    trusted (the authenticated webhook's JSON) may name a bare address without a Message-ID; a Message-ID
    it gives is checked like any other.
    """
    if report.kind not in KINDS:
        raise PublisherError(f"unknown bounce kind {report.kind!r}; use one of {', '.join(KINDS)}")
    campaign_id = subscriber_id = None
    try:
        if trusted and not report.message_id:
            address = canonical_address(report.email) if report.email else ""
            if not address:
                raise _Ignored("no address")
            subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        else:
            campaign_id, subscriber_id, address = _send_of(session, settings, report)
    except _Ignored as exc:
        log.warning("bounce report %s from %s ignored: %s", report.report_id or "-", source, exc)
        return Outcome("ignored", str(exc))
    received = report.received_at or utcnow()
    try:
        with session.begin_nested():
            session.add(
                BounceEvent(
                    email=address,
                    kind=report.kind,
                    status=report.status,
                    diagnostic=(report.diagnostic or "")[:2000] or None,
                    campaign_id=campaign_id,
                    subscriber_id=subscriber_id,
                    report_id=report.report_id,
                    source=source[:200],
                    received_at=received,
                )
            )
    except IntegrityError:
        return Outcome("duplicate")
    detail = " ".join(filter(None, [report.status, report.diagnostic])) or None
    if report.kind == "hard":
        suppress(session, address, "hard_bounce", detail=detail, source=source)
        return Outcome("suppressed")
    if report.kind == "complaint":
        suppress(session, address, "complaint", detail=detail, source=source)
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
        return Outcome("suppressed")
    return Outcome("counted")


def ingest_message(store: Store, settings: Settings, raw: bytes, *, source: str) -> list[Outcome]:
    """Parse one message and apply every bounce in it, in one transaction; the outcome per recipient."""
    reports = parse_report(raw)
    with store.session() as session:
        return [record(session, settings, report, source=source) for report in reports]


def ingest_mailbox(store: Store, settings: Settings, path: Path) -> IngestReport:
    """Read every message of a Maildir (a folder with cur/ new/ tmp/) or an mbox file; nothing is moved."""
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            raise PublisherError(f"{path}: a folder must be a Maildir (with cur/, new/ and tmp/)")
        box: mailbox.Mailbox = mailbox.Maildir(str(path), factory=None, create=False)
    elif path.is_file():
        box = mailbox.mbox(str(path), create=False)
    else:
        raise PublisherError(f"{path}: no such Maildir or mbox file")
    report = IngestReport()
    try:
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            # A request to the unsubscribe mailto first: flufl.bounce's heuristics must not read a person's
            # message as a bounce.
            if _mailto_unsubscribe(store, settings, raw):
                outcomes = [Outcome("unsubscribed")]
            else:
                outcomes = ingest_message(store, settings, raw, source=f"mailbox:{path.name}")
            if not outcomes:
                report.not_reports += 1
            report.outcomes.update(str(o) for o in outcomes)
            report.details += [f"message {key}: ignored, {o.why}" for o in outcomes if o == "ignored"]
    finally:
        box.close()
    return report


_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*(?:re:\s*)?unsubscribe\s+([A-Za-z0-9_.\-]+)\s*$", re.IGNORECASE)


def _mailto_unsubscribe(store: Store, settings: Settings, raw: bytes) -> bool:
    """A mail sent to the List-Unsubscribe mailto (subject "unsubscribe <token>"): unsubscribe, as the URL would."""
    from publisher.consent import LinkRefused, unsubscribe

    message = email.message_from_bytes(raw, policy=email.policy.default)
    match = _UNSUBSCRIBE_SUBJECT.match(str(message.get("Subject") or ""))
    if match is None:
        return False
    try:
        unsubscribe(store, settings, match.group(1))
    except LinkRefused:
        return False
    return True
