"""Exim's own bounces: "This message was created automatically by mail delivery software."

Each failed address is a line indented two spaces, the error below it indented four ("SMTP error from
remote mail server after RCPT TO:<...>: host mx.example.com [192.0.2.1]: 550 5.1.1 ..."); the copy of the
message follows "------ This is a copy of the message, including all the headers. ------". When the body
names no address, the X-Failed-Recipients header does. Mail.ru's and other Exim-based providers' bodies
are read with `parse` by their own modules.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import (
    blocks,
    command_reason,
    cut,
    failed_recipients,
    found,
    header,
    own_body,
    quoted_recipient,
    reason_of,
)
from publisher.bounces.report import Found

START = re.compile(
    r"This message was created automatically by mail delivery software"
    r"|A message that you sent (?:could not be delivered|was rejected by the local scanning code|contained one or"
    r" more recipient addresses)"
    r"|could not be delivered to one or more of its\s+recipients\. The following\s+address\(es\) failed",
    re.IGNORECASE,
)
END = re.compile(
    r"^-{3,} ?This is a copy of (?:the|your) message|^-{3,} The header of the original message"
    r"|^Content-Type:\s*message/rfc822",
    re.IGNORECASE | re.MULTILINE,
)
_WARNING = re.compile(r"^Warning: message .{1,80} delayed|has not yet been delivered|No action is required", re.I)
# "  kijitora@example.jp", "  kijitora@example.jp: forced freeze", "  alias@example.jp <real@example.jp>: ...";
# the error lines under it are indented four spaces.
_ADDRESS_LINE = re.compile(r"^ {1,3}(?:[^\s<>]{1,200} <)?([^\s<>@\"]{1,64}@[\w.-]{1,255})>?:?(?=\s|$)", re.MULTILINE)
# Exim's own fixed messages (src/deliver.c, route.c, transports/*.c) that name the reason.
MESSAGES: dict[str, tuple[str, ...]] = {
    "hostunknown": (
        "all host address lookups failed permanently",
        "all relevant mx records point to non-existent hosts",
        "unrouteable address",
    ),
    "notaccept": ("an mx or srv record indicated no smtp service", "no host found for existing smtp connection"),
    "mailboxfull": ("mailbox is full", "error: quota exceed"),
    "userunknown": ("user not found",),
    "syntaxerror": ("angle-brackets nested too deep", 'expected word or "<"', "malformed address:"),
    "systemerror": ("delivery to file forbidden", "delivery to pipe forbidden", "local delivery failed"),
    "contenterror": ('too many "received" headers',),
    "expired": ("retry timeout exceeded", "retry time not reached for any host after a long failure period"),
}


def parse(message: EmailMessage, body: str, messages: dict[str, tuple[str, ...]] = MESSAGES) -> list[Found] | None:
    """The recipient blocks of an Exim-style body (the tell-tale already found), or None."""
    head = START.search(body)
    text = cut(body[head.start() if head else 0 :], END)
    if _WARNING.search(text) and "permanent" not in text.lower():
        return []  # a delay warning: the MTA is still trying
    permanent = True if re.search(r"permanent error|failed:", text, re.IGNORECASE) else None
    out = []
    for address, words in blocks(text, _ADDRESS_LINE):
        if "@" not in address or address.lower().startswith(("mailer-daemon@", "postmaster@")):
            continue
        words = _own_words(words)
        after = words.rpartition("]:")[2] if "]:" in words else words
        reason = reason_of(words, messages) or command_reason(words)
        out.append(found(address, words, permanent=permanent, reason=reason, reply_from=after))
    if not out:
        words = " ".join(line.strip() for line in text.splitlines()[1:] if line.startswith((" ", "\t")))
        # No address in the body ("  kijitora", "  an undisclosed address"): X-Failed-Recipients names it,
        # else the To: of the copy of the message Exim returns.
        quoted = quoted_recipient(body[body.find(text) + len(text) :]) if not failed_recipients(message) else None
        for address in failed_recipients(message) or ([quoted] if quoted else []):
            out.append(
                found(address, words, permanent=permanent, reason=reason_of(words, messages) or command_reason(words))
            )
    return out or None


def _own_words(words: str) -> str:
    """The indented error lines under an address, not the paragraphs Exim or a provider adds after them."""
    lines: list[str] = []
    for line in words.splitlines():
        if line.strip() and not line.startswith((" ", "\t")) and lines:
            break
        lines.append(line)
    return "\n".join(lines)


def read(message: EmailMessage) -> list[Found] | None:
    body = own_body(message, START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    if "@mail.ru" in header(message, "From").lower():
        return None  # Mail.ru's Exim has its own reader
    return parse(message, body)
