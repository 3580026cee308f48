"""Sendmail's legacy (non-MIME, and V5/V8 plain-text) bounces.

"----- The following addresses had permanent fatal errors -----" lists each address with its
"(reason: 550 5.1.1 User unknown)"; "----- Transcript of session follows -----" holds the exchange with
the remote server ("... while talking to mx.example.com.:", ">>> RCPT To:<...>", "<<< 550 5.1.1 ...");
the message follows "----- Original message follows -----" (or "Unsent message", "Message header").
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import (
    ADDRESS,
    cut,
    found,
    from_a_person,
    header,
    plain_body,
    quoted_recipient,
    reason_of,
    squash,
)
from publisher.bounces.report import Found

_PERMANENT = re.compile(r"^\s*-{3,} ?The following addresses? had permanent fatal errors ?-{3,}", re.I | re.M)
_TRANSIENT = re.compile(r"^\s*-{3,} ?The following addresses? had transient non-fatal errors ?-{3,}", re.I | re.M)
_TRANSCRIPT = re.compile(r"^\s*-{3,} ?Transcript of session follows ?-{3,}", re.IGNORECASE | re.MULTILINE)
_END = re.compile(
    r"^\s*-{3,} ?(?:Original message|Unsent message|Message header|Returned mail) follows|"
    r"^\s*-{3,} ?(?:Original message|Message header)s? ?-{3,}|^Content-Type:\s*message/rfc822",
    re.IGNORECASE | re.MULTILINE,
)
_WARNING = re.compile(r"THIS IS A WARNING MESSAGE ONLY|Warning: could not send message for past", re.IGNORECASE)
# "<kijitora@example.jp>", "kijitora@example.jp", Active!Hunter's ">>> kijitora@example.jp <kijitora@example.jp>"
_ADDRESS_LINE = re.compile(r"^\s*(?:>>> )?(?:[^\s<>]{1,200} )?<?([^\s<>@()]{1,64}@[\w.-]{1,255})>?\s*$", re.MULTILINE)
_REASON = re.compile(r"^\s*\(reason: (.{1,500})\)\s*$", re.IGNORECASE | re.MULTILINE)
_TALKING = re.compile(r"while talking to ([\w.-]{1,255}?)\.?:", re.IGNORECASE)
_REPLY_LINE = re.compile(r"^(?:<<< )?([245]\d\d[ -].{0,500})$", re.MULTILINE)
MESSAGES: dict[str, tuple[str, ...]] = {
    "expired": ("message could not be delivered for", "cannot send message for", "timeout waiting for input"),
    "hostunknown": ("host unknown (name server:", "name server: host not found"),
    "userunknown": ("user unknown",),
    "systemerror": ("mail loops back to me", "too many hops"),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    if not body:
        return None
    permanent, transient = _PERMANENT.search(body), _TRANSIENT.search(body)
    if permanent is None and transient is None and not _TRANSCRIPT.search(body):
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    text = cut(body, _END)
    if permanent is None and _WARNING.search(text):
        return []  # "THIS IS A WARNING MESSAGE ONLY": the MTA is still trying
    session = _TRANSCRIPT.search(text)
    transcript = text[session.end() :] if session else ""
    heading = _PERMANENT.search(text) or _TRANSIENT.search(text)
    listed = (
        text[heading.end() : session.start() if session and session.start() > heading.end() else len(text)]
        if heading
        else ""
    )
    addresses = [m.group(1) for m in _ADDRESS_LINE.finditer(listed)]
    reasons = [m.group(1) for m in _REASON.finditer(listed)]
    if not addresses:  # only the transcript: the addresses its replies name, else the unsent message's To:
        addresses = list(dict.fromkeys(ADDRESS.findall("\n".join(_REPLY_LINE.findall(transcript)))))
        quoted = quoted_recipient(body[len(text) :]) if not addresses else None
        addresses = addresses or ([quoted] if quoted else [])
    # Sendmail's Subject is its own words too ("Returned mail: Cannot send message for 4 days").
    subject = header(message, "Subject")
    out = []
    for number, address in enumerate(addresses):
        words = _replies_about(transcript, address) or (reasons[number] if number < len(reasons) else "")
        if not words and len(reasons) == 1:
            words = reasons[0]
        host = _host_for(transcript, address)
        out.append(
            found(
                address,
                words,
                permanent=permanent is not None,
                remote=host,
                reason=reason_of(f"{subject} {squash(words)}", MESSAGES),
            )
        )
    return out or None


def _replies_about(transcript: str, address: str) -> str:
    """The remote server's reply lines that name this address (or, with one recipient, all of them)."""
    lines = [line for line in _REPLY_LINE.findall(transcript)]
    about = [line for line in lines if address.lower() in line.lower()]
    return " ".join(dict.fromkeys(line.strip() for line in (about or lines)))


def _host_for(transcript: str, address: str) -> str | None:
    host = None
    for line in transcript.splitlines():
        talking = _TALKING.search(line)
        if talking:
            host = talking.group(1)
        elif address.lower() in line.lower() and host:
            return host
    return host
