"""The report page in a browser: the SVG charts (named, described) and the tables below them show the seeded
numbers, people and machines apart; axe-core finds no serious or critical violation; the page fits at 375 px;
a reload shows new counts. Screenshots (1280 and 375 px, light and dark) go to /work/shots/report-*.png
(test-artifacts/report/ when /work/shots cannot be made)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.axe import describe, violations
from tests.support.browser import ARTIFACTS
from tests.support.factories import subscribe
from tests.support.tracking import events, subscriber_ids, tracked_campaign
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
PASSWORD = "ada-Pa55word-long"


def _shots() -> Path:
    for folder in (Path("/work/shots"), ARTIFACTS / "report"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        except OSError:
            continue
    raise AssertionError("no folder for the screenshots")


@pytest.fixture
def seeded(store: Store) -> dict[str, Any]:
    """50 readers of a campaign started 3 days ago: 20 people opened in its first hours, Apple's proxy opened
    for 30; 10 people clicked the first link, a scanner clicked every link for 10 others."""
    editors.add_user(store, "ada", PASSWORD)
    addresses = subscribe(store, "readers", 30) + subscribe(store, "readers", 20, domain="mail.long-provider.example")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    links = ["https://news.example.org/articles/harbour-bridge", "https://news.example.org/articles/the-vote"]
    campaign = tracked_campaign(
        store, addresses, mode="individual", links=links, started_at=start, subject="November: the bridge and the vote"
    )
    ids = subscriber_ids(store, addresses)
    events(store, campaign, ids[:12], "open", at=start + timedelta(minutes=20))
    events(store, campaign, ids[12:20], "open", at=start + timedelta(hours=5))
    events(store, campaign, ids[20:], "open", verdict="machine", reason="apple-mpp", at=start + timedelta(minutes=1))
    events(store, campaign, ids[:10], "click", position=0, at=start + timedelta(hours=1))
    for position in (0, 1, 2):  # 2 is the honeypot
        events(
            store, campaign, ids[30:40], "click", position=position, verdict="machine", reason="scanner-agent", at=start
        )
    return {"campaign": campaign, "ids": ids, "start": start}


@pytest.fixture
def server(settings: Settings, store: Store, seeded: dict[str, Any]) -> Iterator[LiveServer]:
    live = LiveServer(create_app(settings, store)).start()
    yield live
    live.stop()


def _log_in(page: Any, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _cells(page: Any, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def test_the_report_page_shows_each_chart_and_its_table_with_the_seeded_numbers(browser, server, seeded):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, server.url)
    page.goto(f"{server.url}/editor/campaigns/{seeded['campaign']}")
    page.locator("#report-link a").click()
    page.wait_for_url(f"**/editor/campaigns/{seeded['campaign']}/report")

    assert page.locator("#opens-human").inner_text() == "20"
    assert page.locator("#opens-machine").inner_text() == "30"
    assert page.locator("#clicks-human").inner_text() == "10"
    assert page.locator("#clicks-machine").inner_text() == "10"

    opens = page.locator("svg#chart-opens[role=img]")
    assert opens.is_visible()
    assert opens.locator("title").first.text_content() == "Opens over time"
    assert "20 by people and 30 by machines" in opens.locator("desc").text_content()
    assert opens.locator("rect.series-human").count() == 2  # two hours with people's opens
    rows = _cells(page, "#table-opens")
    assert rows[0][2:] == ["12", "30"], "the first hour: 12 people, 30 machines (Apple's proxy)"
    assert rows[5][2:] == ["8", "0"]
    assert sum(int(r[2] or 0) for r in rows) == 20

    links = page.locator("svg#chart-links[role=img]")
    assert links.is_visible() and links.locator("rect").count() == 3  # people on #1; machines on #1 and #2
    assert _cells(page, "#table-links") == [
        ["1", "https://news.example.org/articles/harbour-bridge", "10", "10", "10", "10"],
        ["2", "https://news.example.org/articles/the-vote", "0", "10", "0", "10"],
    ], "the honeypot is no row; its clicks are the machines'"
    context.close()


def test_a_reload_shows_new_counts(browser, server, seeded, store):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, server.url)
    page.goto(f"{server.url}/editor/campaigns/{seeded['campaign']}/report")
    assert page.locator("#clicks-human").inner_text() == "10"

    events(store, seeded["campaign"], seeded["ids"][10:15], "click", position=1)
    page.reload()

    assert page.locator("#clicks-human").inner_text() == "15"
    context.close()


def test_the_report_page_is_accessible_and_fits_at_every_width_light_and_dark(browser, server, seeded):
    shots = _shots()
    for width in (1280, 375):
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page = context.new_page()
            _log_in(page, server.url)
            page.goto(f"{server.url}/editor/campaigns/{seeded['campaign']}/report")
            page.locator("#table-opens").locator("xpath=..").locator("summary").click()  # open one table

            assert page.locator("svg.chart").count() == 3
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px ({scheme})"
            found = violations(page)
            assert not found, f"{width}px {scheme}:\n{describe(found)}"
            page.screenshot(path=str(shots / f"report-{width}-{scheme}.png"), full_page=True)
            context.close()
