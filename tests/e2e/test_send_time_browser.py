"""The Send form's "at a time" in a real browser set to Paris time: the page fills in the UTC offset of the
chosen date (winter +01:00, summer +02:00), and the confirmation shows the time in UTC before scheduling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from publisher import campaigns, editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.factories import seed_article, subscribe
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[LiveServer]:
    live = LiveServer(create_app(settings, store)).start()
    yield live
    live.stop()


def next_date(month: int) -> datetime:
    """The next 15th of this month at 09:00, less than a year ahead."""
    now = datetime.now(UTC)
    year = now.year if (now.month, now.day) < (month, 14) else now.year + 1
    return datetime(year, month, 15, 9, 0)


def test_the_send_form_reads_the_time_in_the_browsers_offset_for_that_date(browser, server, store, seed_path):
    editors.add_user(store, "editor", "correct horse battery")
    article_id = seed_article(store, seed_path)
    subscribe(store, "readers", 3)
    winter, summer = next_date(1), next_date(7)
    context = browser.new_context(timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{server.url}/login")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{server.url}/editor/articles/{article_id}/send")

        when = page.get_by_label("Date and time")
        offset = page.get_by_label("Time zone, as an offset from UTC")
        when.fill(summer.strftime("%Y-%m-%dT%H:%M"))
        expect(offset).to_have_value("+02:00")
        expect(page.get_by_label("At a time:")).to_be_checked()
        when.fill(winter.strftime("%Y-%m-%dT%H:%M"))
        expect(offset).to_have_value("+01:00")
        page.get_by_role("button", name="Review and send…").click()

        expect(page.locator("#send-at")).to_contain_text(f"(UTC+01:00), {winter:%Y-%m-%d} 08:00 UTC")
        page.get_by_role("button", name="Yes, schedule for 3 subscribers").click()
        expect(page.locator("#scheduled")).to_contain_text(f"Scheduled for {winter:%Y-%m-%d} 08:00 UTC")
        campaign_id = int(page.url.rsplit("/", 1)[1])
    finally:
        context.close()
    state = campaigns.status(store, campaign_id)
    assert (state.state, state.scheduled_at) == ("scheduled", winter.replace(hour=8, tzinfo=UTC))
