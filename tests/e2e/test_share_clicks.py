"""Click links on share posts (issue 15), through the network fakes and the real web app.

With track_clicks, each channel's post links through BASE_URL/r/<token>: Mastodon's text carries the
tracked URL (any URL counts 23, so the length is what it was), Bluesky's text keeps showing the article's
URL while its link facet and card point at the tracked one. Following the link is a 302 to the article; the
instance's preview fetcher is a machine, a reader later a person, and the report names the post's channel.
Without track_clicks the posts are as before; with the publication's tracking off, the share is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from publisher import campaigns, delivery, library, publication, runtime, textrules
from publisher.channels.counting import url_spans
from publisher.clock import FixedClock
from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.insight.report import campaign_report
from publisher.render.email import article_url
from publisher.store import Store
from publisher.store.insight import TrackedLink, TrackingEvent
from publisher.store.models import Campaign, OutboxRow, utcnow
from publisher.web import create_app
from tests.support.factories import seed_article
from tests.support.fakes import FakeBluesky, FakeMastodon, running
from tests.support.social import BLUESKY, MASTODON_TOKEN
from tests.support.web import LiveServer

BASE = "https://news.example.org"
MASTODON_PREVIEW = "http.rb/5.1.0 (Mastodon/4.0.2; +https://social.example/) Bot"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def networks(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeMastodon, FakeBluesky]]:
    with running(FakeMastodon(MASTODON_TOKEN)) as mastodon, running(FakeBluesky(*BLUESKY)) as bluesky:
        accounts = {
            "mastodon": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{mastodon.port}",
            "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{bluesky.port}",
        }
        monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
        monkeypatch.setenv("PUBLISHER_BASE_URL", BASE)
        yield mastodon, bluesky


@pytest.fixture
def share_settings(networks: tuple[FakeMastodon, FakeBluesky]) -> Settings:
    return Settings()  # read after the accounts and base URL are in the environment


def share_and_post(store: Store, settings: Settings, seed_path: Path, **options: object) -> tuple[int, str]:
    """Share the seed article to Mastodon and Bluesky and post both rows in this process; (campaign, its URL)."""
    article_id = seed_article(store, seed_path)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["mastodon", "bluesky"], **options)
    with store.session() as session:
        rows = session.execute(
            select(OutboxRow.id, OutboxRow.channel).where(OutboxRow.campaign_id == campaign_id)
        ).all()
    for row_id, channel in rows:
        delivery.deliver_batch(store, settings, campaign_id, channel, row_id, row_id)
    return campaign_id, article_url(settings, library.get_article(store, article_id))


def tracked_path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE and parts.path.startswith("/r/"), url
    return parts.path


def test_a_tracked_share_links_through_r_and_tells_the_preview_fetcher_from_a_reader(
    networks, share_settings: Settings, any_store: Store, seed_path: Path
):
    mastodon, bluesky = networks
    campaign_id, article = share_and_post(any_store, share_settings, seed_path, track_clicks=True)

    [toot] = mastodon.posts
    [tracked] = [toot["text"][start:end] for start, end in url_spans(toot["text"])]
    assert article not in toot["text"]
    path = tracked_path(tracked)
    untracked = toot["text"].replace(tracked, article)
    assert textrules.length(toot["text"], "mastodon") == textrules.length(untracked, "mastodon")

    clock = FixedClock(utcnow() + timedelta(seconds=2))  # the instance fetches the link as the post federates
    server = LiveServer(create_app(services=runtime.build(share_settings, store=any_store, clock=clock))).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            fetched = client.get(path, headers={"User-Agent": MASTODON_PREVIEW})
            clock.when += timedelta(hours=2)  # a reader, later
            followed = client.get(path, headers={"User-Agent": BROWSER})
    finally:
        server.stop()

    assert (fetched.status_code, fetched.headers["location"]) == (302, article)
    assert (followed.status_code, followed.headers["location"]) == (302, article)
    with any_store.session() as session:
        recorded = session.execute(
            select(TrackingEvent.verdict, TrackingEvent.reason, TrackingEvent.domain, TrackingEvent.subscriber_id)
            .where(TrackingEvent.campaign_id == campaign_id)
            .order_by(TrackingEvent.id)
        ).all()
    assert [tuple(r) for r in recorded] == [
        ("machine", "link-preview", "mastodon", None),
        ("human", "browser", "mastodon", None),
    ]
    report = campaign_report(any_store, campaign_id, settings=share_settings).to_dict()
    by_channel = {link["channel"]: link for link in report["links"]}
    assert set(by_channel) == {"mastodon", "bluesky"}
    assert (by_channel["mastodon"]["human_total"], by_channel["mastodon"]["machine_total"]) == (1, 1)
    assert (by_channel["bluesky"]["human_total"], by_channel["bluesky"]["machine_total"]) == (0, 0)
    assert (report["clicks"]["human"], report["clicks"]["machine"]) == (1, 1)


def test_bluesky_shows_the_articles_url_while_its_facet_and_card_point_at_the_tracked_one(
    networks, share_settings: Settings, store: Store, seed_path: Path
):
    _, bluesky = networks
    campaign_id, article = share_and_post(store, share_settings, seed_path, track_clicks=True)

    [post] = bluesky.posts
    record = post["record"]
    [link] = [f for f in record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]
    shown = record["text"].encode()[link["index"]["byteStart"] : link["index"]["byteEnd"]].decode()
    assert shown == article
    tracked = link["features"][0]["uri"]
    assert record["embed"]["external"]["uri"] == tracked
    with store.session() as session:
        stored = dict(
            session.execute(
                select(TrackedLink.position, TrackedLink.url).where(TrackedLink.campaign_id == campaign_id)
            ).all()
        )
    assert stored == {1: article, 2: article}  # one link per channel: the post's, in the order shared
    server = LiveServer(create_app(share_settings, store)).start()
    try:
        followed = httpx.get(server.url + tracked_path(tracked), headers={"User-Agent": BROWSER})
    finally:
        server.stop()
    assert (followed.status_code, followed.headers["location"]) == (302, article)


def test_without_track_clicks_the_posts_link_to_the_article_and_nothing_is_tracked(
    networks, share_settings: Settings, store: Store, seed_path: Path
):
    mastodon, bluesky = networks
    campaign_id, article = share_and_post(store, share_settings, seed_path)

    assert article in mastodon.posts[0]["text"] and "/r/" not in mastodon.posts[0]["text"]
    record = bluesky.posts[0]["record"]
    assert {f["features"][0]["uri"] for f in record["facets"] if "uri" in f["features"][0]} == {article}
    assert record["embed"]["external"]["uri"] == article
    with store.session() as session:
        assert session.scalars(select(TrackedLink).where(TrackedLink.campaign_id == campaign_id)).all() == []
        assert session.get(Campaign, campaign_id).tracking is None


def test_with_the_publications_tracking_off_a_tracked_share_is_refused_and_nothing_queued(
    networks, share_settings: Settings, store: Store, seed_path: Path
):
    publication.update(store, share_settings, {"tracking": "off"})
    article_id = seed_article(store, seed_path)

    with pytest.raises(PublisherError, match="tracking mode is off"):
        campaigns.create_share_campaign(store, share_settings, article_id, ["mastodon"], track_clicks=True)

    with store.session() as session:
        assert session.scalars(select(Campaign)).all() == []
