"""The provider event webhooks through the real HTTP app: SES via SNS, SendGrid, Mailgun, Postmark.

Each post is shaped as the provider documents it and signed the provider's way with keys the test makes;
only the SNS certificate and confirmation fetches are faked (they go to Amazon), answering as SNS does.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import BounceEvent, Suppression
from publisher.verp import verp_of
from publisher.web import create_app
from tests.publisher.bounces.providers import keys
from tests.support.factories import sent_to, subscribe
from tests.support.web import LiveServer


class FakeSns:
    """Answers GETs as SNS does: the signing certificate at its URL, a confirmation at SubscribeURL."""

    def __init__(self, pem: bytes) -> None:
        self.pem = pem
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        if url.endswith(".pem"):
            return self.pem
        if "Action=ConfirmSubscription" in url:
            return b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>arn</SubscriptionArn>"
        raise httpx.HTTPStatusError("404", request=httpx.Request("GET", url), response=httpx.Response(404))


@pytest.fixture
def signer() -> keys.SnsSigner:
    return keys.sns_signer()


@pytest.fixture
def sendgrid() -> keys.SendGridSigner:
    return keys.SendGridSigner()


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, store: Store, signer: keys.SnsSigner, sendgrid: keys.SendGridSigner
) -> Iterator[LiveServer]:
    monkeypatch.setenv("PUBLISHER_SES_TOPIC_ARNS", f"arn:aws:sns:eu-west-1:123456789012:other, {keys.TOPIC}")
    monkeypatch.setenv("PUBLISHER_SENDGRID_WEBHOOK_PUBLIC_KEY", sendgrid.public_key)
    monkeypatch.setenv("PUBLISHER_MAILGUN_WEBHOOK_SIGNING_KEY", keys.MAILGUN_KEY)
    monkeypatch.setenv("PUBLISHER_POSTMARK_WEBHOOK_USER", keys.POSTMARK_USER)
    monkeypatch.setenv("PUBLISHER_POSTMARK_WEBHOOK_PASSWORD", keys.POSTMARK_PASSWORD)
    live = LiveServer(create_app(Settings(), store)).start()
    live.app.state.sns_fetch = FakeSns(signer.pem)
    yield live
    live.stop()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def fake_sns(server: LiveServer) -> FakeSns:
    return server.app.state.sns_fetch


def suppressed(store: Store) -> dict[str, str]:
    with store.session() as session:
        return dict(session.execute(select(Suppression.email, Suppression.reason)).all())


def events(store: Store) -> list[tuple[str, str, str, str]]:
    with store.session() as session:
        rows = session.execute(select(BounceEvent.email, BounceEvent.reason, BounceEvent.kind, BounceEvent.format))
        return [tuple(r) for r in rows]


def verp_address(message_id: str) -> str:
    campaign, subscriber = map(int, re.findall(r"\d+", message_id.split("@")[0]))
    verp = verp_of(Settings())
    assert verp is not None
    return verp.address(campaign, subscriber)


def post_sns(http: httpx.Client, message: dict) -> httpx.Response:
    # SNS posts its JSON as text/plain, with the type in a header of its own.
    headers = {"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": message["Type"]}
    return http.post("/webhooks/bounces/ses", content=json.dumps(message).encode(), headers=headers)


# --- Amazon SES through SNS ---


def test_permanent_ses_bounce_for_an_unknown_user_suppresses_the_reader(
    http: httpx.Client, store: Store, signer: keys.SnsSigner
):
    [reader] = subscribe(store, "readers", 1)
    message = keys.sns_notification(keys.ses_bounce(reader, message_id=sent_to(store, reader)))

    answer = post_sns(http, signer.sign(message))

    assert answer.status_code == 200 and answer.json()["outcomes"] == ["suppressed"]
    assert suppressed(store) == {reader: "hard_bounce"}
    assert events(store) == [(reader, "userunknown", "hard", "ses")]


def test_ses_bounce_is_found_by_its_verp_envelope_sender_without_headers(
    http: httpx.Client, store: Store, signer: keys.SnsSigner
):
    [reader] = subscribe(store, "readers", 1)
    source = verp_address(sent_to(store, reader))
    message = keys.sns_notification(keys.ses_bounce(reader, source=source))

    answer = post_sns(http, signer.sign(message, version="1"))

    assert answer.json()["outcomes"] == ["suppressed"]
    with store.session() as session:
        assert session.scalar(select(BounceEvent.campaign_id)) is not None


def test_ses_bounce_without_headers_or_verp_is_believed_by_its_authenticated_address(
    http: httpx.Client, store: Store, signer: keys.SnsSigner
):
    [reader] = subscribe(store, "readers", 1)
    message = keys.sns_notification(keys.ses_bounce(reader, source="news@example.org"))

    answer = post_sns(http, signer.sign(message))

    assert answer.json()["outcomes"] == ["suppressed"] and suppressed(store) == {reader: "hard_bounce"}


def test_ses_bounce_to_a_forged_verp_address_is_ignored(http: httpx.Client, store: Store, signer: keys.SnsSigner):
    [reader] = subscribe(store, "readers", 1)
    forged = verp_address(sent_to(store, reader)).replace(".r", ".r9", 1)
    message = keys.sns_notification(keys.ses_bounce(reader, source=forged))

    answer = post_sns(http, signer.sign(message))

    assert answer.json()["outcomes"] == ["ignored"] and "wrong signature" in answer.json()["ignored"][0]
    assert suppressed(store) == {}


def test_blocked_ses_bounce_suppresses_nobody(http: httpx.Client, store: Store, signer: keys.SnsSigner):
    [reader] = subscribe(store, "readers", 1)
    words = "smtp; 550 5.7.1 Service unavailable; client host [54.240.1.1] blocked using zen.spamhaus.org"
    bounce = keys.ses_bounce(reader, status="5.7.1", diagnostic=words, message_id=sent_to(store, reader))

    answer = post_sns(http, signer.sign(keys.sns_notification(bounce)))

    assert answer.json()["outcomes"] == ["sender-side"]
    assert suppressed(store) == {}
    assert events(store) == [(reader, "blocked", "sender", "ses")]


def test_ses_complaint_suppresses_and_a_delivery_is_no_bounce(http: httpx.Client, store: Store, signer: keys.SnsSigner):
    [reader, other] = subscribe(store, "readers", 2)
    complaint = keys.sns_notification(keys.ses_complaint(reader, message_id=sent_to(store, reader)))
    delivery = keys.sns_notification({"notificationType": "Delivery", "mail": {"destination": [other]},
                                      "delivery": {"recipients": [other], "smtpResponse": "250 ok"}})

    assert post_sns(http, signer.sign(complaint)).json()["outcomes"] == ["suppressed"]
    assert post_sns(http, signer.sign(delivery)).json()["outcomes"] == []
    assert suppressed(store) == {reader: "complaint"}


def test_ses_notification_with_a_bad_signature_records_nothing(
    http: httpx.Client, store: Store, signer: keys.SnsSigner
):
    [reader] = subscribe(store, "readers", 1)
    signed = signer.sign(keys.sns_notification(keys.ses_bounce(reader, message_id=sent_to(store, reader))))
    tampered = {**signed, "Message": signed["Message"].replace("Permanent", "Transient")}
    unsigned = {k: v for k, v in signed.items() if k != "Signature"}

    assert post_sns(http, tampered).status_code == 401
    assert post_sns(http, unsigned).status_code == 401
    assert suppressed(store) == {} and events(store) == []


def test_ses_notification_from_an_unknown_topic_is_refused_before_any_fetch(
    http: httpx.Client, store: Store, signer: keys.SnsSigner, fake_sns: FakeSns
):
    [reader] = subscribe(store, "readers", 1)
    message = keys.sns_notification(keys.ses_bounce(reader), topic="arn:aws:sns:us-east-1:999999999999:theirs")

    answer = post_sns(http, signer.sign(message))

    assert answer.status_code == 403 and "PUBLISHER_SES_TOPIC_ARNS" in answer.json()["error"]
    assert fake_sns.fetched == [] and events(store) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.txt",
        "https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
    ],
)
def test_ses_notification_with_a_certificate_url_not_on_sns_is_refused_without_fetching_it(
    http: httpx.Client, store: Store, signer: keys.SnsSigner, fake_sns: FakeSns, url: str
):
    [reader] = subscribe(store, "readers", 1)
    message = keys.sns_notification(keys.ses_bounce(reader, message_id=sent_to(store, reader)), cert_url=url)

    answer = post_sns(http, signer.sign(message))

    assert answer.status_code == 403
    assert fake_sns.fetched == [] and events(store) == []


def test_subscription_confirmation_fetches_the_confirm_url_once(
    http: httpx.Client, signer: keys.SnsSigner, fake_sns: FakeSns
):
    answer = post_sns(http, signer.sign(keys.sns_confirmation()))

    assert answer.status_code == 200 and answer.json()["confirmed"] is True
    assert fake_sns.fetched.count(keys.SUBSCRIBE_URL) == 1


def test_subscription_confirmation_to_a_url_off_sns_is_not_followed(
    http: httpx.Client, signer: keys.SnsSigner, fake_sns: FakeSns
):
    message = keys.sns_confirmation(subscribe_url="https://attacker.example/?Action=ConfirmSubscription")

    answer = post_sns(http, signer.sign(message))

    assert answer.status_code == 403
    assert [u for u in fake_sns.fetched if "ConfirmSubscription" in u] == []


# --- SendGrid ---


def test_sendgrid_bounce_suppresses_and_blocked_suppresses_nobody(
    http: httpx.Client, store: Store, sendgrid: keys.SendGridSigner
):
    [bad, good] = subscribe(store, "readers", 2)
    batch = [
        keys.sendgrid_event(bad, type="bounce", status="5.1.1", reason="550 5.1.1 user unknown",
                            **{"smtp-id": sent_to(store, bad)}),
        keys.sendgrid_event(good, type="blocked", status="5.7.1", reason="550 5.7.1 message refused by policy",
                            **{"smtp-id": sent_to(store, good)}),
        keys.sendgrid_event(good, "deferred", response="400 try again later", attempt="5"),
        keys.sendgrid_event(good, "delivered", response="250 OK"),
    ]
    body = json.dumps(batch).encode()

    answer = http.post("/webhooks/bounces/sendgrid", content=body, headers=sendgrid.headers(body))

    assert answer.status_code == 200 and answer.json()["outcomes"] == ["suppressed", "sender-side"]
    assert suppressed(store) == {bad: "hard_bounce"}
    assert sorted(events(store)) == sorted([(bad, "userunknown", "hard", "sendgrid"),
                                            (good, "policyviolation", "sender", "sendgrid")])


def test_sendgrid_post_unsigned_wrongly_signed_or_stale_is_refused(
    http: httpx.Client, store: Store, sendgrid: keys.SendGridSigner
):
    [reader] = subscribe(store, "readers", 1)
    body = json.dumps([keys.sendgrid_event(reader, type="bounce", status="5.1.1", reason="550 user unknown")]).encode()
    other = keys.SendGridSigner()

    unsigned = http.post("/webhooks/bounces/sendgrid", content=body, headers={"Content-Type": "application/json"})
    wrong = http.post("/webhooks/bounces/sendgrid", content=body, headers=other.headers(body))
    stale = http.post("/webhooks/bounces/sendgrid", content=body,
                      headers=sendgrid.headers(body, timestamp=int(time.time()) - 3600))
    altered = http.post("/webhooks/bounces/sendgrid", content=body.replace(b"5.1.1", b"5.1.2"),
                        headers=sendgrid.headers(body))

    assert [r.status_code for r in (unsigned, wrong, stale, altered)] == [401, 401, 401, 401]
    assert "outside the allowed" in stale.json()["error"]
    assert events(store) == []


# --- Mailgun ---


def test_mailgun_permanent_failure_suppresses_and_a_temporary_one_is_no_bounce(http: httpx.Client, store: Store):
    [bad, slow] = subscribe(store, "readers", 2)
    permanent = keys.mailgun_failed(bad, message_id=sent_to(store, bad))
    temporary = keys.mailgun_failed(slow, severity="temporary", reason="generic", code=452, enhanced="4.2.2",
                                    message="4.2.2 mailbox full", message_id=sent_to(store, slow))

    first = http.post("/webhooks/bounces/mailgun", json=keys.mailgun_post(permanent))
    second = http.post("/webhooks/bounces/mailgun", json=keys.mailgun_post(temporary))

    assert first.json()["outcomes"] == ["suppressed"] and second.json()["outcomes"] == []
    assert suppressed(store) == {bad: "hard_bounce"}


def test_mailgun_replayed_stale_or_badly_signed_post_is_refused(http: httpx.Client, store: Store):
    [reader] = subscribe(store, "readers", 1)
    signature = keys.mailgun_signature()
    post = keys.mailgun_post(keys.mailgun_failed(reader, message_id=sent_to(store, reader)), signature)

    assert http.post("/webhooks/bounces/mailgun", json=post).status_code == 200
    replay = http.post("/webhooks/bounces/mailgun", json=post)
    old = keys.mailgun_signature(int(time.time()) - 3600)
    stale = http.post("/webhooks/bounces/mailgun", json={**post, "signature": old})
    forged = http.post("/webhooks/bounces/mailgun", json={**post, "signature": keys.mailgun_signature(key="guess")})
    unsigned = http.post("/webhooks/bounces/mailgun", json={"event-data": post["event-data"]})

    assert [r.status_code for r in (replay, stale, forged, unsigned)] == [401, 401, 401, 401]
    assert "replay" in replay.json()["error"]
    assert len(events(store)) == 1


# --- Postmark ---


def test_postmark_hard_bounce_needs_the_basic_credentials(http: httpx.Client, store: Store):
    [reader] = subscribe(store, "readers", 1)
    record = keys.postmark_bounce(reader, Metadata={"message-id": sent_to(store, reader)})

    missing = http.post("/webhooks/bounces/postmark", json=record)
    wrong = http.post("/webhooks/bounces/postmark", json=record, headers=keys.postmark_auth(password="nope"))
    assert missing.status_code == 401 and wrong.status_code == 401 and events(store) == []
    assert missing.headers["www-authenticate"].startswith("Basic")

    answer = http.post("/webhooks/bounces/postmark", json=record, headers=keys.postmark_auth())
    assert answer.json()["outcomes"] == ["suppressed"]
    assert events(store) == [(reader, "userunknown", "hard", "postmark")]


def test_postmark_blocked_and_spam_complaint(http: httpx.Client, store: Store):
    [blocked, complained] = subscribe(store, "readers", 2)
    sent_to(store, complained)
    auth = keys.postmark_auth()
    block = keys.postmark_bounce(blocked, "Blocked", 100006, Details="550 5.7.1 rejected: IP on a block list",
                                 Metadata={"message-id": sent_to(store, blocked)})
    spam = {"RecordType": "SpamComplaint", "ID": 42, "Type": "SpamComplaint", "TypeCode": 100001,
            "MessageID": "00000000-0000-0000-0000-000000000000", "Email": complained, "From": "news@example.org",
            "BouncedAt": "2026-12-01T10:00:00Z", "Details": "Test spam complaint details", "ServerID": 1234,
            "MessageStream": "broadcast", "Subject": "Digest", "Metadata": {}}

    assert http.post("/webhooks/bounces/postmark", json=block, headers=auth).json()["outcomes"] == ["sender-side"]
    assert http.post("/webhooks/bounces/postmark", json=spam, headers=auth).json()["outcomes"] == ["suppressed"]
    assert suppressed(store) == {complained: "complaint"}


# --- off unless configured ---


@pytest.mark.parametrize("path", ["ses", "sendgrid", "mailgun", "postmark"])
def test_provider_webhook_is_off_without_its_setting(store: Store, path: str):
    server = LiveServer(create_app(Settings(), store)).start()
    try:
        answer = httpx.post(f"{server.url}/webhooks/bounces/{path}", content=b"{}")
    finally:
        server.stop()
    assert answer.status_code == 404
