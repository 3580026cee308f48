"""Feeds in, against a real HTTP server: conditional GET, the per-poll cap, backoff, bad and hostile feeds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from publisher.automation import feed_entries, feed_parse, feeds
from publisher.library import get_article
from publisher.runtime import Services
from publisher.store.automation import Feed, FeedEntry
from publisher.store.models import ArticleRow
from publisher.store.types import aware_utc
from tests.publisher.automation.conftest import NOW
from tests.publisher.automation.feed_server import FeedServer, rss


def _articles(services: Services) -> list[ArticleRow]:
    with services.store.read_session() as session:
        return list(session.scalars(select(ArticleRow).order_by(ArticleRow.id)))


def _feed(services: Services, feed_id: int) -> Feed:
    with services.store.read_session() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        session.expunge(feed)
        return feed


def test_a_feed_of_3_then_5_entries_imports_3_then_exactly_2_more(feed_services: Services, feed_server: FeedServer):
    url = feed_server.write("news.xml", rss(3))
    feed_id = feeds.add_feed(feed_services, url)

    first = feeds.poll(feed_services, feed_id)
    assert (first.imported, first.skipped, first.status, first.error) == (3, 0, 200, None)
    feed_server.write("news.xml", rss(5))
    second = feeds.poll(feed_services, feed_id)

    assert (second.imported, second.skipped) == (2, 3)
    articles = _articles(feed_services)
    assert [a.title for a in articles] == ["Story 1", "Story 2", "Story 3", "Story 4", "Story 5"]  # oldest first
    assert all(a.published_at is not None for a in articles)
    assert articles[3].source["kind"] == "feed" and articles[3].source["url"] == "https://news.example.net/story-4"
    assert articles[3].source["guid"] == "story-4" and articles[3].source["feed_id"] == feed_id
    assert _feed(feed_services, feed_id).title == "Harbour news"


def test_a_304_answer_imports_nothing_and_costs_no_parse(
    feed_services: Services, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(3)))
    feeds.poll(feed_services, feed_id)
    parses = []
    real_parse = feed_parse.parse
    monkeypatch.setattr(feed_parse, "parse", lambda *a: parses.append(1) or real_parse(*a))

    again = feeds.poll(feed_services, feed_id)

    assert again.not_modified and again.status == 304 and again.imported == 0
    assert parses == []
    assert feed_server.requests[-1]["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in feed_server.requests[-1]
    assert len(_articles(feed_services)) == 3
    assert _feed(feed_services, feed_id).last_status == 304


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<rss version='2.0'><channel><title>Broken</title><item><title>x</ite", "not a readable RSS or Atom feed"),
        ("<html><body><p>Just a page</p></body></html>", "not an RSS, Atom or JSON feed"),
        ('{"version": "https://jsonfeed.org/version/1.1", "items": [', "not valid JSON"),
    ],
    ids=["cut-xml", "html-page", "cut-json"],
)
def test_a_malformed_feed_gets_a_clear_error_and_imports_nothing(
    feed_services: Services, feed_server: FeedServer, body: str, problem: str
):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", body))

    result = feeds.poll(feed_services, feed_id)

    assert result.imported == 0 and result.error is not None and problem in result.error
    assert _articles(feed_services) == []
    shown = feeds.list_feeds(feed_services.store)[0]
    assert shown.last_error == result.error and shown.failures == 1


def test_hostile_entry_html_is_sanitized_like_any_import(feed_services: Services, feed_server: FeedServer):
    hostile = (
        "<p>Fine words.<script>alert(1)</script></p><img src=x onerror=alert(2) alt=pic>"
        '<p><a href="javascript:alert(3)">click</a> and <a href="https://ok.example/">ok</a></p>'
        "<iframe src=https://evil.example/></iframe><style>body{display:none}</style>"
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example/</link>'
        "<description>d</description><item><title>Hostile &lt;b&gt;entry</title><link>https://x.example/1</link>"
        f"<description><![CDATA[{hostile}]]></description></item></channel></rss>"
    )
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", feed))

    assert feeds.poll(feed_services, feed_id).imported == 1

    [row] = _articles(feed_services)
    stored = json.dumps(get_article(feed_services.store, row.id).to_dict())
    for bad in ("<script", "alert(1)", "onerror", "javascript:", "iframe", "evil.example", "display:none"):
        assert bad not in stored
    assert "Fine words." in stored and "https://ok.example/" in stored


def test_a_feed_of_2000_entries_imports_at_most_the_cap_per_poll(feed_services: Services, feed_server: FeedServer):
    feed_services.settings.feed_max_entries_per_poll = 50
    feed_id = feeds.add_feed(feed_services, feed_server.write("big.xml", rss(2000)))

    first = feeds.poll(feed_services, feed_id)
    feed_server.write("big.xml", rss(2000) + " ")  # changed bytes: a new ETag, so the second poll reads it
    second = feeds.poll(feed_services, feed_id)

    assert (first.imported, first.deferred) == (50, 1950)
    assert (second.imported, second.skipped, second.deferred) == (50, 50, 1900)
    titles = [a.title for a in _articles(feed_services)]
    assert titles[:2] == ["Story 1", "Story 2"] and titles[-1] == "Story 100"  # the oldest first


@pytest.mark.parametrize("status", [500, 429, 503])
def test_an_error_answer_backs_off_and_shows_the_error(feed_services: Services, feed_server: FeedServer, status: int):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(2)), every="15m")
    feed_server.fail_with = status

    first = feeds.poll(feed_services, feed_id, now=NOW)
    feeds.poll(feed_services, feed_id, now=NOW)  # a second failure: the wait doubles again

    assert first.imported == 0 and f"answered {status}" in (first.error or "")
    feed = _feed(feed_services, feed_id)
    assert feed.failures == 2 and feed.last_status == status and f"answered {status}" in (feed.last_error or "")
    assert aware_utc(feed.next_poll_at) == NOW + timedelta(minutes=15 * 4)  # every * 2**failures
    feed_server.fail_with = None
    assert feeds.poll(feed_services, feed_id, now=NOW).imported == 2
    healed = _feed(feed_services, feed_id)
    assert (healed.failures, healed.last_error) == (0, None)
    assert aware_utc(healed.next_poll_at) == NOW + timedelta(minutes=15)


def test_the_backoff_stops_at_a_day(feed_services: Services, feed_server: FeedServer):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(1)), every="6h")
    feed_server.fail_with = 502
    for _ in range(4):
        feeds.poll(feed_services, feed_id, now=NOW)
    assert aware_utc(_feed(feed_services, feed_id).next_poll_at) == NOW + timedelta(days=1)


def test_an_unreachable_feed_is_an_error_naming_it(feed_services: Services):
    feed_id = feeds.add_feed(feed_services, "http://127.0.0.1:9/feed.xml")
    result = feeds.poll(feed_services, feed_id)
    assert result.error is not None and "127.0.0.1:9/feed.xml" in result.error and result.status is None


def test_a_body_over_the_size_limit_is_refused(feed_services: Services, feed_server: FeedServer):
    feed_services.settings.feed_max_bytes = 2048
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(40)))
    result = feeds.poll(feed_services, feed_id)
    assert result.imported == 0 and "over the limit of 2048" in (result.error or "")


def test_a_json_feed_imports_its_items(feed_services: Services, feed_server: FeedServer):
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON harbour",
        "items": [
            {"id": "j2", "url": "https://j.example/2", "title": "Second", "content_html": "<p>Two <b>bold</b>.</p>"},
            {"id": "j1", "url": "https://j.example/1", "title": "First", "content_text": "One.\n\nAnd more."},
        ],
    }
    feed_id = feeds.add_feed(feed_services, feed_server.write("feed.json", json.dumps(document)))

    assert feeds.poll(feed_services, feed_id).imported == 2

    first, second = _articles(feed_services)
    assert (first.title, second.title) == ("First", "Second")
    assert first.source["url"] == "https://j.example/1" and "And more." in json.dumps(first.sections)
    assert _feed(feed_services, feed_id).title == "JSON harbour"


def test_an_atom_feed_imports_its_full_content(feed_services: Services, feed_server: FeedServer):
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom one</title>'
        "<id>urn:a</id><updated>2026-01-01T00:00:00Z</updated><entry><title>An atom entry</title>"
        '<id>urn:a:1</id><link href="https://a.example/1"/><updated>2026-01-01T00:00:00Z</updated>'
        '<summary>Short.</summary><content type="html">&lt;p&gt;The whole text.&lt;/p&gt;</content></entry></feed>'
    )
    feed_id = feeds.add_feed(feed_services, feed_server.write("a.atom", atom))
    assert feeds.poll(feed_services, feed_id).imported == 1
    [row] = _articles(feed_services)
    assert "The whole text." in json.dumps(row.sections) and row.source["guid"] == "urn:a:1"


def test_entries_are_deduplicated_by_guid_else_by_link(feed_services: Services, feed_server: FeedServer):
    def item(title: str, link: str, guid: str = "") -> str:
        tag = f"<guid>{guid}</guid>" if guid else ""
        return f"<item><title>{title}</title><link>{link}</link>{tag}<description>Body {title}.</description></item>"

    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://d.example/</link>'
    first = head + item("A", "https://d.example/a", "g-1") + item("B", "https://d.example/b")
    url = feed_server.write("d.xml", first + "</channel></rss>")
    feed_id = feeds.add_feed(feed_services, url)
    assert feeds.poll(feed_services, feed_id).imported == 2
    # Same GUID with a new link, same link without GUID, retitled: still the same two entries.
    again = head + item("A2", "https://d.example/a-moved", "g-1") + item("B2", "https://d.example/b")
    feed_server.write("d.xml", again + "</channel></rss>")
    result = feeds.poll(feed_services, feed_id)
    assert (result.imported, result.skipped) == (0, 2)
    with feed_services.store.read_session() as session:
        assert session.scalar(select(func.count()).select_from(FeedEntry)) == 2


def test_the_sweep_polls_each_due_feed_once_and_two_sweeps_do_not_poll_it_twice(
    feed_services: Services, feed_server: FeedServer
):
    feeds.add_feed(feed_services, feed_server.write("one.xml", rss(1)))
    feeds.add_feed(feed_services, feed_server.write("two.xml", rss(2, title="Two", start=10)))

    assert feeds.poll_due(feed_services, now=NOW) == 2
    assert feeds.poll_due(feed_services, now=NOW) == 0  # both moved a poll interval ahead
    assert len(feed_server.requests) == 2
    assert feeds.poll_due(feed_services, now=NOW + timedelta(minutes=15)) == 2
    assert len(_articles(feed_services)) == 3


def test_a_claimed_feed_is_not_polled_by_a_second_sweeper(feed_services: Services, feed_server: FeedServer):
    feed_id = feeds.add_feed(feed_services, feed_server.write("one.xml", rss(1)))
    assert feeds._claim(feed_services.store, feed_id, NOW)
    assert not feeds._claim(feed_services.store, feed_id, NOW)  # the other sweeper's UPDATE changes nothing


def test_new_entries_are_shared_to_the_feeds_accounts_never_forced(feed_services: Services, feed_server: FeedServer):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(2)), share=["file"])

    assert feeds.poll(feed_services, feed_id).imported == 2

    calls = feed_services.dispatcher.calls  # type: ignore[attr-defined]
    assert len(calls) == 2 and {c[1] for c in calls} == {"file"}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"url": "ftp://x.example/feed"}, "http:// or https://"),
        ({"url": "https://x.example/f", "every": "soon"}, "not an interval"),
        ({"url": "https://x.example/f", "every": "10s"}, "at most once a minute"),
        ({"url": "https://x.example/f", "list_name": "nobody"}, "no list named 'nobody'"),
        ({"url": "https://x.example/f", "share": ["myspace"]}, "unknown share account myspace"),
    ],
)
def test_a_bad_feed_is_refused_naming_the_problem(feed_services: Services, kwargs: dict, problem: str):
    with pytest.raises(Exception, match=problem.replace("(", r"\(")):
        feeds.add_feed(feed_services, **kwargs)
    assert feeds.list_feeds(feed_services.store) == []


def test_a_feed_added_twice_is_refused(feed_services: Services):
    feeds.add_feed(feed_services, "https://x.example/f")
    with pytest.raises(feeds.FeedRefused, match="added before"):
        feeds.add_feed(feed_services, "https://x.example/f")


def test_an_entry_left_by_a_poll_that_died_is_imported_by_a_later_poll(
    feed_services: Services, feed_server: FeedServer
):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(2)))
    story_1 = feed_parse.parse(rss(1).encode()).entries[0]
    with feed_services.store.session() as session:  # claimed, then the worker vanished before importing it
        session.add(
            FeedEntry(
                feed_id=feed_id,
                entry_key=feed_entries.entry_key(story_1),
                guid=story_1.guid,
                error=feed_entries.PENDING,
                created_at=NOW - timedelta(hours=1),
            )
        )

    result = feeds.poll(feed_services, feed_id, now=NOW)

    assert (result.imported, result.skipped) == (2, 0)
    with feed_services.store.read_session() as session:
        rows = session.scalars(select(FeedEntry).where(FeedEntry.feed_id == feed_id)).all()
        assert len(rows) == 2 and all(r.article_id is not None and r.error is None for r in rows)


def test_an_entry_claimed_moments_ago_is_left_to_the_poll_importing_it(
    feed_services: Services, feed_server: FeedServer
):
    feed_id = feeds.add_feed(feed_services, feed_server.write("news.xml", rss(1)))
    story_1 = feed_parse.parse(rss(1).encode()).entries[0]
    with feed_services.store.session() as session:
        key = feed_entries.entry_key(story_1)
        session.add(FeedEntry(feed_id=feed_id, entry_key=key, error=feed_entries.PENDING, created_at=NOW))
    assert feeds.poll(feed_services, feed_id, now=NOW).imported == 0


def test_a_password_in_a_feed_url_is_never_in_its_error(feed_services: Services, feed_server: FeedServer):
    url = feed_server.write("news.xml", rss(1)).replace("http://", "http://reader:s3cret-pw@")
    feed_id = feeds.add_feed(feed_services, url)
    feed_server.fail_with = 500
    result = feeds.poll(feed_services, feed_id)
    assert result.error is not None and "answered 500" in result.error and "s3cret-pw" not in result.error
    [shown] = feeds.list_feeds(feed_services.store)
    assert "s3cret-pw" not in shown.url and "s3cret-pw" not in (shown.last_error or "")
    assert feed_server.requests[-1]["Authorization"].startswith("Basic ")  # the credentials still go to the server


def test_a_sweep_polls_at_most_the_setting_and_the_rest_stay_due(feed_services: Services, feed_server: FeedServer):
    feed_services.settings.feed_polls_per_sweep = 2
    for n in range(3):
        feeds.add_feed(feed_services, feed_server.write(f"f{n}.xml", rss(1, start=n * 10)))
    assert feeds.poll_due(feed_services, now=NOW) == 2
    assert feeds.poll_due(feed_services, now=NOW) == 1


def test_a_sweep_over_its_time_budget_starts_no_further_poll(
    feed_services: Services, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(feeds, "SWEEP_BUDGET_SECONDS", -1.0)  # every poll overruns it: one poll a sweep
    for n in range(2):
        feeds.add_feed(feed_services, feed_server.write(f"f{n}.xml", rss(1, start=n * 10)))
    assert feeds.poll_due(feed_services, now=NOW) == 1
    assert feeds.poll_due(feed_services, now=NOW) == 1
    assert feeds.poll_due(feed_services, now=NOW) == 0


def test_an_entry_that_cannot_be_imported_is_recorded_and_the_others_go_on(
    feed_services: Services, feed_server: FeedServer
):
    document = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Mixed\u0000 bag",
        "items": [
            {
                "id": "ok-2",
                "url": "https://m.example/2",
                "title": "Good\u0000 two",
                "content_html": "<p>Fine\u0000.</p>",
            },
            {"id": "empty", "url": "https://m.example/e", "title": "", "content_html": "<script>x()</script>"},
            {"id": "ok-1", "url": "https://m.example/1", "title": "Good one", "content_text": "Fine too."},
        ],
    }
    feed_id = feeds.add_feed(feed_services, feed_server.write("m.json", json.dumps(document)))

    result = feeds.poll(feed_services, feed_id)

    assert (result.imported, result.failed, result.error) == (2, 1, None)
    assert sorted(a.title for a in _articles(feed_services)) == ["Good one", "Good two"]
    with feed_services.store.read_session() as session:
        [bad] = session.scalars(select(FeedEntry).where(FeedEntry.article_id.is_(None))).all()
        assert bad.guid == "empty" and bad.error == "https://m.example/e: has a title but no body"
