"""Reading a bounce or complaint mail: every failed recipient in it, with the evidence for a verdict.

RFC 3464 reports (multipart/report; report-type=delivery-status) are read with the standard `email`
package: every per-recipient block gives the address, the action, the RFC 3463 status, the remote MTA
and the diagnostic. ARF complaints (report-type=feedback-report) are complaints. Anything else goes to
the readers of publisher.bounces.formats (the MTAs' and providers' own bodies: qmail, Exim, Exchange,
...), and last to flufl.bounce (GNU Mailman's detectors). An RFC 3834 auto-reply is not a bounce.

The original send is found from the returned headers (our Message-IDs are deterministic,
`<publisher.c{campaign}.r{subscriber}@domain>`) and from the address the report was delivered to (our
signed VERP return path, publisher.verp). Nothing here raises on any input: a message that cannot be
read is "not a report". Headers are read as text (RFC 2047 words decoded), never through the standard
library's structured header parsers: those raise on a truncated or hostile header and cost most of the
time of reading a report, for nothing a bounce needs.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from datetime import datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, HeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from publisher.bounces.formats.text import text_of
from publisher.bounces.reasons import reply_code_of, status_of
from publisher.bounces.report import BounceReport, Found, verdict_report

log = logging.getLogger(__name__)
_BODY_MESSAGE_ID = re.compile(r"^Message-ID:[ \t]*(<[^>\s]{1,500}>)", re.IGNORECASE | re.MULTILINE)
# Headers a delivery agent writes with the envelope recipient: where the report was delivered.
_DELIVERED_TO = ("X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To", "To")


class _TextHeaders(email.policy.EmailPolicy):
    """The default policy, with every header fetched as its unfolded text (encoded words decoded)."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        text = "".join(str(value).splitlines())
        if "=?" in text:
            try:
                text = str(make_header(decode_header(text)))
            except Exception:  # a malformed encoded word: the text as it came
                pass
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


POLICY = _TextHeaders()


def parse_report(raw: bytes, *, envelope_to: str | None = None) -> list[BounceReport]:
    """Every failed recipient in a bounce or complaint; [] for a message that is neither (or unreadable).

    envelope_to: the RCPT TO the report came in with, when known (the inbound SMTP listener).
    """
    try:
        return _parse(raw, envelope_to)
    except Exception:  # the standard library's parser is not total on hostile input; nothing here may raise
        log.warning("a message could not be read as a bounce report", exc_info=True)
        return []


def _parse(raw: bytes, envelope_to: str | None) -> list[BounceReport]:
    message = email.message_from_bytes(raw, policy=POLICY)
    assert isinstance(message, EmailMessage)
    message_id, report_id = original_message_id(message), _report_id(message, raw)
    received_at, sent_to = _report_date(message), envelope_to or delivered_to(message)
    found, format = read_blocks(message)
    out = []
    for block in found:
        report = verdict_report(
            block, format=format, message_id=message_id, report_id=report_id, received_at=received_at, sent_to=sent_to
        )
        if report is not None:
            out.append(report)
    return out


def read_blocks(message: EmailMessage) -> tuple[list[Found], str]:
    """The recipient blocks of a message and the name of the reader that found them."""
    from publisher.bounces import formats  # the MTA-specific readers

    report_type = ""
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type") or "").lower()
    if report_type == "feedback-report":
        return _arf(message), "arf"
    if report_type == "delivery-status" or _has_part(message, "message/delivery-status"):
        found = _rfc3464(message)
        if found:
            return formats.refine(message, found), formats.name_of(message, "rfc3464")
    found = _embedded_dsn(message)
    if found:  # the DSN fields pasted into a text part (Amazon WorkMail, some gateways)
        return formats.refine(message, found), formats.name_of(message, "rfc3464")
    if formats.is_auto_reply(message):
        return [], "autoreply"
    named = formats.read(message)
    if named is not None:
        return named[1], named[0]
    return _heuristic(message), "flufl"


def _has_part(message: Message, kind: str) -> bool:
    return any(part.get_content_type() == kind for part in message.walk())


_PLAUSIBLE = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+")


def _address(value: object) -> str | None:
    """The address of an RFC 3464 / ARF address field ("rfc822; a@example.com"), or None when it holds none
    (a truncated or hostile field names nobody)."""
    text = str(value or "")
    if not text:
        return None
    _, _, address = text.partition(";") if ";" in text else ("", "", text)
    address = parseaddr(address.strip())[1] or address.strip().strip("<>").strip()
    return address if _PLAUSIBLE.fullmatch(address) else None


def _mta(value: object) -> str | None:
    text = str(value or "").strip()
    return (text.partition(";")[2] if ";" in text else text).strip() or None


def _rfc3464(message: EmailMessage) -> list[Found]:
    out: list[Found] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks = [b for b in payload if isinstance(b, Message)]
        else:  # a malformed part: read its text as header blocks
            text = payload_bytes(part).decode("utf-8", "replace") or str(payload or "")
            blocks = [HeaderParser().parsestr(b) for b in re.split(r"\r?\n\r?\n", text)]
        out += [found for block in (blocks[1:] if len(blocks) > 1 else blocks) if (found := _block(block))]
    return out


def _block(block: Message) -> Found | None:
    """One per-recipient block of a DSN, or None when it names no recipient (the per-message block)."""
    final, first = _address(block.get("Final-Recipient")), _address(block.get("Original-Recipient"))
    recipient = final or first
    if not recipient:
        return None
    diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split()) or None
    if diagnostic and diagnostic.lower().startswith("smtp;"):
        diagnostic = diagnostic[5:].strip() or None
    status = str(block.get("Status") or "").strip()
    return Found(
        email=recipient,
        status=status_of(status) or status[:32] or None,  # "5.0.0 (permanent failure)": the code
        reply_code=reply_code_of(diagnostic),
        diagnostic=diagnostic,
        remote_mta=_mta(block.get("Remote-MTA")),
        action=str(block.get("Action") or "").strip() or None,
        original_recipient=first,
    )


_EMBEDDED = re.compile(r"^(?:Reporting-MTA|Final-Recipient):", re.IGNORECASE | re.MULTILINE)


def _embedded_dsn(message: EmailMessage) -> list[Found]:
    """The recipient blocks of RFC 3464 fields written into a text/plain part instead of their own part."""
    for part in message.walk():
        if part.get_content_type() != "text/plain" or part.is_multipart():
            continue
        text = body_text(part)[:50_000]
        start = _EMBEDDED.search(text)
        if start is None or not re.search(r"^Action:", text, re.IGNORECASE | re.MULTILINE):
            continue
        paragraphs = re.split(r"\r?\n[ \t]*\r?\n", text[start.start() :])
        blocks = [HeaderParser().parsestr(paragraph.strip() + "\n") for paragraph in paragraphs]
        return [found for block in blocks if (found := _block(block)) is not None]
    return []


def _arf(message: EmailMessage) -> list[Found]:
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        fields = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else part
        if not isinstance(payload, list):
            fields = HeaderParser().parsestr(payload_bytes(part).decode("utf-8", "replace") or str(payload or ""))
        recipient = _address(fields.get("Original-Rcpt-To")) or _address(fields.get("Removal-Recipient"))
        recipient = recipient or _returned_header(message, "X-HmXmrOriginalRecipient") or _returned_to(message)
        feedback = str(fields.get("Feedback-Type") or "abuse").strip()
        return [Found(email=recipient, diagnostic=feedback, reason="feedback")] if recipient else []
    return []


def _heuristic(message: EmailMessage) -> list[Found]:
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector choking on an odd message means "not a bounce we understand"
        return []
    # flufl.bounce only says temporary or permanent: the reason stays undefined (counted, never trusted
    # to suppress at once), with the class it gave.
    out = [Found(a.decode("utf-8", "replace"), status="5.0.0", reason="undefined") for a in sorted(permanent)]
    out += [
        Found(a.decode("utf-8", "replace"), status="4.0.0", reason="undefined") for a in sorted(temporary - permanent)
    ]
    # The detectors' guesses include any word with an @ in it (a JSON body, a quoted header): addresses only.
    return [found for found in out if _PLAUSIBLE.fullmatch(found.email)]


def _report_id(message: EmailMessage, raw: bytes) -> str:
    found = str(message.get("Message-ID") or "").strip()
    return found[:500] if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def _report_date(message: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError, IndexError):
        return None


def delivered_to(message: Message) -> str | None:
    """The envelope recipient a delivery agent recorded, else the To: (MTAs address bounces to the return path)."""
    for name in _DELIVERED_TO:
        for value in message.get_all(name) or []:
            for _, address in getaddresses([str(value)]):
                if "@" in address:
                    return address
    return None


def returned_headers(message: Message) -> list[Message]:
    """The header blocks of the returned original message (text/rfc822-headers, message/rfc822)."""
    out: list[Message] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            out.append(BytesHeaderParser().parsebytes(payload_bytes(part)))
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                out.append(inner[0])
    return out


def original_message_id(message: EmailMessage) -> str | None:
    for headers in returned_headers(message):
        value = headers.get("Message-ID")
        if value:
            return str(value).strip()
    for part in message.walk():  # a non-standard bounce quotes the message inline, after the report's own headers
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            found = _BODY_MESSAGE_ID.search(body_text(part))
            if found:
                return found.group(1)
    return None


def _returned_header(message: EmailMessage, name: str) -> str | None:
    """An address header of the returned message (Microsoft's JMRP names the recipient in X-HmXmrOriginalRecipient)."""
    for headers in returned_headers(message):
        found = _address(headers.get(name))
        if found:
            return found
    return None


def _returned_to(message: EmailMessage) -> str | None:
    """The To of the returned headers: a complaint that redacts Original-Rcpt-To still quotes it."""
    for headers in returned_headers(message):
        return _address(headers.get("To"))
    return None


def payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding
        return b""
    return payload if isinstance(payload, bytes) else b""


def body_text(part: Message) -> str:
    """A non-multipart part's text, decoded with its charset when it names a real one."""
    return text_of(part)
