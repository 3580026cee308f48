"""Editing each account's post on the Share page (issue 14): the count endpoint counts as the share does, per
network and with a Mastodon instance's own limits; an edit over its limit is refused by the editor and the
API naming the network and the limit; the edit is stored on the outbox row for a share now, a scheduled
share and a queued one."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from publisher import editors
from publisher.campaigns import queue
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article
from tests.support.fakes import FakeMastodon, running
from tests.support.social import MASTODON_TOKEN
from tests.support.web import LiveServer

from .conftest import csrf_of

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster, 18 UTF-8 bytes
LONG_URL = "https://news.example.org/articles/" + "a-long-slug-" * 8
EDIT = "Our take, in two lines.\n#News #Politics https://news.example.org/articles/a"


@pytest.fixture
def instances() -> Iterator[tuple[FakeMastodon, FakeMastodon]]:
    """Two Mastodon instances: one with the default limits, one with its own (1,000, URLs as 30)."""
    big = FakeMastodon(MASTODON_TOKEN, host="big.example")
    big.max_characters, big.characters_reserved_per_url = 1000, 30
    with running(FakeMastodon(MASTODON_TOKEN)) as social, running(big):
        yield social, big


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, instances: tuple[FakeMastodon, FakeMastodon]) -> Settings:
    social, big = instances
    accounts = {
        "x:work": "x://ck:cs-secret@at:as-secret",
        "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{social.port}",
        "mastodon:big": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{big.port}",
        "bluesky": "bluesky+http://me.example:pw-secret@127.0.0.1:9",  # never contacted: counting is local
        "webhook:slack": "webhook+slack+http://127.0.0.1:9/services/T1/B2",
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    return Settings()


@pytest.fixture
def api(live_server: LiveServer, store: Store, dispatcher: RecordingDispatcher) -> Iterator[httpx.Client]:
    editors.add_user(store, "robot", "a long enough password")
    token = editors.create_token(store, "robot", "tests")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def _count(editor: httpx.Client, channel: str, text: str) -> httpx.Response:
    token = csrf_of(editor.get("/editor/articles").text)
    return editor.post("/editor/share/count", data={"csrf_token": token, "channel": channel, "text": text})


def _rows(store: Store) -> list[tuple[int, str, dict]]:
    with store.session() as session:
        found = session.execute(
            select(OutboxRow.campaign_id, OutboxRow.channel, OutboxRow.payload)
            .join(Campaign, Campaign.id == OutboxRow.campaign_id)
            .where(Campaign.kind == "share")
            .order_by(OutboxRow.id)
        ).all()
    return [(c, ch, p) for c, ch, p in found]


@pytest.mark.parametrize(
    ("channel", "text", "length", "limit", "over", "problem"),
    [
        ("x:work", f"Read {LONG_URL}", 5 + 23, 280, False, None),
        ("x:work", "日" * 141, 282, 280, True, "2 characters over x's limit of 280"),
        ("mastodon:social", f"{FAMILY} {LONG_URL}", 1 + 1 + 23, 500, False, None),
        ("mastodon:social", "b" * 512, 512, 500, True, "12 characters over mastodon's limit of 500"),
        # The instance's own /api/v2/instance limits: 1,000 characters, a URL as 30.
        ("mastodon:big", f"{FAMILY} {LONG_URL}", 1 + 1 + 30, 1000, False, None),
        ("mastodon:big", "b" * 600, 600, 1000, False, None),
        ("bluesky", f"{FAMILY} {LONG_URL}", 2 + len(LONG_URL), 300, False, None),
        ("bluesky", "c" * 301, 301, 300, True, "1 character over bluesky's limit of 300"),
        ("bluesky", FAMILY * 200, 200, 300, True, "600 bytes over bluesky's limit of 3,000 UTF-8 bytes"),
        ("webhook:slack", "d" * 5000, 5000, None, False, None),
    ],
)
def test_the_count_endpoint_counts_each_network_as_the_share_does(
    editor: httpx.Client, channel, text, length, limit, over, problem
):
    answer = _count(editor, channel, text)

    assert answer.status_code == 200, answer.text
    counted = answer.json()
    assert (counted["length"], counted["limit"], counted["over"], counted["problem"]) == (length, limit, over, problem)
    assert counted["bytes"] == len(text.encode("utf-8"))


def test_the_count_endpoint_needs_the_form_token_and_a_configured_channel(editor: httpx.Client):
    refused = editor.post("/editor/share/count", data={"channel": "x:work", "text": "hi"})
    assert refused.status_code == 403
    unknown = _count(editor, "mastodon:nowhere", "hi")
    assert unknown.status_code == 422 and unknown.json()["problem"].startswith("unknown channel 'mastodon:nowhere'")
    control = _count(editor, "x:work", "a\x00b")
    assert control.status_code == 422 and "control character U+0000" in control.json()["problem"]
    assert "cs-secret" not in unknown.text + control.text


def test_the_share_page_shows_each_post_in_a_textarea_with_the_server_s_count(
    editor: httpx.Client, store: Store, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    form = editor.get(f"/editor/articles/{article_id}/share").text

    assert 'data-count-url="/editor/share/count"' in form and "/static/share-edit.js" in form
    assert 'name="text:mastodon:big"' in form and 'name="text:bluesky"' in form
    assert "/ 1000 characters, as mastodon counts them" in form  # the big instance's own limit
    assert "/ 300 characters, as bluesky counts them; " in form and " / 3,000 bytes" in form


def test_an_edited_post_is_confirmed_then_stored_on_its_outbox_row(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    chosen = {"channel": ["mastodon:social", "x:work"], "text:mastodon:social": EDIT.replace("\n", "\r\n")}
    confirm = editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), **chosen})

    assert confirm.status_code == 200, confirm.text
    assert html.escape(EDIT, quote=False) in confirm.text and 'class="badge">edited' in confirm.text
    carried = html.unescape(confirm.text.split('name="text:mastodon:social" value="', 1)[1].split('"', 1)[0])
    assert carried == EDIT and 'name="text:x:work"' not in confirm.text  # the untouched post is not an edit
    done = editor.post(
        page,
        data={"csrf_token": csrf_of(confirm.text), **chosen, "text:mastodon:social": carried, "confirm": "yes"},
    )

    assert done.status_code == 303, done.text
    rows = {channel: payload for _, channel, payload in _rows(store)}
    assert rows["mastodon:social"]["text"] == EDIT and rows["mastodon:social"]["extra"]["edited"] is True
    assert rows["x:work"]["text"] != EDIT and "edited" not in rows["x:work"]["extra"]  # composed as before
    assert len(dispatcher.calls) == 2


def test_an_edit_over_its_limit_is_refused_by_the_form_naming_the_network_and_limit(
    editor: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    page = f"/editor/articles/{article_id}/share"
    over = {"channel": "mastodon:social", "text:mastodon:social": "b" * 512}
    for extra in ({}, {"confirm": "yes"}):  # before the confirmation and at it
        refused = editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), **over, **extra})

        assert refused.status_code == 422
        assert (
            "The post for mastodon:social cannot go out: 12 characters over mastodon&#39;s limit of 500" in refused.text
        )
        assert "b" * 512 in refused.text  # the edit is kept for the editor to shorten
        assert 'class="count over"' in refused.text
    assert _rows(store) == [] and dispatcher.calls == []


def test_the_api_takes_per_account_texts_and_refuses_one_over_its_limit(
    api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    body = {"article_id": article_id, "channels": ["bluesky", "mastodon:big"]}

    too_long = api.post("/api/campaigns/share", json={**body, "texts": {"bluesky": FAMILY * 200}})
    assert too_long.status_code == 422
    assert "cannot share to bluesky: the edited post is 600 bytes over bluesky's limit of 3,000" in too_long.text
    stray = api.post("/api/campaigns/share", json={**body, "texts": {"x:work": "hello"}})
    assert stray.status_code == 422 and "a text is given for x:work, which is not among" in stray.text
    assert _rows(store) == []

    shared = api.post("/api/campaigns/share", json={**body, "texts": {"bluesky": EDIT, "mastodon:big": "b" * 900}})

    assert shared.status_code == 201, shared.text
    rows = {channel: payload for _, channel, payload in _rows(store)}
    assert rows["bluesky"]["text"] == EDIT and rows["mastodon:big"]["text"] == "b" * 900  # 900 fits its 1,000
    assert [t["tag"] for t in rows["bluesky"]["extra"]["tags"]] == ["News", "Politics"]
    assert rows["bluesky"]["extra"]["facets"][0]["uri"] == "https://news.example.org/articles/a"


def test_a_scheduled_and_a_queued_share_store_the_edit(
    editor: httpx.Client, api: httpx.Client, store: Store, seed_path: Path, dispatcher: RecordingDispatcher
):
    article_id = seed_article(store, seed_path)
    queue.set_slots(store, "mastodon:social", "daily 09:00", "Europe/Berlin")
    page = f"/editor/articles/{article_id}/share"
    chosen = {"channel": "mastodon:social", "when": "queue", "text:mastodon:social": EDIT, "force": "yes"}
    confirm = editor.post(page, data={"csrf_token": csrf_of(editor.get(page).text), **chosen})
    assert confirm.status_code == 200, confirm.text
    queued = editor.post(page, data={"csrf_token": csrf_of(confirm.text), **chosen, "confirm": "yes"})
    assert queued.status_code == 303, queued.text

    later = api.post(
        "/api/campaigns/share",
        json={
            "article_id": article_id,
            "channels": ["x:work"],
            "send_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "texts": {"x:work": "Scheduled, edited"},
        },
    )
    assert later.status_code == 201, later.text
    in_queue = api.post(
        "/api/queue",
        json={
            "article_id": article_id,
            "channels": ["mastodon:social"],
            "force": True,
            "texts": {"mastodon:social": "Queued, edited"},
        },
    )
    assert in_queue.status_code == 201, in_queue.text

    texts = [(channel, payload["text"]) for _, channel, payload in _rows(store)]
    assert ("mastodon:social", EDIT) in texts and ("mastodon:social", "Queued, edited") in texts
    assert ("x:work", "Scheduled, edited") in texts
    assert dispatcher.calls == []  # all scheduled: the sweep posts them, from these rows
