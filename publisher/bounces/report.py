"""What one report says about one recipient: the address, the verdict and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from publisher.bounces.reasons import FAILED_ACTIONS, classify, effect_of, hard_of

# The kind a BounceEvent is stored as, from the reason's effect.
KIND_OF_EFFECT = {"suppress": "hard", "count": "soft", "sender": "sender", "complaint": "complaint", "none": "none"}
KINDS = ("hard", "soft", "sender", "complaint")


@dataclass(frozen=True)
class Found:
    """One recipient block as a format reader found it, before it is classified."""

    email: str
    status: str | None = None  # RFC 3463, "5.1.1"
    reply_code: str | None = None  # SMTP, "550"
    diagnostic: str | None = None  # the remote server's words, or the MTA's
    remote_mta: str | None = None
    action: str | None = None  # the DSN's Action:, when there is one
    original_recipient: str | None = None
    reason: str | None = None  # when the format itself says (ARF: feedback; a provider's own code)


@dataclass(frozen=True)
class BounceReport:
    """One recipient's outcome in one report."""

    email: str
    reason: str = "undefined"  # publisher.bounces.reasons.REASONS
    hard: bool = False
    status: str | None = None
    reply_code: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None
    message_id: str | None = None  # of the message that bounced
    report_id: str | None = None  # of the report itself
    received_at: datetime | None = None
    original_recipient: str | None = None  # Original-Recipient when it differs from `email` (Final-Recipient)
    format: str = "rfc3464"  # the reader that understood it: rfc3464, arf, postfix, exim, qmail, ses, ...
    sent_to: str | None = None  # where the report was delivered: our VERP return path, when it is one

    @property
    def effect(self) -> str:
        return effect_of(self.reason)

    @property
    def kind(self) -> str:
        """hard (suppress at once), soft (count), sender (the sender's problem), complaint, or none."""
        return KIND_OF_EFFECT[self.effect]


def verdict_report(
    found: Found,
    *,
    format: str,
    message_id: str | None = None,
    report_id: str | None = None,
    received_at: datetime | None = None,
    sent_to: str | None = None,
) -> BounceReport | None:
    """The BounceReport for one found block, or None when it is not a failure (delivered, delayed)."""
    action = (found.action or "").strip().lower()
    if found.reason is not None and (not action or action in FAILED_ACTIONS):
        reason, hard = found.reason, hard_of(found.reason, found.status, found.reply_code)
    elif found.reason is not None:
        return None  # a reader's own reason for a block that is no failure (delayed, delivered)
    else:
        verdict = classify(found.status, found.reply_code, found.diagnostic, action=found.action)
        if verdict is None:
            return None
        reason, hard = verdict.reason, verdict.hard
    if effect_of(reason) == "none":
        return None
    also = found.original_recipient if found.original_recipient and found.original_recipient != found.email else None
    diagnostic = " ".join((found.diagnostic or "").split())[:2000] or None
    return BounceReport(
        email=found.email,
        reason=reason,
        hard=hard,
        status=found.status,
        reply_code=found.reply_code,
        diagnostic=diagnostic,
        remote_mta=(found.remote_mta or "").strip()[:255] or None,
        message_id=message_id,
        report_id=report_id,
        received_at=received_at,
        original_recipient=also,
        format=format,
        sent_to=sent_to,
    )
