"""The MTAs' and providers' own bounce bodies: one module per family, one `read(message)` each.

`read(message)` tries every reader in READERS and returns (name, blocks) from the first that
recognises the message; `refine` lets a provider's reader correct what an RFC 3464 report's fields say
(Exchange's and Gmail's diagnostics name the reason better than their status codes); `name_of` says
which MTA wrote an RFC 3464 report; `is_auto_reply` spots RFC 3834 auto-replies and vacation notices,
which are not bounces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage

from publisher.bounces.formats import (
    courier,
    domino,
    exchange,
    exim,
    gmail,
    gmx,
    imail,
    intl,
    james,
    mailru,
    mdaemon,
    postfix,
    qmail,
    sendgrid,
    sendmail,
    ses,
    yahoo,
    zoho,
)
from publisher.bounces.report import Found

Reader = Callable[[EmailMessage], list[Found] | None]

# Tried in order; the first that recognises a message reads it. Providers whose bodies look like an MTA's
# (Mail.ru, GMX and Zoho write Exim's "created automatically by mail delivery software") come before that
# MTA; the language reader, which needs only a daemon sender, a "not delivered" and a code, comes last.
READERS: list[tuple[str, Reader]] = [
    ("mailru", mailru.read),
    ("gmx", gmx.read),
    ("zoho", zoho.read),
    ("yahoo", yahoo.read),
    ("gmail", gmail.read),
    ("exchange", exchange.read),
    ("ses", ses.read),
    ("sendgrid", sendgrid.read),
    ("domino", domino.read),
    ("mdaemon", mdaemon.read),
    ("imail", imail.read),
    ("james", james.read),
    ("courier", courier.read),
    ("sendmail", sendmail.read),
    ("postfix", postfix.read),
    ("exim", exim.read),
    ("qmail", qmail.read),
    ("intl", intl.read),
]

_MAILER_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery|mdaemon|bounce", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(r"^\s*(?:auto(?:matic)?[ -]?reply|out of (?:the )?office|vacation|abwesenheit)", re.I)


def read(message: EmailMessage) -> tuple[str, list[Found]] | None:
    """(reader name, blocks) from the first reader that recognises this message, or None."""
    for name, reader in READERS:
        try:
            found = reader(message)
        except Exception:  # one reader choking on odd input must not stop the others
            continue
        if found is not None:  # [] is a reader's "mine, and no failure in it" (a delay warning, a person's mail)
            return name, found
    return None


def refine(message: EmailMessage, found: list[Found]) -> list[Found]:
    """An RFC 3464 report's blocks, corrected where the MTA that wrote it is known to say more elsewhere
    (publisher.bounces.formats.providers: the words of the human-readable part, misleading provider codes)."""
    from publisher.bounces.formats import providers

    return providers.refine(message, found)


def name_of(message: EmailMessage, default: str) -> str:
    """Which MTA or provider wrote this report, from its tell-tale headers; `default` when unknown."""
    from publisher.bounces.formats import providers

    return providers.name_of(message, default)


def is_auto_reply(message: EmailMessage) -> bool:
    """An RFC 3834 auto-reply or a vacation notice from a person's mailbox (not a mailer daemon's bounce)."""
    from publisher.bounces.formats import providers

    return providers.is_auto_reply(message)
