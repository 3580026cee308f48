"""A recipient refused at send time (a 5xx to RCPT TO): the same reasons and effects as a bounce report.

The server's reply is classified like any bounce: "550 5.1.1 user unknown" suppresses the address, "550
5.7.1 ... blocked using zen.spamhaus.org" is the sender's problem and counts towards pausing the campaign.
Each refusal is stored once per (campaign, subscriber): a retried row refused again is not counted twice.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from publisher.addresses import canonical_address
from publisher.bounces.apply import apply
from publisher.bounces.reasons import classify, status_of
from publisher.bounces.report import BounceReport
from publisher.config import Settings


def refusal_report(campaign_id: int, recipient_id: int, address: str, code: int | None, reply: str) -> BounceReport:
    """The BounceReport of one refusal (a 5xx is a failure, so there always is a verdict)."""
    reply_code = str(code) if code is not None else None
    status = status_of(reply)
    verdict = classify(status, reply_code, reply, action="failed")
    assert verdict is not None  # action "failed" always gives one
    return BounceReport(
        email=address,
        reason=verdict.reason,
        hard=verdict.hard,
        status=status,
        reply_code=reply_code,
        diagnostic=" ".join(f"{reply_code or ''} {reply}".split())[:2000] or None,
        report_id=f"smtp:c{campaign_id}.r{recipient_id}",
        format="smtp",
    )


def refused_at_send(
    session: Session,
    settings: Settings,
    campaign_id: int,
    recipient_id: int,
    address: str,
    code: int | None,
    reply: str,
) -> str | None:
    """Record and apply one refusal; why it paused the campaign, or None."""
    report = refusal_report(campaign_id, recipient_id, address, code, reply)
    outcome = apply(session, settings, report, canonical_address(address), campaign_id, recipient_id, source="smtp")
    return outcome.paused
