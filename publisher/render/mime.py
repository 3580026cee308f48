"""Personalized MIME bytes from a rendered digest, built per recipient without rendering again.

The HTML and text parts are split at their placeholders once per campaign. Each static piece is
quoted-printable encoded once and ends in a soft line break, so a per-recipient value starts a fresh
encoded line; per recipient we only encode a few short values and join bytes.
"""

from __future__ import annotations

import binascii
import html
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from publisher.channels.base import Email
from publisher.errors import HeaderInjection
from publisher.render.email import RenderedDigest, placeholder_pattern
from publisher.render.tracked import OPEN_FIELD, link_position
from publisher.render.urls import unsubscribe_url
from publisher.tracking_tokens import MessageTokens

CRLF = b"\r\n"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Recipient:
    """Who one message goes to, and the values of its personal fields."""

    id: int
    email: str
    name: str
    token: str


def check_header_value(label: str, value: str) -> str:
    """Refuse a header value with a line break (or NUL): it could add headers of its own."""
    if any(c in value for c in "\r\n\x00"):
        raise HeaderInjection(f"{label} contains a line break, which could inject mail headers: {value!r}")
    return value


def _encode_header(name: str, value: str) -> bytes:
    check_header_value(name, value)
    if value.isascii():
        return f"{name}: {value}".encode("ascii")
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=chr(13) + chr(10))}".encode("ascii")


def _encode_address(label: str, value: str) -> str:
    check_header_value(label, value)
    display, address = parseaddr(value)
    return formataddr((display, address), charset="utf-8") if display else address


# A value b2a_qp leaves as it is: printable ASCII but "=" and space, not starting with a dot, short enough to
# fit on one encoded line with the soft break after it. Most per-recipient values (URLs, tokens, addresses).
_QP_AS_IS = re.compile(r"[!-<>-~]{1,75}")


def _qp(text: str, *, soft_break: bool) -> bytes:
    """Quoted-printable with CRLF line ends; with soft_break, end in "=" CRLF: what follows starts a line."""
    if not text:
        return b""
    if soft_break and text[0] != "." and _QP_AS_IS.fullmatch(text):
        return text.encode("ascii") + b"=" + CRLF
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", CRLF)
    if soft_break and not encoded.endswith(CRLF):
        encoded += b"=" + CRLF
    return encoded


class _PartTemplate:
    """One body part split at its placeholders: pre-encoded static bytes and the field names between them."""

    def __init__(self, body: str, key: str, *, escape: bool) -> None:
        body = _LINE_BREAK.sub("\n", body)
        pieces = placeholder_pattern(key).split(body)
        self.static = [_qp(p, soft_break=True) for p in pieces[0::2]]
        self.fields = pieces[1::2]
        self.escape = escape

    def build(self, values: dict[str, str]) -> bytes:
        out = [self.static[0]]
        for field, static in zip(self.fields, self.static[1:], strict=True):
            value = values[field]
            out.append(_qp(html.escape(value) if self.escape else value, soft_break=True))
            out.append(static)
        return b"".join(out)


class _Tracking:
    """The pixel's and links' URLs of one recipient (render.tracked placed their fields): one HMAC per link."""

    def __init__(self, fields: Sequence[str], base_url: str, tokens: MessageTokens) -> None:
        self.links = sorted({(field, n) for field in fields if (n := link_position(field)) is not None})
        self.pixel = OPEN_FIELD in fields
        self.base_url = base_url
        self.tokens = tokens

    @classmethod
    def of(cls, fields: Sequence[str], base_url: str, tokens: MessageTokens | None) -> _Tracking | None:
        if not any(field == OPEN_FIELD or link_position(field) is not None for field in fields):
            return None
        if tokens is None:
            raise ValueError("this digest has tracking links; its MessageTemplate needs the campaign's tokens")
        return cls(fields, base_url, tokens)

    def values(self, recipient_id: int) -> dict[str, str]:
        out = {field: f"{self.base_url}/r/{self.tokens.click_token(n, recipient_id)}" for field, n in self.links}
        if self.pixel:
            out[OPEN_FIELD] = f"{self.base_url}/o/{self.tokens.open_token(recipient_id)}.gif"
        return out


class MessageTemplate:
    """Everything about a campaign's email that is the same for every recipient."""

    def __init__(
        self,
        digest: RenderedDigest,
        *,
        campaign_id: int,
        sender: str,
        base_url: str,
        list_id: str,
        reply_to: str | None = None,
        extra_headers: Sequence[tuple[str, str]] = (),
        unsubscribe_mailto: str | None = None,
        signer: Callable[[bytes], bytes] | None = None,
        message_id_label: str | None = None,
        return_path: Callable[[int], str] | None = None,
        tokens: MessageTokens | None = None,
    ) -> None:
        self.campaign_id = campaign_id
        self.return_path = return_path  # recipient id -> envelope sender (VERP); None: the From address
        # Message-IDs read <publisher.LABEL.rRECIPIENT@domain>; LABEL is c<campaign id> unless given (a test).
        self.message_id_label = check_header_value("Message-ID label", message_id_label or f"c{campaign_id}")
        self.base_url = check_header_value("base URL", base_url)
        self.signer = signer
        self.unsubscribe_mailto = None
        if unsubscribe_mailto:
            address = parseaddr(check_header_value("unsubscribe mailto", unsubscribe_mailto))[1]
            if "@" not in address or any(c in address for c in "<>?, "):
                raise HeaderInjection(f"unsubscribe mailto is not a plain address: {unsubscribe_mailto!r}")
            self.unsubscribe_mailto = address
        self.envelope_from = parseaddr(check_header_value("From", sender))[1]
        self.domain = self.envelope_from.rpartition("@")[2] or "localhost"
        self.boundary = f"=_pub_{secrets.token_hex(12)}"
        headers = [
            b"From: " + _encode_address("From", sender).encode("ascii"),
            _encode_header("Subject", digest.subject),
            b"MIME-Version: 1.0",
            _encode_header("List-Id", list_id),
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ]
        if reply_to:
            headers.append(b"Reply-To: " + _encode_address("Reply-To", reply_to).encode("ascii"))
        headers.extend(_encode_header(name, value) for name, value in extra_headers)
        headers.append(f'Content-Type: multipart/alternative; boundary="{self.boundary}"'.encode("ascii"))
        self.static_headers = CRLF.join(headers) + CRLF
        part = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        delimiter = f"--{self.boundary}\r\n".encode("ascii")
        self.text_head = CRLF + delimiter + part.format("plain").encode("ascii")
        self.html_head = CRLF + delimiter + part.format("html").encode("ascii")
        self.tail = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self.text = _PartTemplate(digest.text, digest.key, escape=False)
        self.html = _PartTemplate(digest.html, digest.key, escape=True)
        self.tracking = _Tracking.of(self.html.fields, self.base_url, tokens)

    def message_id(self, recipient_id: int) -> str:
        """Deterministic, so a message sent twice after a crash is recognisably the same one."""
        return f"<publisher.{self.message_id_label}.r{recipient_id}@{self.domain}>"

    def build(self, recipient: Recipient) -> bytes:
        """The complete message for one recipient, CRLF line ends, ready for SMTP DATA."""
        name = check_header_value("recipient name", recipient.name)
        check_header_value("recipient address", recipient.email)
        values = {"NAME": name or "there", "EMAIL": recipient.email, "TOKEN": recipient.token}
        if self.tracking is not None:
            values.update(self.tracking.values(recipient.id))
        unsubscribe = f"<{unsubscribe_url(self.base_url, recipient.token)}>"
        if self.unsubscribe_mailto:
            unsubscribe += f", <mailto:{self.unsubscribe_mailto}?subject=unsubscribe%20{recipient.token}>"
        message = b"".join(
            (
                self.static_headers,
                b"To: ",
                formataddr((name, recipient.email), charset="utf-8").encode("ascii"),
                CRLF,
                b"Date: ",
                formatdate(usegmt=True).encode("ascii"),
                CRLF,
                b"Message-ID: ",
                self.message_id(recipient.id).encode("ascii"),
                CRLF,
                b"List-Unsubscribe: ",
                unsubscribe.encode("ascii"),
                CRLF,
                CRLF,
                b"This is a multi-part message in MIME format.",
                CRLF,
                self.text_head,
                self.text.build(values),
                self.html_head,
                self.html.build(values),
                self.tail,
            )
        )
        return self.signer(message) + message if self.signer else message

    def email(self, recipient: Recipient) -> Email:
        """The finished Email for one recipient: envelope, deterministic Message-ID and the built bytes."""
        return Email(
            message_id=self.message_id(recipient.id),
            sender=self.return_path(recipient.id) if self.return_path else self.envelope_from,
            recipient=recipient.email,
            raw=self.build(recipient),
        )
