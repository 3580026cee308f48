"""Share rows through publisher.delivery against the fake networks: how each answer lands in the outbox."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow, utcnow
from tests.support.factories import seed_article
from tests.support.social import BLUESKY, MASTODON_TOKEN, X_KEYS


def _settings(monkeypatch, accounts: dict[str, str]) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    monkeypatch.setenv("PUBLISHER_SHARE_TIMEOUT", "5")
    return Settings()


def _row(store: Store, campaign_id: int) -> OutboxRow:
    with store.session() as session:
        return session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).one()


def _deliver(store: Store, settings: Settings, campaign_id: int, channel: str) -> delivery.BatchOutcome:
    row = _row(store, campaign_id)
    return delivery.deliver_batch(store, settings, campaign_id, channel, row.id, row.id)


def test_a_rate_limited_post_waits_for_the_reset_then_goes_out(monkeypatch, store, seed_path, fake_x):
    ck, cs, at, as_ = X_KEYS
    settings = _settings(monkeypatch, {"x": f"x://{ck}:{cs}@{at}:{as_}?api={fake_x.base_url}"})
    fake_x.rate_limit_wait = 600
    fake_x.script("rate_limit")
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), ["x"])

    outcome = _deliver(store, settings, campaign_id, "x")
    row = _row(store, campaign_id)
    assert (outcome.deferred, row.state, row.attempts) == (1, "queued", 1)
    wait = row.next_attempt_at.replace(tzinfo=UTC) - utcnow()
    assert timedelta(seconds=550) < wait <= timedelta(seconds=601)  # the reset, not the backoff
    assert 550 < outcome.retry_in <= 601

    with store.session() as session:  # the reset has passed
        session.get(OutboxRow, row.id).next_attempt_at = utcnow()
    _deliver(store, settings, campaign_id, "x")
    row = _row(store, campaign_id)
    assert row.state == "sent" and row.url == f"https://x.com/i/web/status/{fake_x.posts[0]['id']}"


def test_bad_credentials_fail_the_row_with_a_message_naming_the_account(monkeypatch, store, seed_path, fake_bluesky):
    url = f"bluesky+http://{BLUESKY[0]}:not-the-password@127.0.0.1:{fake_bluesky.port}"
    settings = _settings(monkeypatch, {"bluesky:news": url})
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), ["bluesky:news"])
    assert _deliver(store, settings, campaign_id, "bluesky:news").failed == 1
    row = _row(store, campaign_id)
    assert row.state == "failed" and row.error.startswith("Bluesky account 'bluesky:news'")
    assert "not-the-password" not in row.error


def test_x_duplicate_counts_as_already_posted(monkeypatch, store, seed_path, fake_x):
    ck, cs, at, as_ = X_KEYS
    settings = _settings(monkeypatch, {"x": f"x://{ck}:{cs}@{at}:{as_}?api={fake_x.base_url}"})
    fake_x.script("duplicate")
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), ["x"])
    assert _deliver(store, settings, campaign_id, "x").sent == 1
    row = _row(store, campaign_id)
    assert (row.state, row.provider_id, row.url) == ("sent", "duplicate", None)
    assert fake_x.posts == []
    assert campaigns.status(store, campaign_id).state == "done"


def test_a_server_error_retries_with_backoff(monkeypatch, store, seed_path, fake_mastodon):
    settings = _settings(monkeypatch, {"mastodon": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}"})
    fake_mastodon.script("error")
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), ["mastodon"])
    assert _deliver(store, settings, campaign_id, "mastodon").deferred == 1
    row = _row(store, campaign_id)
    assert row.state == "queued" and "server error (500)" in row.error
    assert timedelta(0) < row.next_attempt_at.replace(tzinfo=UTC) - utcnow() <= timedelta(seconds=6)
