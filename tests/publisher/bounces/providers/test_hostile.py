"""Hostile payloads: every provider reader takes any JSON without an exception (other than a refusal)."""

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.bounces.providers import mailgun, postmark, sendgrid, ses
from publisher.bounces.providers.common import Refused, text
from publisher.config import Settings
from tests.publisher.bounces.providers import keys

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                          max_size=5), max_leaves=20)
FIELDS = ["email", "event", "type", "status", "reason", "smtp-id", "sg_event_id", "Type", "TypeCode", "Email",
          "Details", "Metadata", "Content", "RecordType", "ID", "severity", "delivery-status", "recipient"]


def shaped(base: dict) -> st.SearchStrategy[dict]:
    """The real shape with any of its fields replaced by anything."""
    return st.dictionaries(st.sampled_from(sorted(set(FIELDS) | set(base))), JSON, max_size=6).map(
        lambda noise: {**base, **noise}
    )


def is_clean(report) -> bool:
    values = [report.email, report.status, report.reply_code, report.diagnostic, report.message_id]
    return all(v is None or ("\x00" not in v and v.encode("utf-8")) for v in values)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(shaped(keys.sendgrid_event("a@example.com", type="bounce")), shaped(keys.postmark_bounce("a@example.com")),
       shaped(keys.mailgun_failed("a@example.com")))
def test_readers_never_raise_on_any_fields(event: dict, record: dict, failed: dict):
    for report in (sendgrid.read_event(event), postmark.read_record(record), mailgun.read_event(failed, "t")):
        assert report is None or is_clean(report)


@settings(max_examples=150, deadline=None)
@given(JSON, shaped(keys.ses_bounce("a@example.com")))
def test_ses_notifications_of_any_shape_read_without_an_exception(anything: object, bounce: dict):
    for message in (json.dumps(anything), json.dumps(bounce), json.dumps({"notificationType": "Bounce", "bounce":
                                                                          anything, "mail": anything})):
        assert all(is_clean(r) for r in ses.reports(message))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(raw: bytes):
    for call in (lambda: postmark.read_record({"RecordType": "Bounce", "Email": raw.decode("latin-1")}),
                 lambda: mailgun.receive(raw, _mailgun_settings(), tokens=mailgun.Tokens())):
        try:
            call()
        except Refused as refused:
            assert refused.status in (400, 401)


def test_lone_surrogates_and_nuls_never_reach_the_database():
    assert text("a\udcffb\x00c") == "a?bc"
    report = postmark.read_record(keys.postmark_bounce("a@example.com", Details="550 5.1.1 \ud800 gone\x00"))
    assert is_clean(report)


def _mailgun_settings():
    return Settings(mailgun_webhook_signing_key="k")


@settings(max_examples=100, deadline=None)
@given(JSON, st.sampled_from(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation", "Other"]))
def test_any_sns_post_is_refused_cleanly_and_nothing_is_fetched(anything: object, kind: str):
    fetched: list[str] = []
    message = {"Type": kind, "TopicArn": keys.TOPIC, "Signature": "AAAA", "SignatureVersion": "2",
               "SigningCertURL": "https://evil.example/x.pem", "Message": anything}
    for body in (json.dumps(anything).encode(), json.dumps(message).encode()):
        try:
            ses.receive(body, Settings(ses_topic_arns=keys.TOPIC), fetched.append)  # type: ignore[arg-type]
        except Refused as refused:
            assert refused.status in (400, 401, 403)
    assert fetched == []


def test_a_misconfigured_sendgrid_key_is_named_not_raised():
    with pytest.raises(Refused, match="is not a public key") as refused:
        sendgrid.verify(b"[]", "AAAA", str(int(time.time())), Settings(sendgrid_webhook_public_key="x"))
    assert refused.value.status == 500
