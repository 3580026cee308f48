"""One Publish in a real browser (issue 16): one click on the article page's Publish reaches the timeline
page, which follows the publish live (polling its JSON) until everything is final.

The worker starts only once the timeline page is open, so the page shows the publish in progress first and
must update by itself (no reload) to show the digest sent and the post's URL. Screenshots of the timeline
at 1280 and 375 px, light and dark, go to test-artifacts/publish/.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_main_job_browser import Clicks, log_in
from tests.e2e.test_publish_timeline import READERS, article, fakes, server, settings  # noqa: F401 - fixtures
from tests.support.browser import ARTIFACTS
from workers.process import spawn_worker, stop_worker

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "publish"


@pytest.fixture
def backend() -> None:
    """The browser test runs on the test's SQLite store and the filesystem broker only."""
    return None


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


def test_one_click_on_publish_reaches_the_timeline_and_it_updates_live(
    browser: Any, server, article: int, fakes, tmp_path: Path  # noqa: F811 - the fixtures imported above
):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    log_in(page, server.url)
    page.goto(f"{server.url}/editor/articles/{article}")
    shot(page, "01-article")
    clicks = Clicks()
    clicks.click(page.get_by_role("button", name="Publish", exact=True))

    expect(page.get_by_role("heading", name="Publish #")).to_be_visible()
    assert clicks.count == 1
    expect(page.locator("#overall")).to_have_text("In progress: this page follows it.")
    expect(page.locator("#digest-pending")).to_have_text(str(READERS))
    shot(page, "02-timeline-in-progress")

    env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        expect(page.locator("#overall")).to_have_text("Everything is final.", timeout=120_000)
    finally:
        stop_worker(worker)
    expect(page.locator("#digest-sent")).to_have_text(str(READERS))
    expect(page.locator("#digest-state")).to_have_text("done")
    x_url = f"https://x.com/i/web/status/{fakes['x'].posts[0]['id']}"
    expect(page.get_by_role("link", name=x_url)).to_be_visible()
    expect(page.locator("#entries")).to_contain_text("Digest finished")
    shot(page, "03-timeline-final")

    # The Publish form on its own page (where an error brings the editor back), its choices unfolded.
    page.goto(f"{server.url}/editor/articles/{article}/publishes")
    expect(page.get_by_label("readers")).to_be_checked()
    expect(page.get_by_label("mastodon:social")).to_be_checked()
    shot(page, "04-publish-form")
