"""Helpers the format readers share: a message's plain text, whatever its structure and charset."""

from __future__ import annotations

from email.message import Message

_MAX_TEXT = 200_000  # a bounce's own words are short; the quoted message after them is not needed whole


def plain_body(message: Message) -> str:
    """The first text/plain part's text (or the whole body of a single-part message), decoded leniently."""
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() in ("text/plain", "text/rfc822-headers") or not message.is_multipart():
            return text_of(part)
    return ""


def text_of(part: Message) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: nothing to read
        return ""
    if not isinstance(data, bytes):
        return ""
    data = data[:_MAX_TEXT]
    charset = str(part.get_content_charset() or "utf-8")
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")
