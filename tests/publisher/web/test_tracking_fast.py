"""The pixel and the redirect answered in front of FastAPI (issue 17): once a campaign's link is cached, they
are answered with the very headers the app's own routes send (security headers, no-store, no referrer);
what is not a good token of a known link still gets the app's 404 page; the events are recorded alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import Scope, Send

from publisher.config import Settings
from publisher.store import Store
from publisher.tracking_tokens import TokenSigner
from publisher.web import create_app
from publisher.web.app import PublisherApp
from tests.publisher.insight.test_capture import BROWSER, events, link_url, sent_campaign, subscriber_ids, tokens
from tests.support.web import LiveServer

VARYING = {"date", "server"}


@pytest.fixture
def app(settings: Settings, store: Store) -> PublisherApp:
    app = create_app(settings.model_copy(update={"tracking_flush_seconds": 60.0}), store)
    assert isinstance(app, PublisherApp) and app.fast_path is not None
    return app


@pytest.fixture
def answered_fast(app: PublisherApp) -> list[bool]:
    """For each request, in order: whether the fast path answered it (else FastAPI did)."""
    fast = app.fast_path
    assert fast is not None
    seen: list[bool] = []
    handle = fast.handle

    async def spied(scope: Scope, send: Send) -> bool:
        seen.append(await handle(scope, send))
        return seen[-1]

    fast.handle = spied  # type: ignore[method-assign]
    return seen


@pytest.fixture
def http(app: PublisherApp) -> Iterator[httpx.Client]:
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers={"User-Agent": BROWSER}) as client:
            yield client
    finally:
        server.stop()


def headers(answer: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k not in VARYING}


def test_a_cached_link_is_redirected_in_front_of_the_app_with_the_same_headers(
    app: PublisherApp, answered_fast: list[bool], http: httpx.Client, store: Store, seed_path: Path
):
    settings = app.state.settings
    campaign_id = sent_campaign(store, settings, seed_path, "aggregate")
    first, second = subscriber_ids(store)[:2]
    made = tokens(settings, campaign_id)

    by_app = http.get(f"/r/{made.click_token(1, first)}")  # the link's first click: read, then cached
    by_fast_path = http.get(f"/r/{made.click_token(1, second)}?url=https://evil.example/")
    checked = http.head(f"/r/{made.click_token(1, second)}")

    assert answered_fast == [False, True, True]
    assert by_app.status_code == by_fast_path.status_code == checked.status_code == 302
    assert by_fast_path.headers["location"] == link_url(store, campaign_id, 1)
    assert headers(by_fast_path) == headers(by_app) == headers(checked)
    assert {"content-security-policy", "strict-transport-security", "x-frame-options"} <= set(headers(by_app))
    assert by_fast_path.headers["referrer-policy"] == "no-referrer" and checked.content == b""
    app.state.tracking_capture.flush()
    assert [(e.kind, e.reason) for e in events(store)] == [
        ("click", "browser"),
        ("click", "browser"),
        ("click", "head"),
    ]


def test_the_pixel_is_the_same_from_the_fast_path_and_a_forged_one_records_nothing(
    app: PublisherApp, answered_fast: list[bool], http: httpx.Client, store: Store, seed_path: Path
):
    settings = app.state.settings
    campaign_id = sent_campaign(store, settings, seed_path, "aggregate")
    first, second = subscriber_ids(store)[:2]
    made = tokens(settings, campaign_id)
    forged = TokenSigner("not the key").make("open", campaign_id, 0, first)

    by_app = http.get(f"/o/{made.open_token(first)}.gif")
    by_fast_path = http.get(f"/o/{made.open_token(second)}.gif")
    forged_answer = http.get(f"/o/{forged}.gif")

    assert answered_fast == [False, True, True]
    assert by_app.content == by_fast_path.content == forged_answer.content and by_app.content.startswith(b"GIF89a")
    assert headers(by_fast_path) == headers(by_app) == headers(forged_answer)
    app.state.tracking_capture.flush()
    assert [e.kind for e in events(store)] == ["open", "open"]


def test_what_is_no_good_token_of_a_known_link_gets_the_apps_404_page(
    app: PublisherApp, answered_fast: list[bool], http: httpx.Client, store: Store, seed_path: Path
):
    settings = app.state.settings
    campaign_id = sent_campaign(store, settings, seed_path, "aggregate")
    reader = subscriber_ids(store)[0]
    made = tokens(settings, campaign_id)
    assert http.get(f"/r/{made.click_token(1, reader)}").status_code == 302  # the campaign is cached now

    forged = TokenSigner("not the key").make("click", campaign_id, 1, reader)
    for bad in (forged, made.click_token(999, reader), made.open_token(reader)):
        answer = http.get(f"/r/{bad}")
        assert answer.status_code == 404 and "location" not in answer.headers and "link" in answer.text, bad
    assert http.get(f"/r/{made.click_token(1, reader)}/x").status_code == 404  # no route: the app's plain 404
    assert http.post(f"/r/{made.click_token(1, reader)}").status_code == 405
    assert answered_fast == [False] * 6
    app.state.tracking_capture.flush()
    assert len(events(store)) == 1
