"""Mailgun's webhooks, POST /webhooks/bounces/mailgun: {"signature": {...}, "event-data": {...}} as JSON.

The signature is hex HMAC-SHA256, keyed with PUBLISHER_MAILGUN_WEBHOOK_SIGNING_KEY, of the timestamp and
the token concatenated. A timestamp older than PUBLISHER_PROVIDER_WEBHOOK_MAX_AGE seconds is refused, and
so is a token seen before within that time: tokens are remembered in the process (at most _TOKENS_KEPT;
each worker process has its own memory, so a replay to another worker is caught only by the event being
keyed by its token: the bounce it carries is recorded once whatever happens).

Events read: "failed" with severity "permanent" (its delivery-status code, enhanced-code and message decide
the reason, with Mailgun's reason as the hint: "suppress-bounce" is an address Mailgun will not send to
again, "suppress-complaint" a complaint, "old" a message Mailgun gave up retrying), and "complained".
A "temporary" failure is not a bounce yet: Mailgun retries it, and reports the end as a permanent one.
Our Message-ID is in message.headers.message-id; the envelope sender (our VERP return path) in envelope.sender.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from typing import Any

from publisher.bounces.providers.common import Refused, check_age, hinted, load_json, obj, our_message_id, report, text
from publisher.bounces.report import BounceReport
from publisher.config import Settings

FORMAT = "mailgun"
_TOKENS_KEPT = 100_000
_SUPPRESSED = {"suppress-bounce": "userunknown", "suppress-complaint": "feedback", "old": "expired"}


class Tokens:
    """Tokens already taken, with when they were signed; the oldest go first past `size`."""

    def __init__(self, size: int = _TOKENS_KEPT) -> None:
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, token: str) -> bool:
        with self._lock:
            return token in self._seen

    def remember(self, token: str, signed_at: float, max_age: float) -> None:
        with self._lock:
            self._seen[token] = signed_at
            while self._seen and (len(self._seen) > self.size or next(iter(self._seen.values())) < signed_at - max_age):
                self._seen.popitem(last=False)


TOKENS = Tokens()


def verify(
    data: dict[str, Any], settings: Settings, *, now: float | None = None, tokens: Tokens = TOKENS
) -> tuple[str, float]:
    """Check the signature, its age and that the token is new; (token, signed at), or Refused(401)."""
    signature = obj(data.get("signature"))
    timestamp, token, given = (text(signature.get(k), 200) for k in ("timestamp", "token", "signature"))
    if not timestamp or not token or not given:
        raise Refused(401, "the post is not signed (signature.timestamp, token and signature are needed)")
    key = settings.mailgun_webhook_signing_key.get_secret_value() if settings.mailgun_webhook_signing_key else ""
    expected = hmac.new(key.encode("utf-8"), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not key or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise Refused(401, "the Mailgun signature does not match")
    try:
        signed_at = float(timestamp)
    except ValueError:
        raise Refused(401, "signature.timestamp is not a number of seconds") from None
    check_age(signed_at, settings.provider_webhook_max_age, now)
    if tokens.seen(token):
        raise Refused(401, "this signature token was already used (a replay)")
    return token, signed_at


def receive(
    body: bytes, settings: Settings, *, now: float | None = None, tokens: Tokens = TOKENS
) -> tuple[list[BounceReport], str, float]:
    """Verify one post and read its event: (reports, token, signed at); remember() the token once it is taken."""
    data = load_json(body, "Mailgun post")
    if not isinstance(data, dict):
        raise Refused(400, "the Mailgun post must be a JSON object")
    token, signed_at = verify(data, settings, now=now, tokens=tokens)
    found = read_event(obj(data.get("event-data")), token)
    return ([found] if found is not None else []), token, signed_at


def read_event(event: dict[str, Any], token: str) -> BounceReport | None:
    """The event's report, or None when it is no bounce or complaint."""
    kind, status_block = event.get("event"), obj(event.get("delivery-status"))
    headers = obj(obj(event.get("message")).get("headers"))
    if kind == "failed":
        if event.get("severity") != "permanent":
            return None
        status, code = text(status_block.get("enhanced-code"), 20), text(status_block.get("code"), 3)
        words = " ".join(filter(None, (text(status_block.get(k)) for k in ("message", "description")))) or None
        reason = _SUPPRESSED.get(str(event.get("reason"))) or hinted(status, code, words, default="undefined")
        remote = text(status_block.get("mx-host"), 255)
    elif kind == "complained":
        reason, status, code, words, remote = "feedback", None, None, "Mailgun complaint", None
    else:
        return None
    return report(
        event.get("recipient"),
        reason,
        format=FORMAT,
        status=status,
        reply_code=code,
        diagnostic=words or f"Mailgun {event.get('reason') or 'failure'}",
        remote_mta=remote,
        message_id=our_message_id(headers.get("message-id")),
        report_id=f"mailgun:{token}",
        sent_to=obj(event.get("envelope")).get("sender"),
    )
