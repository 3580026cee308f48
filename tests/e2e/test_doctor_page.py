"""The channels page's "All checks" in a browser: the button runs them, each row shows its verdict, nothing
scrolls sideways on a phone; screenshots (1280 and 375 px, light and dark) go to test-artifacts/doctor/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.browser import ARTIFACTS
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
SHOTS = ARTIFACTS / "doctor"


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    editors.add_user(store, "ada", "ada-Pa55word-long")
    live = LiveServer(create_app(settings, store)).start()
    yield live
    live.stop()


def test_the_checks_run_from_the_channels_page(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "ada")
            page.fill("input[name=password]", "ada-Pa55word-long")
            page.click("button[type=submit]")
            page.goto(f"{server.url}/editor/channels")
            page.click("text=Run all checks")
            page.wait_for_selector("tr[data-check=database]")
            assert page.locator("tr[data-check] .badge").count() >= 9
            assert page.locator("tr[data-check=database] td").nth(2).is_visible(), "the message shows at every width"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
            page.screenshot(path=str(SHOTS / f"channels-{width}-{scheme}.png"), full_page=True)
            context.close()
