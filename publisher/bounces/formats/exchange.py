"""Microsoft Exchange / Office 365 / Outlook.com NDRs that are not RFC 3464 (text or HTML-only bodies).

Exchange 2007-2019 and Office 365: "Delivery has failed to these recipients or groups:" (or "Your message
to X couldn't be delivered."), and under "Diagnostic information for administrators:" each address with
its reply ("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", or "Remote Server returned '550 5.1.1
...'"). Exchange 2000/2003: "Your message did not reach some or all of the intended recipients." and
" kijitora@example.jp on 6/30/2010 1:23 PM" followed by "<mx.example.jp #5.1.1 smtp;550 5.1.1 ...>".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import ADDRESS, cut, found, own_body, reason_of, squash
from publisher.bounces.report import Found

_START = re.compile(
    r"Delivery has failed to these recipients or (?:groups|distribution lists)"
    r"|Your message to \S{1,300} couldn't be delivered|Your message couldn't be delivered to"
    r"|Your message did not reach some or all of the intended recipients"
    r"|The following recipient\(s\) (?:cannot|could not) be reached|did not reach the following recipient\(s\)",
    re.IGNORECASE,
)
_END = re.compile(r"^Original message headers:|^Content-Type:\s*message/rfc822|^-{3,} ?Original message", re.I | re.M)
_DIAGNOSTIC = re.compile(r"Diagnostic information for administrators:", re.IGNORECASE)
_REPLY = re.compile(
    r"#([245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}[^#]{0,600})##|Remote Server returned '([^']{1,600})'", re.I
)
# " kijitora@example.jp on 6/30/2010 1:23 PM", "kijitora@example.jp on Thu, 29 Apr 2010 00:00:00 -0000"
_OLD = re.compile(r"^\s{0,8}(\S{1,64}@[\w.-]{1,255}) on (?:\w{3}, )?\d{1,4}[/. -](?:\d{1,2}|\w{3})[/. -]\d{1,4}", re.M)
_OLD_REPLY = re.compile(r"<([\w.-]{1,255}) #(\d\.\d{1,3}\.\d{1,3})(?: (?:smtp|x-unix);\s*)?([^>]{0,600})>", re.I)
_COULDNT = re.compile(r"Your message to (\S{1,300}) couldn't be delivered", re.IGNORECASE)
_GENERATING = re.compile(r"Generating server:\s*([\w.-]{1,255})", re.IGNORECASE)
# Exchange's resolver and store agents name the reason in their own codes.
MESSAGES: dict[str, tuple[str, ...]] = {
    "userunknown": (
        "resolver.adr.recipnotfound",
        "recipient address rejected: access denied",
        "resolver.adr.recipientnotfound",
        "resolver.adr.exrecipnotfound",
        "recipient not found by smtp address lookup",
        "the e-mail account does not exist",
        "the email address you entered couldn't be found",
        "wasn't found at",
        "the recipient name is not recognized",
    ),
    "mesgtoobig": ("resolver.rst.recipsizelimit", "exceeds the maximum message size", "message too large"),
    "mailboxfull": ("storedrv.deliver: mailbox full", "mailbox full", "recipient's mailbox is full", "mailbox is full"),
    "hostunknown": (
        "the domain name in the e-mail address is incorrect",
        "dns query failed",
        "couldn't be found. check the address",
    ),
    "expired": (
        "message expired",
        "delivery time expired",
        "couldn't deliver the message in the allotted time",
        "messaging server could not deliver the message in the allotted time",
    ),
    "rejected": ("resolver.rst.notauthorized", "not authorized to send to this recipient"),
    "filtered": ("resolver.rst.authrequired", "restricts who can send", "only accepts email from"),
    "securityerror": ("resolver.rst.senderidfail",),
    "systemerror": ("routing loop", "mail loop"),
}


def read(message: EmailMessage) -> list[Found] | None:
    body = own_body(message, _START, html=True)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body, _END)
    diagnostic = _DIAGNOSTIC.search(text)
    admin = text[diagnostic.end() :] if diagnostic else text
    remote = _GENERATING.search(admin)
    out = _new_style(admin, remote.group(1) if remote else None) or _old_style(text)
    if not out:
        named = _COULDNT.search(text)
        addresses = ADDRESS.findall(named.group(1)) if named else []
        words = squash(text[named.end() :] if named else admin)
        out = [found(a, words, reason=reason_of(words, MESSAGES)) for a in addresses]
    return out or None


def _new_style(admin: str, generating: str | None) -> list[Found]:
    out = []
    lines = admin.splitlines()
    for number, line in enumerate(lines):
        address = ADDRESS.fullmatch(line.strip().strip("<>"))
        if address is None:
            continue
        rest = "\n".join(lines[number + 1 : number + 8])
        reply = _REPLY.search(rest)
        if reply is None:
            continue
        words = squash(reply.group(1) or reply.group(2))
        remote = re.search(r"^\s*([\w.-]{1,255}\.[A-Za-z]{2,63})\s*$", rest, re.MULTILINE)
        out.append(
            found(
                address.group(0),
                words,
                reason=reason_of(words, MESSAGES),
                remote=remote.group(1) if remote else generating,
            )
        )
    return out


def _old_style(text: str) -> list[Found]:
    out = []
    matches = list(_OLD.finditer(text))
    for number, match in enumerate(matches):
        stop = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        chunk = text[match.end() : stop]
        reply = _OLD_REPLY.search(chunk)
        words = squash(chunk if reply is None else f"{reply.group(2)} {reply.group(3)} {chunk[: reply.start()]}")
        out.append(
            found(match.group(1), words, reason=reason_of(chunk, MESSAGES), remote=reply.group(1) if reply else None)
        )
    return out
