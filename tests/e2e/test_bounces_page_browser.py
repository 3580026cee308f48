"""The Bounces page in a browser: axe-core finds no serious or critical violation, the alarm and the tables
show at every width without sideways scrolling; screenshots (1280 and 375 px, light and dark) go to
test-artifacts/bounces/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.axe import describe, violations
from tests.support.bounce_seed import BLOCKED, MAILBOX_FULL, SPAM, USER_UNKNOWN, bounce, campaign_to
from tests.support.browser import ARTIFACTS
from tests.support.factories import subscribe
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
SHOTS = ARTIFACTS / "bounces"
PASSWORD = "ada-Pa55word-long"


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    """A paused campaign (blocked at a provider), a sending one near the alarm, an older finished one."""
    editors.add_user(store, "ada", PASSWORD)
    com = subscribe(store, "readers", 30, domain="example.com")
    gmail = subscribe(store, "gmail", 120, domain="gmail.test")
    web = subscribe(store, "web", 50, domain="mail.long-provider-name.example.net")
    old = campaign_to(store, com + web, subject="October: the harvest, the vote and what comes next")
    for email in com[:3]:
        bounce(store, settings, old, email, USER_UNKNOWN, date=datetime.now(UTC) - timedelta(days=20))
    near = campaign_to(store, com + gmail + web, subject="Near the alarm", state="sending")
    for email in web[:4]:
        bounce(store, settings, near, email, SPAM)
    paused = campaign_to(store, com + gmail + web, subject="November digest", state="sending")
    for email in gmail[:5]:  # the fifth pauses it
        bounce(store, settings, paused, email, BLOCKED)
    for email in com[3:5]:
        bounce(store, settings, paused, email, MAILBOX_FULL)
    live = LiveServer(create_app(settings, store)).start()
    yield live
    live.stop()


def test_the_bounces_page_is_accessible_and_fits_at_every_width(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "ada")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{server.url}/editor/bounces")

            assert page.locator("#alarms .alarm").count() == 2
            assert page.locator("#alarms .alarm").first.is_visible()
            assert page.locator("#alarms button", has_text="Resume").is_visible()
            assert page.locator("#per-domain tr[data-domain='gmail.test'] .diagnostic").is_visible()
            assert page.locator("#per-campaign tbody tr").count() == 3
            assert page.locator("[data-refresh]").count() == 1, "a campaign is sending: the page refreshes"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px ({scheme})"
            found = violations(page)
            assert not found, f"{width}px {scheme}:\n{describe(found)}"
            page.screenshot(path=str(SHOTS / f"bounces-{width}-{scheme}.png"), full_page=True)
            context.close()


def test_the_campaign_page_shows_its_bounces_line(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.url}/editor/campaigns/3")

    line = page.locator("#bounces")
    assert line.inner_text() == "Bounces: 2 counted · 5 sender's problem · by reason and domain"
    line.locator("a").click()
    page.wait_for_url("**/editor/bounces?campaign=3")
    assert page.locator("#per-campaign tbody tr").count() == 1
    found = violations(page)
    assert not found, describe(found)
    page.screenshot(path=str(SHOTS / "bounces-one-campaign-375.png"), full_page=True)
    context.close()
