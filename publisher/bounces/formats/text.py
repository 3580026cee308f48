"""Helpers the format readers share: a message's text whatever its structure and charset, and the pieces
every non-standard bounce has (recipient lines, the remote server's words, the quoted original).

Each reader finds its MTA's tell-tale first (`from_a_person` keeps a person's forwarded or quoted bounce
from being read as one), cuts the text where the returned copy of the message starts, and builds its
`Found` blocks with `found()`, which pulls the status, the SMTP reply and the remote host from the words.
"""

from __future__ import annotations

import html
import re
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

from publisher.bounces.reasons import by_wording, effect_of, reply_code_of
from publisher.bounces.report import Found

_MAX_TEXT = 200_000  # a bounce's own words are short; the quoted message after them is not needed whole
_MAX_WORDS = 2000
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_FORWARDED_SUBJECT = re.compile(r"^\s*(?:re|aw|fwd?|wg|tr|sv|vs)\s*:", re.IGNORECASE)
# Only a forward's own marks: "----- Original message -----" is also how Gmail and Sendmail quote the bounced mail.
_FORWARDED_BODY = re.compile(
    r"^-{2,} ?(?:Forwarded message|Weitergeleitete Nachricht|Message transf[ée]r[ée]|Mensaje reenviado)", re.I | re.M
)
_DAEMON = re.compile(r"mailer-daemon|post_?master|mail delivery|mdaemon|bounce|daemon|<@>|<>", re.IGNORECASE)
# The SMTP command a refusal answered: Exim's "SMTP error ... after MAIL FROM:", a transcript's ">>> MAIL FROM:".
_COMMAND = re.compile(
    r"(?:SMTP error from remote (?:mail server|mailer) after |>>> ?|--> ?)(MAIL FROM|initial connection|HELO|EHLO)\b",
    re.IGNORECASE,
)
# An RFC 3463 status, not the tail of an IP address ("host y[1.2.3.4]" holds no status 2.3.4).
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_TAG = re.compile(r"<[^<>]{0,2000}>")
_BREAK = re.compile(r"<\s*(?:br|/p|p|/div|div|/tr|tr|/li|li|hr|/h\d)\b[^<>]{0,2000}>", re.IGNORECASE)
_SKIP_HTML = re.compile(r"<(style|script|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# Where the host that answered is named: "host mx.example.com[192.0.2.1] said:", "host mx.example.com
# [192.0.2.1]:", "Connected to 192.0.2.1 but", "Generating server: mx.example.com", "mx.example.com [192.0.2.1]:".
_HOST = (
    r"(?:\[?\d{1,3}(?:\.\d{1,3}){3}\]?|(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}\.?"
    r"|\[?[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\]?)"
)
_REMOTE = re.compile(
    rf"(?:\bhost[: ]\s*|\bConnected to |Generating server: |^\s*|\bby |\bremote (?:host|server|MTA)[: ]\s*)"
    rf"({_HOST})(?=\s*(?:\[[0-9a-fA-F.:]{{3,45}}\])?\s*(?:said|[:.,]|\bbut\b|\(|$))",
    re.IGNORECASE | re.MULTILINE,
)


def plain_body(message: Message) -> str:
    """The first text/plain part's text (or the whole body of a single-part message), decoded leniently."""
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() in ("text/plain", "text/rfc822-headers") or not message.is_multipart():
            return text_of(part)
    return ""


def any_text(message: Message) -> str:
    """The first text/plain part's text, else the first text/html part's words (Exchange's HTML-only NDRs)."""
    text = plain_body(message)
    if text.strip() and not _looks_like_html(text, message):
        return text
    for part in message.walk():
        if not part.is_multipart() and part.get_content_type() == "text/html":
            return html_text(text_of(part))
    return html_text(text) if text else ""


def _looks_like_html(text: str, message: Message) -> bool:
    return (
        not message.is_multipart()
        and message.get_content_type() == "text/html"
        or (text.lstrip()[:200].lower().startswith(("<html", "<!doctype")))
    )


def html_text(markup: str) -> str:
    """The words of an HTML body, one block element a line."""
    markup = _SKIP_HTML.sub(" ", markup[:_MAX_TEXT])
    markup = _BREAK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", markup)).replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.splitlines())


def text_of(part: Message) -> str:
    """A non-multipart part's text, decoded with its charset (utf-8 when it names none or a bogus one)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: nothing to read
        return ""
    if not isinstance(data, bytes):
        return ""
    data = data[:_MAX_TEXT]
    charset = str(part.get_content_charset() or "utf-8")
    try:
        text = data.decode(charset, "replace")
    except LookupError:
        text = data.decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")  # the readers' patterns read lines ending "\n"


def header(message: Message, name: str) -> str:
    """A header's text, "" when absent or unreadable (a malformed header must not stop a reader)."""
    try:
        return " ".join(str(message.get(name) or "").split())
    except Exception:  # the email package's header parser is not total on hostile input
        return ""


def from_a_person(message: Message, text: str = "") -> bool:
    """A person's mail that quotes a bounce (a reply, a forward, a question): never read as one.

    A bounce comes from a mailer daemon with an empty envelope sender (Return-Path: <>), or says it was
    generated (Auto-Submitted); a person's mail has their address as its Return-Path and From.
    """
    if _FORWARDED_BODY.search(text[:20_000]):
        return True
    path, sender = header(message, "Return-Path"), header(message, "From")
    if message.get("Auto-Submitted") or _DAEMON.search(sender) or path in ("<>", "<@>"):
        return False  # a daemon's, even under a "Re:" subject (Verizon's and others' bounces have one)
    return True


def own_body(message: Message, start: re.Pattern[str], *, html: bool = False) -> str | None:
    """The text of a bounce whose tell-tale `start` it shows; "" for a person's mail quoting one; None
    when it is not this kind of bounce at all. html: read HTML-only bodies too (any_text)."""
    body = any_text(message) if html else plain_body(message)
    if not body or not start.search(body):
        return None
    return "" if from_a_person(message, body) else body


def cut(text: str, end: re.Pattern[str]) -> str:
    """The text before the returned copy of the message starts (`end` finds where)."""
    found = end.search(text)
    return text[: found.start()] if found else text


def squash(text: str) -> str:
    """Whitespace collapsed, capped: the remote server's words as one line."""
    return " ".join(text.split())[:_MAX_WORDS]


def failed_recipients(message: Message) -> list[str]:
    """The addresses of Exim's (and others') X-Failed-Recipients header."""
    return [a for a in ADDRESS.findall(header(message, "X-Failed-Recipients"))]


def quoted_recipient(text: str) -> str | None:
    """The To: of the returned original message quoted after the report's own words, when there is one."""
    for match in re.finditer(r"^To:[ \t]*(.{1,500}(?:\r?\n[ \t]+.{1,500}){0,3})", text, re.MULTILINE):
        addresses = [a for _, a in getaddresses([match.group(1)]) if "@" in a]
        if len(addresses) == 1:
            return addresses[0]
    return None


def original_headers(message: Message) -> Message | None:
    """The header block of a returned message/rfc822 or text/rfc822-headers part, when there is one."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        elif kind == "text/rfc822-headers":
            return HeaderParser().parsestr(text_of(part))
    return None


def remote_of(words: str) -> str | None:
    """The host that answered, from the MTA's words ("host mx.example.com[192.0.2.1] said: ...")."""
    for match in _REMOTE.finditer(words[:1000]):
        host = match.group(1).strip("[].")
        if "." in host or ":" in host:
            return host
    return None


def found(
    email: str,
    words: str,
    *,
    permanent: bool | None = None,
    remote: str | None = None,
    reason: str | None = None,
    reply_from: str | None = None,
) -> Found:
    """One recipient block from the MTA's words: status, SMTP reply and remote host read from them.

    permanent: what the MTA said of the whole report ("This is a permanent error"), the status class when
    the words carry no code; reply_from: the part of the words the remote server's reply starts in.
    """
    words = squash(words)
    code = _STATUS.search(words)
    status = code.group(1) if code else None
    reply = reply_code_of(reply_from if reply_from is not None else words)
    if status is None and permanent is not None:
        status = "5.0.0" if permanent else "4.0.0"
    return Found(
        email=email.strip().rstrip(".:,;").strip("<>\"'"),
        status=status,
        reply_code=reply,
        diagnostic=words or None,
        remote_mta=remote or remote_of(words),
        reason=reason,
    )


def command_reason(words: str) -> str | None:
    """The reason the refused SMTP command names, when the words name none on the sender's side.

    A refusal of MAIL FROM is about the sender address ("550 Unroutable sender address" is no unknown
    host of the reader's), one at the greeting or HELO about the sending host (Sisimai reads them so).
    """
    command = _COMMAND.search(words)
    if command is None:
        return None
    worded = by_wording(words[command.end() :])
    if worded is not None and effect_of(worded) == "sender":
        return None  # the words are specific: the classifier reads them
    return "rejected" if command.group(1).upper().startswith("MAIL") else "blocked"


def reason_of(words: str, messages: dict[str, tuple[str, ...]]) -> str | None:
    """The reason an MTA's own fixed phrase names (`messages`: reason -> phrases, lowercase), or None."""
    lowered = words.lower()
    for reason, phrases in messages.items():
        if any(phrase in lowered for phrase in phrases):
            return reason
    return None


def blocks(text: str, start: re.Pattern[str]) -> list[tuple[str, str]]:
    """(address, words) for every recipient line `start` finds, the words running to the next one."""
    matches = list(start.finditer(text))
    out = []
    for number, match in enumerate(matches):
        stop = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        address = next((g for g in match.groups() if g and "@" in g), None)
        if address:
            out.append((address, text[match.end() : stop]))
    return out
