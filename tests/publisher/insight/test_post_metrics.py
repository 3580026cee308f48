"""Share posts' counts read back later: a Mastodon status's favourites, reblogs and replies are stored and
shown in the report; a Bluesky post on a real PDS without an AppView gets the PDS's own error, not numbers."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.insight.post_metrics import read_post_metrics
from publisher.insight.report import campaign_report
from publisher.store import Store
from publisher.store.models import OutboxRow, PostMetric, utcnow
from tests.support.factories import seed_article
from tests.support.pds import INSTALL_TIMEOUT, shared_pds
from tests.support.social import MASTODON_TOKEN


def _settings(monkeypatch, accounts: dict[str, str]) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    monkeypatch.setenv("PUBLISHER_SHARE_TIMEOUT", "10")
    return Settings()


def _shared(store: Store, settings: Settings, seed_path, channel: str) -> tuple[int, OutboxRow]:
    """A share of the seed article to one channel, delivered; the campaign and its row."""
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), [channel])
    with store.session() as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).one()
    assert delivery.deliver_batch(store, settings, campaign_id, channel, row.id, row.id).sent == 1
    with store.session() as session:
        return campaign_id, session.get(OutboxRow, row.id)


def test_a_mastodon_posts_counts_are_read_back_stored_and_reported(monkeypatch, store, seed_path, fake_mastodon):
    url = f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}"
    settings = _settings(monkeypatch, {"mastodon": url})
    campaign_id, row = _shared(store, settings, seed_path, "mastodon")
    fake_mastodon.engage(row.provider_id, favourites=12, reblogs=3, replies=2)

    assert read_post_metrics(store, settings) == 1

    [post] = campaign_report(store, campaign_id, settings=settings).to_dict()["posts"]
    assert (post["channel"], post["state"], post["url"]) == ("mastodon", "sent", row.url)
    assert (post["likes"], post["reposts"], post["replies"]) == (12, 3, 2)
    assert post["read_at"] is not None and post["metrics_error"] is None


def test_counts_are_asked_again_only_after_an_hour_and_a_deleted_status_keeps_its_last_counts(
    monkeypatch, store, seed_path, fake_mastodon
):
    url = f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}"
    settings = _settings(monkeypatch, {"mastodon": url})
    _, row = _shared(store, settings, seed_path, "mastodon")
    fake_mastodon.engage(row.provider_id, favourites=5)
    read_post_metrics(store, settings)
    reads = fake_mastodon.status_reads

    assert read_post_metrics(store, settings) == 0
    assert fake_mastodon.status_reads == reads, "read less than an hour ago: not asked again"

    fake_mastodon._statuses.pop(row.provider_id)  # the editor deleted it on the instance
    assert read_post_metrics(store, settings, now=utcnow() + timedelta(hours=2)) == 0
    with store.session() as session:
        metric = session.get(PostMetric, row.id)
        assert metric.likes == 5, "the last counts read stay"
        assert "404" in metric.error or "not found" in metric.error.lower()
        assert MASTODON_TOKEN not in metric.error


@pytest.mark.timeout(INSTALL_TIMEOUT)  # the first test may install the PDS from npm
def test_a_bluesky_post_on_a_pds_without_an_appview_records_the_pds_error_and_no_numbers(monkeypatch, store, seed_path):
    pds = shared_pds()
    handle = f"desk-{secrets.token_hex(3)}.test"
    session = pds.create_account(handle, secrets.token_urlsafe(12))
    password = pds.app_password(session["accessJwt"])
    settings = _settings(monkeypatch, {"bluesky": f"bluesky+http://{handle}:{password}@127.0.0.1:{pds.port}"})
    campaign_id, row = _shared(store, settings, seed_path, "bluesky")
    assert row.provider_id.startswith("at://")

    assert read_post_metrics(store, settings) == 0

    [post] = campaign_report(store, campaign_id, settings=settings).to_dict()["posts"]
    assert (post["likes"], post["reposts"], post["replies"]) == (None, None, None)
    assert "No service configured for app.bsky.feed.getPosts" in post["metrics_error"]
    assert password not in post["metrics_error"]
    assert post["read_at"] is not None
