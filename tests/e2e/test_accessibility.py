"""axe-core, injected into Debian's Chromium by Playwright, finds no serious or critical violation on any
reader page (light and dark), on any editor page, or in the digest email itself (issue 12).

The pages are every HTML page the routers serve (publisher.web.routes.ROUTERS): a new page is checked as
soon as it exists, and one with a path parameter this file has no value for fails, naming it. Reader pages
are screenshotted at 1280 and 375 px, light and dark, into test-artifacts/reader-pages/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.responses import HTMLResponse
from sqlalchemy import select, update

from publisher import campaigns, consent, editing, editors, library, subscriber_links, subscribers
from publisher.automation import sequences
from publisher.automation.publish import publish
from publisher.config import Settings
from publisher.runtime import build
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow, Subscriber
from publisher.store.progress import finish_if_done
from publisher.web import create_app
from publisher.web.routes import ROUTERS
from tests.support.axe import BLOCKING, describe, violations
from tests.support.browser import ARTIFACTS
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "reader-pages"
PASSWORD = "correct horse battery"
MISSING = "/articles/no-such-article"  # the not-found page
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


def html_pages() -> list[str]:
    """Every path the routers answer with an HTML page."""
    return [
        route.path
        for router in ROUTERS
        for route in router.routes
        if "GET" in getattr(route, "methods", ()) and getattr(route, "response_class", None) is HTMLResponse
    ]


def populate(store: Store, settings: Settings) -> dict[str, str]:
    """A site with something on every page: a published article sent in a finished digest, two lists, a
    pending signup, an editor; the values for the pages' path parameters."""
    editors.add_user(store, "editor", PASSWORD)
    article_id = seed_article(store, seed_path_of())
    editing.set_published(store, article_id, True)
    [reader, _] = subscribe(store, "readers", 2)
    with store.session() as session:
        subscribers.ensure_list(session, "weekly")
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers", subject="The week")
    campaigns.dispatch(store, settings, RecordingDispatcher(), campaign_id)
    with store.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.campaign_id == campaign_id).values(state="sent"))
        finish_if_done(session, campaign_id)
    signup = consent.request_signup(store, settings, "new@example.com", list_name="readers")
    with store.session() as session:
        body = session.scalar(select(Campaign.body_text).where(Campaign.id == signup.campaign_id))
        reader_id = session.scalar(select(Subscriber.id).where(Subscriber.email == reader))
        list_id = subscribers.get_list(session, "readers").id
    match = re.search(r"/confirm/([A-Za-z0-9._-]+)", body or "")
    assert match, "the confirmation mail has its link"
    link = subscriber_links.unsubscribe_token(settings.signing_key(), reader_id, list_id, reader)
    # A publish whose digest met the duplicate-send rule (issue 16): its timeline shows a digest-less error.
    publish_id = publish(build(settings, store=store, dispatcher=RecordingDispatcher()), article_id, lists=["readers"])
    # The readers' welcome mail (issue 16): its list's sequence page and its preview.
    sequences.set_step(store, settings, "readers", 0, 0, "Welcome to the digest", "Thanks for **joining**.")
    return {
        "slug": library.get_article(store, article_id).slug,
        "article_id": str(article_id),
        "campaign_id": str(campaign_id),
        "confirm_token": match.group(1),
        "link_token": link,
        "subscriber_id": str(reader_id),
        "publish_id": str(publish_id),
        "list_id": str(list_id),
        "position": "0",
    }


def seed_path_of() -> Any:
    from tests.conftest import SEED

    return SEED


def fill(path: str, values: dict[str, str]) -> str:
    """The path with its parameters filled in; a parameter this test does not know fails, naming it."""
    token = "confirm_token" if path.startswith("/confirm/") else "link_token"

    def value(match: re.Match[str]) -> str:
        name = {"token": token}.get(match.group(1), match.group(1))
        assert name in values, f"{path}: no value for {{{match.group(1)}}}; add one to populate()"
        return values[name]

    return re.sub(r"\{(\w+)\}", value, path)


@pytest.fixture
def site(settings: Settings, store: Store) -> Iterator[tuple[str, dict[str, str]]]:
    values = populate(store, settings)
    app = create_app(settings, store)
    app.state.dispatcher = RecordingDispatcher()
    server = LiveServer(app).start()
    yield server.url, values
    server.stop()


def shot_name(path: str) -> str:
    """home, article, archive, digest, subscribe, confirm, ..., not-found: one picture per page."""
    if path == MISSING:
        return "not-found"
    parts = path.strip("/").split("/")
    if parts == [""]:
        return "home"
    return {"articles": "article", "digests": "digest" if len(parts) > 1 else "archive"}.get(parts[0], parts[0])


def check(page: Any, where: str) -> list[str]:
    """The serious and critical violations on the page; the others are written to the report to read."""
    found = violations(page, impacts=("minor", "moderate", *BLOCKING))
    minor = [v for v in found if v["impact"] not in BLOCKING]
    if minor:
        SHOTS.mkdir(parents=True, exist_ok=True)
        with (SHOTS / "axe-minor.txt").open("a") as report:
            report.write(f"{where}:\n{describe(minor)}\n")
    blocking = [v for v in found if v["impact"] in BLOCKING]
    return [f"{where}:\n{describe(blocking)}"] if blocking else []


def test_reader_pages_have_no_serious_violation_light_or_dark(browser: Any, site: tuple[str, dict[str, str]]):
    url, values = site
    paths = [fill(p, values) for p in html_pages() if not p.startswith(("/editor", "/login"))]
    paths += [MISSING]
    assert len(paths) >= 9
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for scheme in ("light", "dark"):
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            try:
                for path in paths:
                    answer = page.goto(url + path)
                    assert answer is not None and answer.status in (200, 404), path
                    name = shot_name(path)
                    page.screenshot(path=str(SHOTS / f"{name}-{size}-{scheme}.png"), full_page=True)
                    if size == "desktop":
                        problems += check(page, f"{path} ({scheme})")
            finally:
                context.close()
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def test_editor_pages_have_no_serious_violation(browser: Any, site: tuple[str, dict[str, str]]):
    url, values = site
    paths = ["/login", *(fill(p, values) for p in html_pages() if p.startswith("/editor"))]
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(f"{url}/login")
        problems += check(page, "/login")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/editor")
        for path in paths[1:]:
            answer = page.goto(url + path)
            assert answer is not None and answer.status == 200, path
            problems += check(page, path)
    finally:
        context.close()
    assert len(paths) >= 12
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def test_the_digest_email_has_no_serious_violation_light_or_dark(browser: Any, store: Store, settings: Settings):
    article = library.get_article(store, seed_article(store, seed_path_of()))
    html = editing.preview_digest(article, settings).html
    problems: list[str] = []
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 600, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        try:
            page.set_content(html)
            problems += check(page, f"the digest ({scheme})")
        finally:
            context.close()
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def test_the_check_fails_on_a_page_with_a_violation(browser: Any):
    """The helper finds what it is there to find: an image without alt text and an unlabelled field."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input></main></html>')
        found = {v["id"]: v["impact"] for v in violations(page)}
    finally:
        context.close()
    assert found == {"image-alt": "critical", "label": "critical"}
