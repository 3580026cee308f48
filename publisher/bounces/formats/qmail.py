"""qmail (and netqmail, vpopmail, s/qmail) plain-text bounces: "Hi. This is the qmail-send program at ...".

Each failed recipient is a paragraph `<address>:` followed by the remote server's words (often
"Remote host said: 550 5.1.1 ...", or qmail's own "Sorry, no mailbox here by that name. (#5.1.1)"); the
copy of the message follows "--- Below this line is a copy of the message.".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import plain_body
from publisher.bounces.reasons import reply_code_of, status_of
from publisher.bounces.report import Found

_START = re.compile(r"this is the qmail-send program|I'm afraid I wasn't able to deliver your message", re.I)
_END = re.compile(r"^--- (?:Below this line is a copy of the message|Enclosed are the original headers)", re.M | re.I)
_RECIPIENT = re.compile(r"^<([^<>\s@]+@[^<>\s]+)>:[ \t]*\r?$", re.M)
_REMOTE = re.compile(r"(?:Connected to|remote host) ([0-9a-f.:]+|[\w.-]+)", re.I)


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    if not body or not _START.search(body):
        return None
    end = _END.search(body)
    text = body[: end.start()] if end else body
    permanent = "permanent error" in text.lower()
    matches = list(_RECIPIENT.finditer(text))
    out = []
    for number, match in enumerate(matches):
        stop = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        words = " ".join(text[match.end() : stop].split())
        status = status_of(words) or ("5.0.0" if permanent else "4.0.0")
        remote = _REMOTE.search(words)
        out.append(
            Found(
                email=match.group(1),
                status=status,
                reply_code=reply_code_of(words.partition("said:")[2] or words),
                diagnostic=words or None,
                remote_mta=remote.group(1) if remote else None,
            )
        )
    return out or None
