"""Yahoo's (and AOL's, Verizon's on the same platform) plain-text bounces.

"Sorry, we were unable to deliver your message to the following address." then `<address>:` and the
remote server's words ("Remote host said: 554 delivery error: dd This user doesn't have a yahoo.com
account (...) [RCPT_TO]" or "550: 5.1.1 <...>: Recipient address rejected"); the message follows
"--- Below this line is a copy of the message.".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import blocks, cut, found, own_body, reason_of
from publisher.bounces.report import Found

_START = re.compile(r"Sorry,? we were unable to deliver your message to the following address", re.I)
_END = re.compile(r"^--- ?Below this line is a copy of the message|^Content-Type:\s*message/rfc822", re.I | re.M)
_RECIPIENT = re.compile(r"^<([^<>\s@]{1,64}@[^<>\s]{1,255})>:[ \t]*\r?$", re.MULTILINE)
# Yahoo's own "dd" (delivery daemon) wordings, which come with a bare 554 and no status code.
MESSAGES: dict[str, tuple[str, ...]] = {
    "userunknown": ("this user doesn't have a", "user doesn't have a yahoo", "mailbox not found", "invalid mailbox"),
    "suspend": ("this mailbox is disabled", "(554.30)", "account has been disabled"),
    "mailboxfull": ("over quota", "mailbox is full"),
    "hostunknown": ("unrouteable address", "no mx for"),
    "expired": ("message expired", "timed out"),
    "networkerror": ("connection refused", "lost connection"),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = own_body(message, _START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body, _END)
    out = []
    for address, words in blocks(text, _RECIPIENT):
        said = words.partition("said:")[2] or words
        out.append(found(address, words, reason=reason_of(said, MESSAGES), reply_from=said))
    return out or None
