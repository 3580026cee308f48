"""The Settings and Templates pages in a real browser (Debian's Chromium, Playwright): an administrator sets
the name, accent colour (the hex follows the picker) and logo, then breaks a template, sees the error's line
selected, and previews a good one. Screenshots at 1280 and 375 px, light and dark, go to
test-artifacts/settings/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.browser import ARTIFACTS
from tests.support.factories import seed_article
from tests.support.media import image_bytes
from tests.support.services import free_port
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "settings"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, seed_path: Path) -> Iterator[LiveServer]:
    port = free_port()
    monkeypatch.setenv("PUBLISHER_BASE_URL", f"http://127.0.0.1:{port}")  # the logo is served by this app
    settings = Settings()
    store = Store(settings.resolved_database_url)
    editors.add_user(store, "editor", "correct horse battery")
    seed_article(store, seed_path)
    live = LiveServer(create_app(settings, store), port=port).start()
    yield live
    live.stop()
    store.dispose()


def shots(browser: object, url: str, cookies: list[dict[str, object]], name: str) -> None:
    """The page at desktop and phone width, light and dark."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
            context.add_cookies(cookies)
            page = context.new_page()
            page.goto(url)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} at {width} px is {overflow} px wider than the screen"
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            context.close()


def test_an_administrator_sets_up_the_publication_and_its_template(browser: object, server: LiveServer, tmp_path: Path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(image_bytes(480, 120, "PNG", colour=(10, 60, 120)))
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server.url}/login?next=/editor/settings")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("The Harbour Post")
    page.get_by_label("Accent colour").fill("#8a1c7c")
    expect(page.locator("#accent-hex")).to_have_text("#8a1c7c")
    page.get_by_label("Upload an image").set_input_files(str(logo))
    page.get_by_label("Postal address").fill("1 Quay Street\nPort Town PT1 2AB")
    page.get_by_label("Mastodon").fill("https://mastodon.example/@harbour")
    page.get_by_role("button", name="Save settings").click()

    expect(page.locator(".notice.ok")).to_have_text("Settings saved.")
    expect(page.locator(".site-header .brand")).to_have_text("The Harbour Post")
    thumbnail = page.get_by_alt_text("The current logo")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.naturalWidth") > 0  # the media store serves it
    cookies = context.cookies()
    shots(browser, f"{server.url}/editor/settings", cookies, "settings")

    page.get_by_role("link", name="Templates").click()
    source = page.locator("#email-digest-html-j2-source")
    source.fill("<p>One</p>\n<p>Two</p>\n<p>{{ ''.__class__.__mro__ }}</p>\n")
    page.locator("#email-digest-html-j2").get_by_role("button", name="Save").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("line 3: refused by the sandbox")
    selected = source.evaluate("box => box.value.slice(box.selectionStart, box.selectionEnd)")
    assert selected == "<p>{{ ''.__class__.__mro__ }}</p>"  # the caret is on the error's line
    page.screenshot(path=str(SHOTS / "templates-error-1280.png"), full_page=False)

    page.goto(f"{server.url}/editor/templates")
    text = page.locator("#email-digest-txt-j2-source")
    text.fill(text.input_value().replace("Hello", "Ahoy"))
    page.locator("#email-digest-txt-j2").get_by_role("button", name="Preview").click()
    expect(page.locator(".template-preview-text")).to_contain_text("Ahoy Alex Reader,")
    html = page.locator("#email-digest-html-j2-source")
    html.fill(html.input_value().replace("Hello {{ personal.name }},", "Ahoy {{ personal.name }}!"))
    page.locator("#email-digest-html-j2").get_by_role("button", name="Preview").click()
    frame = page.frame_locator("iframe.template-preview")
    expect(frame.get_by_text("Ahoy Alex Reader!")).to_be_visible()
    expect(frame.locator(".masthead img")).to_have_attribute("alt", "The Harbour Post")
    page.locator("#email-digest-html-j2").screenshot(path=str(SHOTS / "templates-preview-1280.png"))
    context.close()
    shots(browser, f"{server.url}/editor/templates", cookies, "templates")
