"""Consent: double opt-in signup, confirmation links, unsubscribe and the preference page.

A signup marks the subscription `unconfirmed` with a fresh nonce and queues a confirmation email as a
campaign of kind "confirm" with one outbox row, so it goes through the same outbox and workers as a digest.
The confirmation link carries a signed, expiring token naming (subscriber, list, nonce); confirming clears
the nonce in the same UPDATE that activates the subscription, so a link works once.

Unsubscribe links and the preference page live in publisher.preferences (re-exported here).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from publisher import publication
from publisher.addresses import normalize_address
from publisher.config import Settings
from publisher.errors import LinkRefused
from publisher.preferences import (  # noqa: F401 - re-exported until callers import publisher.preferences
    ListChoice,
    Preferences,
    preferences,
    set_preferences,
    unsubscribe,
    unsubscribe_address,
)
from publisher.privacy import erase_subscriber
from publisher.render.confirm import render_confirmation
from publisher.render.mime import check_header_value
from publisher.states import CampaignKind, CampaignState, EventType, RowState
from publisher.store import Store
from publisher.store.event_points import subscriber_events
from publisher.store.models import Campaign, MailingList, OutboxRow, Subscriber, Subscription, utcnow
from publisher.store.types import aware_utc
from publisher.subscriber_links import is_canonical_token
from publisher.subscribers import get_list
from publisher.suppression import is_suppressed

RESEND_AFTER = timedelta(minutes=10)
_CONFIRM_SALT = "publisher.confirm"


@dataclass(frozen=True)
class SignupOutcome:
    """What a signup did. The public endpoints answer the same whatever it is, so nobody learns who is listed."""

    status: str  # "pending" (confirmation queued) | "already" (active) | "blocked" (suppressed, bounced)
    campaign_id: int | None = None


@dataclass(frozen=True)
class Confirmation:
    subscriber_id: int
    list_id: int
    email: str
    list_name: str


# --- signup ------------------------------------------------------------------------------------------


def confirm_token(secret: str, subscriber_id: int, list_id: int, nonce: str) -> str:
    """A signed token naming one pending subscription and its nonce; its age is checked when it is used."""
    return URLSafeTimedSerializer(secret, salt=_CONFIRM_SALT).dumps([subscriber_id, list_id, nonce])


def check_signup(email: str, name: str = "") -> tuple[str, str]:
    """The address as stored and the name as kept, from the input alone (no store): InvalidAddress names a
    bad address, PublisherError a name no mail header can carry. The web answers these before queueing."""
    return normalize_address(email), check_header_value("name", name.strip())[:200]


def request_signup(
    store: Store, settings: Settings, email: str, *, list_name: str, name: str = "", source: str = "web"
) -> SignupOutcome:
    """Record a pending subscription and queue its confirmation email (dispatching it is the caller's part).

    InvalidAddress or NotFound (no such list) for bad input. Suppressed, bounced and complained addresses
    get no mail; an active subscriber gets none either.
    """
    address, name = check_signup(email, name)
    settings = publication.effective(store, settings)  # the mail goes out as the publication
    with store.session() as session:
        mailing_list = get_list(session, list_name)
        if is_suppressed(session, address):
            return SignupOutcome("blocked")
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == address))
        if subscriber is None:
            subscriber = Subscriber(email=address, name=name, attributes={})
            session.add(subscriber)
            session.flush()
        elif name and not subscriber.name:
            subscriber.name = name
        subscription = session.get(Subscription, (mailing_list.id, subscriber.id))
        if subscription is not None and subscription.status == "active":
            return SignupOutcome("already")
        if subscription is not None and subscription.status in ("bounced", "complained"):
            return SignupOutcome("blocked")
        if subscription is not None and subscription.status == "unconfirmed" and _mailed_recently(session, subscriber):
            return SignupOutcome("pending")  # the link already sent still works
        nonce = secrets.token_hex(16)
        if subscription is None:
            subscription = Subscription(list_id=mailing_list.id, subscriber_id=subscriber.id)
            session.add(subscription)
        subscription.status = "unconfirmed"
        subscription.source = source[:200]
        subscription.confirm_nonce = nonce
        subscription.updated_at = utcnow()
        if _mailed_recently(session, subscriber):
            # One confirmation mail per address per RESEND_AFTER, whatever the lists and the IPs the
            # requests come from: the form cannot flood a mailbox. A request after that mails this list's link.
            return SignupOutcome("pending")
        token = confirm_token(settings.signing_key(), subscriber.id, mailing_list.id, nonce)
        campaign = _confirmation_campaign(settings, mailing_list, subscriber, token)
        session.add(campaign)
        session.flush()
        session.add(
            OutboxRow(
                campaign_id=campaign.id,
                recipient_id=subscriber.id,
                channel=settings.email_channel,
                state=RowState.QUEUED,
                attempts=0,
            )
        )
        return SignupOutcome("pending", campaign.id)


def _mailed_recently(session: Session, subscriber: Subscriber) -> bool:
    """Whether a confirmation mail to this address (for any list) was queued within RESEND_AFTER."""
    if subscriber.id is None:
        return False
    latest = session.scalar(
        select(func.max(Campaign.created_at))
        .join(OutboxRow, OutboxRow.campaign_id == Campaign.id)
        .where(Campaign.kind == CampaignKind.CONFIRM, OutboxRow.recipient_id == subscriber.id)
    )
    return latest is not None and aware_utc(latest) > utcnow() - RESEND_AFTER


def _confirmation_campaign(
    settings: Settings, mailing_list: MailingList, subscriber: Subscriber, token: str
) -> Campaign:
    """The confirmation email, rendered now: it has one recipient, so there is nothing to share."""
    mail = render_confirmation(
        settings, list_name=mailing_list.name, email=subscriber.email, name=subscriber.name, token=token
    )
    return Campaign(
        kind=CampaignKind.CONFIRM,
        state=CampaignState.QUEUED,
        subject=mail.subject,
        list_id=mailing_list.id,
        body_html=mail.html,
        body_text=mail.text,
        render_key=mail.key,
        identity=publication.identity_of(settings),
    )


# --- confirming ----------------------------------------------------------------------------------------


def _read_confirm_token(settings: Settings, token: str) -> tuple[int, int, str]:
    serializer = URLSafeTimedSerializer(settings.signing_key(), salt=_CONFIRM_SALT)
    try:
        if not is_canonical_token(token):
            raise BadSignature("signature is not in canonical form")
        subscriber_id, list_id, nonce = serializer.loads(token, max_age=round(settings.confirm_max_age_hours * 3600))
    except SignatureExpired:
        raise LinkRefused(
            "expired",
            f"This confirmation link has expired (links work for {int(settings.confirm_max_age_hours)} hours). "
            "Please sign up again to get a new one.",
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise LinkRefused("invalid", "This confirmation link is not valid. Check that it was copied whole.") from None
    return int(subscriber_id), int(list_id), str(nonce)


def _pending(session: Session, subscriber_id: int, list_id: int, nonce: str) -> Confirmation:
    row = session.execute(
        select(Subscription.status, Subscription.confirm_nonce, Subscriber.email, MailingList.name)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .join(MailingList, MailingList.id == Subscription.list_id)
        .where(Subscription.subscriber_id == subscriber_id, Subscription.list_id == list_id)
    ).first()
    if row is None or row.status != "unconfirmed" or row.confirm_nonce is None:
        raise LinkRefused("used", "This confirmation link has already been used or is no longer valid.")
    if not secrets.compare_digest(row.confirm_nonce, nonce):
        raise LinkRefused("used", "This confirmation link has been replaced by a newer one; use the latest email.")
    return Confirmation(subscriber_id, list_id, row.email, row.name)


def check_confirmation(store: Store, settings: Settings, token: str) -> Confirmation:
    """What a confirmation link would confirm, changing nothing; LinkRefused if it cannot be used."""
    subscriber_id, list_id, nonce = _read_confirm_token(settings, token)
    with store.session() as session:
        return _pending(session, subscriber_id, list_id, nonce)


def confirm(store: Store, settings: Settings, token: str) -> Confirmation:
    """Activate the subscription a confirmation link names; it works once (LinkRefused afterwards)."""
    subscriber_id, list_id, nonce = _read_confirm_token(settings, token)
    with store.session() as session:
        found = _pending(session, subscriber_id, list_id, nonce)
        now = utcnow()
        done = session.execute(
            update(Subscription)
            .where(
                Subscription.subscriber_id == subscriber_id,
                Subscription.list_id == list_id,
                Subscription.status == "unconfirmed",
                Subscription.confirm_nonce == nonce,
            )
            # activated_at: what a welcome sequence counts from (publisher.automation.sequences).
            .values(status="active", confirm_nonce=None, confirmed_at=now, activated_at=now, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        if cast(CursorResult[Any], done).rowcount != 1:  # a concurrent click won
            raise LinkRefused("used", "This confirmation link has already been used or is no longer valid.")
        subscriber_events(session, EventType.SUBSCRIBER_CONFIRMED, subscriber_id, [list_id])  # issue 16
        return found


def purge_unconfirmed(store: Store, older_than: timedelta) -> int:
    """Forget signups never confirmed within older_than: their subscriptions, and anyone left with none.

    An unconfirmed address was never consented to; keeping it longer than the link lives has no purpose.
    Returns how many subscriptions went.
    """
    cutoff = utcnow() - older_than
    with store.session() as session:
        stale = session.execute(
            select(Subscription.subscriber_id, Subscription.list_id).where(
                Subscription.status == "unconfirmed", Subscription.updated_at < cutoff
            )
        ).all()
        for subscriber_id, list_id in stale:
            session.execute(
                delete(Subscription).where(
                    Subscription.subscriber_id == subscriber_id,
                    Subscription.list_id == list_id,
                    Subscription.status == "unconfirmed",
                )
            )
        candidates = {subscriber_id for subscriber_id, _ in stale}
        still_listed = set(
            session.scalars(
                select(Subscription.subscriber_id).where(Subscription.subscriber_id.in_(candidates)).distinct()
            )
        )
        orphans = list(session.scalars(select(Subscriber.email).where(Subscriber.id.in_(candidates - still_listed))))
    for address in orphans:
        erase_subscriber(store, address, keep_suppression=False)
    return len(stale)
