"""The editor's Feeds page and /api/feeds, against the app served for real and a real feed server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from publisher import editors
from publisher.store import Store
from tests.publisher.automation.feed_server import FeedServer, rss
from tests.publisher.web.conftest import csrf_of
from tests.support.factories import subscribe
from tests.support.web import LiveServer


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[FeedServer]:
    folder = tmp_path / "www"
    folder.mkdir()
    server = FeedServer(folder).start()
    yield server
    server.stop()


def _post(editor: httpx.Client, path: str, **data: object) -> httpx.Response:
    token = csrf_of(editor.get("/editor/feeds").text)
    return editor.post(path, data={"csrf_token": token, **data})


def test_the_feeds_page_adds_polls_and_removes_a_feed(editor: httpx.Client, feed_server: FeedServer, store: Store):
    subscribe(store, "readers", 1)
    url = feed_server.write("news.xml", rss(3))
    assert 'href="/editor/automation"' in editor.get("/editor").text  # in the nav, the Automation page
    assert 'href="/editor/feeds"' in editor.get("/editor/automation").text  # links it

    added = _post(editor, "/editor/feeds", url=url, list="readers", every="1h")
    assert added.status_code == 200 and "Feed 1 added" in added.text
    assert url in added.text and "(not polled yet)" in added.text
    polled = _post(editor, "/editor/feeds/1/poll")
    assert polled.status_code == 200 and "Feed 1: 3 imported, 0 seen before." in polled.text
    page = editor.get("/editor/feeds").text
    assert "Harbour news" in page and "· 200" in page and "readers" in page

    feed_server.fail_with = 503
    failed = _post(editor, "/editor/feeds/1/poll")
    assert failed.status_code == 422 and "answered 503" in failed.text
    assert 'class="error">' in editor.get("/editor/feeds").text  # the last error stays shown

    removed = _post(editor, "/editor/feeds/1/remove")
    assert removed.status_code == 303 and "No feeds yet." in editor.get("/editor/feeds").text


def test_a_bad_feed_is_refused_on_the_page_naming_the_problem(editor: httpx.Client):
    refused = _post(editor, "/editor/feeds", url="javascript:alert(1)", every="15m")
    assert refused.status_code == 422 and "a feed URL is an http:// or https:// address" in refused.text
    assert "No feeds yet." in refused.text
    too_often = _post(editor, "/editor/feeds", url="https://x.example/feed", every="5s")
    assert too_often.status_code == 422 and "at most once a minute" in too_often.text
    assert 'value="https://x.example/feed"' in too_often.text  # what was typed stays


def test_the_feeds_page_needs_a_login_and_its_forms_a_csrf_token(http: httpx.Client, editor: httpx.Client):
    assert http.get("/editor/feeds").status_code in (303, 401)
    assert editor.post("/editor/feeds", data={"url": "https://x.example/f"}).status_code == 403


def test_the_api_adds_lists_polls_and_deletes_feeds(robot_api: httpx.Client, feed_server: FeedServer):
    url = feed_server.write("news.xml", rss(2))
    created = robot_api.post("/api/feeds", json={"url": url, "every": "30m"})
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["url"] == url and feed["every"] == "30m" and feed["last_polled_at"] is None

    polled = robot_api.post(f"/api/feeds/{feed['id']}/poll").json()
    assert (polled["imported"], polled["status"], polled["error"]) == (2, 200, None)
    again = robot_api.post(f"/api/feeds/{feed['id']}/poll").json()
    assert again["not_modified"] and again["imported"] == 0
    [listed] = robot_api.get("/api/feeds").json()
    assert listed["articles"] == 2 and listed["last_status"] == 304 and listed["title"] == "Harbour news"

    assert robot_api.delete(f"/api/feeds/{feed['id']}").status_code == 204
    assert robot_api.get("/api/feeds").json() == []
    assert robot_api.delete(f"/api/feeds/{feed['id']}").status_code == 404


def test_the_api_refuses_bad_feeds_with_422_naming_the_problem(robot_api: httpx.Client):
    bad = robot_api.post("/api/feeds", json={"url": "https://x.example/f", "list_name": "nobody"})
    assert bad.status_code == 404 and "no list named 'nobody'" in bad.text
    bad = robot_api.post("/api/feeds", json={"url": "https://x.example/f", "share": ["myspace"]})
    assert bad.status_code == 422 and "unknown share account myspace" in bad.text
    assert robot_api.post("/api/feeds/77/poll").status_code == 404


def test_a_read_token_lists_feeds_but_cannot_change_them(live_server: LiveServer, store: Store):
    editors.add_user(store, "reader", "a long enough password")
    token = editors.create_token(store, "reader", "ro", ["read"])
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/feeds").status_code == 200
        refused = api.post("/api/feeds", json={"url": "https://x.example/f"})
        assert refused.status_code == 403 and "write" in refused.text
        assert api.post("/api/feeds/1/poll").status_code == 403
        assert api.delete("/api/feeds/1").status_code == 403
