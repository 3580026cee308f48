"""Keys the tests make, and posts signed with them the way each provider signs (no provider is reached).

SNS: a self-signed RSA certificate standing for SNS's, messages signed over SNS's canonical string.
SendGrid: a P-256 key pair, the public key as SendGrid's settings show it (base64 DER).
Mailgun: HMAC-SHA256 of timestamp + token. Postmark: HTTP Basic credentials.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-bounces"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
SUBSCRIBE_URL = f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2336412f37"
MAILGUN_KEY = "key-test-mailgun-signing"
POSTMARK_USER, POSTMARK_PASSWORD = "postmark", "hook-password-1"


class SnsSigner:
    """An RSA key and a self-signed certificate; signs SNS messages over the documented canonical string."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .sign(self.key, hashes.SHA256())
        )
        self.pem = cert.public_bytes(serialization.Encoding.PEM)

    def sign(self, message: dict[str, Any], version: str = "2") -> dict[str, Any]:
        if message["Type"] == "Notification":
            fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        else:
            fields = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        data = "".join(f"{name}\n{message[name]}\n" for name in fields if name in message).encode()
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        signature = self.key.sign(data, padding.PKCS1v15(), algorithm)
        return {**message, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode()}


@functools.cache
def sns_signer() -> SnsSigner:
    """The one SNS key of the test run: the process caches the certificate at CERT_URL, as it would SNS's."""
    return SnsSigner()


def sns_notification(ses: dict[str, Any], *, topic: str = TOPIC, cert_url: str = CERT_URL) -> dict[str, Any]:
    """An SNS Notification carrying one SES notification, as SNS posts it (before signing)."""
    return {
        "Type": "Notification",
        "MessageId": f"{secrets.token_hex(4)}-0b1c-5e2d-8f3a-{secrets.token_hex(6)}",
        "TopicArn": topic,
        "Message": json.dumps(ses),
        "Timestamp": "2026-12-01T10:00:00.000Z",
        "SigningCertURL": cert_url,
        "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:1",
    }


def sns_confirmation(*, topic: str = TOPIC, subscribe_url: str = SUBSCRIBE_URL) -> dict[str, Any]:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37",
        "TopicArn": topic,
        "Message": f"You have chosen to subscribe to the topic {topic}.\nTo confirm the subscription, visit the "
        "SubscribeURL included in this message.",
        "SubscribeURL": subscribe_url,
        "Timestamp": "2026-12-01T10:00:00.000Z",
        "SigningCertURL": CERT_URL,
    }


def ses_bounce(
    address: str,
    *,
    bounce_type: str = "Permanent",
    subtype: str = "General",
    status: str = "5.1.1",
    diagnostic: str | None = "smtp; 550 5.1.1 user unknown",
    message_id: str | None = None,
    source: str = "news@example.org",
) -> dict[str, Any]:
    """An SES Bounce notification shaped like SES's documented example."""
    recipient: dict[str, Any] = {"emailAddress": address, "action": "failed", "status": status}
    if diagnostic is not None:
        recipient["diagnosticCode"] = diagnostic
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": subtype,
            "bouncedRecipients": [recipient],
            "timestamp": "2026-12-01T09:59:58.237Z",
            "feedbackId": f"0100018c-{secrets.token_hex(8)}-000000",
            "reportingMTA": "dns; email.example.com",
            "remoteMtaIp": "127.0.2.0",
        },
        "mail": _ses_mail(address, message_id, source),
    }


def ses_complaint(address: str, *, message_id: str | None = None, feedback: str = "abuse") -> dict[str, Any]:
    return {
        "notificationType": "Complaint",
        "complaint": {
            "userAgent": "ExampleCorp Feedback Loop (V0.01)",
            "complainedRecipients": [{"emailAddress": address}],
            "complaintFeedbackType": feedback,
            "timestamp": "2026-12-01T10:00:00.000Z",
            "feedbackId": f"0100018c-{secrets.token_hex(8)}-000000",
        },
        "mail": _ses_mail(address, message_id, "news@example.org"),
    }


def _ses_mail(address: str, message_id: str | None, source: str) -> dict[str, Any]:
    mail: dict[str, Any] = {
        "timestamp": "2026-12-01T09:59:57.000Z",
        "messageId": "0100018c1b2c3d4e-5f6a7b8c-ses-own-id-000000",
        "source": source,
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.org",
        "sendingAccountId": "123456789012",
        "destination": [address],
    }
    if message_id is not None:
        mail["headersTruncated"] = False
        mail["headers"] = [
            {"name": "From", "value": "The Test Desk <news@example.org>"},
            {"name": "To", "value": address},
            {"name": "Message-ID", "value": message_id},
        ]
        mail["commonHeaders"] = {"from": ["news@example.org"], "to": [address], "messageId": message_id}
    return mail


class SendGridSigner:
    """A P-256 key pair; signs timestamp + body as SendGrid's Signed Event Webhook does."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode()

    def headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
            "Content-Type": "application/json",
        }


def sendgrid_event(address: str, event: str = "bounce", **fields: Any) -> dict[str, Any]:
    """One Event Webhook event with SendGrid's documented fields."""
    return {
        "email": address,
        "timestamp": int(time.time()),
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "event": event,
        "category": "digest",
        "sg_event_id": base64.b64encode(secrets.token_bytes(16)).decode(),
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        **fields,
    }


def mailgun_signature(timestamp: int | None = None, token: str | None = None, key: str = MAILGUN_KEY) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{stamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": stamp, "token": token, "signature": signature}


def mailgun_failed(
    address: str,
    *,
    severity: str = "permanent",
    reason: str = "bounce",
    code: int = 550,
    enhanced: str = "5.1.1",
    message: str = "5.1.1 The email account that you tried to reach does not exist.",
    message_id: str | None = None,
    sender: str = "news@example.org",
) -> dict[str, Any]:
    """A "failed" event-data shaped like Mailgun's documented webhook payload."""
    return {
        "id": secrets.token_urlsafe(16),
        "timestamp": time.time(),
        "log-level": "error" if severity == "permanent" else "warn",
        "event": "failed",
        "severity": severity,
        "reason": reason,
        "envelope": {"sender": sender, "targets": address, "transport": "smtp", "sending-ip": "209.61.154.250"},
        "flags": {"is-authenticated": True, "is-test-mode": False},
        "delivery-status": {
            "attempt-no": 1,
            "code": code,
            "message": message,
            "description": "",
            "enhanced-code": enhanced,
            "mx-host": "mx.example.com",
            "tls": True,
        },
        "message": {
            "headers": {
                "to": address,
                "message-id": (message_id or "20261201100000.1.abcdef@mg.example.org").strip("<>"),
                "from": "The Test Desk <news@example.org>",
                "subject": "Digest",
            },
            "size": 2048,
        },
        "recipient": address,
        "recipient-domain": address.rpartition("@")[2],
    }


def mailgun_post(event_data: dict[str, Any], signature: dict[str, str] | None = None) -> dict[str, Any]:
    return {"signature": signature or mailgun_signature(), "event-data": event_data}


def postmark_auth(user: str = POSTMARK_USER, password: str = POSTMARK_PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def postmark_bounce(address: str, type_: str = "HardBounce", code: int = 1, **fields: Any) -> dict[str, Any]:
    """A Bounce webhook record with Postmark's documented fields."""
    return {
        "RecordType": "Bounce",
        "MessageStream": "broadcast",
        "ID": secrets.randbelow(10**9),
        "Type": type_,
        "TypeCode": code,
        "Name": "Hard bounce",
        "Tag": "digest",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": address,
        "From": "news@example.org",
        "BouncedAt": "2026-12-01T10:00:00Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Digest",
        **fields,
    }
