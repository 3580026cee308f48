"""Email addresses as the store keeps them: one spelling per mailbox, so lookups and suppressions agree.

Foundation layer: imports nothing from publisher but errors.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from publisher.errors import InvalidAddress

# The common case, told apart without email-validator (about 150 us a call; a million-row import is 10^6 calls):
# an unquoted ASCII local part of dot-separated atoms, an ASCII domain. email-validator leaves such a local part
# as it is, so the address it gives is that local part, "@", and the domain as it gives it for any address,
# which is asked once per domain. Anything else (quotes, non-ASCII, a bad or over-long part) goes to it whole,
# so the rules and the error messages are its own (tests/publisher/test_addresses.py compares the two).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@([A-Za-z0-9.-]+)")
_LOCAL_MAX, _ADDRESS_MAX = 64, 254


def normalize_address(address: str) -> str:
    """The address as stored (domain lowercased, IDN as ASCII); InvalidAddress names it and the reason."""
    raw = address.strip()
    plain = _PLAIN.fullmatch(raw)
    if plain is not None and len(plain[1]) <= _LOCAL_MAX and len(raw) <= _ADDRESS_MAX:
        domain = _domain(plain[2])
        if domain is not None:
            return f"{plain[1]}@{domain}"
    return _validated(address, raw)


@lru_cache(maxsize=65_536)
def _domain(domain: str) -> str | None:
    """The domain as email-validator writes it in a valid address, or None if it refuses it."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False, allow_smtputf8=False).ascii_domain
    except EmailNotValidError:
        return None


def _validated(address: str, raw: str) -> str:
    if any(c in raw for c in "\r\n\x00"):
        raise InvalidAddress(f"{address!r} is not a valid email address: it contains a line break")
    try:
        result = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"{raw!r} is not a valid email address: {exc}") from None
    return result.ascii_email or result.normalized


def canonical_address(email: str) -> str:
    """The address as subscribers and suppressions store it (domain lowercased); raw if it cannot be parsed.

    A bounce may name an address email-validator refuses; it is still worth suppressing as given.
    """
    try:
        return normalize_address(email)
    except InvalidAddress:
        local, at, domain = email.strip().rpartition("@")
        return f"{local}@{domain.lower()}" if at else email.strip()
