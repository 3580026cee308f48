"""Encryption at rest for accounts added in the editor: AES-256-GCM under a key derived from PUBLISHER_SECRET_KEY.

The key is HKDF-SHA256 over PUBLISHER_SECRET_KEY with a fixed purpose string, so the secret key itself is
never used as a cipher key and the same secret yields unrelated keys for other purposes. Each value gets a
random 96-bit nonce, and the account's name is bound as associated data: a ciphertext copied onto another
row does not decrypt. A sealed value is `v1:` + base64url(nonce + ciphertext + tag).

There is deliberately no fallback to the data directory's generated key (Settings.signing_key): that file
sits next to the SQLite database, so a copy of the data directory would carry the key with the secrets it
protects. Without PUBLISHER_SECRET_KEY nothing is stored (`Vault.from_settings` refuses, saying so).
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from publisher.config import Settings
from publisher.errors import ConfigError

VERSION = "v1"
_PURPOSE = b"publisher channel accounts v1"
_NONCE = 12
NO_KEY = (
    "accounts cannot be stored: PUBLISHER_SECRET_KEY is not set (the stored secrets are encrypted with a key "
    "derived from it; set it to a long random value, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
)


class WrongKey(ConfigError):
    """A stored value that does not open with this key: PUBLISHER_SECRET_KEY changed, or the row was altered."""


def derive_key(secret: str) -> bytes:
    """The 32-byte AES key for `secret` (HKDF-SHA256, no salt: the input is already a high-entropy secret)."""
    if not secret:
        raise ConfigError(NO_KEY)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret.encode("utf-8"))


class Vault:
    """Seals and opens account secrets with one key; never logs or shows what it handles."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(derive_key(secret))

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault for PUBLISHER_SECRET_KEY; a ConfigError saying what to do when it is not set."""
        if settings.secret_key is None or not settings.secret_key.get_secret_value():
            raise ConfigError(NO_KEY)
        return cls(settings.secret_key.get_secret_value())

    def __repr__(self) -> str:
        return "Vault(key=***)"

    def seal(self, name: str, plaintext: str) -> str:
        """`plaintext` encrypted for the account called `name`."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(name))
        return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, name: str, sealed: str) -> str:
        """The plaintext of a value sealed for `name`; WrongKey when this key (or this name) does not open it."""
        version, _, body = sealed.partition(":")
        if version != VERSION:
            raise WrongKey(f"stored account {name!r}: unknown encryption format {version[:10]!r}")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(name)).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise WrongKey(
                f"stored account {name!r} cannot be decrypted with the current PUBLISHER_SECRET_KEY (was the key "
                "changed? `publisher channels rekey --old-key ...` re-encrypts with the new one)"
            ) from None


def _aad(name: str) -> bytes:
    return b"account:" + name.encode("utf-8")
