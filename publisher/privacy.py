"""Privacy requests: everything held about one subscriber, as JSON; and erasure.

Erasure deletes the subscriber, their subscriptions, opens and clicks (tracking mode individual), bounce
events, suppression entry and the confirmation emails rendered for them, and anonymizes their outbox
history: the rows stay (so a campaign's counts do not change) but no longer point at anyone, and errors
that may quote the address are cleared.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from publisher.addresses import canonical_address
from publisher.errors import NotFound
from publisher.states import MAIL_KINDS, CampaignKind
from publisher.store import Store
from publisher.store.insight import TrackedLink, TrackingEvent
from publisher.store.models import (
    BounceEvent,
    Campaign,
    MailingList,
    OutboxRow,
    Subscriber,
    Subscription,
    Suppression,
)
from publisher.suppression import is_suppressed, suppress


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_subscriber(store: Store, email: str) -> dict[str, Any]:
    """Everything held about one address: profile, subscriptions, deliveries, bounces, suppression."""
    address = canonical_address(email)
    with store.session() as session:
        person = session.scalar(select(Subscriber).where(Subscriber.email == address))
        suppression = session.scalar(select(Suppression).where(Suppression.email == address))
        if person is None and suppression is None:
            raise NotFound(f"nothing is held about {address!r}")
        data: dict[str, Any] = {"email": address, "subscriber": None, "subscriptions": [], "deliveries": []}
        if person is not None:
            data["subscriber"] = {
                "id": person.id,
                "email": person.email,
                "name": person.name,
                "attributes": person.attributes,
                "created_at": _iso(person.created_at),
            }
            rows = session.execute(
                select(MailingList.name, Subscription)
                .join(Subscription, Subscription.list_id == MailingList.id)
                .where(Subscription.subscriber_id == person.id)
                .order_by(MailingList.name)
            ).all()
            data["subscriptions"] = [
                {
                    "list": name,
                    "status": sub.status,
                    "source": sub.source,
                    "created_at": _iso(sub.created_at),
                    "updated_at": _iso(sub.updated_at),
                    "confirmed_at": _iso(sub.confirmed_at),
                }
                for name, sub in rows
            ]
            deliveries = session.execute(
                select(
                    OutboxRow.campaign_id,
                    Campaign.kind,
                    Campaign.subject,
                    OutboxRow.channel,
                    OutboxRow.state,
                    OutboxRow.provider_id,
                    OutboxRow.updated_at,
                )
                .join(Campaign, Campaign.id == OutboxRow.campaign_id)
                .where(OutboxRow.recipient_id == person.id, Campaign.kind.in_(MAIL_KINDS))
                .order_by(OutboxRow.id)
            ).all()
            data["deliveries"] = [
                {
                    "campaign_id": d.campaign_id,
                    "kind": d.kind,
                    "subject": d.subject,
                    "channel": d.channel,
                    "state": d.state,
                    "message_id": d.provider_id,
                    "updated_at": _iso(d.updated_at),
                }
                for d in deliveries
            ]
        data["tracking"] = reader_events(session, person.id) if person is not None else []
        bounces = session.scalars(select(BounceEvent).where(BounceEvent.email == address).order_by(BounceEvent.id))
        data["bounces"] = [
            {
                "kind": b.kind,
                "reason": b.reason,
                "hard": b.hard,
                "status": b.status,
                "reply_code": b.reply_code,
                "diagnostic": b.diagnostic,
                "remote_mta": b.remote_mta,
                "campaign_id": b.campaign_id,
                "source": b.source,
                "received_at": _iso(b.received_at),
            }
            for b in bounces
        ]
        data["suppression"] = (
            {
                "reason": suppression.reason,
                "detail": suppression.detail,
                "source": suppression.source,
                "created_at": _iso(suppression.created_at),
            }
            if suppression
            else None
        )
        return data


def reader_events(session: Session, subscriber_id: int) -> list[dict[str, Any]]:
    """The opens and clicks recorded of one reader (only campaigns in tracking mode individual name them)."""
    rows = session.execute(
        select(TrackingEvent, Campaign.subject, TrackedLink.url)
        .join(Campaign, Campaign.id == TrackingEvent.campaign_id)
        .outerjoin(
            TrackedLink,
            (TrackedLink.campaign_id == TrackingEvent.campaign_id) & (TrackedLink.position == TrackingEvent.position),
        )
        .where(TrackingEvent.subscriber_id == subscriber_id)
        .order_by(TrackingEvent.id)
    ).all()
    return [
        {
            "campaign_id": event.campaign_id,
            "subject": subject,
            "kind": event.kind,
            "url": url,
            "verdict": event.verdict,
            "reason": event.reason,
            "at": _iso(event.at),
        }
        for event, subject, url in rows
    ]


def reader_activity(store: Store, subscriber_id: int) -> dict[str, Any] | None:
    """The editor's page of one subscriber: address, name, and the opens and clicks recorded of them."""
    with store.session() as session:
        person = session.get(Subscriber, subscriber_id)
        if person is None:
            return None
        return {
            "id": person.id,
            "email": person.email,
            "name": person.name,
            "events": reader_events(session, person.id),
        }


def erase_subscriber(store: Store, email: str, *, keep_suppression: bool = False) -> dict[str, int]:
    """Delete an address and its personal data, keeping anonymous delivery counts; how much went, per kind.

    keep_suppression keeps (or adds) the address on the suppression list, so an old import cannot bring
    it back: the one record kept is the one that honours "never mail me again".
    """
    address = canonical_address(email)
    with store.session() as session:
        person = session.scalar(select(Subscriber).where(Subscriber.email == address))
        counts = {"subscriber": 0, "subscriptions": 0, "deliveries_anonymized": 0, "bounces": 0, "suppression": 0}
        if person is not None:
            sid = person.id
            counts["subscriber"] = 1
            counts["subscriptions"] = (
                session.scalar(select(func.count()).select_from(Subscription).where(Subscription.subscriber_id == sid))
                or 0
            )
            # Confirmation emails were rendered for this one person (address in the body): delete them outright.
            confirm_ids = select(OutboxRow.campaign_id).join(Campaign, Campaign.id == OutboxRow.campaign_id)
            confirm_ids = confirm_ids.where(OutboxRow.recipient_id == sid, Campaign.kind == CampaignKind.CONFIRM)
            session.execute(delete(Campaign).where(Campaign.id.in_(confirm_ids.scalar_subquery())))
            # Digest rows stay for the counts, under a recipient id no subscriber can have (minus the row id).
            anonymized = session.execute(
                update(OutboxRow)
                .where(OutboxRow.recipient_id == sid, OutboxRow.recipient_id > 0)
                .values(recipient_id=-OutboxRow.id, provider_id=None, error=None, payload=None),
                execution_options={"synchronize_session": False},
            )
            counts["deliveries_anonymized"] = cast(CursorResult[Any], anonymized).rowcount
            session.execute(delete(Subscription).where(Subscription.subscriber_id == sid))
            session.execute(delete(TrackingEvent).where(TrackingEvent.subscriber_id == sid))  # as the FK cascades
            session.execute(delete(Subscriber).where(Subscriber.id == sid))
        bounces = session.execute(delete(BounceEvent).where(BounceEvent.email == address))
        counts["bounces"] = cast(CursorResult[Any], bounces).rowcount
        if keep_suppression:
            if not any(counts.values()) and not is_suppressed(session, address):
                raise NotFound(f"nothing is held about {address!r}")
            suppress(session, address, "manual", detail="erased on request; kept so it is never mailed again")
            return counts
        unlisted = session.execute(delete(Suppression).where(Suppression.email == address))
        counts["suppression"] = cast(CursorResult[Any], unlisted).rowcount
        if not any(counts.values()):
            raise NotFound(f"nothing is held about {address!r}")
        return counts
