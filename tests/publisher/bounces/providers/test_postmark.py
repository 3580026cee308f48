"""Postmark's bounce records: Basic credentials, Type as the hint, Details deciding within it."""

import base64

import pytest

from publisher.bounces.providers import Refused, postmark
from publisher.config import Settings
from tests.publisher.bounces.providers import keys


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_POSTMARK_WEBHOOK_USER", keys.POSTMARK_USER)
    monkeypatch.setenv("PUBLISHER_POSTMARK_WEBHOOK_PASSWORD", keys.POSTMARK_PASSWORD)
    return Settings()


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer x", "Basic", "Basic %%%", "Basic " + base64.b64encode(b"postmark:wrong").decode(),
     "Basic " + base64.b64encode(b"postmark").decode(), keys.postmark_auth("other")["Authorization"]],
)
def test_wrong_or_missing_credentials_are_refused(settings: Settings, header: str | None):
    assert not postmark.authorized(header, settings)
    with pytest.raises(Refused) as refused:
        postmark.receive(b"{}", header, settings)
    assert refused.value.status == 401


def test_the_credentials_are_taken(settings: Settings):
    assert postmark.authorized(keys.postmark_auth()["Authorization"], settings)


@pytest.mark.parametrize(
    ("type_", "code", "details", "reason"),
    [
        ("HardBounce", 1, "smtp;550 5.1.1 The email account that you tried to reach does not exist.", "userunknown"),
        ("HardBounce", 1, "smtp;552 5.2.2 mailbox full", "mailboxfull"),
        ("HardBounce", 1, "", "userunknown"),
        ("SoftBounce", 4096, "smtp;452 4.2.2 over quota", "mailboxfull"),
        ("SoftBounce", 4096, "smtp;550 5.1.1 user unknown", "undefined"),
        ("Transient", 2, "421 4.4.2 connection timed out", "networkerror"),
        ("DnsError", 256, "", "networkerror"),
        ("Blocked", 100006, "550 5.7.1 Client host blocked using Spamhaus", "blocked"),
        ("Blocked", 100006, "550 5.1.1 user unknown", "blocked"),
        ("SpamNotification", 512, "", "spamdetected"),
        ("AddressChange", 128, "", "hasmoved"),
        ("BadEmailAddress", 100000, "", "userunknown"),
        ("DMARCPolicy", 100009, "", "securityerror"),
    ],
)
def test_types_map_to_reasons(type_: str, code: int, details: str, reason: str):
    report = postmark.read_record(keys.postmark_bounce("a@example.com", type_, code, Details=details))
    assert report is not None and report.reason == reason


def test_type_code_is_read_when_type_is_missing():
    record = keys.postmark_bounce("a@example.com", Details="")
    del record["Type"]
    assert postmark.read_record({**record, "TypeCode": 100006}).reason == "blocked"


@pytest.mark.parametrize("type_", ["AutoResponder", "Unsubscribe", "ManuallyDeactivated", "OpenRelayTest", "Weird"])
def test_auto_replies_and_account_events_are_no_bounces(type_: str):
    assert postmark.read_record(keys.postmark_bounce("a@example.com", type_, 64)) is None


def test_other_record_types_are_no_bounces_and_a_spam_complaint_is_feedback():
    assert postmark.read_record({"RecordType": "Delivery", "Email": "a@example.com"}) is None
    complaint = postmark.read_record({"RecordType": "SpamComplaint", "Type": "SpamComplaint", "ID": 1,
                                      "Email": "a@example.com"})
    assert complaint.reason == "feedback" and complaint.report_id == "postmark:SpamComplaint:1"


def test_our_message_id_comes_from_metadata_or_the_bounce_content():
    dump = "Return-Path: <>\r\nSubject: Undelivered\r\n\r\n...\r\nMessage-ID: <publisher.c5.r6@example.org>\r\n"
    from_metadata = keys.postmark_bounce("a@example.com", Metadata={"message-id": "<publisher.c1.r2@example.org>"})

    assert postmark.read_record(from_metadata).message_id == "<publisher.c1.r2@example.org>"
    assert postmark.read_record(keys.postmark_bounce("a@example.com", Content=dump)).message_id == (
        "<publisher.c5.r6@example.org>"
    )
    assert postmark.read_record(keys.postmark_bounce("a@example.com")).message_id is None
