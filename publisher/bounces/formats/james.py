"""Apache James's (and Verizon vtext's, which runs it) bounces: "Error message below:" then the remote
reply, and under "Message details:" the envelope ("RCPT TO: kijitora@example.jp")."""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import found, from_a_person, plain_body, squash
from publisher.bounces.report import Found

_START = re.compile(r"^Error message below:\s*$", re.IGNORECASE | re.MULTILINE)
_DETAILS = re.compile(r"^Message details:\s*$", re.IGNORECASE | re.MULTILINE)
_RCPT = re.compile(r"^\s*RCPT TO:\s*<?([^\s<>@]{1,64}@[\w.-]{1,255})>?\s*$", re.IGNORECASE | re.MULTILINE)


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    start, details = _START.search(body or ""), _DETAILS.search(body or "")
    if start is None or details is None or details.start() < start.end():
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    words = squash(body[start.end() : details.start()])
    head = squash(body[: start.start()])  # "Error: Invalid user address"
    return [
        found(m.group(1), f"{words} ({head})" if head else words, reply_from=words)
        for m in _RCPT.finditer(body[details.end() :])
    ] or None
