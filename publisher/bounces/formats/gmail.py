"""Gmail's old non-DSN bounces: "Delivery to the following recipient failed permanently:".

The addresses follow, indented; "Technical details of permanent failure:" (or "temporary failure:")
gives Google's words and the remote server's reply ("The error that the other server returned was:
550 550 5.1.1 ... (state 14)."); "Delivery to the following recipient has been delayed" is a warning.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import ADDRESS, cut, found, from_a_person, plain_body, reason_of
from publisher.bounces.report import Found

_START = re.compile(
    r"Delivery to the following recipients? failed(?: permanently)?:|Delivery to the following recipients? "
    r"failed temporarily|Technical details of (?:permanent|temporary) failure:",
    re.IGNORECASE,
)
_DELAYED = re.compile(r"Delivery to the following recipients? has been delayed", re.IGNORECASE)
_DETAILS = re.compile(r"Technical details of (permanent|temporary) failure:", re.IGNORECASE)
_END = re.compile(
    r"^\s*-{3,} ?(?:Original message|Message header follows)|^Content-Type:\s*message/rfc822", re.I | re.M
)
_RETURNED = re.compile(r"(?:The error that the other server returned was|returned was):?\s*(.*)", re.I | re.DOTALL)
# Google's own words (before "The error that the other server returned was").
MESSAGES: dict[str, tuple[str, ...]] = {
    "userunknown": ("the email account that you tried to reach does not exist", "no such user"),
    "mailboxfull": ("the email account that you tried to reach is over quota", "over quota"),
    "suspend": ("the email account that you tried to reach is disabled",),
    "hostunknown": ("dns error: domain name not found", "dns error: dns server returned answer with no data"),
    "expired": ("giving up on", "delivery to the following recipient has been delayed"),
    "networkerror": ("connection timed out", "connection refused", "routing loop"),
    "mesgtoobig": ("message exceeded google's message size limits", "your message exceeded"),
    "blocked": ("ip address has been blocked", "poor reputation"),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    if not body or not (_START.search(body) or _DELAYED.search(body)):
        return None
    if _DELAYED.search(body):
        return []  # "has been delayed": Google is still trying
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    text = cut(body, _END)
    details = _DETAILS.search(text)
    if details is None:
        return None
    permanent = details.group(1).lower() == "permanent"
    listed = text[: details.start()]
    head = re.search(r"Delivery to the following recipients? failed[^:\n]{0,20}:", listed, re.IGNORECASE)
    addresses = list(dict.fromkeys(ADDRESS.findall(listed[head.end() :] if head else listed)))
    words = text[details.end() :]
    returned = _RETURNED.search(words)
    said = returned.group(1) if returned else words
    google = words[: returned.start()] if returned else words
    # With a remote reply, Google's own sentence before it only names DNS and size problems; the reply
    # decides the rest (the classifier reads it). Without one, Google's words are all there is.
    own = MESSAGES if returned is None else {k: MESSAGES[k] for k in ("hostunknown", "mesgtoobig")}
    reason = reason_of(google, own)
    return [found(a, words, permanent=permanent, reason=reason, reply_from=said) for a in addresses] or None
