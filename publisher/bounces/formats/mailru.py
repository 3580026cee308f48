"""Mail.ru's bounces: Exim's layout under a Russian preamble ("Это письмо создано автоматически сервером
Mail.Ru ... Ваше письмо не может быть доставлено одному или нескольким получателям").

The Russian text comes first, then Exim's own ("This message was created automatically by mail delivery
software." and the indented address with "SMTP error from remote mail server after RCPT TO:..."), so the
Exim parser reads it; some bounces carry only the Russian part, with the address and the reply below it.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats import exim
from publisher.bounces.formats.text import ADDRESS, cut, found, from_a_person, header, plain_body, reason_of, squash
from publisher.bounces.report import Found

_PROVIDER = re.compile(r"@(?:[\w-]+\.)*(?:mail\.ru|smailru\.net|inbox\.ru|list\.ru|bk\.ru)\b", re.IGNORECASE)
_RUSSIAN = re.compile(r"сервером Mail\.Ru|не может быть\s+доставлено|не удалось доставить|не\s+доставлено", re.I)
MESSAGES: dict[str, tuple[str, ...]] = {
    **exim.MESSAGES,
    "userunknown": exim.MESSAGES["userunknown"]
    + ("пользователь не найден", "нет такого пользователя", "адрес не существует"),
    "mailboxfull": exim.MESSAGES["mailboxfull"] + ("ящик переполнен", "превышен размер ящика"),
    "suspend": ("ящик заблокирован", "ящик отключен"),
}


def read(message: EmailMessage) -> list[Found] | None:
    if not _PROVIDER.search(header(message, "From") + " " + header(message, "Message-ID")):
        return None
    body = plain_body(message)
    if not body or not (exim.START.search(body) or _RUSSIAN.search(body)):
        return None
    if from_a_person(message, body):
        return []  # a person's mail quoting a bounce: recognised, and not one
    if exim.START.search(body):
        return exim.parse(message, body, MESSAGES)
    russian = _RUSSIAN.search(body)
    if russian is None:
        return None
    text = cut(body[russian.end() :], exim.END)
    own = (header(message, "From") + " " + header(message, "To")).lower()
    addresses = list(dict.fromkeys(a for a in ADDRESS.findall(text) if a.lower() not in own))
    words = squash(text)
    return [found(a, words, permanent=True, reason=reason_of(words, MESSAGES)) for a in addresses[:1]] or None
