"""SMTP: email only, configured by PUBLISHER_SMTP_* (no account); verify() connects to every server."""

from __future__ import annotations

from publisher.channels.network import Check, Network

NETWORK = Network(
    name="smtp",
    channel="publisher.channels.smtp:SmtpChannel",
    queue="email",
    carries=frozenset({"email"}),
    check=Check.CONNECTION,
)
