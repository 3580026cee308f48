"""The editor's main job in a real browser (Debian's Chromium via Playwright), counted in clicks (issue 12):
from a fresh login with one article imported, send the digest and share the article in at most 5 clicks,
through the app served by uvicorn, a real Celery worker process and a real SMTP server; and "Send a test
to me", which reaches the editor alone, marked as a test. Screenshots go to test-artifacts/composer/.
"""

from __future__ import annotations

import email
import json
import os
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.browser import ARTIFACTS
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer, serving
from workers.process import spawn_worker, stop_worker

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "composer"
PASSWORD = "correct horse battery"
READERS = 5
MAX_CLICKS = 5
TITLE = "U.S. Rejects Netanyahu’s Request to Join Direct Military Action Against Iran"
SLUG = "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"


class Clicks:
    """Every click and tick of the job goes through here, so the count cannot miss one."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator: Any) -> None:
        self.count += 1
        locator.click()

    def check(self, locator: Any) -> None:
        self.count += 1
        locator.check()


@pytest.fixture
def settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Email through the real SMTP server, for the app and the worker alike."""
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with serving(settings, store) as live:
        yield live


def shot(page: Any, name: str) -> None:
    """The page at 1280 and 375 px, light and dark; on a phone nothing may be cut off sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for label, width in (("desktop", 1280), ("phone", 375)):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"{name}-{label}-{scheme}.png"), full_page=True)
            if label == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})


def log_in(page: Any, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_the_main_job_takes_at_most_five_clicks(
    browser: Any, server: LiveServer, store: Store, settings: Settings, smtp_server: SmtpServer, seed_path: Path,
    tmp_path: Path,
):
    editors.add_user(store, "editor", PASSWORD)
    seed_article(store, seed_path)
    readers = subscribe(store, "readers", READERS)
    env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    clicks = Clicks()
    try:
        log_in(page, server.url)
        shot(page, "01-dashboard")

        clicks.click(page.get_by_role("link", name="New digest").first)
        clicks.check(page.get_by_role("checkbox", name=TITLE))
        clicks.click(page.get_by_role("button", name="Review and send…"))
        expect(page.get_by_role("heading", name="Send and share")).to_be_visible()
        expect(page.locator("#audience")).to_have_text(str(READERS))
        expect(page.get_by_label("file", exact=True)).to_be_checked()  # every account, by default
        expect(page.frame_locator(".digest-frame").locator("body")).to_contain_text("Netanyahu")
        shot(page, "03-confirm")
        clicks.click(page.get_by_role("button", name="Send and share"))
        expect(page.locator("#state")).to_have_text("done", timeout=90_000)
        shot(page, "04-campaign-done")

        assert clicks.count <= MAX_CLICKS, f"the main job took {clicks.count} clicks"
        received = smtp_server.wait_for(READERS)
        assert sorted(r for m in received for r in m.rcpt_tos) == sorted(readers)
        message = email.message_from_bytes(received[0].data, policy=default)
        assert message["Subject"] == TITLE and message["X-Publisher-Test"] is None
        shares = settings.outbox_dir / "shares.jsonl"
        expect_shared(shares)
    finally:
        stop_worker(worker)


def expect_shared(shares: Path, timeout: float = 60.0) -> None:
    """The article's share post reached the file channel (the worker writes it)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not shares.exists():
        time.sleep(0.1)
    posts = [json.loads(line) for line in shares.read_text().splitlines()]
    assert [p["url"] for p in posts] == [f"https://news.example.org/articles/{SLUG}"]


def test_a_test_reaches_the_editor_marked_and_nobody_else(
    browser: Any, server: LiveServer, store: Store, smtp_server: SmtpServer, seed_path: Path
):
    editors.add_user(store, "editor", PASSWORD)
    seed_article(store, seed_path)
    subscribe(store, "readers", READERS)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    log_in(page, server.url)

    page.get_by_role("link", name="New digest").first.click()
    page.get_by_role("checkbox", name=TITLE).check()
    page.get_by_role("button", name="Update preview").click()
    expect(page.frame_locator(".digest-frame").locator("body")).to_contain_text("Netanyahu")
    shot(page, "02-composer")
    page.get_by_label("Your email address").fill("editor@example.org")
    page.get_by_role("button", name="Send a test to me").click()

    expect(page.get_by_role("status")).to_contain_text("A test went to editor@example.org")
    shot(page, "05-test-sent")
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["editor@example.org"]
    message = email.message_from_bytes(received.data, policy=default)
    assert message["Subject"] == f"[Test] {TITLE}"
    assert message["X-Publisher-Test"] == "yes"
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0
