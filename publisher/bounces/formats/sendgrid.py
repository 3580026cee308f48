"""SendGrid's emailed bounce notices: "This is an automatically generated message from SendGrid."

The notice repeats a delivery-status block in its text (Final-Recipient:, Status:, Diagnostic-Code:) or
names the address with the remote reply ("kijitora@example.jp: 550 5.1.1 ..."). Mailgun and Postmark send
no emailed notice of their own (their bounces come as RFC 3464 reports or as webhook events).
"""

from __future__ import annotations

import re
from dataclasses import replace
from email.message import EmailMessage

from publisher.bounces.formats.text import cut, found, own_body, squash
from publisher.bounces.report import Found

_START = re.compile(r"This is an automatically generated message from SendGrid\.?", re.IGNORECASE)
_END = re.compile(r"^Content-Type:\s*message/rfc822|^-{3,} ?Original message", re.IGNORECASE | re.MULTILINE)
_FINAL = re.compile(r"^Final-Recipient:\s*(?:rfc822;)?\s*<?([^\s<>;]{1,320}@[^\s<>;]{1,255})>?", re.I | re.M)
_FIELD = re.compile(r"^(Status|Diagnostic-Code|Action|Remote-MTA):\s*(.{0,1000}(?:\r?\n[ \t]+.{0,1000})*)", re.I | re.M)
_LINE = re.compile(r"^<?([^\s<>@:]{1,64}@[\w.-]{1,255})>?:\s+(.{1,1000})$", re.MULTILINE)


def read(message: EmailMessage) -> list[Found] | None:
    body = own_body(message, _START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body, _END)
    finals = list(_FINAL.finditer(text))
    out = []
    for number, final in enumerate(finals):
        stop = finals[number + 1].start() if number + 1 < len(finals) else len(text)
        fields = {m.group(1).lower(): squash(m.group(2)) for m in _FIELD.finditer(text[final.end() : stop])}
        words = re.sub(r"^smtp;\s*", "", fields.get("diagnostic-code", ""), flags=re.IGNORECASE)
        action = fields.get("action", "").lower()
        reason = "expired" if action == "expired" else None
        remote = fields.get("remote-mta", "").partition(";")[2].strip() or None
        block = found(final.group(1), words, remote=remote, reason=reason)
        status = re.search(r"[245]\.\d{1,3}\.\d{1,3}", fields.get("status", ""))
        out.append(replace(block, status=status.group(0)) if status else block)
    if not out:
        start = _START.search(text)
        after = text[start.end() :] if start else text
        out = [found(m.group(1), m.group(2)) for m in _LINE.finditer(after) if re.search(r"\b[245]\d\d\b", m.group(2))]
    return out or None
