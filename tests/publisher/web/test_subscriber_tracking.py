"""The subscriber's page in the editor shows the opens and clicks recorded of them (tracking mode individual)."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from publisher import campaigns, publication
from publisher.config import Settings
from publisher.insight.capture import Capture, Hit
from publisher.store import Store
from publisher.store.insight import TrackedLink
from publisher.store.models import Subscriber
from publisher.tracking_tokens import MessageTokens, TokenSigner
from tests.support.factories import seed_article, subscribe

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def clicked(store: Store, settings: Settings, seed_path: Path, mode: str) -> tuple[int, str]:
    publication.update(store, settings, {"tracking": mode})
    subscribe(store, "news", 1)
    campaign_id = campaigns.create_email_campaign(store, settings, [seed_article(store, seed_path)], "news")
    with store.session() as session:
        reader = session.scalar(select(Subscriber.id))
        url = session.scalar(select(TrackedLink.url).where(TrackedLink.position == 1))
    assert reader is not None and url is not None
    token = MessageTokens(TokenSigner(settings.signing_key()), campaign_id).click_token(1, reader)
    Capture(store, settings).click(token, Hit("GET", BROWSER, "203.0.113.4"))
    return reader, url


def test_individual_mode_shows_the_readers_clicks(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    reader, url = clicked(store, settings, seed_path, "individual")
    listing = editor.get("/editor/subscribers")
    assert f'href="/editor/subscribers/{reader}"' in listing.text
    page = editor.get(f"/editor/subscribers/{reader}")
    assert page.status_code == 200
    assert f"clicked {url}" in page.text.replace("&amp;", "&")


def test_aggregate_mode_shows_nothing_of_the_reader(
    editor: httpx.Client, store: Store, settings: Settings, seed_path: Path
):
    reader, _ = clicked(store, settings, seed_path, "aggregate")
    page = editor.get(f"/editor/subscribers/{reader}")
    assert page.status_code == 200 and "Nothing recorded of this reader." in page.text
    assert editor.get("/editor/subscribers/999999").status_code == 404
    assert editor.get("/editor/subscribers/export?list=news").status_code == 200
