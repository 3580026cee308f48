"""Tracking end to end: a campaign sent through a real SMTP server, its received mails' links and pixels
followed against the live web app. People's opens and clicks are human, a scanner's (HEAD, then a GET within
seconds of delivery, a scanner's agent) machine; mode off mails carry no pixel and no rewritten link; mode
aggregate keeps no per-reader row; axe-core finds nothing on the mail with its honeypot, which no assistive
technology reaches."""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from publisher import campaigns, delivery, publication, runtime
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.store import Store
from publisher.store.insight import TrackedLink, TrackingEvent
from publisher.store.models import utcnow
from publisher.web import create_app
from tests.support.axe import describe, violations
from tests.support.cli import run_cli
from tests.support.factories import seed_article, subscribe
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer

playwright_api = pytest.importorskip("playwright.sync_api")

PERSON = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)
SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


def send(store: Store, settings: Settings, smtp_server: SmtpServer, seed_path: Path, mode: str, readers: int) -> int:
    publication.update(store, settings, {"tracking": mode})
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", readers)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")
    with store.session() as session:
        [batch] = campaigns.batches(session, campaign_id, 10_000)
    outcome = delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)
    assert outcome.sent == readers
    smtp_server.wait_for(readers)
    return campaign_id


def html_of(data: bytes) -> str:
    mail = email.message_from_bytes(data, policy=email.policy.default)
    return mail.get_body(("html",)).get_content()  # type: ignore[union-attr]


def site(settings: Settings, store: Store, *, later: timedelta) -> LiveServer:
    """The web app, its clock `later` after now (a person reads some time after delivery; a scanner does not)."""
    clock = FixedClock(utcnow() + later)
    return LiveServer(create_app(services=runtime.build(settings, store=store, clock=clock))).start()


def followed(url: str, base: str) -> str:
    return url.removeprefix(base)


def pixel_of(html: str, base: str) -> str:
    [pixel] = re.findall(rf'src="{re.escape(base)}(/o/[^"]+\.gif)"', html)
    return pixel


def links_of(html: str, base: str) -> list[str]:
    return re.findall(rf'href="{re.escape(base)}(/r/[^"]+)"', html)


@contextmanager
def browsing(settings: Settings, store: Store, agent: str, *, later: timedelta) -> Iterator[httpx.Client]:
    """A client of the live web app whose clock is `later` after delivery, with this user agent."""
    server = site(settings, store, later=later)
    try:
        with httpx.Client(base_url=server.url, headers={"User-Agent": agent}) as client:
            yield client
    finally:
        server.stop()


def scan(settings: Settings, store: Store, mails: list[str], links: int) -> None:
    """A link scanner two seconds after delivery: HEAD, then GET, on the first `links` links of each mail."""
    with browsing(settings, store, SCANNER, later=timedelta(seconds=2)) as client:
        for html in mails:
            for link in links_of(html, settings.base_url)[:links]:
                assert client.head(link).status_code == 302
                assert client.get(link).status_code == 302


def test_people_and_a_scanner_are_told_apart(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    send(store, smtp_settings, smtp_server, seed_path, "aggregate", 12)
    base = smtp_settings.base_url
    mails = [html_of(m.data) for m in smtp_server.messages]
    people, scanned = mails[:6], mails[6:10]
    with store.session() as session:
        urls = dict(session.execute(select(TrackedLink.position, TrackedLink.url)).all())

    with browsing(smtp_settings, store, PERSON, later=timedelta(minutes=30)) as client:
        for html in people:
            assert client.get(pixel_of(html, base)).status_code == 200
            answer = client.get(links_of(html, base)[0])
            assert answer.status_code == 302 and answer.headers["location"] == urls[1]
    scan(smtp_settings, store, scanned, links=3)

    with store.session() as session:
        found = session.execute(select(TrackingEvent.kind, TrackingEvent.verdict, TrackingEvent.subscriber_id)).all()
    assert sum(1 for k, v, _ in found if (k, v) == ("open", "human")) == 6
    assert sum(1 for k, v, _ in found if (k, v) == ("click", "human")) == 6
    assert sum(1 for k, v, _ in found if (k, v) == ("click", "machine")) == 4 * 3 * 2
    assert all(sid is None for _, _, sid in found)  # aggregate: no per-reader row


def test_the_report_of_fifty_readers_counts_twenty_openers_ten_clickers_and_the_scanner_apart(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    """Issue 15's acceptance: 50 readers; 20 open, 10 of them click; a scanner clicks the mails of 10 others
    (HEAD, then GET, 2 s after delivery, a scanner's agent). `publisher report ID --format json` shows the
    people and the machine apart, per link."""
    campaign_id = send(store, smtp_settings, smtp_server, seed_path, "aggregate", 50)
    base = smtp_settings.base_url
    mails = [html_of(m.data) for m in smtp_server.messages]
    openers, scanned = mails[:20], mails[20:30]

    with browsing(smtp_settings, store, PERSON, later=timedelta(minutes=30)) as client:
        for number, html in enumerate(openers):
            assert client.get(pixel_of(html, base)).status_code == 200
            if number < 10:
                assert client.get(links_of(html, base)[0]).status_code == 302
    scan(smtp_settings, store, scanned, links=2)
    store.dispose()  # the command opens the same SQLite file

    report = json.loads(run_cli({}, "report", str(campaign_id), "--format", "json"))

    assert report["mode"] == "aggregate"
    assert report["opens"]["human"] == 20 and report["opens"]["machine"] == 0
    assert report["clicks"]["human"] == 10
    assert report["clicks"]["machine"] == 10  # ten scanned mails, each counted once however often it was hit
    assert report["clicks"]["machine_total"] == 10 * 2 * 2  # two links, a HEAD and a GET each
    first, second = report["links"][:2]
    assert (first["human"], first["machine"]) == (10, 10)
    assert (second["human"], second["machine"]) == (0, 10)


def test_mode_off_mails_have_no_pixel_and_no_rewritten_link(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    send(store, smtp_settings, smtp_server, seed_path, "off", 2)
    for message in smtp_server.messages:
        html = html_of(message.data)
        assert "/r/" not in html and "/o/" not in html and 'tabindex="-1"' not in html
        assert f"{smtp_settings.base_url}/articles/" in html


def test_the_honeypot_is_invisible_to_assistive_technology(
    browser: Any, store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    send(store, smtp_settings, smtp_server, seed_path, "aggregate", 1)
    html = html_of(smtp_server.messages[0].data)
    assert 'tabindex="-1"' in html
    page = browser.new_page()
    try:
        page.set_content(html)
        found = violations(page, impacts=("minor", "moderate", "serious", "critical"))
        on_trap = [v for v in found if any("tabindex" in n["target"] or "a[" in n["target"] for n in v["nodes"])]
        blocking = [v for v in found if v["impact"] in ("serious", "critical")]
        assert not blocking and not on_trap, describe(found)
        names = page.evaluate(
            """() => [...document.querySelectorAll('a')].filter(a => a.offsetParent !== null)
                     .map(a => a.textContent.trim())"""
        )
        assert "" not in names  # every link a reader can see has a name; the hidden one is not shown
        page.keyboard.press("Tab")
        for _ in range(60):  # the keyboard never lands on the honeypot
            assert page.evaluate("() => document.activeElement.getAttribute('tabindex')") != "-1"
            page.keyboard.press("Tab")
    finally:
        page.close()
