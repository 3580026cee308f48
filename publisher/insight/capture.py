"""Opens and clicks as they arrive (issues 15, 17): /o/<token>.gif and /r/<token> land here.

Answering needs no database write and, once warm, no read: the token is checked first
(publisher.tracking_tokens: a forged one touches no table), then a small in-process cache gives the link's
stored URL (never a URL from the request), whether it is the honeypot, and the campaign's frozen mode,
read once per (campaign, position) and kept LINK_CACHE_SECONDS (a campaign deleted meanwhile still
redirects that long). The event is handed to the process's Recorder (publisher.insight.recording), which
writes it with its verdict in a batch: a reader erased since records nothing, and their link still works.
An error writing never breaks the redirect: it is logged, and the reader already has their page.

Share posts' links (campaigns.post_links) name recipient 0, no subscriber: the post is the outbox row of
recipient 0 at the link's position (the n-th row of the campaign, by id), its sent time is that row's,
and the event's domain is its network's name. A post's clickers are told apart (the sketch, and the
tracking_recent digest) by a keyed hash of the day, IP address and user agent, never stored in clear.

Deduplication: the same message's pixel fetched again within a minute (a client reloading, a proxy
retrying) is not counted again; every click is (reports count unique clickers from the sketch).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from publisher.clock import Clock, SystemClock
from publisher.config import Settings
from publisher.insight.recording import DEDUP_WINDOW, Arrival, Hit, Keys, Recorder, Rows, insert_rows, rows_of
from publisher.store import Store
from publisher.store.insight import TrackedLink, TrackingRecent
from publisher.store.models import Campaign
from publisher.tracking import Mode, mode_of
from publisher.tracking_tokens import Token, TokenSigner

__all__ = ["DEDUP_WINDOW", "Capture", "Hit", "forget_recent"]

RECENT_KEPT = timedelta(days=1)
LINK_CACHE_SECONDS = 60.0
LINK_CACHE_SIZE = 10_000  # (campaign, position) entries; past that the cache starts again empty


@dataclass(frozen=True)
class Link:
    """What answering needs of a token's campaign and link (position 0: the campaign's pixel)."""

    mode: Mode
    url: str = ""
    honeypot: bool = False


class Capture:
    """Answers and records opens and clicks of one store, with the keys built once (one HMAC per event)."""

    def __init__(self, store: Store, settings: Settings, clock: Clock | None = None) -> None:
        self.store = store
        self.signer = TokenSigner(settings.signing_key())
        self.keys = Keys(settings.signing_key())
        self.early_click_seconds = settings.tracking_early_click_seconds
        self.clock = clock or SystemClock()
        self.recorder = Recorder(self._write, settings.tracking_flush_seconds)
        self._links: dict[tuple[int, int], tuple[float, Link | None]] = {}
        self._links_lock = threading.Lock()

    def parse_click(self, text: str) -> Token | None:
        token = self.signer.parse(text)
        return token if token is not None and token.kind == "click" else None

    def parse_open(self, text: str) -> Token | None:
        token = self.signer.parse(text.removesuffix(".gif"))
        return token if token is not None and token.kind == "open" else None

    def cached_link(self, token: Token) -> Link | None | bool:
        """The cached link of a token (None: known to be none), or False when the cache has no word on it."""
        key = (token.campaign_id, token.position if token.kind == "click" else 0)
        entry = self._links.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False
        return entry[1]

    def link(self, token: Token) -> Link | None:
        """The link (or pixel) a valid token names, from the cache or one read; None: no such link."""
        cached = self.cached_link(token)
        if cached is not False:
            return cached  # type: ignore[return-value]
        found = self._read_link(token)
        with self._links_lock:
            if len(self._links) >= LINK_CACHE_SIZE:
                self._links.clear()
            key = (token.campaign_id, token.position if token.kind == "click" else 0)
            self._links[key] = (time.monotonic() + LINK_CACHE_SECONDS, found)
        return found

    def _read_link(self, token: Token) -> Link | None:
        with self.store.session() as session:
            if token.kind == "click":
                row = session.execute(
                    select(Campaign.tracking, TrackedLink.url, TrackedLink.honeypot)
                    .join(TrackedLink, TrackedLink.campaign_id == Campaign.id)
                    .where(Campaign.id == token.campaign_id, TrackedLink.position == token.position)
                ).first()
                return Link(mode_of(row[0]), row[1], bool(row[2])) if row is not None else None
            tracking = session.execute(select(Campaign.tracking).where(Campaign.id == token.campaign_id)).first()
            return Link(mode_of(tracking[0])) if tracking is not None else None

    def record(self, token: Token, link: Link, hit: Hit) -> None:
        """Hand the event to the recorder (written at once when the flush interval is 0)."""
        if link.mode != Mode.OFF:
            self.recorder.add(Arrival(token, hit, self.clock.now(), link.mode, link.honeypot))

    def click(self, text: str, hit: Hit) -> str | None:
        """The URL /r/<text> redirects to, the click recorded; None: no such link (forged, unknown)."""
        token = self.parse_click(text)
        link = self.link(token) if token is not None else None
        if token is None or link is None:
            return None
        self.record(token, link, hit)
        return link.url

    def open(self, text: str, hit: Hit) -> bool:
        """Record the open a pixel's token names; False when the token is no open token."""
        token = self.parse_open(text)
        if token is None:
            return False
        link = self.link(token)
        if link is not None:
            self.record(token, link, hit)
        return True

    def flush(self) -> int:
        """Write the events waiting now; how many were taken."""
        return self.recorder.flush()

    def close(self) -> None:
        """Write what is waiting and stop the recorder's thread (the app's shutdown)."""
        self.recorder.close()

    def _write(self, batch: list[Arrival]) -> None:
        with self.store.session() as session:
            self._insert(session, rows_of(session, self.keys, batch, self.early_click_seconds))

    def _insert(self, session: Session, rows: Rows) -> None:
        insert_rows(session, rows)


def forget_recent(store: Store, now: datetime) -> int:
    """Delete tracking_recent rows older than a day (the workers' sweep calls this); how many went."""
    with store.session() as session:
        result = session.execute(delete(TrackingRecent).where(TrackingRecent.at < now - RECENT_KEPT))
        return int(getattr(result, "rowcount", 0) or 0)
