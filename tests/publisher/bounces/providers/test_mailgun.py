"""Mailgun's signed events: HMAC of timestamp + token, the replay window and token memory, the reasons."""

import json
import time

import pytest

from publisher.bounces.providers import Refused, mailgun
from publisher.config import Settings
from tests.publisher.bounces.providers import keys


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_MAILGUN_WEBHOOK_SIGNING_KEY", keys.MAILGUN_KEY)
    return Settings()


def body(event: dict, signature: dict | None = None) -> bytes:
    return json.dumps(keys.mailgun_post(event, signature)).encode()


def test_a_signed_permanent_failure_is_read_and_keyed_by_its_token(settings: Settings):
    signature = keys.mailgun_signature()
    event = keys.mailgun_failed("a@example.com", message_id="<publisher.c3.r9@example.org>",
                                sender="bounces+c3.r9.abc@example.org")

    [report], token, _ = mailgun.receive(body(event, signature), settings, tokens=mailgun.Tokens())

    assert (report.reason, report.hard, report.status, report.reply_code) == ("userunknown", True, "5.1.1", "550")
    assert report.message_id == "<publisher.c3.r9@example.org>" and report.sent_to == "bounces+c3.r9.abc@example.org"
    assert report.report_id == f"mailgun:{token}" == f"mailgun:{signature['token']}"


def test_a_remembered_token_is_a_replay_and_an_unremembered_one_is_not(settings: Settings):
    tokens, signature = mailgun.Tokens(), keys.mailgun_signature()
    post = body(keys.mailgun_failed("a@example.com"), signature)

    _, token, signed_at = mailgun.receive(post, settings, tokens=tokens)
    mailgun.receive(post, settings, tokens=tokens)  # not yet taken (the route remembers after recording)
    tokens.remember(token, signed_at, settings.provider_webhook_max_age)

    with pytest.raises(Refused, match="replay"):
        mailgun.receive(post, settings, tokens=tokens)


def test_token_memory_is_bounded_and_forgets_what_is_past_the_window():
    tokens = mailgun.Tokens(size=3)
    for number in range(5):
        tokens.remember(f"t{number}", 1000.0 + number, max_age=900)
    assert [tokens.seen(f"t{n}") for n in range(5)] == [False, False, True, True, True]

    tokens.remember("late", 5000.0, max_age=900)
    assert not tokens.seen("t4") and tokens.seen("late")


def test_stale_forged_and_unsigned_posts_are_401(settings: Settings):
    event = keys.mailgun_failed("a@example.com")
    cases = [
        body(event, keys.mailgun_signature(int(time.time()) - 3600)),
        body(event, keys.mailgun_signature(key="not-the-key")),
        json.dumps({"event-data": event}).encode(),
        json.dumps({"signature": "x", "event-data": event}).encode(),
    ]
    for post in cases:
        with pytest.raises(Refused) as refused:
            mailgun.receive(post, settings, tokens=mailgun.Tokens())
        assert refused.value.status == 401


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"reason": "suppress-bounce", "code": 605, "enhanced": "", "message": "Not delivering to previously "
          "bounced address"}, "userunknown"),
        ({"reason": "suppress-complaint", "code": 607, "enhanced": "", "message": "Not delivering to a user who "
          "marked your messages as spam"}, "feedback"),
        ({"reason": "old", "code": 498, "enhanced": "", "message": "Too old"}, "expired"),
        ({"reason": "generic", "code": 550, "enhanced": "5.7.1",
          "message": "5.7.1 Our system has detected that this message is likely unsolicited mail"}, "spamdetected"),
        ({"reason": "bounce", "code": 552, "enhanced": "5.2.2", "message": "5.2.2 mailbox is full"}, "mailboxfull"),
    ],
)
def test_permanent_failures_map_to_reasons(fields: dict, reason: str):
    report = mailgun.read_event(keys.mailgun_failed("a@example.com", **fields), "tok")
    assert report is not None and report.reason == reason


def test_temporary_failures_and_other_events_are_no_bounces_and_complaints_are():
    temporary = keys.mailgun_failed("a@example.com", severity="temporary", code=421, enhanced="4.7.0")
    complained = {"event": "complained", "recipient": "a@example.com", "message": {"headers": {}}}

    assert mailgun.read_event(temporary, "t") is None
    assert mailgun.read_event({"event": "delivered", "recipient": "a@example.com"}, "t") is None
    assert mailgun.read_event(complained, "t").reason == "feedback"
