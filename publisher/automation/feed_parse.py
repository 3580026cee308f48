"""Reading a fetched feed: RSS and Atom through feedparser, JSON Feed through json, into one entry shape.

feedparser 6 does not read JSON Feed (https://jsonfeed.org/version/1.1), so a body sent as
application/feed+json (or application/json), or one that starts with `{` and names a JSON Feed `version`,
is read here with the json module. A feed that cannot be read is a FeedMalformed naming the problem, so a
poll imports nothing from it and records why.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser  # type: ignore[import-untyped]  # no type information

from publisher.errors import PublisherError

_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
JSON_FEED_VERSIONS = frozenset({"https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1"})


class FeedMalformed(PublisherError):
    """The body is not a feed that can be read: invalid XML or JSON, or no entries feedparser could find."""


@dataclass(frozen=True)
class ParsedEntry:
    """One entry, whatever the format: its identity (GUID, link), its title, its HTML and its date."""

    guid: str
    link: str
    title: str
    html: str
    published: datetime | None

    def __post_init__(self) -> None:
        # A NUL (JSON allows "\u0000") is text no database column takes (PostgreSQL refuses it): dropped.
        for name in ("guid", "link", "title", "html"):
            object.__setattr__(self, name, getattr(self, name).replace("\x00", ""))


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[ParsedEntry]  # in the feed's order (usually newest first)


def parse(body: bytes, content_type: str = "") -> ParsedFeed:
    """The feed in `body`; FeedMalformed when it is not one (the message says what is wrong)."""
    if _is_json_feed(body, content_type):
        return _parse_json_feed(body)
    return _parse_xml_feed(body)


def _is_json_feed(body: bytes, content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in {"application/feed+json", "application/json"}:
        return True
    return body.lstrip()[:1] == b"{"


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FeedMalformed(f"the JSON Feed is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FeedMalformed(f"the JSON Feed is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(document, dict) or document.get("version") not in JSON_FEED_VERSIONS:
        raise FeedMalformed(
            "a JSON body is not a JSON Feed: its version must be https://jsonfeed.org/version/1 or /1.1"
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedMalformed("the JSON Feed has no items list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        html = item.get("content_html") or ""
        if not html and item.get("content_text"):
            html = "".join(f"<p>{_escape(p)}</p>" for p in str(item["content_text"]).split("\n\n") if p.strip())
        if not html and item.get("summary"):
            html = f"<p>{_escape(str(item['summary']))}</p>"
        entries.append(
            ParsedEntry(
                guid=str(item.get("id") or ""),
                link=str(item.get("url") or item.get("external_url") or ""),
                title=str(item.get("title") or ""),
                html=str(html),
                published=_iso_date(item.get("date_published") or item.get("date_modified")),
            )
        )
    return ParsedFeed(title=str(document.get("title") or "").replace("\x00", ""), entries=entries)


def _parse_xml_feed(body: bytes) -> ParsedFeed:
    parsed: Any = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=True)
    reason = parsed.get("bozo_exception")
    benign = isinstance(reason, _BENIGN)  # a charset or content type that says otherwise than the bytes
    if parsed.bozo and (not parsed.entries or not benign):
        # Invalid XML is refused even where feedparser's lenient reader recovers some entries from it: what it
        # recovers from a cut or broken document is not what the feed says.
        raise FeedMalformed(f"not a readable RSS or Atom feed: {reason or 'no entries found'}")
    if not parsed.entries and not parsed.get("version"):
        raise FeedMalformed("not an RSS, Atom or JSON feed: no feed element and no entries")
    entries = []
    for entry in parsed.entries:
        html = ""
        for content in entry.get("content") or []:
            if content.get("value"):
                html = content["value"]
                break
        if not html:
            html = entry.get("summary") or entry.get("description") or ""
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        entries.append(
            ParsedEntry(
                guid=str(entry.get("id") or ""),
                link=str(entry.get("link") or ""),
                title=str(entry.get("title") or ""),
                html=str(html),
                published=datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None,
            )
        )
    return ParsedFeed(title=str(parsed.feed.get("title") or ""), entries=entries)


def _iso_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
