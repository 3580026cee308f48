"""Amazon SES bounce and complaint notifications, delivered by SNS to POST /webhooks/bounces/ses.

An SNS post is taken only when its TopicArn is one of PUBLISHER_SES_TOPIC_ARNS and its signature checks
(publisher.bounces.providers.sns). A SubscriptionConfirmation is confirmed by one GET of its SubscribeURL
(an SNS host too); an UnsubscribeConfirmation is only acknowledged. A Notification's Message is SES's JSON:
notificationType (eventType when SES event publishing sends it) "Bounce" or "Complaint" is read, "Delivery"
and the rest are not bounces.

A bounce's reason comes from each recipient's status and diagnosticCode, with SES's bounceType and
bounceSubType as the hint: a Permanent NoEmail is an unknown user, Suppressed and OnAccountSuppressionList
mean SES will not send there again (an earlier hard bounce or complaint); a Transient or Undetermined
bounce never makes an address bad; MailboxFull, MessageTooLarge, ContentRejected and AttachmentRejected
name their reason. The send is found from our Message-ID in mail.headers (when the configuration includes
the original headers) or from mail.source, the envelope sender: our VERP return path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from publisher.bounces.providers import sns
from publisher.bounces.providers.common import Refused, hinted, items, load_json, obj, our_message_id, report, text
from publisher.bounces.report import BounceReport
from publisher.config import Settings

log = logging.getLogger(__name__)
FORMAT = "ses"
_READER_SIDE = ("count", "sender")  # what a bounce SES does not call permanent may do
_FIXED = {
    ("Permanent", "NoEmail"): "userunknown",
    ("Permanent", "Suppressed"): "userunknown",
    ("Permanent", "OnAccountSuppressionList"): "userunknown",
    ("Transient", "MailboxFull"): "mailboxfull",
    ("Transient", "MessageTooLarge"): "mesgtoobig",
    ("Transient", "ContentRejected"): "contenterror",
    ("Transient", "AttachmentRejected"): "contenterror",
}


@dataclass
class Received:
    """What one SNS post was: its Type, the confirmation fetched, and the reports of a Notification."""

    type: str
    reports: list[BounceReport] = field(default_factory=list)
    confirmed: bool = False


def receive(body: bytes, settings: Settings, fetch: sns.Fetch) -> Received:
    """Check one SNS post (topic, then signature) and read it; Refused says why it is not taken."""
    message = load_json(body, "SNS message")
    if not isinstance(message, dict):
        raise Refused(400, "the SNS message must be a JSON object")
    kind = message.get("Type")
    if kind not in sns.TYPES:
        raise Refused(400, f"the SNS message Type must be one of {', '.join(sns.TYPES)}")
    topic = message.get("TopicArn")
    if not isinstance(topic, str) or topic not in settings.ses_topic_arn_list:
        raise Refused(403, f"the topic {text(topic, 300)!r} is not one of PUBLISHER_SES_TOPIC_ARNS")
    sns.verify(message, fetch)
    if kind == "SubscriptionConfirmation":
        url = sns.check_url(message.get("SubscribeURL"), "SubscribeURL")
        try:
            fetch(url)
        except Exception as exc:  # SNS sends the confirmation again; the editor may also confirm by hand
            raise Refused(502, f"confirming the subscription failed ({type(exc).__name__})") from None
        log.info("confirmed the SNS subscription to %s", topic)
        return Received(kind, confirmed=True)
    if kind == "UnsubscribeConfirmation":
        log.warning("SNS says this endpoint was unsubscribed from %s", topic)
        return Received(kind)
    return Received(kind, reports(message.get("Message"), sns_id=text(message.get("MessageId"), 200)))


def reports(message: object, *, sns_id: str | None = None) -> list[BounceReport]:
    """The reports in one SES notification (the SNS Message, a JSON string); [] for what is not a bounce."""
    if not isinstance(message, str):
        return []
    try:
        data = obj(load_json(message.encode("utf-8", "surrogatepass"), "SES notification"))
    except Refused:
        return []
    kind = data.get("notificationType") or data.get("eventType")
    mail = obj(data.get("mail"))
    sent = {"message_id": _message_id(mail), "sent_to": text(mail.get("source"), 320)}
    if kind == "Bounce":
        return _bounces(obj(data.get("bounce")), sent, sns_id)
    if kind == "Complaint":
        return _complaints(obj(data.get("complaint")), sent, sns_id)
    return []


def _message_id(mail: dict[str, Any]) -> str | None:
    """Our Message-ID from the original headers SES includes (mail.headers, mail.commonHeaders)."""
    for header in items(mail.get("headers")):
        if str(header.get("name", "")).lower() == "message-id":
            return our_message_id(header.get("value"))
    return our_message_id(obj(mail.get("commonHeaders")).get("messageId"))


def _bounces(bounce: dict[str, Any], sent: dict[str, Any], sns_id: str | None) -> list[BounceReport]:
    kind, subtype = text(bounce.get("bounceType"), 40) or "Undetermined", text(bounce.get("bounceSubType"), 40)
    report_id = text(bounce.get("feedbackId"), 400) or sns_id
    remote = text(bounce.get("remoteMtaIp"), 255) or _mta(bounce.get("reportingMTA"))
    out = []
    for recipient in items(bounce.get("bouncedRecipients")):
        status, words = text(recipient.get("status"), 20), text(recipient.get("diagnosticCode"))
        reason = _FIXED.get((kind, subtype or ""))
        if reason is None:
            permanent = kind == "Permanent"
            reason = hinted(status, None, words, default="undefined", effects=None if permanent else _READER_SIDE)
        diagnostic = words or " ".join(filter(None, ["SES", kind, subtype]))
        found = report(
            recipient.get("emailAddress"),
            reason,
            format=FORMAT,
            status=status,
            diagnostic=diagnostic,
            remote_mta=remote,
            report_id=f"ses:{report_id}" if report_id else None,
            **sent,
        )
        if found is not None:
            out.append(found)
    return out


def _complaints(complaint: dict[str, Any], sent: dict[str, Any], sns_id: str | None) -> list[BounceReport]:
    feedback = text(complaint.get("complaintFeedbackType"), 40)
    if feedback == "not-spam":  # the reader marked it as not spam: no complaint
        return []
    report_id = text(complaint.get("feedbackId"), 400) or sns_id
    out = []
    for recipient in items(complaint.get("complainedRecipients")):
        found = report(
            recipient.get("emailAddress"),
            "feedback",
            format=FORMAT,
            diagnostic=f"SES complaint: {feedback or 'unspecified'}",
            report_id=f"ses:{report_id}" if report_id else None,
            **sent,
        )
        if found is not None:
            out.append(found)
    return out


def _mta(value: object) -> str | None:
    """"dns; mx.example.com" -> "mx.example.com"."""
    found = text(value, 300)
    return found.partition(";")[2].strip() or found if found else None
