"""SendGrid's Event Webhook, POST /webhooks/bounces/sendgrid: signed with ECDSA, a JSON list of events.

SendGrid's Signed Event Webhook signs the X-Twilio-Email-Event-Webhook-Timestamp header's value followed
by the raw body with its private key (ECDSA P-256, SHA-256); the base64 DER signature is in
X-Twilio-Email-Event-Webhook-Signature, and PUBLISHER_SENDGRID_WEBHOOK_PUBLIC_KEY is the verification
key its settings show (base64 DER, PEM also taken). A timestamp older than PUBLISHER_PROVIDER_WEBHOOK_MAX_AGE
seconds (or as far in the future) is a replay and refused.

Events read: "bounce" (its type "bounce" is a permanent bounce, "blocked" a message the receiving server
refused for reasons of the sender's, which never suppresses the reader), "dropped" (SendGrid would not
send: a "Bounced Address" or "Invalid" address is a bad one, a "Spam Reporting Address" a complaint) and
"spamreport" (a complaint). "deferred" is not a bounce (SendGrid retries), nor are delivered, open, ....
Our Message-ID is the event's smtp-id; sg_event_id keys the event, so a retried post counts once.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from publisher.bounces.providers.common import (
    Refused,
    check_age,
    hinted,
    items,
    load_json,
    our_message_id,
    report,
    text,
)
from publisher.bounces.report import BounceReport
from publisher.config import Settings

FORMAT = "sendgrid"
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
_DROPPED = {"bounced address": "userunknown", "invalid": "userunknown", "spam reporting address": "feedback"}


def public_key(configured: str) -> ec.EllipticCurvePublicKey:
    """The verification key from the setting: SendGrid's base64 DER, or a PEM block."""
    value = configured.strip()
    try:
        if value.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(value.encode("ascii"))
        else:
            key = serialization.load_der_public_key(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error, UnsupportedAlgorithm):
        raise ValueError("PUBLISHER_SENDGRID_WEBHOOK_PUBLIC_KEY is not a public key (base64 DER or PEM)") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("PUBLISHER_SENDGRID_WEBHOOK_PUBLIC_KEY is not an elliptic-curve (ECDSA) key")
    return key


def verify(
    body: bytes, signature: str | None, timestamp: str | None, settings: Settings, *, now: float | None = None
) -> None:
    """Check the signature and the timestamp's age; Refused(401) when either is missing, wrong or stale."""
    if not signature or not timestamp:
        raise Refused(401, f"the post is not signed (no {SIGNATURE} or {TIMESTAMP} header)")
    try:
        signed_at = int(timestamp.strip())
    except ValueError:
        raise Refused(401, f"{TIMESTAMP} is not a number of seconds") from None
    check_age(signed_at, settings.provider_webhook_max_age, now)
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(401, f"{SIGNATURE} is not base64") from None
    try:
        key = public_key(settings.sendgrid_webhook_public_key or "")
    except ValueError as exc:
        raise Refused(500, str(exc)) from None
    try:
        key.verify(raw, timestamp.encode("ascii", "replace") + body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused(401, "the SendGrid signature does not match") from None


def receive(
    body: bytes, signature: str | None, timestamp: str | None, settings: Settings, *, now: float | None = None
) -> list[BounceReport]:
    """Verify one post and read its events."""
    verify(body, signature, timestamp, settings, now=now)
    data = load_json(body, "SendGrid post")
    if not isinstance(data, list):
        raise Refused(400, "the SendGrid post must be a JSON list of events")
    return [r for event in items(data) if (r := read_event(event)) is not None]


def read_event(event: dict[str, Any]) -> BounceReport | None:
    """One event's report, or None when it is no bounce or complaint."""
    kind = event.get("event")
    status, words = text(event.get("status"), 20), text(event.get("reason"))
    if kind == "bounce":
        if event.get("type") == "blocked":
            reason = hinted(status, None, words, default="blocked", effects=("sender",))
        else:
            reason = hinted(status, None, words, default="undefined")
    elif kind == "dropped":
        dropped = _DROPPED.get((words or "").lower())
        if dropped is None:
            return None  # unsubscribed, or SendGrid's own trouble: nothing about the address
        reason, words = dropped, f"SendGrid dropped: {words}"
    elif kind == "spamreport":
        reason, words = "feedback", "SendGrid spam report"
    else:
        return None
    event_id = text(event.get("sg_event_id"), 300)
    return report(
        event.get("email"),
        reason,
        format=FORMAT,
        status=status,
        diagnostic=words,
        remote_mta=None,
        message_id=our_message_id(event.get("smtp-id")),
        report_id=f"sendgrid:{event_id}" if event_id else None,
    )
