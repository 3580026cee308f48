"""Postmark's bounce and spam complaint webhooks, POST /webhooks/bounces/postmark, with HTTP Basic auth.

Postmark authenticates a webhook the way its documentation gives: HTTP Basic credentials in the webhook's
URL (https://user:password@host/webhooks/bounces/postmark), checked against PUBLISHER_POSTMARK_WEBHOOK_USER
and PUBLISHER_POSTMARK_WEBHOOK_PASSWORD.

RecordType "Bounce": Postmark's Type (TypeCode when Type is missing) is the hint, its Details (the remote
server's words) decide where they name a reason the Type allows: a HardBounce may be anything the words
say, a SoftBounce or Transient never makes an address bad, Blocked and SpamNotification are the sender's
problem, AutoResponder and the account events (Unsubscribe, ManuallyDeactivated, ...) are no bounces.
RecordType "SpamComplaint" is a complaint. MessageID is Postmark's own; our Message-ID is found in
Metadata (a "message-id" field) or in the bounce's Content when the webhook includes it, else the
authenticated Email names the reader.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from publisher.bounces.providers.common import (
    Refused,
    hinted,
    load_json,
    message_id_in,
    obj,
    our_message_id,
    report,
    text,
)
from publisher.bounces.report import BounceReport
from publisher.config import Settings

FORMAT = "postmark"
_ANY = None
_READER_SIDE = ("count", "sender")
_SENDER = ("sender",)
# Type: (the reason it means alone, the effects the remote server's words may choose among).
_TYPES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "HardBounce": ("userunknown", _ANY),
    "BadEmailAddress": ("userunknown", _ANY),
    "AddressChange": ("hasmoved", _ANY),
    "Unknown": ("undefined", _ANY),
    "SoftBounce": ("undefined", _READER_SIDE),
    "Transient": ("undefined", _READER_SIDE),
    "DnsError": ("networkerror", _READER_SIDE),
    "Blocked": ("blocked", _SENDER),
    "SpamNotification": ("spamdetected", _SENDER),
    "VirusNotification": ("virusdetected", _SENDER),
    "DMARCPolicy": ("securityerror", _SENDER),
    "SpamComplaint": ("feedback", ("complaint",)),
}
_CODES = {
    1: "HardBounce", 2: "Transient", 128: "AddressChange", 256: "DnsError", 512: "SpamNotification",
    2048: "Unknown", 4096: "SoftBounce", 16384: "VirusNotification", 100000: "BadEmailAddress",
    100001: "SpamComplaint", 100006: "Blocked", 100009: "DMARCPolicy",
}


def authorized(header: str | None, settings: Settings) -> bool:
    """The Authorization header carries the configured Basic credentials (compared in constant time)."""
    user = settings.postmark_webhook_user or ""
    password = settings.postmark_webhook_password.get_secret_value() if settings.postmark_webhook_password else ""
    scheme, _, value = (header or "").partition(" ")
    if not user or not password or scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = f"{user}:{password}".encode()
    return hmac.compare_digest(given, expected)


def receive(body: bytes, authorization: str | None, settings: Settings) -> list[BounceReport]:
    """Check the credentials, then read the record; Refused(401) without them."""
    if not authorized(authorization, settings):
        raise Refused(401, "missing or wrong HTTP Basic credentials")
    data = load_json(body, "Postmark post")
    if not isinstance(data, dict):
        raise Refused(400, "the Postmark post must be a JSON object")
    found = read_record(data)
    return [found] if found is not None else []


def read_record(record: dict[str, Any]) -> BounceReport | None:
    """One Bounce or SpamComplaint record's report, or None for what is not a bounce."""
    kind = record.get("RecordType")
    if kind not in ("Bounce", "SpamComplaint"):
        return None
    name = record.get("Type")
    if not isinstance(name, str) or name not in _TYPES:
        code = record.get("TypeCode")
        name = _CODES.get(code) if isinstance(code, int) and not isinstance(name, str) else name
    if kind == "SpamComplaint":
        name = "SpamComplaint"
    known = _TYPES.get(name) if isinstance(name, str) else None
    if known is None:
        return None  # AutoResponder, Unsubscribe, ManuallyDeactivated, ...: nothing about the address
    default, effects = known
    words = text(record.get("Details"))
    reason = default if name == "SpamComplaint" else hinted(None, None, words, default=default, effects=effects)
    bounce_id = text(record.get("ID"), 100)
    metadata = obj(record.get("Metadata"))
    message_id = our_message_id(metadata.get("message-id")) or message_id_in(record.get("Content"))
    return report(
        record.get("Email"),
        reason,
        format=FORMAT,
        diagnostic=words or text(record.get("Description")) or f"Postmark {name}",
        message_id=message_id,
        report_id=f"postmark:{kind}:{bounce_id}" if bounce_id else None,
    )
