"""Bounces in other languages (Japanese, Chinese, Russian, German, French, Spanish, ...) whose layout no
other reader knows, read where they carry the codes: an address with a status or SMTP reply next to it.

Read only from a mailer daemon (From: MAILER-DAEMON / postmaster / a "mail delivery" system, or an empty
Return-Path) whose text says, in its language, that the message was not delivered; never from a person's
reply or forward.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from publisher.bounces.formats.text import (
    ADDRESS,
    command_reason,
    cut,
    found,
    header,
    own_body,
    squash,
)
from publisher.bounces.report import Found

_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery|mail-daemon|mailerdaemon|システム|系统|почтов", re.I)
_UNDELIVERED = re.compile(
    "|".join(
        [
            # Japanese
            r"配信(?:でき|出来)ませんでした",
            r"送信(?:でき|出来)ませんでした",
            r"届けることが?(?:でき|出来)ませんでした",
            r"宛先不明",
            r"配送(?:でき|出来)ませんでした",
            r"エラーが発生しました",
            # Chinese (simplified, traditional)
            r"退信",
            r"无法(?:投递|送达|发送)",
            r"投递失败",
            r"未能(?:成功)?(?:送达|投递)",
            r"邮件被退回",
            r"發送失敗",
            r"無法(?:投遞|送達)",
            r"退回",
            # Russian
            r"не (?:может быть|могло быть|было) доставлено",
            r"не удалось доставить",
            r"не\s+доставлено",
            r"невозможно доставить",
            # German, French, Spanish, Italian, Portuguese, Dutch
            r"konnte nicht zugestellt werden",
            r"Unzustellbar",
            r"nicht zustellbar",
            r"n'a pas pu être (?:remis|distribué)",
            r"non remis",
            r"no (?:se )?(?:ha )?(?:podido|pudo) (?:ser )?entregar",
            r"non è stato possibile recapitare",
            r"não (?:foi possível|pôde ser) entreg",
            r"kon niet worden bezorgd",
        ]
    ),
    re.IGNORECASE,
)
_END = re.compile(r"^Content-Type:\s*message/rfc822|^-{3,} ?(?:Original|元のメッセージ|原始邮件|Исходное)", re.I | re.M)
_ALONE = re.compile(r"^\s*<([^\s<>@]{1,64}@[\w.-]{1,255})>\s*$", re.MULTILINE)
_CODE = re.compile(r"(?<![\d.])(?:[245]\.\d{1,3}\.\d{1,3}|[245]\d\d)(?![\d.])")


def read(message: EmailMessage) -> list[Found] | None:
    sender = header(message, "From")
    empty_path = header(message, "Return-Path").strip() in ("<>", "")
    if not (_DAEMON.search(sender) or (empty_path and message.get("Return-Path") is not None)):
        return None
    body = own_body(message, _UNDELIVERED, html=True)
    if not body:
        return None if body is None else []  # "": a person's mail quoting a bounce
    text = cut(body, _END)
    own = {a.lower() for a in ADDRESS.findall(sender + " " + header(message, "To"))}
    lines = text.splitlines()
    out: dict[str, Found] = {}
    for number, line in enumerate(lines):
        for address in ADDRESS.findall(line):
            if address.lower() in own or address.lower() in out:
                continue
            near = "\n".join(lines[number : number + 4])
            if not _CODE.search(near):
                continue
            words = squash(near.replace(address, "", 1) if _CODE.search(line) is None else line)
            words = words if _CODE.search(words) else squash(near)
            out[address.lower()] = found(address, words, reason=command_reason(squash(near)))
    if not out:
        # No code at all: Japanese carriers' (au EZweb's) notices name the address alone on a line in
        # angle brackets, with the reason in words above it ("The user(s) account is disabled.").
        alone = [a for a in _ALONE.findall(text) if a.lower() not in own]
        words = squash(_ALONE.sub(" ", text))
        out = {a.lower(): found(a, words, permanent=True) for a in alone[:5]}
    return list(out.values()) or None
