"""The publication's RSS and Atom feeds, read back by feedparser as a feed reader reads them."""

from __future__ import annotations

import re

import feedparser
import httpx

from publisher import editing, library
from publisher.importers import html as html_importer
from publisher.store import Store

HOSTILE_TITLE = 'Tides & "storms" <rising>'


def _publish(store: Store, page: str) -> int:
    [(article_id, _)] = library.save_articles(store, [html_importer.parse(page.encode())])
    editing.set_published(store, article_id, True)
    return article_id


def _articles(store: Store) -> None:
    _publish(
        store,
        "<h1>Harbour bridge closes at night</h1><p><img src='https://cdn.example.org/bridge.png' alt='The bridge'></p>"
        "<p>The first paragraph of the bridge story.</p><h2>Detours</h2><p>Take the <a href='https://map.example/'>"
        "ferry</a> after ten.</p>",
    )
    _publish(store, f"<title>{HOSTILE_TITLE.replace('&', '&amp;').replace('<', '&lt;')}</title><p>Water rises.</p>")
    library.save_articles(store, [html_importer.parse(b"<h1>A draft</h1><p>Not for readers yet.</p>")])


def test_the_rss_feed_reads_back_without_a_bozo_flag_with_full_content(store: Store, http: httpx.Client):
    _articles(store)
    answer = http.get("/feed.xml")

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    titles = [e.title for e in feed.entries]
    assert titles == [HOSTILE_TITLE, "Harbour bridge closes at night"]  # newest first; no draft
    bridge = feed.entries[1]
    assert bridge.link == "https://news.example.org/articles/harbour-bridge-closes-at-night"
    assert "Take the" in bridge.content[0].value and "https://map.example/" in bridge.content[0].value
    assert "Detours" in bridge.content[0].value
    assert bridge.enclosures[0].href == "https://cdn.example.org/bridge.png"
    assert bridge.enclosures[0].type == "image/png"
    assert bridge.published_parsed is not None


def test_the_atom_feed_reads_back_without_a_bozo_flag_with_full_content(store: Store, http: httpx.Client):
    _articles(store)
    answer = http.get("/feed.atom")

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == [HOSTILE_TITLE, "Harbour bridge closes at night"]
    bridge = feed.entries[1]
    assert bridge.id == bridge.link == "https://news.example.org/articles/harbour-bridge-closes-at-night"
    assert "The first paragraph of the bridge story." in bridge.content[0].value
    assert [link.href for link in bridge.links if link.rel == "enclosure"] == ["https://cdn.example.org/bridge.png"]
    assert bridge.updated_parsed is not None and feed.feed.updated_parsed is not None


def test_an_empty_publication_still_has_valid_feeds(store: Store, http: httpx.Client):
    for path in ("/feed.xml", "/feed.atom"):
        feed = feedparser.parse(http.get(path).content)
        assert not feed.bozo and feed.entries == []


def test_the_feeds_keep_the_newest_articles_up_to_the_setting(store: Store, http: httpx.Client, settings):
    settings.feed_out_size = 2
    for n in range(4):
        _publish(store, f"<h1>Note {n}</h1><p>Body {n}.</p>")
    assert [e.title for e in feedparser.parse(http.get("/feed.xml").content).entries] == ["Note 3", "Note 2"]


def test_every_public_page_links_both_feeds(store: Store, http: httpx.Client):
    _articles(store)
    for path in ("/", "/articles/harbour-bridge-closes-at-night", "/subscribe"):
        page = http.get(path).text
        assert re.search(r'<link rel="alternate" type="application/rss\+xml"[^>]*href="/feed.xml"', page), path
        assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/feed.atom"', page), path


def test_a_reader_polling_with_the_etag_gets_304_until_an_article_is_published(store: Store, http: httpx.Client):
    _articles(store)
    for path in ("/feed.xml", "/feed.atom"):
        etag = http.get(path).headers["etag"]
        unchanged = http.get(path, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
    etag = http.get("/feed.xml").headers["etag"]
    _publish(store, "<h1>Fresh news</h1><p>Just in.</p>")
    changed = http.get("/feed.xml", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Fresh news" in changed.text
