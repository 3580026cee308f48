"""Opens and clicks recorded as they arrive (issue 15): /o/<token>.gif and /r/<token> land here.

Per event, in one transaction: the token is checked first (publisher.tracking_tokens: a forged one
touches no table), one read gets the link's stored URL (never a URL from the request), the campaign's
frozen mode, the message's delivery time and whether the reader still exists; one small read of
tracking_recent gives the message's events of the last minute; then the event is inserted
(publisher.store.insight documents its columns) with the message's tracking_recent row. A reader erased
since records nothing, and their link still works.

Share posts' links (campaigns.post_links) name recipient 0, no subscriber: the post is the outbox row of
recipient 0 at the link's position (the n-th row of the campaign, by id), its sent time is that row's,
and the event's domain is its network's name. A post's clickers are told apart (the sketch, and the
tracking_recent digest) by a keyed hash of the day, IP address and user agent, never stored in clear.
An error writing never breaks the redirect: it is logged, and the reader still gets their page.

Deduplication: the same message's pixel fetched again within a minute (a client reloading, a proxy
retrying) is not counted again; every click is (reports count unique clickers from the sketch).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, literal, select
from sqlalchemy.orm import Session

from publisher.channels.account import network_of
from publisher.clock import Clock, SystemClock
from publisher.config import Settings
from publisher.insight.verdicts import Facts, verdict
from publisher.states import RowState
from publisher.store import Store
from publisher.store.insight import TrackedLink, TrackingEvent, TrackingRecent
from publisher.store.models import Campaign, OutboxRow, Subscriber
from publisher.store.types import aware_utc
from publisher.tracking import Mode, mode_of, reader_hash, sketch_of
from publisher.tracking_tokens import POST_RECIPIENT, Token, TokenSigner

log = logging.getLogger(__name__)

DEDUP_WINDOW = timedelta(minutes=1)
RECENT_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Hit:
    """What the route knows of a request (used for the verdict, then dropped)."""

    method: str
    user_agent: str
    ip: str


@dataclass(frozen=True)
class _Found:
    mode: Mode
    sent_at: datetime | None
    domain: str | None  # the receiving domain, or a post's network; None: the reader was erased
    url: str = ""
    honeypot: bool = False


class Capture:
    """Records opens and clicks of one store, with the keys built once (one HMAC per event)."""

    def __init__(self, store: Store, settings: Settings, clock: Clock | None = None) -> None:
        self.store = store
        self.secret = settings.signing_key()
        self.signer = TokenSigner(self.secret)
        self.early_click_seconds = settings.tracking_early_click_seconds
        self.clock = clock or SystemClock()
        key = hashlib.sha256(f"publisher-tracking-recent\0{self.secret}".encode()).digest()
        self._recent = hmac.new(key, digestmod=hashlib.sha256)

    def click(self, text: str, hit: Hit) -> str | None:
        """The URL /r/<text> redirects to, the click recorded; None: no such link (forged, unknown)."""
        token = self.signer.parse(text)
        if token is None or token.kind != "click":
            return None
        found = self._handle(token, hit)
        return found.url if found is not None else None

    def open(self, text: str, hit: Hit) -> bool:
        """Record the open a pixel's token names; False when the token is no open token."""
        token = self.signer.parse(text.removesuffix(".gif"))
        if token is None or token.kind != "open":
            return False
        self._handle(token, hit)
        return True

    def _handle(self, token: Token, hit: Hit) -> _Found | None:
        """One session: find what the token names, then record the event (an error there is only logged)."""
        found: _Found | None = None
        try:
            with self.store.session() as session:
                found = self._find(session, token)
                if found is not None and found.mode != Mode.OFF and found.domain is not None:
                    self._insert(session, token, found, hit)  # else: tracking off, or the reader was erased
        except Exception:
            if found is None:
                raise  # the link itself cannot be read: no page to send the reader to
            # the reader's redirect or pixel matters more than the count
            log.exception("could not record a tracking event of campaign %s", token.campaign_id)
        return found

    def _find(self, session: Session, token: Token) -> _Found | None:
        sent_at = (
            select(func.max(OutboxRow.updated_at))
            .where(
                OutboxRow.campaign_id == token.campaign_id,
                OutboxRow.recipient_id == token.recipient_id,
                OutboxRow.state == RowState.SENT,
            )
            .scalar_subquery()
        )
        email = select(Subscriber.email).where(Subscriber.id == token.recipient_id).scalar_subquery()
        if token.kind == "click":
            stmt = (
                select(Campaign.tracking, sent_at, email, TrackedLink.url, TrackedLink.honeypot)
                .join(TrackedLink, TrackedLink.campaign_id == Campaign.id)
                .where(Campaign.id == token.campaign_id, TrackedLink.position == token.position)
            )
        else:
            stmt = select(Campaign.tracking, sent_at, email, literal(""), literal(False)).where(
                Campaign.id == token.campaign_id
            )
        row = session.execute(stmt).first()
        if row is None:
            return None
        domain = str(row[2]).rpartition("@")[2].lower() if row[2] is not None else None
        found = _Found(mode_of(row[0]), aware_utc(row[1]) if row[1] is not None else None, domain, row[3], bool(row[4]))
        if token.recipient_id == POST_RECIPIENT:  # a share post's link (an open names no post: nothing)
            return _post(session, token, found) if token.kind == "click" else replace(found, domain=None)
        return found

    def _visitor(self, token: Token, hit: Hit, now: datetime) -> int:
        """Who the event is of: the recipient; for a post (recipient 0), a keyed hash of today's IP and agent."""
        if token.recipient_id != POST_RECIPIENT:
            return token.recipient_id
        mac = self._recent.copy()
        mac.update(f"visitor:{now.date().isoformat()}:{hit.ip}\0{hit.user_agent}".encode())
        return int.from_bytes(mac.digest()[:8], "big") or 1

    def _digest(self, token: Token, visitor: int, now: datetime) -> str:
        mac = self._recent.copy()
        mac.update(f"{token.campaign_id}:{visitor}:{now.date().isoformat()}".encode())
        return mac.hexdigest()

    def _insert(self, session: Session, token: Token, found: _Found, hit: Hit) -> None:
        now = self.clock.now()
        visitor = self._visitor(token, hit, now)
        post = token.recipient_id == POST_RECIPIENT
        digest = self._digest(token, visitor, now)
        recent = session.execute(
            select(TrackingRecent.kind, TrackingRecent.at).where(
                TrackingRecent.digest == digest, TrackingRecent.at >= now - DEDUP_WINDOW
            )
        ).all()
        if token.kind == "open" and any(kind == "open" for kind, _ in recent):
            return  # the same message's pixel again within a minute: counted once
        clicks = [(now - aware_utc(at)).total_seconds() for kind, at in recent if kind == "click"]
        since = (now - found.sent_at).total_seconds() if found.sent_at is not None else None
        facts = Facts(
            token.kind,
            hit.method,
            hit.user_agent,
            hit.ip,
            since,
            clicks,
            found.honeypot,
            self.early_click_seconds,
        )
        is_, reason = verdict(facts)
        position = token.position if token.kind == "click" else None
        session.add(
            TrackingEvent(
                campaign_id=token.campaign_id,
                kind=token.kind,
                position=position,
                verdict=is_,
                reason=reason,
                sketch=sketch_of(reader_hash(self.secret, token.campaign_id, visitor)),
                subscriber_id=token.recipient_id if found.mode == Mode.INDIVIDUAL and not post else None,
                domain=found.domain or "",
                at=now,
            )
        )
        session.add(TrackingRecent(digest=digest, kind=token.kind, position=position, at=now))


def _post(session: Session, token: Token, found: _Found) -> _Found:
    """A share post's link: the channel's outbox row (the link's position names it) gives the sent time and
    the network; a campaign without such a row (no post) records nothing."""
    row = session.execute(
        select(OutboxRow.channel, OutboxRow.state, OutboxRow.updated_at)
        .where(OutboxRow.campaign_id == token.campaign_id, OutboxRow.recipient_id == POST_RECIPIENT)
        .order_by(OutboxRow.id)
        .offset(max(token.position - 1, 0))
        .limit(1)
    ).first()
    if row is None:
        return replace(found, domain=None)
    sent_at = aware_utc(row.updated_at) if row.state == RowState.SENT and row.updated_at else None
    return replace(found, sent_at=sent_at, domain=network_of(row.channel))


def forget_recent(store: Store, now: datetime) -> int:
    """Delete tracking_recent rows older than a day (the workers' sweep calls this); how many went."""
    with store.session() as session:
        result = session.execute(delete(TrackingRecent).where(TrackingRecent.at < now - RECENT_KEPT))
        return int(getattr(result, "rowcount", 0) or 0)
