"""`publisher webhooks` and `publisher events`: event webhook endpoints and the event log from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from publisher.config import Settings
from publisher.states import EventType
from publisher.store import Store
from publisher.store.events import emit


def publisher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], capture_output=True, text=True, env=os.environ, timeout=60
    )


def test_add_prints_the_secret_once_and_list_never_shows_it(settings: Settings):
    url = "https://crm.example.org/h"
    added = publisher("webhooks", "add", url, "--event", "subscriber.confirmed", "-e", "digest.sent")
    assert added.returncode == 0, added.stderr
    first, secret = added.stdout.strip().splitlines()
    assert first == "webhook endpoint 1 added; its signing secret (shown only now):" and secret.startswith("whsec_")

    listed = publisher("webhooks", "list", "--format", "json")
    assert json.loads(listed.stdout) == [
        {
            "id": 1,
            "url": "https://crm.example.org/h",
            "event_types": ["digest.sent", "subscriber.confirmed"],
            "enabled": True,
            "disabled_reason": None,
            "description": "",
        }
    ]
    assert secret not in listed.stdout + publisher("webhooks", "list").stdout

    disabled = publisher("webhooks", "disable", "1")
    assert disabled.returncode == 0 and "disabled (disabled by the editor at" in publisher("webhooks", "list").stdout
    assert publisher("webhooks", "remove", "1").stdout.strip() == "webhook endpoint 1 removed"


def test_bad_input_is_refused_with_exit_code_2_naming_the_problem(settings: Settings):
    bad_type = publisher("webhooks", "add", "https://h.example/x", "--event", "post.liked")
    bad_url = publisher("webhooks", "add", "mailto:me@example.org", "--event", "*")
    unknown = publisher("webhooks", "replay", "42")

    assert bad_type.returncode == 2 and "unknown event type 'post.liked'" in bad_type.stderr
    assert bad_url.returncode == 2 and "must start with https://" in bad_url.stderr
    assert unknown.returncode == 2 and "no webhook delivery with id 42" in unknown.stderr
    assert "Traceback" not in bad_type.stderr + bad_url.stderr + unknown.stderr


def test_events_list_shows_the_log_newest_first_and_filters_by_type(settings: Settings, store: Store):
    with store.session() as session:
        emit(session, EventType.ARTICLE_PUBLISHED, {"article_id": 1, "title": "Harbour bridge"})
        emit(session, EventType.SUBSCRIBER_CONFIRMED, {"subscriber_id": 1, "email": "ana@example.com"})

    text = publisher("events", "list").stdout.splitlines()
    only = json.loads(publisher("events", "list", "--type", "article.published", "--format", "json").stdout)
    wrong = publisher("events", "list", "--type", "nope")

    assert [line.split("  ")[2:] for line in text] == [
        ["subscriber.confirmed", "ana@example.com"],
        ["article.published", "Harbour bridge"],
    ]
    assert [(e["type"], e["data"]["title"]) for e in only] == [("article.published", "Harbour bridge")]
    assert wrong.returncode == 2 and "unknown event type 'nope'" in wrong.stderr
