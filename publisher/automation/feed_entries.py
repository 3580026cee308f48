"""Importing a feed's new entries (publisher.automation.feeds polls; this takes what the poll read).

Oldest first, at most PUBLISHER_FEED_MAX_ENTRIES_PER_POLL a poll. Each entry is first recorded as seen
(`feed_entries`, unique per feed and key: one poll wins it), then imported through the HTML importer and
saved as an article published at the time of its import, then shared to the feed's accounts (never forced).
An entry whose poll died between the first and second step is taken over once its claim is older than
PUBLISHER_LEASE_SECONDS, so no entry is lost to a worker that vanished.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from publisher import library
from publisher.automation import feed_parse
from publisher.errors import PublisherError
from publisher.importers import html as html_importer
from publisher.runtime import Services
from publisher.store import Store
from publisher.store.automation import FeedEntry
from publisher.store.models import ArticleRow
from publisher.store.types import aware_utc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Imported:
    imported: int  # new articles (an entry whose content was imported before gets that article)
    skipped: int  # seen before
    deferred: int  # new, but over the cap: the next poll takes them
    failed: int  # new, but not importable (each FeedEntry says why)


PENDING = "not imported yet (its poll stopped before it)"  # an entry claimed by a poll that then died


def entry_key(entry: feed_parse.ParsedEntry) -> str:
    """The entry's identity: the sha256 of its GUID, else of its link, else of its title and content."""
    basis = entry.guid or entry.link or f"{entry.title}\n{entry.html}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _oldest_first(entries: list[feed_parse.ParsedEntry]) -> list[feed_parse.ParsedEntry]:
    """Feeds list newest first; dated entries are put in date order, undated ones keep the reversed order."""
    reversed_order = list(reversed(entries))
    if all(e.published is not None for e in reversed_order):
        return sorted(reversed_order, key=lambda e: e.published)  # type: ignore[arg-type,return-value]
    return reversed_order


def import_entries(
    services: Services, feed_id: int, parsed: feed_parse.ParsedFeed, accounts: list[str], now: datetime
) -> Imported:
    cap = services.settings.feed_max_entries_per_poll
    entries = _oldest_first(parsed.entries)
    stale = now - timedelta(seconds=services.settings.lease_seconds)
    with services.store.read_session() as session:
        rows = session.execute(
            select(FeedEntry.id, FeedEntry.entry_key, FeedEntry.error, FeedEntry.created_at).where(
                FeedEntry.feed_id == feed_id
            )
        ).all()
    # An entry claimed by a poll that died before importing it is taken over once its claim is stale.
    orphans = {r.entry_key: r.id for r in rows if r.error == PENDING and aware_utc(r.created_at) < stale}
    seen = {r.entry_key for r in rows} - set(orphans)
    fresh: list[tuple[str, feed_parse.ParsedEntry]] = []
    skipped, keys = 0, set()
    for entry in entries:
        key = entry_key(entry)
        if key in seen or key in keys:
            skipped += 1
            continue
        keys.add(key)
        fresh.append((key, entry))
    imported = failed = 0
    for key, entry in fresh[:cap]:
        if key in orphans:
            entry_id = _take_over(services.store, orphans[key], stale, now)
        else:
            entry_id = _claim_entry(services.store, feed_id, key, entry, now)
        if entry_id is None:
            skipped += 1  # another poll took it meanwhile
            continue
        try:
            article_id = _import_one(services.store, feed_id, entry, now)
        except PublisherError as exc:
            failed += 1
            _finish_entry(services.store, entry_id, None, str(exc))
            log.warning("feed %s: entry %s not imported: %s", feed_id, entry.link or entry.guid, exc)
            continue
        except Exception as exc:  # a surprise in one entry must not stop the others; it is recorded and logged
            failed += 1
            _finish_entry(services.store, entry_id, None, f"could not be imported ({type(exc).__name__})")
            log.exception("feed %s: entry %s not imported", feed_id, entry.link or entry.guid)
            continue
        _finish_entry(services.store, entry_id, article_id, None)
        imported += 1
        for account in accounts:
            _share(services, article_id, account)
    return Imported(imported=imported, skipped=skipped, deferred=max(0, len(fresh) - cap), failed=failed)


def _claim_entry(store: Store, feed_id: int, key: str, entry: feed_parse.ParsedEntry, now: datetime) -> int | None:
    """Record the entry as seen before importing it (unique per feed and key: one poll wins); its id, or None."""
    try:
        with store.session() as session:
            row = FeedEntry(
                feed_id=feed_id,
                entry_key=key,
                guid=entry.guid[:2000],
                link=entry.link[:2000],
                error=PENDING,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def _take_over(store: Store, entry_id: int, stale: datetime, now: datetime) -> int | None:
    """Claim an orphaned entry again (a conditional UPDATE: of two polls, one moves it); its id, or None."""
    with store.session() as session:
        moved = session.execute(
            update(FeedEntry)
            .where(FeedEntry.id == entry_id, FeedEntry.error == PENDING, FeedEntry.created_at < stale)
            .values(created_at=now)
        )
        return entry_id if moved.rowcount else None  # type: ignore[attr-defined]


def _finish_entry(store: Store, entry_id: int, article_id: int | None, error: str | None) -> None:
    with store.session() as session:
        session.execute(update(FeedEntry).where(FeedEntry.id == entry_id).values(article_id=article_id, error=error))


def _import_one(store: Store, feed_id: int, entry: feed_parse.ParsedEntry, now: datetime) -> int:
    """The entry as an HTML page (its title as <h1>, its content below) through the HTML importer."""
    title = " ".join(entry.title.split()) or entry.link or "Untitled entry"
    body = entry.html.strip()
    if not body:
        link = escape(entry.link, quote=True)
        body = f'<p>Read it at <a href="{link}">{link}</a>.</p>' if entry.link else "<p>(no content)</p>"
    head = f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head>"
    page = f"{head}<body><h1>{escape(title)}</h1>{body}</body></html>"
    article = html_importer.parse(page.encode("utf-8"), source=entry.link or f"feed {feed_id}")
    article = replace(
        article,
        source={
            **article.source,
            "kind": "feed",
            "feed_id": feed_id,
            "url": entry.link,
            "guid": entry.guid,
            "published": entry.published.isoformat() if entry.published else None,
        },
    )
    [(article_id, _)] = library.save_articles(store, [article])
    with store.session() as session:
        row = session.get(ArticleRow, article_id)
        if row is not None and row.published_at is None:
            row.published_at = now  # public now, and a candidate of the next recurring digest
    return article_id


def _share(services: Services, article_id: int, account: str) -> None:
    from publisher.campaigns import service  # lazy: the campaign services load the renderers

    try:
        service.share(services, article_id, [account])
    except PublisherError as exc:  # e.g. shared before: never forced; the poll goes on
        log.warning("feed import: article %s not shared to %s: %s", article_id, account, exc)
    except Exception:  # a broker down must not fail the poll; the article is imported
        log.exception("feed import: sharing article %s to %s failed", article_id, account)
