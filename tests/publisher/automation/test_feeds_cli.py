"""`publisher feeds ...` and `publisher article list --format json`, run as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from publisher.store import Store
from tests.publisher.automation.feed_server import FeedServer, rss


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "250"},
        timeout=120,
    )


def test_feeds_add_poll_list_and_remove_from_the_command_line(store: Store, feed_server: FeedServer, seed_path):
    url = feed_server.write("news.xml", rss(3))
    assert publisher("subscribers", "add", "jane@example.com", "--list", "readers").returncode == 0

    added = publisher("feeds", "add", url, "--list", "readers", "--every", "30m")
    assert added.returncode == 0, added.stderr
    feed_id = added.stdout.strip()
    polled = publisher("feeds", "poll", feed_id)
    assert polled.returncode == 0, polled.stderr
    assert f"feed {feed_id}: 3 imported, 0 seen before" in polled.stdout
    again = publisher("feeds", "poll")
    assert "not modified (304), nothing imported" in again.stdout

    listed = publisher("feeds", "list")
    assert listed.returncode == 0, listed.stderr
    assert url in listed.stdout and "Harbour news" in listed.stdout and "304" in listed.stdout
    [shown] = json.loads(publisher("feeds", "list", "--format", "json").stdout)
    assert shown["list"] == "readers" and shown["every"] == "30m" and shown["articles"] == 3
    assert shown["last_error"] is None and shown["next_poll_at"]

    assert publisher("import", str(seed_path)).returncode == 0
    articles = json.loads(publisher("article", "list", "--format", "json").stdout)
    assert [a["title"] for a in articles][:3] == ["Story 1", "Story 2", "Story 3"]
    story = articles[1]
    assert story["source"] == "https://news.example.net/story-2" and story["source_kind"] == "feed"
    assert story["slug"] == "story-2" and story["published_at"] and isinstance(story["id"], int)
    assert articles[3]["source"] == str(seed_path) and articles[3]["published_at"] is None

    removed = publisher("feeds", "remove", feed_id)
    assert removed.returncode == 0 and json.loads(publisher("feeds", "list", "--format", "json").stdout) == []
    assert len(json.loads(publisher("article", "list", "--format", "json").stdout)) == 4  # the articles stay


def test_a_failing_feed_poll_says_why_and_exits_1(store: Store, feed_server: FeedServer):
    feed_id = publisher("feeds", "add", feed_server.write("news.xml", "<rss><channel><item>")).stdout.strip()
    polled = publisher("feeds", "poll", feed_id)
    assert polled.returncode == 1 and "not a readable RSS or Atom feed" in polled.stderr
    assert "not a readable RSS or Atom feed" in publisher("feeds", "list").stdout


def test_bad_feed_input_is_refused_with_exit_2_naming_the_problem(store: Store):
    for args, problem in [
        (("feeds", "add", "not-a-url"), "http:// or https://"),
        (("feeds", "add", "https://x.example/f", "--every", "often"), "not an interval"),
        (("feeds", "add", "https://x.example/f", "--list", "nobody"), "no list named 'nobody'"),
        (("feeds", "remove", "99"), "no feed with id 99"),
        (("feeds", "poll", "99"), "no feed with id 99"),
    ]:
        done = publisher(*args)
        assert done.returncode == 2 and problem in done.stderr, (args, done.stderr)
