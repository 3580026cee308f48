"""The Courier mail server's plain-text bounces: "This is a delivery status notification from ...,
running the Courier mail server".

Under "Your message to the following recipients cannot be delivered:" each recipient is a line
`<address>:` followed by the host (`mx.example.com [192.0.2.1]:`) and the SMTP exchange (">>> RCPT
TO:<...>", "<<< 550 5.1.1 ..."); a notice that delivery is only "delayed" is not a failure.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import blocks, cut, found, own_body, reason_of
from publisher.bounces.report import Found

_START = re.compile(r"running the Courier mail server|This is a delivery status notification from", re.I)
_FAILED = re.compile(r"cannot be delivered|UNDELIVERABLE MAIL|could not be delivered", re.IGNORECASE)
_END = re.compile(r"^Content-Type:\s*(?:message/rfc822|text/rfc822-headers|message/delivery-status)", re.I | re.M)
_RECIPIENT = re.compile(r"^<([^<>\s@]{1,64}@[^<>\s]{1,255})>:[ \t]*\r?$", re.MULTILINE)
_REPLY = re.compile(r"^<<< ?(.{1,500})$", re.MULTILINE)
MESSAGES: dict[str, tuple[str, ...]] = {
    "hostunknown": ("dns lookup failed", "no such domain"),
    "userunknown": ("unknown user", "no such user"),
    "mailboxfull": ("mailbox is full",),
    "networkerror": ("connection refused",),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = own_body(message, _START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body, _END)
    if not _FAILED.search(text):
        return []  # "has been delayed": Courier is still trying
    permanent = "cannot be delivered" in text.lower() or "undeliverable" in text.lower()
    out = []
    for address, words in blocks(text, _RECIPIENT):
        words = words.split("\n----")[0]
        replies = " ".join(m.group(1).strip() for m in _REPLY.finditer(words))
        said = replies or words
        out.append(found(address, said, permanent=permanent, remote=_host(words), reason=reason_of(said, MESSAGES)))
    return out or None


def _host(words: str) -> str | None:
    match = re.search(r"^\s+([\w.-]{1,255}\.[A-Za-z]{2,63}) \[[0-9a-fA-F.:]{3,45}\]:", words, re.MULTILINE)
    return match.group(1) if match else None
