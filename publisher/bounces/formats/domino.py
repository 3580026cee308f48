"""IBM (HCL, Lotus) Domino's "Delivery Failure Report": "Your message ... was not delivered to: ...
because: ...".

The address follows "was not delivered to:", the reason "because:" ("User some.name (kijitora@example.jp)
not listed in Domino Directory"); the Subject starts "DELIVERY FAILURE:" or is "Delivery Failure Report",
and Japanese servers say "Domino ディレクトリには見つかりません".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import ADDRESS, any_text, cut, found, from_a_person, header, reason_of, squash
from publisher.bounces.report import Found

_SUBJECT = re.compile(r"^\s*(?:DELIVERY FAILURE:|Delivery Failure Report|Undeliverable message|配信不能)", re.I)
_NOT_DELIVERED = re.compile(r"was not delivered to:\s*(.{1,2000}?)\s*because:\s*(.{1,2000}?)(?:\n\s*\n|$)", re.I | re.S)
_END = re.compile(r"^Content-Type:\s*(?:message/rfc822|message/delivery-status)", re.IGNORECASE | re.MULTILINE)
MESSAGES: dict[str, tuple[str, ...]] = {
    "userunknown": (
        "not listed in domino directory",
        "not listed in public name & address book",
        "domino ディレクトリには見つかりません",
        "no such user",
    ),
    "filtered": ("cannot route mail to user",),
    "systemerror": ("several matches found in domino directory",),
    "mailboxfull": ("maximum database size quota", "exceeded its disk quota", "mail file is full"),
    "hostunknown": ("unable to find path to server", "no route found to domain"),
}


def read(message: EmailMessage) -> list[Found] | None:
    if not _SUBJECT.match(header(message, "Subject")):
        return None
    body = any_text(message)
    if not body:
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    text = cut(body, _END)
    out = []
    for match in _NOT_DELIVERED.finditer(text):
        because = squash(match.group(2))
        for address in dict.fromkeys(ADDRESS.findall(match.group(1))):
            out.append(found(address, because, permanent=True, reason=reason_of(because, MESSAGES)))
    return out or None
