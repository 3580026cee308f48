"""Zoho Mail's bounces: "This message was created automatically by mail delivery software." with one line
per address ("kijitora@example.jp Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 ... User Unknown"),
or "[Status: Error, Address: <kijitora@example.jp>, ResponseCode 421, , Host not reachable.]".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import cut, found, header, own_body, reason_of
from publisher.bounces.report import Found

_START = re.compile(r"This message was created automatically by mail delivery", re.IGNORECASE)
_END = re.compile(r"^Received:\s*from mail\.zoho\.com|^Content-Type:\s*message/rfc822|^-{3,} ?Original", re.I | re.M)
_LINE = re.compile(r"^([^\s@<>]{1,64}@[\w.-]{1,255})\s+(\S.{0,1000}(?:\n(?!\[|\S{1,64}@)\S.{0,1000})*)$", re.MULTILINE)
_STATUS = re.compile(r"^\[Status: [^,\]]{0,40}, Address: <([^<>\s]{1,320})>,(.{0,1000})\]", re.MULTILINE)
MESSAGES: dict[str, tuple[str, ...]] = {"expired": ("host not reachable",), "userunknown": ("invalid address",)}


def read(message: EmailMessage) -> list[Found] | None:
    if not (message.get("X-ZohoMail") or re.search(r"zoho(?:mail)?\.com", header(message, "From"), re.IGNORECASE)):
        return None
    body = own_body(message, _START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body[_START.search(body).end() :], _END)  # type: ignore[union-attr]
    permanent = True if "permanent error" in text.lower() else None
    out = []
    for match in _STATUS.finditer(text):
        out.append(
            found(match.group(1), match.group(2), permanent=permanent, reason=reason_of(match.group(2), MESSAGES))
        )
    for match in _LINE.finditer(text):
        words = match.group(2).replace("ERROR_CODE :", " ")
        own = reason_of(
            words, {"expired": MESSAGES["expired"]}
        )  # "Invalid Address" is Zoho's wrapper: the reply decides
        if own is None and re.search(r"\b[245]\.\d\.\d|\b[245]\d\d\b", words) is None:
            own = reason_of(words, MESSAGES)
        out.append(found(match.group(1), words, permanent=permanent, reason=own))
    return out or None
