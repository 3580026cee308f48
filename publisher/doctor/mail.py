"""The checks of mail: the SMTP server answering (no mail sent) and the DKIM key against its DNS record."""

from __future__ import annotations

import dkim

from publisher.channels.check import check_channel
from publisher.config import Settings
from publisher.doctor.findings import DnsLookup, Finding, error, ok, warning
from publisher.errors import ConfigError
from publisher.render.dkim import dkim_signer

_PROBE = b"From: doctor@localhost\r\nSubject: publisher doctor\r\n\r\nnot sent\r\n"


def smtp(settings: Settings, timeout: float) -> list[Finding]:
    """EHLO, STARTTLS or implicit TLS, login as configured, QUIT (publisher.channels.check); no mail sent."""
    if not settings.smtp_host:
        return [ok("smtp", "not configured: digests are written to the file outbox")]
    quick = settings.model_copy(update={"smtp_timeout": min(settings.smtp_timeout, timeout)})
    result = check_channel("smtp", quick)
    where = f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
    return [(ok if result.ok else error)("smtp", result.message, where)]


def dkim_key(settings: Settings, dns: DnsLookup | None = None) -> list[Finding]:
    """The key readable and usable; when DNS answers, the selector's record publishing its public half."""
    if settings.dkim_key_path is None and settings.dkim_selector is None:
        if settings.smtp_host:
            return [warning("dkim", "not configured: mail goes out unsigned, which receivers trust less")]
        return [ok("dkim", "not configured (mail goes to the file outbox)")]
    try:
        signer = dkim_signer(settings)
    except ConfigError as exc:  # names the key's path: the terminal's part
        readable = settings.dkim_key_path is not None and settings.dkim_key_path.is_file()
        what = "the key is not usable" if readable else "the key cannot be read"
        return [error("dkim", what, str(exc))]
    assert signer is not None and settings.dkim_selector  # dkim_signer checked both
    domain = settings.dkim_domain or settings.sender_domain
    name = f"{settings.dkim_selector}._domainkey.{domain}"
    lookup = dns or _txt
    try:
        record = lookup(name.encode("ascii"))
    except Exception as exc:  # noqa: BLE001 - any resolver failure means "DNS did not answer"
        return [warning("dkim", f"key readable; DNS did not answer for the record ({type(exc).__name__})", name)]
    if not record:
        return [warning("dkim", "key readable; no record is published for the selector yet", name)]
    message = signer(_PROBE) + _PROBE
    try:
        matches = dkim.verify(message, dnsfunc=lambda *_args, **_kw: record)
    except dkim.DKIMException:
        matches = False
    if not matches:
        return [error("dkim", "the published record does not match the key: receivers will reject signatures", name)]
    return [ok("dkim", "key readable and matching the published record", name)]


def _txt(name: bytes) -> bytes | None:
    from dkim.dnsplug import get_txt  # dnspython underneath

    answer: bytes | None = get_txt(name, timeout=3)
    return answer
