"""Issue 12's acceptance for the digest: sent by the real CLI through a real worker to a real SMTP server,
the received mail has its preheader, the postal address, View-in-browser and Manage-preferences links that
the live web app answers with 200, color-scheme and a prefers-color-scheme: dark rule, and a
role="presentation" table layout. Screenshots of the received HTML at 600 and 375 px, light and dark, go to
test-artifacts/digest-received/ (two of them are in README, from docs/images/)."""

from __future__ import annotations

import email
import email.policy
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from publisher.config import Settings
from publisher.web.app import create_app
from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.cli import run_cli as run
from tests.support.html import tags_of
from tests.support.services import free_port
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer
from workers.process import spawn_worker, stop_worker

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = ARTIFACTS / "digest-received"
POSTAL = "The Harbour Gazette\n12 Quay Street\nPortsmouth PO1 2AB, UK"
PREHEADER = "Washington draws a red line, and what it means for the region this week."


@pytest.fixture
def site(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The web app served at PUBLISHER_BASE_URL, and the environment the CLI and the worker run with."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")},
        "PUBLISHER_BASE_URL": f"http://127.0.0.1:{port}",
        "PUBLISHER_SMTP_HOST": smtp_server.host,
        "PUBLISHER_SMTP_PORT": str(smtp_server.port),
        "PUBLISHER_POSTAL_ADDRESS": POSTAL,
        "PUBLISHER_NEWSLETTER_NAME": "The Harbour Gazette",
        "PUBLISHER_DESCRIPTION": "News from the quayside, every Friday.",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    live = LiveServer(create_app(Settings()), port=port).start()
    try:
        yield {"env": env, "url": live.url}
    finally:
        live.stop()


def received_digest(site: dict[str, Any], smtp_server: SmtpServer, seed_path: Path, tmp_path: Path) -> str:
    env = site["env"]
    article_id = run(env, "import", str(seed_path))
    run(env, "subscribers", "add", "reader@example.com", "--name", "Reader", "--list", "readers")
    worker = spawn_worker(env, concurrency=1, log_path=tmp_path / "worker.log")
    try:
        run(env, "send", article_id, "--list", "readers", "--preheader", PREHEADER, "--wait", "--timeout", "90")
    finally:
        stop_worker(worker)
    [received] = smtp_server.wait_for(1)
    mail = email.message_from_bytes(received.data, policy=email.policy.default)
    return mail.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_the_received_digest_is_a_publication(
    site: dict[str, Any], smtp_server: SmtpServer, seed_path: Path, tmp_path: Path
):
    html = received_digest(site, smtp_server, seed_path, tmp_path)
    tags = tags_of(html)

    preheaders = [d for d in tags.named("div") if "preheader" in str(d.get("class"))]
    assert len(preheaders) == 1 and PREHEADER in html.split('class="preheader"', 1)[1].split("</div>", 1)[0]
    # The postal address once, not after the name it already starts with ("Gazette · The Harbour Gazette, ...").
    [postal] = re.findall(r'<p class="postal"[^>]*>([^<]+)</p>', html)
    assert postal.strip() == "The Harbour Gazette, 12 Quay Street, Portsmouth PO1 2AB, UK"
    links = {text: href for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html)}
    for label in ("View in browser", "Manage preferences"):
        assert links[label].startswith(site["url"] + "/"), label
        answer = httpx.get(links[label], timeout=10, follow_redirects=True)  # View in browser: via /r/ (tracked)
        assert answer.status_code == 200, (label, links[label])
    assert re.search(r'<meta name="color-scheme" content="light dark">', html)
    assert re.search(r"@media \(prefers-color-scheme: ?dark\)", html)
    tables = tags.named("table")
    assert tables and all(t.get("role") == "presentation" for t in tables)
    assert '<div class="wrap"' not in html  # the layout is tables, which Outlook on Windows keeps to 600 px

    shoot(html)


def shoot(html: str) -> None:
    """The received HTML at 600 and 375 px, light and dark."""
    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for width in (600, 375):
                for scheme in ("light", "dark"):
                    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
                    page = context.new_page()
                    page.set_content(html)
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, scheme)
                    page.screenshot(path=str(SHOTS / f"digest-{width}-{scheme}.png"), full_page=True)
                    context.close()
        finally:
            browser.close()
