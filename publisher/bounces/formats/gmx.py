"""GMX, Web.de and 1&1 (United Internet) bounces, in English or German.

"This message was created automatically by mail delivery software." (German: "Diese Nachricht wurde
automatisch vom Mailsystem erstellt" and like wordings), then each address on its own line
(`"kijitora@example.jp":`, `<kijitora@example.jp>`, or bare) and below it "SMTP error from remote server
after RCPT command:", "host: mx.example.jp" and the reply, or "Reason:" / "For the following reason:" and
the words; the header of the message follows "--- The header of the original message is following. ---".
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import blocks, cut, found, header, own_body, reason_of
from publisher.bounces.report import Found

_PROVIDER = re.compile(r"@(?:[\w-]+\.)*(?:gmx\.(?:net|de|com|at|ch)|web\.de|1und1\.de|1and1\.\w+|ionos\.\w+)\b", re.I)
_START = re.compile(
    r"This message was created automatically by mail delivery software"
    r"|Diese Nachricht wurde automatisch (?:vom Mail-?system|von der Mail-?Software|vom Mailserver)"
    r" (?:erstellt|erzeugt|generiert)"
    r"|konnte nicht (?:an (?:einen|alle) (?:oder mehrere )?Empf\w+ )?zugestellt werden",
    re.IGNORECASE,
)
_END = re.compile(
    r"^-{3} ?(?:The header of the original message is following|Der Header der Originalnachricht folgt)"
    r"|^Content-Type:\s*message/rfc822|^-{3,} ?This is a copy of",
    re.IGNORECASE | re.MULTILINE,
)
_RECIPIENT = re.compile(
    r"^[ \t]*(?:\"([^\s\"@]{1,64}@[^\s\"]{1,255})\":|<([^\s<>@]{1,64}@[^\s<>]{1,255})>:?|"
    r"([^\s<>\"@:]{1,64}@[\w.-]{1,255}\.[A-Za-z]{2,63}):?)[ \t]*\r?$",
    re.MULTILINE,
)
MESSAGES: dict[str, tuple[str, ...]] = {
    "expired": ("delivery retry timeout exceeded", "zustellung wurde nach mehreren versuchen abgebrochen"),
    "mesgtoobig": ("mail size limit exceeded", "nachricht ist zu gross", "nachricht ist zu groß"),
    "userunknown": (
        "mailbox unavailable",
        "postfach nicht vorhanden",
        "empfänger unbekannt",
        "unbekannter empfänger",
        "adresse existiert nicht",
        "user unknown",
    ),
    "mailboxfull": ("postfach ist voll", "speicherplatz", "mailbox quota exceeded"),
    "hostunknown": ("domain existiert nicht", "host or domain name not found"),
}


def read(message: EmailMessage) -> list[Found] | None:
    if not (
        message.get("X-GMX-Antispam")
        or message.get("X-UI-Out-Filterresults")
        or _PROVIDER.search(header(message, "From") + " " + header(message, "Message-ID"))
    ):
        return None
    body = own_body(message, _START)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    head = _START.search(body)
    text = cut(body[head.start() if head else 0 :], _END)
    permanent = bool(re.search(r"permanent error|dauerhafter fehler|permanenter fehler", text, re.IGNORECASE))
    out = []
    for address, words in blocks(text, _RECIPIENT):
        words = re.sub(r"^\s*(?:For the following reason|Reason|Grund|Fehlergrund):\s*", " ", words, flags=re.I | re.M)
        host = re.search(r"host:\s*([\w.-]{1,255})", words, re.IGNORECASE)
        said = re.split(r"reason:|\]:|\):", words, maxsplit=1, flags=re.IGNORECASE)[-1]
        out.append(
            found(
                address,
                words,
                permanent=permanent or None,
                remote=host.group(1) if host else None,
                reason=reason_of(words, MESSAGES),
                reply_from=said,
            )
        )
    return out or None
