"""Email addresses as the store keeps them: one spelling per mailbox, so lookups and suppressions agree.

Foundation layer: imports nothing from publisher but errors.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from publisher.errors import InvalidAddress


def normalize_address(address: str) -> str:
    """The address as stored (domain lowercased, IDN as ASCII); InvalidAddress names it and the reason."""
    raw = address.strip()
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
