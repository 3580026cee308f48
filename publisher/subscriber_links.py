"""Signed subscriber links: the unsubscribe / preferences token and what it claims.

A token names a subscription (subscriber id, list id) and a keyed tag of the address it was made for, so
a link never controls anyone it did not name, even if an id were ever handed on. Tokens never expire
(RFC 8058 wants unsubscribe links to keep working) and only let their bearer leave or choose lists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from typing import NamedTuple

from itsdangerous import BadData, BadSignature, URLSafeSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from publisher.errors import PublisherError


def is_canonical_token(token: str) -> bool:
    """Whether the token's signature is written the one way its bytes encode.

    itsdangerous compares decoded signatures, and base64 ignores the spare low bits of the last character,
    so without this check a few one-character changes to a token would still be accepted.
    """
    signature = token.rpartition(".")[2]
    try:
        return base64_encode(base64_decode(signature)).decode("ascii") == signature
    except (BadData, ValueError, UnicodeError):
        return False


_SALT = b"publisher.unsubscribe"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT.decode())


@lru_cache(maxsize=8)
def _signing_key(secret: str) -> bytes:
    """The key itsdangerous derives for _serializer(secret) (django-concat, SHA-1), derived once, not per token."""
    return hashlib.sha1(_SALT + b"signer" + secret.encode()).digest()


class LinkClaim(NamedTuple):
    """What a signed unsubscribe link says: the subscription, and a tag of the address it was made for."""

    subscriber_id: int
    list_id: int
    address_tag: str | None  # None in links made before tags existed (they stay valid: see README)


def address_tag(secret: str, email: str) -> str:
    """A keyed digest of the address a link was made for: a link outlives nobody it did not name.

    Keyed, so the link does not let anyone test guesses of the address.
    """
    mac = hmac.digest(secret.encode(), b"publisher.link-address:" + email.encode(), "sha256")
    return base64.urlsafe_b64encode(mac[:12]).decode("ascii")


def unsubscribe_token(secret: str, subscriber_id: int, list_id: int, email: str) -> str:
    """A signed token naming one subscription and (as a keyed tag) its address; it carries no address.

    What _serializer(secret).dumps() writes, which read_unsubscribe_token reads, made without its per-call
    key derivation and zlib attempt (90 µs of a message's 150 µs of CPU; delivery makes one per message):
    the payload is never compressed, which dumps does only when that saves two bytes (long runs of digits),
    and which loads reads either way.
    """
    payload = json.dumps([subscriber_id, list_id, address_tag(secret, email)], separators=(",", ":")).encode()
    body = base64_encode(payload)
    signature = base64_encode(hmac.digest(_signing_key(secret), body, "sha1"))
    return (body + b"." + signature).decode("ascii")


def read_unsubscribe_token(secret: str, token: str) -> LinkClaim:
    """The claim a link makes; the caller checks the tag against the subscriber's address."""
    try:
        if not is_canonical_token(token):
            raise BadSignature("signature is not in canonical form")
        claim = _serializer(secret).loads(token)
        if not isinstance(claim, list) or len(claim) not in (2, 3):
            raise ValueError("not a link claim")
        tag = str(claim[2]) if len(claim) == 3 else None
        return LinkClaim(int(claim[0]), int(claim[1]), tag)
    except (BadSignature, ValueError, TypeError):
        raise PublisherError("this unsubscribe link is not valid") from None


def link_names(secret: str, claim: LinkClaim, email: str) -> bool:
    """Whether a link's claim was made for this address (links from before tags name only the id)."""
    return claim.address_tag is None or hmac.compare_digest(claim.address_tag, address_tag(secret, email))
