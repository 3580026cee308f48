"""Amazon SES's emailed bounces that are plain text (no delivery-status part).

"The following message to <kijitora@example.jp> was undeliverable. The reason for the problem: 5.1.0 -
Unknown address error 550-'5.1.1 <kijitora@example.jp>... User Unknown'", or "An error occurred while
trying to deliver the mail to the following recipients:" and the addresses, one a line.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import ADDRESS, cut, found, from_a_person, header, plain_body, reason_of, squash
from publisher.bounces.report import Found

_PROVIDER = re.compile(r"amazonses\.com|\.amazonses\.|amazonaws\.com", re.IGNORECASE)
_UNDELIVERABLE = re.compile(r"The following message to <([^<>\s]{1,320})> was undeliverable\.?", re.IGNORECASE)
_REASON = re.compile(r"The reason for the problem:\s*(.{0,2000})", re.IGNORECASE | re.DOTALL)
_ERROR = re.compile(r"An error occurred while trying to deliver the mail to the following recipients?:", re.I)
_END = re.compile(r"^Content-Type:\s*message/rfc822|^-{3,} ?(?:Original message|Message headers)", re.I | re.M)
# SES's own prefix names the reason class ("5.1.0 - Unknown address error"); the quoted reply says more.
MESSAGES: dict[str, tuple[str, ...]] = {
    "expired": ("- delivery expired", "message expired"),
    "mailboxfull": ("- mailbox full",),
    "mesgtoobig": ("- message too large",),
    "hostunknown": ("- unknown domain", "- dns error"),
    "blocked": ("- blocked by the recipient",),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    headers = " ".join(header(message, h) for h in ("From", "Message-ID", "Return-Path", "X-SES-Outgoing", "Received"))
    if not body:
        return None
    undeliverable, error = _UNDELIVERABLE.search(body), _ERROR.search(body)
    if undeliverable is None and not (error and _PROVIDER.search(headers)):
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    text = cut(body, _END)
    reason = _REASON.search(text)
    words = squash(reason.group(1).split("\n\n")[0] if reason else "")
    quoted = re.search(r"[245]\d\d[- ]'(.{1,1000})'", words)
    if undeliverable is not None:
        addresses = [undeliverable.group(1)]
    else:
        assert error is not None
        addresses = ADDRESS.findall(text[error.end() :].split("\n\n\n")[0])
        words = words or squash(text[error.end() :])
    own = reason_of(words[: quoted.start()] if quoted else words, MESSAGES)
    return [found(a, words, reason=own, reply_from=words) for a in dict.fromkeys(addresses)] or None
