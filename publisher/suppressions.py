"""Addresses never to mail again (for now: mailboxes an SMTP server refused with a 5xx).

A deliberately small table, `suppressions(email unique, reason, created_at)`, checked when a message is
built, so an address suppressed after a campaign was queued is still skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.store.models import Suppression, utcnow


def suppress(session: Session, entries: Iterable[tuple[str, str]]) -> None:
    """Add (address, reason) pairs; an address already suppressed keeps its first reason."""
    rows = {email: reason[:2000] for email, reason in entries}
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    session.execute(
        insert(Suppression).on_conflict_do_nothing(index_elements=["email"]),
        [{"email": email, "reason": reason, "created_at": now} for email, reason in sorted(rows.items())],
    )


def suppressed(session: Session, emails: Iterable[str]) -> dict[str, str]:
    """The given addresses that are suppressed, with their reasons."""
    wanted = list(emails)
    if not wanted:
        return {}
    return dict(session.execute(select(Suppression.email, Suppression.reason).where(Suppression.email.in_(wanted))))
