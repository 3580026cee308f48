"""Postfix's legacy non-MIME bounces (and its text part when the DSN part is missing).

"This is the mail system at host mx.example.org." (older: "This is the Postfix program at host ...")
and, per recipient, a paragraph "<kijitora@example.jp>: host mx.example.jp[192.0.2.1] said: 550 5.1.1
<kijitora@example.jp>... User Unknown (in reply to RCPT TO command)", continued on indented lines; the
message follows a "--- Delivery report unavailable ---", "Undelivered Message" or "Original message" mark.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import blocks, cut, found, from_a_person, plain_body, reason_of
from publisher.bounces.report import Found

_START = re.compile(
    r"This is the (?:mail system|Postfix program) at host|The (?:Postfix|mail system) program\b"
    r"|could not be delivered to one or more\s+(?:recipients|destinations)\. It's attached below",
    re.IGNORECASE,
)
_SORRY = re.compile(r"I'm sorry to have to inform you that|your message could not\s+be delivered", re.I)
_END = re.compile(
    r"^-{2,} ?(?:Delivery (?:error )?report (?:unavailable|follows)|Undelivered message|Original message)"
    r"|^Content-Description: Undelivered Message|^Content-Type:\s*message/(?:rfc822|delivery-status)",
    re.IGNORECASE | re.MULTILINE,
)
_RECIPIENT = re.compile(r"^<([^\s<>@]{1,64}@[^\s<>]{1,255})>(?: \(expanded from <[^<>]{0,300}>\))?:[ \t]*", re.M)
_DELAYED = re.compile(r"delayed mail \(still being retried\)|this is a warning only|will be retried until", re.I)
# Postfix's own words for what went wrong (src/smtp/smtp_proto.c, src/local/*.c, src/global/*.c).
MESSAGES: dict[str, tuple[str, ...]] = {
    "hostunknown": ("host or domain name not found", "name service error for name="),
    "notaccept": ("does not accept mail (nullmx)", "null mx"),
    "mailboxfull": ("cannot update mailbox", "mailbox full"),
    "expired": ("delivery temporarily suspended:", "message expired", "too long in queue"),
    "networkerror": ("loops back to myself", "connection refused", "lost connection with"),
    "userunknown": ("unknown user:", "user unknown in local recipient table", "user unknown in virtual"),
    "mesgtoobig": ("message size exceeds fixed limit",),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = plain_body(message)
    if not body or not (_START.search(body) or _SORRY.search(body)):
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    text = cut(body, _END)
    if _DELAYED.search(text):
        return []  # a delay warning: Postfix is still trying
    out = []
    for address, words in blocks(text, _RECIPIENT):
        words = words.split("\n\n")[0]
        said = words.partition(" said:")[2] or words
        out.append(found(address, words, reason=reason_of(words, MESSAGES), reply_from=said))
    return out or None
