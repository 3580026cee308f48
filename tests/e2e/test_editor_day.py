"""The editor's day in a real browser (Debian's Chromium, headless, driven by Playwright) against the app
served by uvicorn and a real Celery worker process: log in, import the seed article, preview it, Share it to
the file channel and a Mastodon account (a local fake instance that checks the token and counts the
characters), Send it to a list of 100 and watch progress reach 100%, pause and resume a campaign.
A screenshot of each page goes to test-artifacts/editor-day/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from tests.support.browser import ARTIFACTS
from tests.support.factories import subscribe
from tests.support.fakes import FakeMastodon, running
from tests.support.social import MASTODON_TOKEN
from tests.support.web import LiveServer, serving
from workers.process import spawn_worker, stop_worker

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "editor-day"
READERS = 100
SLUG = "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"
PROGRESS_TIMEOUT_MS = 90_000
MASTODON = "mastodon:social"  # the social account the editor shares to, besides the file channel


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with running(FakeMastodon(MASTODON_TOKEN)) as server:
        yield server


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, mastodon: FakeMastodon) -> Settings:
    """The test settings plus one Mastodon account on the fake instance, for the app and the worker alike."""
    account = f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{mastodon.port}"
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({MASTODON: account}))
    return Settings()


@pytest.fixture
def app_env(settings: Settings) -> dict[str, str]:
    """The PUBLISHER_* settings the app, the test and the worker process share (SQLite + filesystem broker)."""
    return {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with serving(settings, store) as live:
        yield live


def shot(page: object, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def eml_count(settings: Settings) -> int:
    maildir = settings.outbox_dir / "maildir" / "new"
    return len(list(maildir.iterdir())) if maildir.exists() else 0


def test_the_editors_day(
    browser,
    server: LiveServer,
    store: Store,
    settings: Settings,
    app_env,
    seed_path: Path,
    tmp_path,
    mastodon: FakeMastodon,
):
    editors.add_user(store, "editor", "correct horse battery")
    subscribe(store, "readers", READERS)
    worker = spawn_worker(app_env, concurrency=1, log_path=tmp_path / "worker.log")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        # Log in: the editor is closed until then.
        page.goto(f"{server.url}/editor")
        expect(page).to_have_url(f"{server.url}/login?next=/editor")
        shot(page, "01-login")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        shot(page, "02-dashboard")

        # Import the seed article by upload.
        page.get_by_role("link", name="Articles", exact=True).click()
        page.get_by_label("Upload a file").set_input_files(str(seed_path))
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_role("status")).to_have_text("Imported.")
        expect(page.get_by_label("Title")).to_have_value(
            "U.S. Rejects Netanyahu’s Request to Join Direct Military Action Against Iran"
        )
        shot(page, "03-article-edit")
        article_path = page.url.split("?")[0].removeprefix(server.url)

        # Preview: the digest at desktop and phone widths, and each share post with its length.
        page.get_by_role("link", name="Preview").click()
        expect(page.frame_locator("iframe[title='Digest at phone width']").locator("body")).to_contain_text("Netanyahu")
        expect(page.locator(".post[data-channel=file] .count")).to_contain_text("characters")
        expect(page.locator(f".post[data-channel='{MASTODON}'] .count")).to_contain_text(
            "/ 500 characters, as mastodon counts them"
        )
        shot(page, "04-preview")

        # Share to the file channel and the Mastodon account, through the confirmation step.
        page.get_by_role("link", name="Share…").first.click()
        page.get_by_label("file", exact=True).check()
        page.get_by_label(MASTODON).check()
        page.get_by_role("button", name="Review and share…").click()
        expect(page.get_by_role("heading", name="Confirm")).to_be_visible()
        shot(page, "05-share-confirm")
        page.get_by_role("button", name="Yes, post it").click()
        expect(page.locator("#state")).to_have_text("done", timeout=PROGRESS_TIMEOUT_MS)
        shares = [json.loads(line) for line in (settings.outbox_dir / "shares.jsonl").read_text().splitlines()]
        assert [s["url"] for s in shares] == [f"https://news.example.org/articles/{SLUG}"]
        [toot] = mastodon.posts  # exactly one post reached the instance, with the article's link in it
        assert f"https://news.example.org/articles/{SLUG}" in toot["text"] and mastodon.rejections == []
        # The page reloads itself once the campaign is done and lists where the post went.
        toot_url = f"https://social.example/@editor/{toot['id']}"
        expect(page.get_by_role("link", name=toot_url)).to_have_attribute("href", toot_url)
        expect(page.get_by_role("row", name=f"{MASTODON} sent {toot_url}")).to_be_visible()
        shot(page, "06-share-campaign")

        # Sharing again: "Yes, post it" stays disabled until "share again" is ticked.
        page.goto(f"{server.url}{article_path}/share")
        page.get_by_label("file (already shared)").check()
        page.get_by_role("button", name="Review and share…").click()
        post_it = page.get_by_role("button", name="Yes, post it")
        expect(post_it).to_be_disabled()
        page.get_by_label("Share again where it was already shared").check()
        expect(post_it).to_be_enabled()

        # The public article page, as readers see it now that it was shared.
        page.goto(f"{server.url}/articles/{SLUG}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("U.S. Rejects Netanyahu")
        shot(page, "07-public-article", full_page=False)

        # Send to the list of 100 and watch the progress reach 100%.
        page.goto(f"{server.url}{article_path}/send")
        page.get_by_label("readers (100 active)").check()
        page.get_by_role("button", name="Review and send…").click()
        shot(page, "08-send-confirm")
        page.get_by_role("button", name=f"Yes, send to {READERS} subscribers").click()
        expect(page.locator("#percent")).to_have_text("100%", timeout=PROGRESS_TIMEOUT_MS)
        expect(page.locator("#state")).to_have_text("done")
        expect(page.locator("#count-sent")).to_have_text(str(READERS))
        shot(page, "09-campaign-done", full_page=False)
        assert eml_count(settings) == READERS

        # Pause and resume: with the worker stopped, a new Send waits; pause it, resume it, then it finishes.
        # The same digest to the same list within a day: the confirmation says so and needs "Send again".
        stop_worker(worker)
        page.goto(f"{server.url}{article_path}/send")
        page.get_by_role("button", name="Review and send…").click()
        expect(page.locator("#duplicate")).to_contain_text("This digest already went to readers at")
        shot(page, "08b-send-again-confirm")
        page.get_by_label("Send again").check()
        page.get_by_role("button", name=f"Yes, send to {READERS} subscribers").click()
        expect(page.locator("#state")).to_have_text("sending")
        page.get_by_role("button", name="Pause").click()
        expect(page.get_by_role("status")).to_have_text("Paused.")
        expect(page.locator("#state")).to_have_text("paused")
        expect(page.get_by_role("button", name="Resume")).to_be_visible()
        expect(page.get_by_role("button", name="Pause")).to_be_hidden()
        shot(page, "10-campaign-paused")
        page.get_by_role("button", name="Resume").click()
        expect(page.locator("#state")).to_have_text("sending")
        worker = spawn_worker(app_env, concurrency=1, log_path=tmp_path / "worker.log")
        expect(page.locator("#percent")).to_have_text("100%", timeout=PROGRESS_TIMEOUT_MS)
        expect(page.locator("#state")).to_have_text("done")
        shot(page, "11-campaign-resumed-done")
        campaign_path = page.url.removeprefix(server.url).split("?")[0]
        assert eml_count(settings) == 2 * READERS

        page.goto(f"{server.url}/editor")
        shot(page, "12-dashboard-after")
        for path, name in [
            ("/editor/campaigns", "15-campaigns"),
            ("/editor/subscribers?q=reader0000", "16-subscribers"),
            ("/editor/channels", "17-channels"),
            ("/editor/tokens", "18-tokens"),
            ("/editor/people", "18-people"),  # the editor is the first user, so an administrator
            ("/digests", "19-public-digests"),
        ]:
            page.goto(f"{server.url}{path}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            shot(page, name)
        page.goto(f"{server.url}/editor/channels")
        page.get_by_role("button", name="Test connection").first.click()
        expect(page.get_by_role("status")).to_contain_text("configured correctly")
        page.locator(f"tr[data-channel='{MASTODON}']").get_by_role("button", name="Test connection").click()
        expect(page.get_by_role("status")).to_contain_text("signed in as @editor; nothing was posted")
        assert len(mastodon.posts) == 1 and mastodon.credential_checks == 1

        # On a phone: the same pages, one column, nothing cut off sideways.
        phone = context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        try:
            mobile = phone.new_page()
            mobile.goto(f"{server.url}/login")
            mobile.get_by_label("Username").fill("editor")
            mobile.get_by_label("Password").fill("correct horse battery")
            mobile.get_by_role("button", name="Log in").click()
            for path, name in [("/editor", "13-phone-dashboard"), (campaign_path, "14-phone-campaign")]:
                mobile.goto(f"{server.url}{path}")
                assert mobile.evaluate("document.documentElement.scrollWidth") <= 390, name
                shot(mobile, name)
        finally:
            phone.close()
    finally:
        context.close()
        stop_worker(worker)


def test_hostile_article_text_runs_no_script_in_the_browser(browser, server: LiveServer, store: Store):
    from publisher import editing, library
    from publisher.articles import Article, Section

    hostile = Article(
        title='<script>alert("title")</script>',
        slug="hostile",
        summary='<img src=x onerror="alert(1)">',
        sections=(Section(None, ('<a href="javascript:alert(2)">click me</a>', "<svg onload=alert(3)>")),),
        source={"sha256": "hostile"},
    )
    [(article_id, _)] = library.save_articles(store, [hostile])
    editing.set_published(store, article_id, True)
    editors.add_user(store, "editor", "correct horse battery")
    context = browser.new_context()
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{server.url}/articles/hostile")
        expect(page.get_by_role("heading", level=1)).to_have_text('<script>alert("title")</script>')
        page.get_by_text('<a href="javascript:alert(2)">click me</a>').click()  # text, not a link
        shot(page, "20-hostile-public")
        page.goto(f"{server.url}/login")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        for path in [
            "/editor",
            "/editor/articles",
            f"/editor/articles/{article_id}",
            f"/editor/articles/{article_id}/preview",
        ]:
            page.goto(f"{server.url}{path}")
            page.wait_for_load_state("load")
        shot(page, "21-hostile-preview")
        assert page.locator("a[href^='javascript:']").count() == 0
    finally:
        context.close()
    assert dialogs == []
