"""The Webhooks page in a browser (issue 16): an editor adds an endpoint and copies its secret, sees a
delivery's response code and attempts, and replays it; axe-core finds no serious or critical violation and
the page does not scroll sideways at 1280 or 375 px. Screenshots go to test-artifacts/webhooks/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standardwebhooks.webhooks import Webhook

from publisher import delivery, editors, runtime
from publisher.automation import webhooks
from publisher.config import Settings
from publisher.states import EventType
from publisher.store import Store
from publisher.store.events import emit
from publisher.web import create_app
from tests.support.axe import describe, violations
from tests.support.browser import ARTIFACTS
from tests.support.factories import RecordingDispatcher
from tests.support.hook_receiver import HookReceiver, hook_receiver
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
SHOTS = ARTIFACTS / "webhooks"
PASSWORD = "ada-Pa55word-long"


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with hook_receiver() as r:
        yield r


@pytest.fixture
def server(settings: Settings, store: Store) -> Iterator[tuple[LiveServer, RecordingDispatcher]]:
    editors.add_user(store, "ada", PASSWORD)
    app = create_app(settings, store)
    recording = RecordingDispatcher()
    app.state.dispatcher = recording
    live = LiveServer(app).start()
    yield live, recording
    live.stop()


def deliver(store: Store, settings: Settings, dispatcher: RecordingDispatcher) -> None:
    calls, dispatcher.calls = dispatcher.calls, []
    for campaign_id, channel, first, last, _ in calls:
        delivery.deliver_batch(store, settings, campaign_id, channel, first, last)


def test_an_editor_adds_an_endpoint_sees_its_delivery_and_replays_it(browser, server, receiver, settings, store):
    live, dispatcher = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav.editor-nav a:has-text('Automation')")  # the nav's one link for feeds, digests, webhooks
    page.click("#automation a:has-text('Webhooks')")

    page.fill("#webhook-url", receiver.url)
    page.fill("#webhook-description", "CRM sync")
    page.check("input[name=event][value='subscriber.confirmed']")
    page.click("button:has-text('Add endpoint')")
    secret = page.locator("#new-secret").inner_text()
    assert secret.startswith("whsec_")

    with store.session() as session:
        emit(session, EventType.SUBSCRIBER_CONFIRMED, {"subscriber_id": 1, "email": "ana@example.com"})
    services = runtime.build(settings, store=store, dispatcher=dispatcher)
    webhooks.fan_out(services, now=services.clock.now())
    receiver.answer(503)
    deliver(store, settings, dispatcher)

    page.goto(f"{live.url}/editor/webhooks")
    assert page.locator("#new-secret").count() == 0  # shown once
    row = page.locator("tr[data-delivery]")
    assert row.locator("td.status").inner_text() == "503" and "queued" in row.locator("td.state").inner_text()
    for width in (1280, 375):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": 900})
            page.emulate_media(color_scheme=scheme)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px ({scheme})"
            found = violations(page)
            assert not found, f"{width}px {scheme}:\n{describe(found)}"
            page.screenshot(path=str(SHOTS / f"webhooks-{width}-{scheme}.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("tr[data-delivery] button:has-text('Replay')")
    assert "queued again, with the same webhook-id" in page.locator(".notice.ok").inner_text()
    deliver(store, settings, dispatcher)
    page.goto(f"{live.url}/editor/webhooks")
    assert page.locator("tr[data-delivery] td.status").inner_text() == "200"
    assert [r.status for r in receiver.requests] == [503, 200]
    assert receiver.requests[0].webhook_id == receiver.requests[1].webhook_id
    Webhook(secret).verify(receiver.requests[1].body, receiver.requests[1].headers)

    page.click("a:has-text('event log')")
    assert "ana@example.com" in page.locator("table.events").inner_text()
    assert not violations(page)
    context.close()
