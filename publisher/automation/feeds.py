"""Feeds in (issue 16): poll RSS, Atom and JSON feeds and import each new entry as a published article.

A poll is a conditional GET (feed_fetch), then a parse (feed_parse) unless the answer was 304, then at most
PUBLISHER_FEED_MAX_ENTRIES_PER_POLL new entries, oldest first, each through the HTML importer (so hostile
markup is sanitized like any import) and saved as an article published at the time of its import: that makes
it public, in the feeds out, and a candidate of the next recurring digest (of the feed's list only, when the
feed names one: FeedEntry.article_id -> Feed.list_id). Entries are keyed by the sha256 of their GUID, else
their link; `feed_entries` is unique per (feed, key), so an entry is imported once. An entry that fails is
recorded with its error and does not stop the others.

An error answer (429, 5xx, ...), a timeout or a malformed feed backs the feed off: failures + 1, and the next
poll after min(every * 2**failures, a day); its last_error says why. A good answer resets it.

The sweep (poll_due) claims each due feed by moving its next_poll_at forward with a conditional UPDATE: of
two sweepers, the one whose UPDATE changed the row polls it; the other skips it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from publisher.automation import feed_entries, feed_fetch, feed_parse
from publisher.channels import share_channels
from publisher.errors import NotFound, PublisherError
from publisher.runtime import Services
from publisher.store import Store
from publisher.store.automation import Feed, FeedEntry
from publisher.store.models import MailingList

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 86_400  # a failing feed is still tried once a day
MIN_EVERY_SECONDS = 60
SWEEP_BUDGET_SECONDS = 30.0  # a sweep starts no new poll after this long (it shares the thread of the sends)
_EVERY = re.compile(r"\s*([0-9]{1,6})\s*([smhd])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


class FeedRefused(PublisherError):
    """A feed that cannot be added as asked: a bad URL, interval, list or account, or one added before."""


@dataclass(frozen=True)
class FeedInfo:
    """A feed as the CLI, the editor and the API show it (its URL without a user name or password in it)."""

    id: int
    url: str
    title: str
    list_name: str | None
    share_accounts: list[str]
    every_seconds: int
    last_polled_at: datetime | None
    last_status: int | None
    last_error: str | None
    next_poll_at: datetime
    failures: int
    entries: int


@dataclass(frozen=True)
class PollResult:
    """What one poll did: entries imported, entries seen before or left for the next poll, failures."""

    feed_id: int
    imported: int = 0
    skipped: int = 0  # seen before
    deferred: int = 0  # new, but over the per-poll cap: the next poll takes them
    failed: int = 0  # new entries that could not be imported (each FeedEntry says why)
    status: int | None = None
    error: str | None = None
    not_modified: bool = False


def parse_every(text: str) -> int:
    """An interval such as 15m, 1h, 90s or 2d, in seconds (at least a minute)."""
    match = _EVERY.fullmatch(text or "")
    if not match:
        raise FeedRefused(f"not an interval such as 15m, 1h or 1d: {text!r}")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds < MIN_EVERY_SECONDS:
        raise FeedRefused(f"a feed is polled at most once a minute; {text!r} is too often")
    return seconds


def show_every(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def add_feed(
    services: Services,
    url: str,
    list_name: str | None = None,
    share: Sequence[str] = (),
    every: str = "15m",
) -> int:
    """Add a feed, due for its first poll now; returns its id. FeedRefused/NotFound name what is wrong."""
    url = (url or "").strip()
    if not re.fullmatch(r"https?://[^\s/]+\S*", url) or len(url) > 2000:
        raise FeedRefused(f"a feed URL is an http:// or https:// address: {url!r}")
    every_seconds = parse_every(every)
    known = share_channels(services.settings)
    unknown = [name for name in share if name not in known]
    if unknown:
        raise FeedRefused(f"unknown share account {', '.join(unknown)}; configured: {', '.join(known) or 'none'}")
    with services.store.session() as session:
        list_id = None
        if list_name:
            list_id = session.scalar(select(MailingList.id).where(MailingList.name == list_name))
            if list_id is None:
                raise NotFound(f"no list named {list_name!r}")
        if session.scalar(select(Feed.id).where(Feed.url == url)) is not None:
            raise FeedRefused(f"the feed {url} was added before")
        feed = Feed(
            url=url,
            list_id=list_id,
            share_accounts=list(dict.fromkeys(share)),
            every_seconds=every_seconds,
            next_poll_at=services.clock.now(),
        )
        session.add(feed)
        session.flush()
        return feed.id


def list_feeds(store: Store) -> list[FeedInfo]:
    with store.read_session() as session:
        lists: dict[int, str] = {row.id: row.name for row in session.execute(select(MailingList.id, MailingList.name))}
        feeds = session.scalars(select(Feed).order_by(Feed.id)).all()
        counts: dict[int, int] = {}
        for feed_id in session.scalars(select(FeedEntry.feed_id).where(FeedEntry.article_id.is_not(None))):
            counts[feed_id] = counts.get(feed_id, 0) + 1
        return [
            FeedInfo(
                id=f.id,
                url=feed_fetch.shown_url(f.url),  # a password in it is never shown
                title=f.title,
                list_name=lists.get(f.list_id) if f.list_id else None,
                share_accounts=[str(a) for a in f.share_accounts or []],
                every_seconds=f.every_seconds,
                last_polled_at=f.last_polled_at,
                last_status=f.last_status,
                last_error=f.last_error,
                next_poll_at=f.next_poll_at,
                failures=f.failures,
                entries=counts.get(f.id, 0),
            )
            for f in feeds
        ]


def remove_feed(store: Store, feed_id: int) -> None:
    """Remove a feed (its entries go with it; the articles it imported stay)."""
    with store.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise NotFound(f"no feed with id {feed_id}")
        session.delete(feed)


def poll_due(services: Services, *, now: datetime) -> int:
    """The sweep's part: poll the feeds due at `now`, at most PUBLISHER_FEED_POLLS_PER_SWEEP of them and none
    started after SWEEP_BUDGET_SECONDS; returns how many were polled."""
    settings = services.settings
    with services.store.read_session() as session:
        due = session.scalars(
            select(Feed.id)
            .where(Feed.paused.is_(False), Feed.next_poll_at <= now)
            .order_by(Feed.next_poll_at)
            .limit(settings.feed_polls_per_sweep)
        ).all()
    polled, started = 0, time.monotonic()
    for feed_id in due:
        if polled and time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break  # slow feeds must not hold up the scheduled sends of the next sweep; the rest stay due
        if not _claim(services.store, feed_id, now):
            continue  # another sweeper took it
        try:
            poll(services, feed_id, now=now)
        except NotFound:
            continue  # removed meanwhile
        polled += 1
    return polled


def _claim(store: Store, feed_id: int, now: datetime) -> bool:
    """Move a due feed's next poll forward (one interval: the lease of this poll); true if this call moved it."""
    with store.session() as session:
        every = session.scalar(select(Feed.every_seconds).where(Feed.id == feed_id))
        if every is None:
            return False
        moved = session.execute(
            update(Feed)
            .where(Feed.id == feed_id, Feed.next_poll_at <= now, Feed.paused.is_(False))
            .values(next_poll_at=now + timedelta(seconds=every))
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]


def poll(services: Services, feed_id: int, *, now: datetime | None = None) -> PollResult:
    """Poll one feed now: fetch, parse, import up to the cap of new entries; never raises for the feed's
    own problems (they are in the result and in the feed's last_error), only NotFound for an unknown id."""
    now = now or services.clock.now()
    settings = services.settings
    with services.store.read_session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise NotFound(f"no feed with id {feed_id}")
        url, etag, modified, every = feed.url, feed.etag, feed.last_modified, feed.every_seconds
        failures, accounts = feed.failures, [str(a) for a in feed.share_accounts or []]
    try:
        fetched = feed_fetch.fetch(
            url, etag=etag, last_modified=modified, timeout=settings.feed_timeout, max_bytes=settings.feed_max_bytes
        )
    except feed_fetch.FetchFailed as exc:
        return _failed(services.store, feed_id, now, every, failures, str(exc), exc.status)
    if fetched.not_modified:
        _succeeded(services.store, feed_id, now, every, fetched, title=None)
        return PollResult(feed_id, status=304, not_modified=True)
    try:
        parsed = feed_parse.parse(fetched.body, fetched.content_type)
    except feed_parse.FeedMalformed as exc:
        return _failed(
            services.store, feed_id, now, every, failures, f"{feed_fetch.shown_url(url)}: {exc}", fetched.status
        )
    done = feed_entries.import_entries(services, feed_id, parsed, accounts, now)
    _succeeded(services.store, feed_id, now, every, fetched, title=parsed.title)
    return PollResult(
        feed_id, done.imported, done.skipped, done.deferred, done.failed, status=fetched.status, error=None
    )


def _succeeded(
    store: Store, feed_id: int, now: datetime, every: int, fetched: feed_fetch.Fetched, title: str | None
) -> None:
    values: dict[str, object] = {
        "last_polled_at": now,
        "last_status": fetched.status,
        "last_error": None,
        "failures": 0,
        "next_poll_at": now + timedelta(seconds=every),
        "etag": fetched.etag[:500] if fetched.etag else None,
        "last_modified": fetched.last_modified[:100] if fetched.last_modified else None,
    }
    if title is not None:
        values["title"] = " ".join(title.split())[:300]
    with store.session() as session:
        session.execute(update(Feed).where(Feed.id == feed_id).values(**values))


def _failed(
    store: Store, feed_id: int, now: datetime, every: int, failures: int, error: str, status: int | None
) -> PollResult:
    failures += 1
    wait = min(every * 2**failures, MAX_BACKOFF_SECONDS)
    with store.session() as session:
        session.execute(
            update(Feed)
            .where(Feed.id == feed_id)
            .values(
                last_polled_at=now,
                last_status=status,
                last_error=error,
                failures=failures,
                next_poll_at=now + timedelta(seconds=wait),
            )
        )
    log.warning("feed %s: %s (failure %s; next poll in %s s)", feed_id, error, failures, wait)
    return PollResult(feed_id, status=status, error=error)
