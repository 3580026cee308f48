"""The global suppression list: addresses never mailed again, on any list, whatever a list says.

Delivery checks it at send time (publisher.delivery), imports refuse suppressed addresses unless told
otherwise, and bounces and complaints add to it (publisher.bounces).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.addresses import canonical_address
from publisher.errors import PublisherError
from publisher.store.models import Subscriber, Subscription, Suppression, utcnow

REASONS = ("hard_bounce", "soft_bounce", "complaint", "manual")
# What a suppression does to the address's subscriptions; a manual one leaves them as they are.
_STATUS_FOR_REASON = {"hard_bounce": "bounced", "soft_bounce": "bounced", "complaint": "complained"}


@dataclass(frozen=True)
class SuppressionEntry:
    email: str
    reason: str
    detail: str | None
    source: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, str | None]:
        return {
            "email": self.email,
            "reason": self.reason,
            "detail": self.detail,
            "source": self.source,
            "created_at": self.created_at.isoformat(),
        }




def is_suppressed(session: Session, email: str) -> bool:
    """Whether this address is on the suppression list."""
    return session.scalar(select(Suppression.id).where(Suppression.email == canonical_address(email))) is not None


def suppressed_among(session: Session, emails: Iterable[str]) -> set[str]:
    """The addresses among these (as stored) that are suppressed."""
    emails = list(emails)
    found: set[str] = set()
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        found.update(session.scalars(select(Suppression.email).where(Suppression.email.in_(chunk))))
    return found


def suppress(
    session: Session, email: str, reason: str, *, detail: str | None = None, source: str | None = None
) -> bool:
    """Put an address on the suppression list; True if it was not there yet (the first reason is kept).

    A bounce or complaint also marks the address's subscriptions bounced or complained.
    """
    if reason not in REASONS:
        raise PublisherError(f"unknown suppression reason {reason!r}; use one of {', '.join(REASONS)}")
    address = canonical_address(email)
    created = False
    if session.scalar(select(Suppression.id).where(Suppression.email == address)) is None:
        # A savepoint, so a concurrent insert of the same address (unique key) does not undo the caller's work.
        try:
            with session.begin_nested():
                session.add(
                    Suppression(email=address, reason=reason, detail=detail, source=source, created_at=utcnow())
                )
            created = True
        except IntegrityError:
            created = False
    status = _STATUS_FOR_REASON.get(reason)
    if status:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        if subscriber_id is not None:
            session.execute(
                update(Subscription)
                .where(Subscription.subscriber_id == subscriber_id, Subscription.status != "unsubscribed")
                .values(status=status, updated_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
    return created


def unsuppress(session: Session, email: str) -> bool:
    """Take an address off the suppression list (its subscriptions stay as they are); True if it was on it."""
    result = session.execute(delete(Suppression).where(Suppression.email == canonical_address(email)))
    return bool(cast(CursorResult[Any], result).rowcount)


def get_suppression(session: Session, email: str) -> SuppressionEntry | None:
    row = session.scalar(select(Suppression).where(Suppression.email == canonical_address(email)))
    return _entry(row) if row else None


def list_suppressions(session: Session, *, reason: str | None = None) -> list[SuppressionEntry]:
    query = select(Suppression).order_by(Suppression.created_at, Suppression.id)
    if reason:
        query = query.where(Suppression.reason == reason)
    return [_entry(row) for row in session.scalars(query)]


def _entry(row: Suppression) -> SuppressionEntry:
    return SuppressionEntry(row.email, row.reason, row.detail, row.source, row.created_at)
