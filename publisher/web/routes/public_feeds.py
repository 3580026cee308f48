"""Feeds out (issue 16): the publication's RSS 2.0 (/feed.xml) and Atom (/feed.atom) feeds.

The newest PUBLISHER_FEED_OUT_SIZE published articles (those readers see in the archive), each with its full
content rendered from the document model as the public article page renders it, at absolute URLs (the base
URL setting), with its cover as an enclosure, dated when it became public. Written with xml.etree, which
escapes every text and attribute, so a title with `<` or `&` is still a valid feed.
"""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response

from publisher import editing, publication
from publisher.articles import Article
from publisher.config import Settings
from publisher.render.blocks_html import cover_image, render_html
from publisher.render.urls import article_url
from publisher.store import Store
from publisher.web.deps import get_settings, get_store

router = APIRouter(include_in_schema=False)

RSS_PATH = "/feed.xml"
ATOM_PATH = "/feed.atom"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
ET.register_namespace("atom", ATOM)
ET.register_namespace("content", CONTENT)


def _published(store: Store, settings: Settings) -> list[tuple[Article, datetime]]:
    """The newest public articles with the time each became public (naive stored times are UTC)."""
    out = []
    for article in editing.public_articles(store, limit=settings.feed_out_size):
        assert article.id is not None
        since = editing.public_since(store, article.id) or datetime.now(UTC)
        out.append((article, since if since.tzinfo else since.replace(tzinfo=UTC)))
    return out


def _cover(article: Article) -> tuple[str, str] | None:
    """The cover's URL and media type, for an enclosure."""
    cover = cover_image(article.blocks)
    if cover is None or not cover.src:
        return None
    kind = mimetypes.guess_type(cover.src.split("?", 1)[0])[0] or "image/jpeg"
    return cover.src, kind


def _xml(request: Request, root: ET.Element, media_type: str) -> Response:
    """The feed, with an ETag: a reader polling with If-None-Match gets a 304 while nothing changed."""
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": "public, max-age=300", "ETag": etag}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get(RSS_PATH)
def rss_feed(request: Request) -> Response:
    """RSS 2.0, with content:encoded for the full text and the atom:link to itself validators ask for."""
    store = get_store(request)
    settings = publication.effective(store, get_settings(request))
    about = publication.load(store, get_settings(request))
    items = _published(store, settings)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = settings.newsletter_name
    ET.SubElement(channel, "link").text = f"{settings.base_url}/"
    ET.SubElement(channel, "description").text = about.description or f"Articles of {settings.newsletter_name}"
    ET.SubElement(channel, "language").text = settings.language
    ET.SubElement(
        channel,
        f"{{{ATOM}}}link",
        {"href": f"{settings.base_url}{RSS_PATH}", "rel": "self", "type": "application/rss+xml"},
    )
    if items:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(max(when for _, when in items))
    for article, when in items:
        url = article_url(settings, article)
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = url
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = url
        ET.SubElement(item, "pubDate").text = format_datetime(when)
        ET.SubElement(item, "description").text = article.summary
        ET.SubElement(item, f"{{{CONTENT}}}encoded").text = str(render_html(article.blocks, web=True))
        cover = _cover(article)
        if cover is not None:
            ET.SubElement(item, "enclosure", {"url": cover[0], "type": cover[1], "length": "0"})
    return _xml(request, rss, "application/rss+xml; charset=utf-8")


@router.get(ATOM_PATH)
def atom_feed(request: Request) -> Response:
    """Atom (RFC 4287): each entry's content is its full HTML; the cover is a link rel=enclosure."""
    store = get_store(request)
    settings = publication.effective(store, get_settings(request))
    items = _published(store, settings)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": settings.language})
    ET.SubElement(feed, "title").text = settings.newsletter_name
    ET.SubElement(feed, "id").text = f"{settings.base_url}/"
    ET.SubElement(feed, "link", {"href": f"{settings.base_url}/", "rel": "alternate", "type": "text/html"})
    ET.SubElement(
        feed,
        "link",
        {"href": f"{settings.base_url}{ATOM_PATH}", "rel": "self", "type": "application/atom+xml"},
    )
    newest = max((when for _, when in items), default=datetime(2000, 1, 1, tzinfo=UTC))
    ET.SubElement(feed, "updated").text = newest.isoformat(timespec="seconds")
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = settings.newsletter_name
    for article, when in items:
        url = article_url(settings, article)
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "title").text = article.title
        ET.SubElement(entry, "id").text = url
        ET.SubElement(entry, "link", {"href": url, "rel": "alternate", "type": "text/html"})
        ET.SubElement(entry, "published").text = when.isoformat(timespec="seconds")
        ET.SubElement(entry, "updated").text = when.isoformat(timespec="seconds")
        ET.SubElement(entry, "summary").text = article.summary
        content = ET.SubElement(entry, "content", {"type": "html"})
        content.text = str(render_html(article.blocks, web=True))
        cover = _cover(article)
        if cover is not None:
            ET.SubElement(entry, "link", {"href": cover[0], "rel": "enclosure", "type": cover[1]})
    return _xml(request, feed, "application/atom+xml; charset=utf-8")
