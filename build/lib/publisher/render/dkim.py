"""Optional DKIM signing (dkimpy): the key is read once per campaign, each message is signed as built.

Signing costs an RSA operation per message (dkimpy computes it in Python: a few milliseconds for a 2048-bit
key), so it is the dominant per-message cost when enabled.
"""

from __future__ import annotations

from collections.abc import Callable

import dkim

from publisher.config import Settings
from publisher.errors import ConfigError

# What a DKIM signature covers: the headers a receiver shows or acts on.
SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]

Signer = Callable[[bytes], bytes]


def dkim_signer(settings: Settings) -> Signer | None:
    """A function that returns the DKIM-Signature header line for a message, or None when DKIM is off."""
    if settings.dkim_key_path is None and settings.dkim_selector is None:
        return None
    if settings.dkim_key_path is None:
        raise ConfigError("DKIM needs both PUBLISHER_DKIM_KEY_PATH and PUBLISHER_DKIM_SELECTOR")
    try:  # the key file first: a path naming nothing is the likelier mistake, and the reason names it
        key = settings.dkim_key_path.read_bytes()
    except OSError as exc:
        also = "" if settings.dkim_selector else "; PUBLISHER_DKIM_SELECTOR is not set either"
        raise ConfigError(f"cannot read the DKIM key {settings.dkim_key_path}: {exc.strerror}{also}") from None
    if not settings.dkim_selector:
        raise ConfigError("DKIM needs both PUBLISHER_DKIM_KEY_PATH and PUBLISHER_DKIM_SELECTOR")
    selector = settings.dkim_selector.encode("ascii")
    domain = (settings.dkim_domain or settings.sender_domain).encode("ascii")
    try:  # fail now, with the reason, rather than once per message in a worker
        dkim.sign(b"From: a@b\r\n\r\nx\r\n", selector, domain, key, include_headers=[b"From"])
    except dkim.DKIMException as exc:
        raise ConfigError(f"the DKIM key {settings.dkim_key_path} is not usable: {exc}") from None

    def sign(message: bytes) -> bytes:
        return dkim.sign(message, selector, domain, key, include_headers=SIGNED_HEADERS)

    return sign
