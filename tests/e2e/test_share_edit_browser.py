"""Editing the Mastodon post on the Share page in a real browser (issue 14's acceptance item): the counter is
the server's count, live; over the limit it turns red and says by how much in words, and the Share button is
disabled; the edited text is what a real worker posts to the fake Mastodon instance. A thread is edited part
by part between `---` lines: one count line per part, the part over its limit red, and each part reaches the
fake as a reply to the one before.

Debian's Chromium driven by Playwright; axe-core checks the page; screenshots at desktop and 375 px, light
and dark, go to test-artifacts/share-edit/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from publisher import editors, textrules
from publisher.config import Settings
from publisher.store import Store
from tests.support.axe import describe, violations
from tests.support.browser import ARTIFACTS
from tests.support.factories import seed_article
from tests.support.fakes import FakeMastodon, running
from tests.support.social import BLUESKY, MASTODON_TOKEN
from tests.support.web import LiveServer, serving
from workers.process import spawn_worker, stop_worker

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "share-edit"
MASTODON = "mastodon:social"
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
EDIT = f"Edited in the browser {FAMILY} — our own words.\nhttps://news.example.org/articles/edited-link #News"
OVER = "Too long. " * 51  # 510 characters, trimmed to 509 when posted: 9 over Mastodon's 500
PART_1 = f"A thread, part one {FAMILY}: the hook."
PART_2 = "Part two, the detail https://news.example.org/articles/edited-link #News"
THREAD_SHOTS = Path("/work/shots")


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with running(FakeMastodon(MASTODON_TOKEN)) as server:
        yield server


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, mastodon: FakeMastodon) -> Settings:
    accounts = {
        MASTODON: f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{mastodon.port}",
        "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:9",  # only counted here, never posted to
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    return Settings()


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with serving(settings, store) as live:
        yield live


def log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


@contextmanager
def share_page_of(
    browser,
    server: LiveServer,
    store: Store,
    tmp_path: Path,
    article_id: int,
    prepare: Callable[[Any], None] | None = None,
) -> Iterator[Any]:
    """The Share page of an article, logged in, Mastodon ticked, with a real worker running; `prepare` is
    given the page before anything loads (to route requests, say)."""
    editors.add_user(store, "editor", "correct horse battery")
    env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        if prepare is not None:
            prepare(page)
        log_in(page, server)
        page.goto(f"{server.url}/editor/articles/{article_id}/share")
        page.get_by_label(MASTODON).check()
        yield page
    finally:
        context.close()
        stop_worker(worker)


@contextmanager
def share_page(browser, server: LiveServer, store: Store, seed_path: Path, tmp_path: Path) -> Iterator[Any]:
    """The Share page of the seeded article (share_page_of)."""
    with share_page_of(browser, server, store, tmp_path, seed_article(store, seed_path)) as page:
        yield page


def test_the_edited_mastodon_post_is_counted_live_refused_over_the_limit_and_posted_as_edited(
    browser, server: LiveServer, store: Store, settings: Settings, mastodon: FakeMastodon, seed_path: Path, tmp_path
):
    with share_page(browser, server, store, seed_path, tmp_path) as page:
        text = page.locator(f"textarea[name='text:{MASTODON}']")
        counter = page.locator(f".post[data-channel='{MASTODON}'] .count")
        share = page.get_by_role("button", name="Review and share…")
        expect(counter).to_contain_text("/ 500 characters, as mastodon counts them")
        expect(share).to_be_enabled()

        # Over the limit: red, in words, and the button disabled.
        text.fill(OVER)
        expect(counter).to_have_text(
            "509 / 500 characters, as mastodon counts them. Over the limit: 9 characters over mastodon's limit of 500."
        )
        expect(counter).to_have_class("count over")
        assert counter.evaluate("e => getComputedStyle(e).color") == "rgb(164, 22, 26)"  # #a4161a
        expect(share).to_be_disabled()
        expect(page.locator("#share-blocked")).to_have_text(f"Shorten the post for {MASTODON} (or untick it) to share.")
        found = violations(page)
        assert not found, describe(found)
        page.screenshot(path=str(_shot("over-desktop-light")), full_page=True)

        # Unticking the channel lifts the block; ticking it again brings it back.
        page.get_by_label(MASTODON).uncheck()
        expect(share).to_be_enabled()
        page.get_by_label(MASTODON).check()
        expect(share).to_be_disabled()

        # Within the limit: the server's count of exactly this text (a URL as 23, the emoji family as 1).
        text.fill(EDIT)
        expected = textrules.length(EDIT, "mastodon")
        expect(counter).to_have_text(f"{expected} / 500 characters, as mastodon counts them")
        expect(share).to_be_enabled()
        share.click()

        expect(page.get_by_role("heading", name="Confirm")).to_be_visible()
        expect(page.locator(f".post[data-channel='{MASTODON}'] .post-text")).to_have_text(EDIT)
        page.get_by_role("button", name="Yes, post it").click()
        expect(page.locator("#state")).to_have_text("done", timeout=90_000)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert [p["text"] for p in mastodon.posts] == [EDIT], log  # the edit, once
    assert mastodon.rejections == []


def test_a_two_part_mastodon_thread_is_counted_part_by_part_and_posted_as_a_reply_chain(
    browser, server: LiveServer, store: Store, settings: Settings, mastodon: FakeMastodon, seed_path: Path, tmp_path
):
    with share_page(browser, server, store, seed_path, tmp_path) as page:
        text = page.get_by_role("textbox", name="Post text").and_(page.locator(f"[name='text:{MASTODON}']"))
        counter = page.locator(f".post[data-channel='{MASTODON}'] .count")
        share = page.get_by_role("button", name="Review and share…")
        expect(page.locator(f".post[data-channel='{MASTODON}'] .hint")).to_contain_text(
            "A line of only --- ends a part"
        )

        # Part 2 over the limit: its line red and in words, part 1 not; the Share button disabled.
        text.fill(f"{PART_1}\n---\n{OVER}")
        lines = counter.locator(".part")
        expect(lines).to_have_count(2)
        expect(lines.nth(0)).to_have_text(
            f"Part 1: {textrules.length(PART_1, 'mastodon')} / 500 characters, as mastodon counts them"
        )
        expect(lines.nth(1)).to_have_text(
            "Part 2: 509 / 500 characters, as mastodon counts them."
            " Over the limit: 9 characters over mastodon's limit of 500."
        )
        expect(lines.nth(1)).to_have_class("part over")
        expect(lines.nth(0)).to_have_class("part")
        assert lines.nth(1).evaluate("e => getComputedStyle(e).color") == "rgb(164, 22, 26)"  # #a4161a
        assert lines.nth(0).evaluate("e => getComputedStyle(e).color") != "rgb(164, 22, 26)"
        expect(share).to_be_disabled()
        found = violations(page)
        assert not found, describe(found)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            counter.scroll_into_view_if_needed()
            THREAD_SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(THREAD_SHOTS / f"threadedit-over-{width}.png"), full_page=True)
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
        page.set_viewport_size({"width": 1280, "height": 900})

        # Fixed: both lines within, the button enabled; confirmed and posted.
        text.fill(f"{PART_1}\n---\n{PART_2}")
        expect(lines.nth(1)).to_have_text(
            f"Part 2: {textrules.length(PART_2, 'mastodon')} / 500 characters, as mastodon counts them"
        )
        expect(counter.locator(".part.over")).to_have_count(0)
        expect(share).to_be_enabled()
        page.screenshot(path=str(THREAD_SHOTS / "threadedit-fixed-1280.png"), full_page=True)
        share.click()
        expect(page.get_by_role("heading", name="Confirm")).to_be_visible()
        page.get_by_role("button", name="Yes, post it").click()
        expect(page.locator("#state")).to_have_text("done", timeout=90_000)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert [p["text"] for p in mastodon.posts] == [PART_1, PART_2], log  # each part as edited, once
    assert [p.get("in_reply_to") for p in mastodon.posts] == [None, mastodon.posts[0]["id"]]
    assert mastodon.rejections == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 375])
def test_the_share_page_with_an_over_limit_edit_reads_well_and_passes_axe(
    browser, server: LiveServer, store: Store, seed_path: Path, scheme: str, width: int
):
    editors.add_user(store, "editor", "correct horse battery")
    article_id = seed_article(store, seed_path)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, server)
        page.goto(f"{server.url}/editor/articles/{article_id}/share")
        page.get_by_label(MASTODON).check()
        page.locator(f"textarea[name='text:{MASTODON}']").fill(OVER)
        counter = page.locator(f".post[data-channel='{MASTODON}'] .count")
        expect(counter).to_have_class("count over")
        expect(page.get_by_role("button", name="Review and share…")).to_be_disabled()
        counter.scroll_into_view_if_needed()
        page.screenshot(path=str(_shot(f"over-{width}-{scheme}")), full_page=True)
        found = violations(page)
        assert not found, describe(found)
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
    finally:
        context.close()


def _shot(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
