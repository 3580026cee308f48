"""Where bounces come in: one raw message (the webhook, the SMTP listener, IMAP), or a whole Maildir/mbox.

A mailbox may also receive mail sent to the List-Unsubscribe mailto (PUBLISHER_UNSUBSCRIBE_MAILTO): a
message whose subject is "unsubscribe <token>" with a valid signed token unsubscribes like the https link.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from publisher.bounces.apply import Outcome, record
from publisher.bounces.parse import parse_report
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.store import Store

_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*(?:re:\s*)?unsubscribe\s+([A-Za-z0-9_.\-]+)\s*$", re.IGNORECASE)


@dataclass
class IngestReport:
    outcomes: Counter[str] = field(default_factory=Counter)  # suppressed|counted|sender-side|duplicate|ignored
    not_reports: int = 0
    details: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)  # why campaigns were paused by what was read

    def add(self, where: str, outcomes: list[Outcome]) -> None:
        if not outcomes:
            self.not_reports += 1
        self.outcomes.update(str(o) for o in outcomes)
        self.details += [f"{where}: ignored, {o.why}" for o in outcomes if o == "ignored"]
        self.paused += [o.paused for o in outcomes if o.paused]


def ingest_message(
    store: Store, settings: Settings, raw: bytes, *, source: str, envelope_to: str | None = None
) -> list[Outcome]:
    """Parse one message and apply every bounce in it, in one transaction; the outcome per recipient.

    envelope_to: the address the message was delivered to (RCPT TO), when the caller knows it.
    """
    reports = parse_report(raw, envelope_to=envelope_to)
    with store.session() as session:
        return [record(session, settings, report, source=source) for report in reports]


def ingest_raw(
    store: Store, settings: Settings, raw: bytes, *, source: str, envelope_to: str | None = None
) -> list[Outcome]:
    """A message from a bounce mailbox: a mailto unsubscribe first, else bounces (flufl.bounce's
    heuristics must not read a person's message as a bounce)."""
    if mailto_unsubscribe(store, settings, raw):
        return [Outcome("unsubscribed")]
    return ingest_message(store, settings, raw, source=source, envelope_to=envelope_to)


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
            report.add(f"message {key}", ingest_raw(store, settings, raw, source=f"mailbox:{path.name}"))
    finally:
        box.close()
    return report


def mailto_unsubscribe(store: Store, settings: Settings, raw: bytes) -> bool:
    """A mail sent to the List-Unsubscribe mailto (subject "unsubscribe <token>"): unsubscribe, as the URL would."""
    from publisher.consent import LinkRefused, unsubscribe

    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(message.get("Subject") or "")
    except Exception:  # a header the parser cannot read is no unsubscribe request
        return False
    match = _UNSUBSCRIBE_SUBJECT.match(subject)
    if match is None:
        return False
    try:
        unsubscribe(store, settings, match.group(1))
    except LinkRefused:
        return False
    return True
