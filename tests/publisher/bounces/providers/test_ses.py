"""SES notifications read into reports: the bounce type and subtype as the hint, the words deciding."""

import json

import pytest

from publisher.bounces.providers import ses
from tests.publisher.bounces.providers import keys

OURS = "<publisher.c7.r42@example.org>"


def read(notification: dict) -> list:
    return ses.reports(json.dumps(notification), sns_id="sns-1")


def test_permanent_general_user_unknown_is_hard_with_its_evidence():
    [report] = read(keys.ses_bounce("a@example.com", message_id=OURS, source="bounces+c7.r42.abc@example.org"))

    assert (report.reason, report.hard, report.kind) == ("userunknown", True, "hard")
    assert (report.status, report.reply_code, report.remote_mta) == ("5.1.1", "550", "127.0.2.0")
    assert report.message_id == OURS and report.sent_to == "bounces+c7.r42.abc@example.org"
    assert report.format == "ses" and report.report_id.startswith("ses:0100018c-")


@pytest.mark.parametrize(
    ("kind", "subtype", "status", "words", "reason"),
    [
        ("Permanent", "General", "5.7.1", "smtp; 550 5.7.1 blocked using zen.spamhaus.org", "blocked"),
        ("Permanent", "NoEmail", "5.0.0", None, "userunknown"),
        ("Permanent", "Suppressed", "5.1.1", "Amazon SES has suppressed sending to this address", "userunknown"),
        ("Permanent", "OnAccountSuppressionList", "5.1.1", None, "userunknown"),
        ("Transient", "MailboxFull", "4.2.2", "smtp; 452 4.2.2 over quota", "mailboxfull"),
        ("Transient", "MessageTooLarge", "5.3.4", "smtp; 552 message size exceeds", "mesgtoobig"),
        ("Transient", "ContentRejected", "5.6.0", None, "contenterror"),
        ("Transient", "AttachmentRejected", "5.6.0", None, "contenterror"),
        ("Transient", "General", "5.1.1", "smtp; 550 5.1.1 user unknown", "undefined"),
        ("Transient", "General", "4.7.0", "smtp; 421 4.7.0 too many connections", "toomanyconn"),
        ("Undetermined", "Undetermined", "", None, "undefined"),
    ],
)
def test_bounce_type_and_subtype_hint_the_reason(kind: str, subtype: str, status: str, words: str | None, reason: str):
    [report] = read(keys.ses_bounce("a@example.com", bounce_type=kind, subtype=subtype, status=status,
                                    diagnostic=words))
    assert report.reason == reason


def test_a_transient_bounce_never_suppresses_at_once():
    [report] = read(keys.ses_bounce("a@example.com", bounce_type="Transient", status="5.1.1"))
    assert report.kind != "hard"


def test_complaints_are_feedback_unless_not_spam():
    [report] = read(keys.ses_complaint("a@example.com", message_id=OURS))

    assert (report.reason, report.kind, report.message_id) == ("feedback", "complaint", OURS)
    assert read(keys.ses_complaint("a@example.com", feedback="not-spam")) == []


def test_delivery_and_other_events_are_no_bounces():
    assert read({"notificationType": "Delivery", "mail": {}, "delivery": {"recipients": ["a@example.com"]}}) == []
    assert read({"eventType": "Send", "mail": {}}) == []
    assert ses.reports("not json") == [] and ses.reports(None) == []


def test_event_publishing_uses_event_type_and_a_message_id_not_ours_is_dropped():
    notification = {**keys.ses_bounce("a@example.com", message_id="<CAF123@mail.gmail.com>")}
    notification["eventType"] = notification.pop("notificationType")

    [report] = read(notification)

    assert report.reason == "userunknown" and report.message_id is None


def test_unsubscribe_confirmation_is_acknowledged_without_fetching_its_url(monkeypatch):
    from publisher.config import Settings

    monkeypatch.setenv("PUBLISHER_SES_TOPIC_ARNS", keys.TOPIC)
    signer, fetched = keys.sns_signer(), []
    message = signer.sign({**keys.sns_confirmation(), "Type": "UnsubscribeConfirmation"})

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return signer.pem

    received = ses.receive(json.dumps(message).encode(), Settings(), fetch)

    assert (received.type, received.confirmed, received.reports) == ("UnsubscribeConfirmation", False, [])
    assert all(url.endswith(".pem") for url in fetched)
