"""The Share action as a library: preview, share per account, refusal, queues, auto-share on digest send."""

from __future__ import annotations

import json

import pytest

from publisher import campaigns, sharing, textrules
from publisher.config import Settings
from publisher.errors import ConfigError, PublisherError
from publisher.store import Store
from tests.support.factories import RecordingDispatcher, seed_article, subscribe

ACCOUNTS = {
    "x:work": "x://ck:cs@at:as",
    "mastodon:fosstodon": "mastodon://tok@fosstodon.example",
    "bluesky": "bluesky://me.example:pw@",
    "webhook:slack": "webhook+slack://hooks.example/T/B/C",
}


@pytest.fixture
def social(monkeypatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    return Settings()


@pytest.fixture
def social_store(social) -> Store:
    store = Store(social.resolved_database_url)
    yield store
    store.dispose()


def test_preview_shows_each_post_and_its_counted_length_and_sends_nothing(social, social_store, seed_path):
    article_id = seed_article(social_store, seed_path)
    previews = sharing.preview(social_store, social, article_id, list(ACCOUNTS))
    by_channel = {p.channel: p for p in previews}
    assert [p.channel for p in previews] == list(ACCOUNTS)
    for name, network in [("x:work", "x"), ("mastodon:fosstodon", "mastodon"), ("bluesky", "bluesky")]:
        item = by_channel[name]
        assert item.length == textrules.length(item.text, network) <= item.limit == textrules.LIMITS[network]
        assert item.url in item.text
    assert by_channel["webhook:slack"].limit is None
    with social_store.session() as session:
        from sqlalchemy import func, select

        from publisher.store.models import Campaign

        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_preview_refuses_an_unknown_channel(social, social_store, seed_path):
    article_id = seed_article(social_store, seed_path)
    with pytest.raises(ConfigError, match="unknown channel 'x:home'"):
        sharing.preview(social_store, social, article_id, ["x:home"])


def test_share_queues_one_task_per_channel_on_its_network_queue(social, social_store, seed_path):
    article_id = seed_article(social_store, seed_path)
    dispatcher = RecordingDispatcher()
    campaign_id = sharing.share(social_store, social, dispatcher, article_id, list(ACCOUNTS))
    queues = sorted((call[1], call[4]) for call in dispatcher.calls)
    assert queues == [
        ("bluesky", "share.bluesky"),
        ("mastodon:fosstodon", "share.mastodon"),
        ("webhook:slack", "share.webhook"),
        ("x:work", "share.x"),
    ]
    assert all(call[0] == campaign_id for call in dispatcher.calls)
    assert sharing.preview(social_store, social, article_id, ["x:work"])[0].already_shared == "(still queued)"
    with pytest.raises(PublisherError, match="already shared to x:work at \\(still queued\\)"):
        sharing.share(social_store, social, dispatcher, article_id, ["x:work"])
    # Another account on the same network is a different channel: allowed.
    social_two = Settings(accounts=json.dumps({**ACCOUNTS, "x:home": "x://a:b@c:d"}))
    sharing.share(social_store, social_two, dispatcher, article_id, ["x:home"])


def test_a_digest_send_shares_its_articles_once_when_configured(monkeypatch, social_store, seed_path):
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(ACCOUNTS))
    monkeypatch.setenv("PUBLISHER_SHARE_ON_DIGEST", "x:work, bluesky")
    settings = Settings()
    article_id = seed_article(social_store, seed_path)
    subscribe(social_store, "readers", 3)
    dispatcher = RecordingDispatcher()
    first = campaigns.create_email_campaign(social_store, settings, [article_id], "readers")
    campaigns.dispatch(social_store, settings, dispatcher, first)
    shared = sorted(call[1] for call in dispatcher.calls if call[4].startswith("share."))
    assert shared == ["bluesky", "x:work"]
    assert campaigns.earlier_share(social_store, article_id, "x:work") == "(still queued)"

    second = campaigns.create_email_campaign(social_store, settings, [article_id], "readers", force=True)
    dispatcher.calls.clear()
    campaigns.dispatch(social_store, settings, dispatcher, second)
    campaigns.dispatch(social_store, settings, dispatcher, second)  # a sweep re-dispatching shares nothing
    assert [call for call in dispatcher.calls if call[4].startswith("share.")] == []


def test_queue_routing_is_by_network():
    assert campaigns.queue_for("share", "x:work") == "share.x"
    assert campaigns.queue_for("share", "file") == "share.file"


def test_a_broken_auto_share_never_stops_the_digest(monkeypatch, social_store, seed_path, caplog):
    monkeypatch.setenv("PUBLISHER_SHARE_ON_DIGEST", "x:nowhere")
    settings = Settings()
    article_id = seed_article(social_store, seed_path)
    subscribe(social_store, "readers", 2)
    dispatcher = RecordingDispatcher()
    campaign_id = campaigns.create_email_campaign(social_store, settings, [article_id], "readers")
    assert campaigns.dispatch(social_store, settings, dispatcher, campaign_id) == 1
    assert [call[4] for call in dispatcher.calls] == ["email"]
    assert "auto-share of article 1 to x:nowhere failed: unknown channel 'x:nowhere'" in caplog.text
