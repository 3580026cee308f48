"""What every provider reader shares: the refusal, safe reads of untrusted JSON, the reason with a hint.

Every payload is read as hostile until its signature checks, and defensively after: a field of the wrong
type reads as missing, text is cut and cleaned (no lone surrogates or NULs reach the database), so a
reader never raises on input except with Refused.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Collection
from typing import Any

from publisher.bounces.apply import MESSAGE_ID
from publisher.bounces.reasons import classify, effect_of, reply_code_of, status_of
from publisher.bounces.report import BounceReport, Found, verdict_report
from publisher.config import Settings
from publisher.verp import verp_of

_MESSAGE_ID_IN_TEXT = re.compile(r"^Message-ID:\s*(<?publisher\.c\d{1,10}\.r\d{1,10}@[^>\s]+>?)", re.I | re.M)


class Refused(Exception):
    """A post the endpoint will not take: `status` is the HTTP answer (401 unauthenticated, 403 not allowed,
    400 unreadable), the message says why (never with a secret in it)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_age(signed_at: float, max_age: int, now: float | None = None) -> None:
    """Refused(401) when a signature's time is more than max_age seconds away from now: a replay."""
    age = (time.time() if now is None else now) - signed_at
    if abs(age) > max_age:
        raise Refused(401, f"the post was signed {int(age)} s ago, outside the allowed {max_age} s")


def load_json(body: bytes, what: str) -> Any:  # noqa: ANN401 - any JSON value
    """The body as JSON, or Refused(400) naming what was expected."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, f"the {what} is not valid JSON") from None


def text(value: object, limit: int = 2000) -> str | None:
    """A string field as safe text (numbers are written out), or None for anything else or empty."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    out = str(value).encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    out = " ".join(out.split())[:limit]
    return out or None


def obj(value: object) -> dict[str, Any]:
    """A JSON object, or {} for anything else."""
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in it is skipped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def our_message_id(value: object) -> str | None:
    """One of our Message-IDs (publisher.cN.rM@domain) in angle brackets, or None."""
    found = text(value, 500)
    if found is None:
        return None
    match = MESSAGE_ID.fullmatch(found.strip())
    return f"<publisher.c{match.group(1)}.r{match.group(2)}@{match.group(3)}>" if match else None


def message_id_in(raw: object) -> str | None:
    """Our Message-ID quoted in a header block (a bounce's copy of the original message), or None."""
    if not isinstance(raw, str):
        return None
    match = _MESSAGE_ID_IN_TEXT.search(raw[:200_000])
    return our_message_id(match.group(1)) if match else None


def hinted(
    status: str | None,
    reply_code: str | None,
    diagnostic: str | None,
    *,
    default: str,
    effects: Collection[str] | None = None,
) -> str:
    """The reason from the SMTP words, with the provider's own type as the hint.

    The words decide when they name a specific reason whose effect the provider's type allows (a transient
    bounce cannot make an address bad; a "blocked" one is the sender's problem); else `default`, the
    reason the provider's type means by itself.
    """
    verdict = classify(status, reply_code, diagnostic, action="failed") if status or reply_code or diagnostic else None
    if verdict is None or verdict.reason in ("undefined", "onhold"):
        return default
    if effects is not None and effect_of(verdict.reason) not in effects:
        return default
    return verdict.reason


def report(
    email: object,
    reason: str,
    *,
    format: str,
    status: object = None,
    reply_code: object = None,
    diagnostic: object = None,
    remote_mta: object = None,
    message_id: str | None = None,
    report_id: str | None = None,
    sent_to: object = None,
) -> BounceReport | None:
    """The BounceReport for one recipient of a verified payload, or None (no address; not a bounce)."""
    address = text(email, 320)
    if address is None or "@" not in address:
        return None
    words = text(diagnostic)
    found = Found(
        email=address,
        status=text(status, 20) or status_of(words),  # the words' code when the provider gives none apart
        reply_code=text(reply_code, 3) or reply_code_of(words),
        diagnostic=words,
        remote_mta=text(remote_mta, 255),
        reason=reason,
    )
    return verdict_report(
        found, format=format, message_id=message_id, report_id=report_id, sent_to=text(sent_to, 320)
    )


def settled(reports: list[BounceReport], settings: Settings) -> list[BounceReport]:
    """The reports with an envelope sender kept only when it is one of our VERP return paths (a forged one
    too, so that it is ignored): the From address as envelope sender says nothing about the send, and an
    authenticated report without a Message-ID is then believed by its address."""
    verp = verp_of(settings)
    out = []
    for found in reports:
        if found.sent_to is not None and (verp is None or verp.parse(found.sent_to) is None):
            found = dataclasses.replace(found, sent_to=None)
        out.append(found)
    return out
