"""SNS signatures: the canonical string, both signature versions, the certificate URL rule and cache."""

import pytest

from publisher.bounces.providers import Refused, sns
from tests.publisher.bounces.providers import keys


class Fetcher:
    def __init__(self, body: bytes) -> None:
        self.body, self.urls = body, []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.body


def test_canonical_string_of_a_notification_follows_the_documented_order_and_skips_a_missing_subject():
    message = {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:t", "Message": "hello\nworld",
               "Timestamp": "2026-12-01T10:00:00.000Z", "SignatureVersion": "2", "UnsubscribeURL": "https://x"}

    assert sns.canonical(message) == (
        b"Message\nhello\nworld\nMessageId\nm-1\nTimestamp\n2026-12-01T10:00:00.000Z\nTopicArn\narn:t\n"
        b"Type\nNotification\n"
    )
    assert b"Subject\nDigest\nTimestamp" in sns.canonical({**message, "Subject": "Digest"})


def test_canonical_string_of_a_confirmation_includes_subscribe_url_and_token():
    data = sns.canonical(keys.sns_confirmation())
    names = [line for line in data.decode().split("\n") if line in
             ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")]
    assert names == ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]


@pytest.mark.parametrize("version", ["1", "2"])
def test_signature_of_either_version_checks_and_the_certificate_is_fetched_once(version: str):
    signer, certificates = keys.sns_signer(), sns.Certificates()
    fetch = Fetcher(signer.pem)
    first = signer.sign(keys.sns_notification({"notificationType": "Delivery"}), version)
    second = signer.sign(keys.sns_notification({"notificationType": "Delivery"}), version)

    sns.verify(first, fetch, certificates)
    sns.verify(second, fetch, certificates)

    assert fetch.urls == [keys.CERT_URL]


def test_a_changed_field_or_another_key_fails_the_signature():
    signer = keys.sns_signer()
    signed = signer.sign(keys.sns_notification({"notificationType": "Bounce"}))
    other = Fetcher(keys.SnsSigner().pem)

    with pytest.raises(Refused) as changed:
        sns.verify({**signed, "TopicArn": "arn:aws:sns:us-east-1:1:other"}, Fetcher(signer.pem), sns.Certificates())
    with pytest.raises(Refused) as wrong_key:
        sns.verify(signed, other, sns.Certificates())
    with pytest.raises(Refused) as version:
        sns.verify({**signed, "SignatureVersion": "3"}, Fetcher(signer.pem), sns.Certificates())

    assert changed.value.status == wrong_key.value.status == version.value.status == 401


def test_a_certificate_that_is_not_pem_is_refused():
    signed = keys.sns_signer().sign(keys.sns_notification({}))
    with pytest.raises(Refused, match="not a PEM certificate"):
        sns.verify(signed, Fetcher(b"<html>not a certificate</html>"), sns.Certificates())


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-1.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem",
        "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-abc.pem",
    ],
)
def test_sns_hosts_are_taken(url: str):
    assert sns.check_url(url, "SigningCertURL") == url


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-1.pem",
        "https://SNS.US-EAST-1.amazonaws.com.evil/cert.pem",
        "https://sqs.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
        "https://sns.us_east.amazonaws.com/SimpleNotificationService-1.pem",
        "ftp://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
        "https://[::1/x.pem",
        None,
        42,
    ],
)
def test_other_certificate_urls_are_refused(url: object):
    with pytest.raises(Refused) as refused:
        sns.check_url(url, "SigningCertURL")
    assert refused.value.status == 403
