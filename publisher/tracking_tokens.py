"""Signed tracking tokens (issue 15): what /o/<token>.gif and /r/<token> carry, and nothing guessable.

A token is base64url (no padding) of a 17-byte payload (kind, campaign id, link position, recipient id)
followed by a 12-byte truncated HMAC-SHA256 of it, keyed from the publisher's secret key. Parsing checks
the MAC in constant time: a forged, truncated or altered token parses to None. The token names a
recipient id only inside the MAC'd payload; a redirect never goes to a URL the request carries, only to
the one stored for (campaign, position).

Low in the layers (foundations) because render fills the tokens in per recipient without importing insight.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from typing import Literal

Kind = Literal["open", "click"]
_KINDS: dict[str, int] = {"open": 1, "click": 2}
_NAMES = {v: k for k, v in _KINDS.items()}
_PAYLOAD = struct.Struct(">BIIQ")  # kind, campaign id, position, recipient id
MAC_BYTES = 12
_LENGTH = _PAYLOAD.size + MAC_BYTES
_MAX_TEXT = 64  # base64url of 29 bytes is 39 characters; anything much longer is not worth decoding
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
POST_RECIPIENT = 0  # the recipient a share post's link names: a post has no subscriber


@dataclass(frozen=True)
class Token:
    kind: Kind
    campaign_id: int
    position: int  # the link's position in tracked_links; 0 for an open
    recipient_id: int


def tracking_key(secret: str) -> bytes:
    """The MAC key, derived from the secret key for this purpose only."""
    return hashlib.sha256(f"publisher-tracking-token\0{secret}".encode()).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class TokenSigner:
    """Makes and checks tokens; the keyed HMAC object is built once and copied per token (cheap)."""

    def __init__(self, secret: str) -> None:
        self._keyed = hmac.new(tracking_key(secret), digestmod=hashlib.sha256)

    def _mac(self, payload: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(payload)
        return mac.digest()[:MAC_BYTES]

    def make(self, kind: Kind, campaign_id: int, position: int, recipient_id: int) -> str:
        payload = _PAYLOAD.pack(_KINDS[kind], campaign_id, position, recipient_id)
        return _encode(payload + self._mac(payload))

    def parse(self, text: str) -> Token | None:
        """The token's contents, or None when it is not one this key signed (forged, truncated, altered)."""
        if len(text) > _MAX_TEXT or not _ALPHABET.fullmatch(text):
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != _LENGTH or _encode(raw) != text:  # one spelling per token: no altered twin parses
            return None
        payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        kind, campaign_id, position, recipient_id = _PAYLOAD.unpack(payload)
        if kind not in _NAMES:
            return None
        return Token(_NAMES[kind], campaign_id, position, recipient_id)  # type: ignore[arg-type]


class MessageTokens:
    """Per recipient, the tokens of one campaign's pixel and links: one HMAC per link per recipient."""

    def __init__(self, signer: TokenSigner, campaign_id: int) -> None:
        self.signer = signer
        self.campaign_id = campaign_id

    def open_token(self, recipient_id: int) -> str:
        return self.signer.make("open", self.campaign_id, 0, recipient_id)

    def click_token(self, position: int, recipient_id: int) -> str:
        return self.signer.make("click", self.campaign_id, position, recipient_id)
