"""Unsubscribe links and the preference page: what a signed link lets its bearer do (leave, or choose lists).

Links carry the long-lived signed token of publisher.subscriber_links.unsubscribe_token: RFC 8058 wants them
to keep working. A link names a subscription and a keyed tag of the address it was made for, so it
never controls anyone else (ids are never reused either).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from publisher.addresses import normalize_address
from publisher.config import Settings
from publisher.errors import LinkRefused, PublisherError
from publisher.states import EventType
from publisher.store import Store
from publisher.store.event_points import subscriber_events
from publisher.store.models import MailingList, Subscriber, Subscription, utcnow
from publisher.subscriber_links import LinkClaim, link_names, read_unsubscribe_token
from publisher.subscribers import get_list


@dataclass(frozen=True)
class ListChoice:
    list_id: int
    name: str
    status: str
    # Recurring digests (issue 16): the cadences this list lets its readers choose (empty: no choice), the
    # reader's own choice, and the list's default for a reader who chose none.
    cadences: tuple[str, ...] = ()
    cadence: str | None = None
    default_cadence: str | None = None

    @property
    def effective_cadence(self) -> str | None:
        return self.cadence or self.default_cadence

    @property
    def subscribed(self) -> bool:
        return self.status in ("active", "unconfirmed")


@dataclass(frozen=True)
class Preferences:
    subscriber_id: int
    email: str
    list_id: int  # the list the link came from
    lists: list[ListChoice]


def _read_link(settings: Settings, token: str) -> LinkClaim:
    try:
        return read_unsubscribe_token(settings.signing_key(), token)
    except PublisherError:
        raise LinkRefused("invalid", "This unsubscribe link is not valid. Check that it was copied whole.") from None


def _linked_subscriber(session: Session, settings: Settings, token: str) -> tuple[LinkClaim, str]:
    """The claim of a link and the address of the subscriber it names, who must be the one it was made for."""
    claim = _read_link(settings, token)
    email = session.scalar(select(Subscriber.email).where(Subscriber.id == claim.subscriber_id))
    if email is None or not link_names(settings.signing_key(), claim, email):
        raise LinkRefused("gone", "This address is no longer in our records; nothing will be sent to it.")
    return claim, email


def preferences(store: Store, settings: Settings, token: str) -> Preferences:
    """The subscriber an unsubscribe link names and every list they have a subscription on; changes nothing."""
    with store.session() as session:
        claim, email = _linked_subscriber(session, settings, token)
        rows = session.execute(
            select(
                MailingList.id,
                MailingList.name,
                Subscription.status,
                MailingList.cadences,
                Subscription.cadence,
                MailingList.default_cadence,
            )
            .join(Subscription, Subscription.list_id == MailingList.id)
            .where(Subscription.subscriber_id == claim.subscriber_id)
            .order_by(MailingList.name)
        ).all()
    choices = [
        ListChoice(list_id, name, status, tuple(cadences or ()), cadence, default)
        for list_id, name, status, cadences, cadence, default in rows
    ]
    return Preferences(claim.subscriber_id, email, claim.list_id, choices)


def unsubscribe(store: Store, settings: Settings, token: str) -> Preferences:
    """Unsubscribe the subscription an unsubscribe link names, at once; doing it again is harmless."""
    with store.session() as session:
        claim, _ = _linked_subscriber(session, settings, token)
        left = session.scalars(
            update(Subscription)
            .where(
                Subscription.subscriber_id == claim.subscriber_id,
                Subscription.list_id == claim.list_id,
                Subscription.status.in_(("active", "unconfirmed")),
            )
            .values(status="unsubscribed", confirm_nonce=None, updated_at=utcnow())
            .returning(Subscription.list_id),
            execution_options={"synchronize_session": False},
        ).all()
        _left(session, claim.subscriber_id, left)
    return preferences(store, settings, token)


def set_preferences(
    store: Store, settings: Settings, token: str, chosen: set[int], cadences: Mapping[int, str] | None = None
) -> Preferences:
    """Keep the subscriber on the chosen lists and take them off the others (lists they have a subscription on).

    Choosing a list again reactivates it: the link reached the subscriber's mailbox, which is the proof of
    consent double opt-in asks for. Bounced and complained subscriptions are left alone.
    cadences: list id -> the cadence chosen for it (issue 16), each one the list offers; another is refused.
    """
    with store.session() as session:
        claim, _ = _linked_subscriber(session, settings, token)
        now = utcnow()
        mine = Subscription.subscriber_id == claim.subscriber_id
        _set_cadences(session, claim.subscriber_id, cadences or {}, now)
        session.execute(
            update(Subscription)
            .where(mine, Subscription.list_id.in_(chosen), Subscription.status.in_(("unsubscribed", "unconfirmed")))
            .values(status="active", confirm_nonce=None, confirmed_at=now, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        left = session.scalars(
            update(Subscription)
            .where(mine, Subscription.list_id.not_in(chosen), Subscription.status.in_(("active", "unconfirmed")))
            .values(status="unsubscribed", confirm_nonce=None, updated_at=now)
            .returning(Subscription.list_id),
            execution_options={"synchronize_session": False},
        ).all()
        _left(session, claim.subscriber_id, left)
    return preferences(store, settings, token)


def _set_cadences(session: Session, subscriber_id: int, cadences: Mapping[int, str], now: datetime) -> None:
    """The reader's cadence per list, where the list offers that cadence (PublisherError naming it otherwise)."""
    if not cadences:
        return
    found = session.execute(select(MailingList.id, MailingList.cadences).where(MailingList.id.in_(list(cadences))))
    offered: dict[int, list[Any] | None] = {list_id: allowed for list_id, allowed in found}
    for list_id, cadence in cadences.items():
        if cadence not in (offered.get(list_id) or ()):
            raise PublisherError(f"the cadence {cadence[:20]!r} is not one this list offers")
        session.execute(
            update(Subscription)
            .where(Subscription.subscriber_id == subscriber_id, Subscription.list_id == list_id)
            .values(cadence=cadence, updated_at=now),
            execution_options={"synchronize_session": False},
        )


def unsubscribe_address(store: Store, email: str, list_name: str | None = None) -> int:
    """Editor side: unsubscribe an address from one list, or from every list; returns how many changed."""
    address = normalize_address(email)
    with store.session() as session:
        subscriber_id = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        if subscriber_id is None:
            raise PublisherError(f"{address!r} is not a subscriber")
        where = [Subscription.subscriber_id == subscriber_id, Subscription.status.in_(("active", "unconfirmed"))]
        if list_name is not None:
            where.append(Subscription.list_id == get_list(session, list_name).id)
        left = session.scalars(
            update(Subscription)
            .where(*where)
            .values(status="unsubscribed", confirm_nonce=None, updated_at=utcnow())
            .returning(Subscription.list_id),
            execution_options={"synchronize_session": False},
        ).all()
        _left(session, subscriber_id, left)
        return len(left)


def _left(session: Session, subscriber_id: int, list_ids: Sequence[int]) -> None:
    """subscriber.unsubscribed for each list the reader just left (issue 16), in the same transaction."""
    if list_ids:
        subscriber_events(session, EventType.SUBSCRIBER_UNSUBSCRIBED, subscriber_id, list_ids)


