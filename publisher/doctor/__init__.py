"""`publisher doctor`: the configuration an operator actually has, checked, one finding per check.

Every check reaches what it names (the database, the broker, the workers, the SMTP server, DNS, the base
URL, the media store, each social account) with a short timeout, changes nothing lasting (the media probe
and the broker probe are removed again; no mail is sent, nothing is posted) and never raises: what went
wrong becomes a finding in plain words. `message` is shown to administrators in the web app too, so it holds
no file path, internal id or secret; `where` (a path, a host) is for the operator's terminal only.
"""

from __future__ import annotations

from publisher.config import Settings
from publisher.doctor.findings import TIMEOUT, DnsLookup, Finding, Verdict, error, ok, warning


def run_checks(settings: Settings, *, timeout: float = TIMEOUT, dns: DnsLookup | None = None) -> list[Finding]:
    """Every check, in the order an operator fixes things: storage first, then what sends, then the rest."""
    from publisher.doctor import checks, mail, queue  # lazy: each check imports what it talks to

    database, store = checks.database(settings)
    findings = [database, checks.secret_key(settings)]
    try:
        findings += [*queue.broker(settings, timeout), queue.workers(settings, store, timeout)]
        findings += [*mail.smtp(settings, timeout), *mail.dkim_key(settings, dns)]
        findings += [checks.base_url(settings, timeout), checks.media(settings)]
        findings += [*checks.accounts(settings, timeout), checks.postal_address(settings, store)]
    finally:
        if store is not None:
            store.dispose()
    return findings


def exit_code(findings: list[Finding]) -> int:
    """0 when nothing is an error (warnings included), else 1."""
    return 1 if any(f.verdict is Verdict.ERROR for f in findings) else 0


__all__ = ["DnsLookup", "Finding", "Verdict", "error", "exit_code", "ok", "run_checks", "warning"]
