"""MDaemon's bounces: "The attached message had PERMANENT fatal delivery errors!" and a session transcript.

"--- Session Transcript ---" holds the exchange ("RCPT To:<kijitora@example.jp>" then the remote reply
"550 5.1.1 <kijitora@example.jp>... User unknown"), "--- End Transcript ---" closes it; the X-MDaemon-
Deliver-To header or the From (MDaemon@...) says who wrote it.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import found, from_a_person, header, plain_body, squash
from publisher.bounces.report import Found

_START = re.compile(r"The attached message had (PERMANENT|TEMPORARY|TRANSIENT) fatal delivery errors", re.I)
_TRANSCRIPT = re.compile(
    r"-{2,} ?Session Transcript ?-{2,}(.{0,20000}?)(?:-{2,} ?End (?:of )?Transcript ?-{2,}|$)",
    re.IGNORECASE | re.DOTALL,
)
_RCPT = re.compile(r"RCPT TO:\s*<([^<>\s]{1,320})>", re.IGNORECASE)
_REPLY = re.compile(r"^(?:[^\n]{0,40}: )?(?:<-- ?)?([245]\d\d[ -][^\n]{0,500})$", re.MULTILINE)
_HOST = re.compile(
    r"(?:Attempting SMTP connection to|Connected to|Connecting to) \[?([\w.-]{1,255}?)\]?(?: :\d+)?(?:\s|$)", re.I
)


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    telltale = message.get("X-MDaemon-Deliver-To") or "mdaemon" in header(message, "From").lower()
    start = _START.search(body or "")
    if not body or start is None or not (telltale or "mdaemon" in body.lower()):
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    permanent = start.group(1).lower() == "permanent"
    transcript = _TRANSCRIPT.search(body)
    session = transcript.group(1) if transcript else body[start.end() :]
    host = _HOST.search(session)
    out = []
    rcpts = list(_RCPT.finditer(session))
    for number, rcpt in enumerate(rcpts):
        stop = rcpts[number + 1].start() if number + 1 < len(rcpts) else len(session)
        replies = [m.group(1) for m in _REPLY.finditer(session[rcpt.end() : stop])]
        failed = [r for r in replies if r[:1] in "45"] or replies
        if not failed or failed[0].startswith("250"):
            continue
        out.append(found(rcpt.group(1), squash(failed[0]), permanent=permanent, remote=host.group(1) if host else None))
    return out or None
