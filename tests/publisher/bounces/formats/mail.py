"""Building the bounce mails the reader tests read."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

DAEMON = {"Return-Path": "<>", "From": "Mail Delivery System <MAILER-DAEMON@mta.example.net>"}


def message(body: str, charset: str = "utf-8", **headers: str) -> EmailMessage:
    """A single-part text message with these headers (underscores for dashes) and body."""
    fields = {**DAEMON, "To": "bounces+c3.r17.5e0c1d9a7b42@example.org", "Subject": "Mail delivery failed"}
    fields.update({k.replace("_", "-"): v for k, v in headers.items()})
    fields.setdefault("Content-Type", f"text/plain; charset={charset}")
    head = "".join(f"{k}: {v}\n" for k, v in fields.items())
    parsed = email.message_from_bytes((head + "\n" + body).encode(charset), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed
