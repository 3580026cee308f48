"""Ipswitch IMail's bounces: "Unknown user: kijitora@example.jp" lines before "Original message follows.".

The X-Mailer is "<SMTP32 v...>"; each failed address follows IMail's own phrase for what went wrong.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import cut, found, header, own_body
from publisher.bounces.report import Found

_END = re.compile(r"^Original message follows\.", re.IGNORECASE | re.MULTILINE)
_LINE = re.compile(r"^([A-Za-z][A-Za-z ]{2,60}):\s*<?([^\s<>@]{1,64}@[\w.-]{1,255})>?\s*(.{0,500})$", re.MULTILINE)
# IMail's own phrases (the text before the address) and the reason each names.
PHRASES: dict[str, str] = {
    "unknown user": "userunknown",
    "user mailbox exceeds allowed size": "mailboxfull",
    "mailbox full": "mailboxfull",
    "host unknown": "hostunknown",
    "undeliverable to": "undefined",
    "delivery failed": "undefined",
    "smtp error": "undefined",
}


def read(message: EmailMessage) -> list[Found] | None:
    if not header(message, "X-Mailer").startswith("<SMTP32"):
        return None
    body = own_body(message, _END)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    out = []
    for match in _LINE.finditer(cut(body, _END)):
        reason = PHRASES.get(match.group(1).strip().lower())
        if reason is None:
            continue
        words = f"{match.group(1)}: {match.group(3)}".strip()
        out.append(found(match.group(2), words, permanent=True, reason=None if reason == "undefined" else reason))
    return out or None
