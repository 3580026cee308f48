"""Unsubscribe, preferences and signup protections through the real HTTP app; digests through aiosmtpd."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from publisher import campaigns, delivery, subscriber_links, subscribers
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import Campaign, Subscriber, Subscription
from publisher.suppression import suppress
from publisher.web import create_app
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.smtp import SmtpServer
from tests.support.web import LiveServer


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PUBLISHER_UNSUBSCRIBE_MAILTO", "unsubscribe@example.org")
    monkeypatch.setenv("PUBLISHER_SIGNUP_RATE_LIMIT", "3")
    return Settings()


@pytest.fixture
def dispatcher() -> RecordingDispatcher:
    return RecordingDispatcher()


@pytest.fixture
def app(settings: Settings, store: Store, dispatcher: RecordingDispatcher) -> FastAPI:
    app = create_app(settings, store)
    app.state.dispatcher = dispatcher
    return app


@pytest.fixture
def http(app: FastAPI) -> Iterator[httpx.Client]:
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, follow_redirects=False) as client:
            yield client
    finally:
        server.stop()


def send_digest(store: Store, settings: Settings, article_id: int, *, again: bool = False) -> int:
    """Create a campaign and deliver it in this process (the worker path is covered by tests/e2e); again=True
    for the same digest a second time (forced past the duplicate-send rule)."""
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "readers", force=again)
    deliver(store, settings, campaign_id)
    return campaign_id


def deliver(store: Store, settings: Settings, campaign_id: int) -> None:
    with store.session() as session:
        work = campaigns.batches(session, campaign_id, 10_000)
    for batch in work:
        delivery.deliver_batch(store, settings, campaign_id, batch.channel, batch.first_id, batch.last_id)


def mailed(smtp_server: SmtpServer, since: int = 0) -> list[str]:
    return sorted(r for m in smtp_server.messages[since:] for r in m.rcpt_tos)


def status_of(store: Store, address: str, list_name: str = "readers") -> str:
    with store.session() as session:
        list_id = subscribers.get_list(session, list_name).id
        return session.scalar(
            select(Subscription.status)
            .join(Subscriber)
            .where(Subscriber.email == address, Subscription.list_id == list_id)
        )


def unsubscribe_url(smtp_server: SmtpServer, address: str) -> str:
    [raw] = [m.data for m in smtp_server.messages if address in m.rcpt_tos]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    [https, mailto] = re.findall(r"<([^>]+)>", header)
    assert mailto.startswith("mailto:unsubscribe@example.org?subject=unsubscribe%20")
    assert https.startswith("https://news.example.org/unsubscribe/")
    return https


def test_one_click_post_unsubscribes_and_the_next_campaign_skips_the_address(
    http: httpx.Client, store: Store, settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    addresses = subscribe(store, "readers", 3)
    send_digest(store, settings, article_id)
    assert mailed(smtp_server) == addresses
    leaving = addresses[1]
    path = unsubscribe_url(smtp_server, leaving).removeprefix("https://news.example.org")

    # A scanner (or a person) fetching the URL sees a page with one button and unsubscribes nobody.
    page = http.get(path)
    assert page.status_code == 200
    assert '<form method="post" action="/unsubscribe/' in page.text and ">Unsubscribe</button>" in page.text
    assert status_of(store, leaving) == "active"

    # RFC 8058: the mailbox provider POSTs this body; no login, no further page to click.
    one_click = http.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    assert status_of(store, leaving) == "unsubscribed"
    assert http.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: harmless

    before = len(smtp_server.messages)
    send_digest(store, settings, article_id, again=True)
    assert mailed(smtp_server, before) == [addresses[0], addresses[2]]


def test_unsubscribe_between_campaign_creation_and_sending_is_honoured(
    http: httpx.Client, store: Store, settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    addresses = subscribe(store, "readers", 3)
    send_digest(store, settings, article_id)
    path = unsubscribe_url(smtp_server, addresses[0]).removeprefix("https://news.example.org")

    queued = campaigns.create_email_campaign(store, settings, [article_id], "readers", force=True)  # all 3 queued
    assert http.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with store.session() as session:
        suppress(session, addresses[2], "manual", source="test")
    before = len(smtp_server.messages)
    deliver(store, settings, queued)

    assert mailed(smtp_server, before) == [addresses[1]]
    state = campaigns.status(store, queued)
    assert state.counts["sent"] == 1 and state.counts["suppressed"] == 2


def test_altered_unsubscribe_link_is_refused_with_a_page(http: httpx.Client, store: Store, settings: Settings):
    token = subscriber_links.unsubscribe_token(settings.signing_key(), 1, 1, "x@example.com")
    bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    for method in (http.get, http.post):
        refused = method(f"/unsubscribe/{bad}")
        assert refused.status_code == 400 and "not valid" in refused.text


def test_preference_page_chooses_lists(http: httpx.Client, store: Store, settings: Settings):
    [address] = subscribe(store, "readers", 1)
    subscribers.add_to_list(store, "weekly", [subscribers.NewSubscriber(address)])
    with store.session() as session:
        sid = session.scalar(select(Subscriber.id).where(Subscriber.email == address))
        readers = subscribers.get_list(session, "readers").id
        weekly = subscribers.get_list(session, "weekly").id
    token = subscriber_links.unsubscribe_token(settings.signing_key(), sid, readers, address)

    page = http.get(f"/preferences/{token}")
    assert page.status_code == 200 and page.text.count('type="checkbox"') == 2
    assert status_of(store, address, "weekly") == "active"

    saved = http.post(f"/preferences/{token}", data={"list": [str(weekly)]})
    assert saved.status_code == 200 and "Saved." in saved.text
    assert status_of(store, address, "readers") == "unsubscribed"
    assert status_of(store, address, "weekly") == "active"

    http.post(f"/preferences/{token}", data={"list": [str(readers), str(weekly)]})
    assert status_of(store, address, "readers") == "active"


def test_signup_refuses_a_bad_address_with_its_reason(http: httpx.Client, store: Store):
    with store.session() as session:
        subscribers.ensure_list(session, "readers")
    form = http.post("/subscribe", data={"email": "not-an-address", "list": "readers"})
    assert form.status_code == 422 and "&#39;not-an-address&#39; is not a valid email address" in form.text
    api = http.post("/api/subscribe", json={"email": "a@b", "list": "readers"})
    assert api.status_code == 422 and "'a@b' is not a valid email address" in api.json()["error"]
    # An unknown list is answered like a known one (test_signup_answer.py): the answer names no list.
    unknown = http.post("/api/subscribe", json={"email": "ok@example.com", "list": "secret-list"})
    assert unknown.status_code == 202


def count_campaigns(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Campaign))


def test_honeypot_and_rate_limit_stop_bots(
    http: httpx.Client, app: FastAPI, store: Store, dispatcher: RecordingDispatcher
):
    with store.session() as session:
        subscribers.ensure_list(session, "readers")

    bot = http.post("/subscribe", data={"email": "bot@example.com", "list": "readers", "website": "http://spam"})
    assert bot.status_code == 200 and "Check your inbox" in bot.text  # the bot learns nothing
    assert app.state.signups.drain() and count_campaigns(store) == 0

    for i in range(2):  # the limit is 3 per window and the bot used one
        ok = http.post("/api/subscribe", json={"email": f"p{i}@example.com", "list": "readers"})
        assert ok.status_code == 202
    limited = http.post("/api/subscribe", json={"email": "p9@example.com", "list": "readers"})
    assert limited.status_code == 429
    assert http.post("/subscribe", data={"email": "p8@example.com", "list": "readers"}).status_code == 429
    assert app.state.signups.drain() and count_campaigns(store) == 2
    assert [call[4] for call in dispatcher.calls] == ["email", "email"]  # confirmations ride the email queue


def test_signup_of_an_active_or_suppressed_address_sends_nothing(http: httpx.Client, app: FastAPI, store: Store):
    [active] = subscribe(store, "readers", 1)
    with store.session() as session:
        suppress(session, "gone@example.com", "hard_bounce", source="test")
    for address in (active, "gone@example.com"):
        assert http.post("/api/subscribe", json={"email": address, "list": "readers"}).status_code == 202
    assert app.state.signups.drain() and count_campaigns(store) == 0
    assert status_of(store, active) == "active"


def test_signup_page_renders_the_form(http: httpx.Client):
    page = http.get("/subscribe", params={"list": "readers"})
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="website"' in page.text and 'value="readers"' in page.text


def test_repeated_signups_send_one_confirmation(http: httpx.Client, app: FastAPI, store: Store):
    with store.session() as session:
        subscribers.ensure_list(session, "readers")
    for _ in range(3):
        assert http.post("/api/subscribe", json={"email": "victim@example.com", "list": "readers"}).status_code == 202
    assert app.state.signups.drain() and count_campaigns(store) == 1


def test_signups_never_confirmed_are_forgotten(http: httpx.Client, app: FastAPI, store: Store):
    from datetime import timedelta

    from sqlalchemy import update

    from publisher.consent import purge_unconfirmed
    from publisher.store.models import utcnow

    [kept] = subscribe(store, "readers", 1)
    for address in ("late@example.com", kept):
        assert http.post("/api/subscribe", json={"email": address, "list": "readers"}).status_code == 202
    with store.session() as session:
        subscribers.ensure_list(session, "weekly")
    assert http.post("/api/subscribe", json={"email": kept, "list": "weekly"}).status_code == 202
    assert app.state.signups.drain()
    with store.session() as session:
        session.execute(update(Subscription).values(updated_at=utcnow() - timedelta(days=8)))

    assert purge_unconfirmed(store, timedelta(days=7)) == 2  # late@ on readers, kept@ on weekly

    with store.session() as session:
        assert sorted(session.scalars(select(Subscriber.email))) == [kept]
    assert status_of(store, kept) == "active"
    assert count_campaigns(store) == 1  # late@'s confirmation email went with them; kept@'s stays


def _subscriber_id(store: Store, address: str) -> int:
    with store.session() as session:
        return session.scalar(select(Subscriber.id).where(Subscriber.email == address))


def _list_id(store: Store, name: str) -> int:
    with store.session() as session:
        return subscribers.get_list(session, name).id


def test_an_erased_readers_old_link_controls_nobody_who_comes_after(
    http: httpx.Client, store: Store, settings: Settings
):
    from publisher.privacy import erase_subscriber

    subscribers.add_to_list(store, "readers", [subscribers.NewSubscriber("leaver@example.com")])
    readers = _list_id(store, "readers")
    old_link = subscriber_links.unsubscribe_token(
        settings.signing_key(), _subscriber_id(store, "leaver@example.com"), readers, "leaver@example.com"
    )
    erase_subscriber(store, "leaver@example.com")
    subscribers.add_to_list(store, "readers", [subscribers.NewSubscriber("victim@example.com")])

    page = http.get(f"/preferences/{old_link}")
    assert "victim@example.com" not in page.text and "no longer in our records" in page.text
    http.post(f"/unsubscribe/{old_link}", data={"List-Unsubscribe": "One-Click"})
    assert status_of(store, "victim@example.com") == "active"


def test_a_link_made_for_another_address_is_refused_even_on_the_same_id(
    http: httpx.Client, store: Store, settings: Settings
):
    # As if the id had been handed on before ids stopped being reused: the address tag still tells.
    subscribers.add_to_list(store, "readers", [subscribers.NewSubscriber("victim@example.com")])
    forged_by_reuse = subscriber_links.unsubscribe_token(
        settings.signing_key(), _subscriber_id(store, "victim@example.com"), _list_id(store, "readers"),
        "leaver@example.com",
    )
    for method in (http.get, http.post):
        answer = method(f"/preferences/{forged_by_reuse}")
        assert "victim@example.com" not in answer.text
    http.post(f"/unsubscribe/{forged_by_reuse}", data={"List-Unsubscribe": "One-Click"})
    assert status_of(store, "victim@example.com") == "active"
