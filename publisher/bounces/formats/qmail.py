"""qmail (and netqmail, vpopmail, s/qmail) plain-text bounces: "Hi. This is the qmail-send program at ...".

Each failed recipient is a paragraph `<address>:` followed by the remote server's words (often
"Remote host said: 550 5.1.1 ...", or qmail's own "Sorry, no mailbox here by that name. (#5.1.1)",
vpopmail's "Sorry, no mailbox here by that name. vpopmail (#5.1.1)"); the copy of the message follows
"--- Below this line is a copy of the message.".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import blocks, cut, found, own_body, reason_of
from publisher.bounces.report import Found

_START = re.compile(
    r"this is the qmail-send program|I'm afraid I wasn't able to deliver your message"
    r"|This is the (?:machine-generated message|mail transport agent|qmail program) at",
    re.IGNORECASE,
)
_END = re.compile(r"^--- ?(?:Below this line is a copy of the message|Enclosed are the original headers)", re.M | re.I)
_RECIPIENT = re.compile(r"^<([^<>\s@]{1,64}@[^<>\s]{1,255})>:[ \t]*\r?$", re.M)
_DEFERRED = re.compile(r"I'm still trying|has been in the queue for|I'll keep trying", re.IGNORECASE)
# qmail's own words (qmail-remote.c, qmail-local.c, qmail-send.c, vpopmail, qmail-ldap).
MESSAGES: dict[str, tuple[str, ...]] = {
    "hostunknown": ("sorry, i couldn't find any host named", "sorry, i couldn't find any host by that name"),
    "networkerror": (
        "sorry, i wasn't able to establish an smtp connection",
        "sorry, i couldn't find a mail exchanger or ip address",
        "unable to connect to",
    ),
    "expired": ("this message has been in the queue too long", "i'm not going to try again"),
    "rejected": ("but sender was rejected",),
    "blocked": ("but my name was rejected", "but greeting failed"),
    "systemerror": (
        "although i'm listed as a best-preference mx or a for that host",
        "it isn't in my control/locals file",
        "mail loop",
    ),
    "mailboxfull": ("the users mailfolder is over the allowed quota", "disk quota exceeded", "mailbox is full"),
    "suspend": ("mailbox has been disabled", "this mailbox has been suspended"),
    "userunknown": ("sorry, no mailbox here by that name", "no mailbox here by that name", "sorry, no such user"),
    "mesgtoobig": ("message is too long", "message too big"),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = own_body(message, _START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body, _END)
    if _DEFERRED.search(text) and "permanent" not in text.lower():
        return []  # qmail's "still trying" notice is not a failure
    permanent = "permanent error" in text.lower()
    out = []
    for address, words in blocks(text, _RECIPIENT):
        said = words.partition("said:")[2] or words
        # A status the remote server gave wins over qmail's own "(#5.1.1)" closing code.
        out.append(found(address, words, permanent=permanent, reason=_reason(words), reply_from=said))
    return out or None


def _reason(words: str) -> str | None:
    stage = reason_of(words, {k: MESSAGES[k] for k in ("rejected", "blocked")})
    if stage or re.search(r"remote host said:", words, re.IGNORECASE):
        return stage  # past the greeting and MAIL FROM, the remote server's words decide, not qmail's wrapper
    return reason_of(words, MESSAGES)
