"""SendGrid's signed events: the ECDSA check, the replay window, bounce / blocked / dropped / spamreport."""

import json
import time

import pytest

from publisher.bounces.providers import Refused, sendgrid
from publisher.config import Settings
from tests.publisher.bounces.providers import keys


@pytest.fixture
def signer() -> keys.SendGridSigner:
    return keys.SendGridSigner()


def configured(signer: keys.SendGridSigner, monkeypatch: pytest.MonkeyPatch, key: str | None = None) -> Settings:
    monkeypatch.setenv("PUBLISHER_SENDGRID_WEBHOOK_PUBLIC_KEY", key or signer.public_key)
    return Settings()


def test_a_signed_post_is_read(signer: keys.SendGridSigner, monkeypatch: pytest.MonkeyPatch):
    body = json.dumps([keys.sendgrid_event("a@example.com", type="bounce", status="5.1.1",
                                           reason="550 5.1.1 user unknown")]).encode()
    headers = signer.headers(body)

    [report] = sendgrid.receive(body, headers[sendgrid.SIGNATURE], headers[sendgrid.TIMESTAMP],
                                configured(signer, monkeypatch))

    assert (report.reason, report.format) == ("userunknown", "sendgrid")


def test_a_pem_key_is_taken_too(signer: keys.SendGridSigner, monkeypatch: pytest.MonkeyPatch):
    pem = f"-----BEGIN PUBLIC KEY-----\n{signer.public_key}\n-----END PUBLIC KEY-----\n"
    body = b"[]"
    headers = signer.headers(body)
    settings = configured(signer, monkeypatch, pem)
    assert sendgrid.receive(body, headers[sendgrid.SIGNATURE], headers[sendgrid.TIMESTAMP], settings) == []


def test_a_signature_at_the_edge_of_the_window_is_taken_and_past_it_refused(
    signer: keys.SendGridSigner, monkeypatch: pytest.MonkeyPatch
):
    settings, body, now = configured(signer, monkeypatch), b"[]", time.time()
    edge = signer.headers(body, int(now) - settings.provider_webhook_max_age + 5)
    late = signer.headers(body, int(now) - settings.provider_webhook_max_age - 5)

    sendgrid.verify(body, edge[sendgrid.SIGNATURE], edge[sendgrid.TIMESTAMP], settings, now=now)
    with pytest.raises(Refused, match="outside the allowed"):
        sendgrid.verify(body, late[sendgrid.SIGNATURE], late[sendgrid.TIMESTAMP], settings, now=now)


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [(None, "1"), ("", ""), ("bm90IGEgc2lnbmF0dXJl", "not-a-number"), ("%%%", None), ("MEUCIQ==", "{now}")],
)
def test_missing_or_malformed_headers_are_401(
    signer: keys.SendGridSigner, monkeypatch: pytest.MonkeyPatch, signature: str | None, timestamp: str | None
):
    stamp = timestamp.format(now=int(time.time())) if timestamp else timestamp
    with pytest.raises(Refused) as refused:
        sendgrid.verify(b"[]", signature, stamp, configured(signer, monkeypatch))
    assert refused.value.status == 401


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"event": "bounce", "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 No such user"}, "userunknown"),
        ({"event": "bounce", "type": "bounce", "status": "5.2.2", "reason": "552 5.2.2 mailbox full"}, "mailboxfull"),
        ({"event": "bounce", "type": "blocked", "status": "5.0.0",
          "reason": "550 5.0.0 user unknown at a blocklisted relay"}, "blocked"),
        ({"event": "bounce", "type": "blocked", "bounce_classification": "Unclassified",
          "reason": "unable to get mx info: failed to get IPs from PTR record"}, "securityerror"),
        ({"event": "bounce", "type": "blocked", "status": "5.7.1",
          "reason": "550 5.7.1 Message rejected as spam"}, "spamdetected"),
        ({"event": "dropped", "reason": "Bounced Address", "status": "5.0.0"}, "userunknown"),
        ({"event": "dropped", "reason": "Spam Reporting Address", "status": "5.0.0"}, "feedback"),
        ({"event": "spamreport"}, "feedback"),
    ],
)
def test_events_map_to_reasons(event: dict, reason: str):
    report = sendgrid.read_event(keys.sendgrid_event("a@example.com", **event))
    assert report is not None and report.reason == reason


def test_a_blocked_event_never_suppresses():
    report = sendgrid.read_event(keys.sendgrid_event("a@example.com", "bounce", type="blocked", status="5.1.1",
                                                     reason="550 5.1.1 user unknown"))
    assert report is not None and report.kind == "sender"


@pytest.mark.parametrize("event", [
    {"event": "deferred", "response": "400 try again later", "attempt": "5"},
    {"event": "delivered", "response": "250 OK"},
    {"event": "dropped", "reason": "Unsubscribed Address", "status": "5.0.0"},
    {"event": "open"},
])
def test_other_events_are_no_bounces(event: dict):
    assert sendgrid.read_event(keys.sendgrid_event("a@example.com", **event)) is None


def test_our_message_id_is_read_from_smtp_id():
    ours = {"smtp-id": "<publisher.c3.r9@x.org>"}
    event = keys.sendgrid_event("a@example.com", type="bounce", status="5.1.1", **ours)
    assert sendgrid.read_event(event).message_id == "<publisher.c3.r9@x.org>"
    assert sendgrid.read_event(keys.sendgrid_event("a@example.com", type="bounce")).message_id is None
