from pathlib import Path

import pytest
from sqlalchemy import func, select

from publisher import campaigns
from publisher.config import Settings
from publisher.errors import HeaderInjection, NotFound, PublisherError
from publisher.store import Store
from publisher.store.models import Campaign, OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe


def rows(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow))


def test_send_queues_one_row_per_active_subscriber(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 25)

    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")

    state = campaigns.status(store, campaign_id)
    assert state.kind == "email"
    assert state.counts == {"queued": 25, "sending": 0, "sent": 0, "failed": 0, "suppressed": 0, "cancelled": 0}
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert "%%PUB" in campaign.body_html and 'style="' in campaign.body_html  # rendered once, CSS inlined
        channels = set(session.scalars(select(OutboxRow.channel)))
    assert channels == {"file"}


def test_batches_cover_every_row_once(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 23)
    campaign_id = campaigns.create_email_campaign(store, settings, [article_id], "news")
    dispatcher = RecordingDispatcher()

    settings.batch_size = 5
    sent = campaigns.dispatch(store, settings, dispatcher, campaign_id)

    assert sent == 5
    with store.session() as session:
        ids = list(session.scalars(select(OutboxRow.id).order_by(OutboxRow.id)))
    covered = [i for (_, _, lo, hi, _) in dispatcher.calls for i in ids if lo <= i <= hi]
    assert covered == ids
    assert {queue for *_, queue in dispatcher.calls} == {"email"}
    assert campaigns.status(store, campaign_id).state == "sending"


def test_subject_with_a_line_break_is_refused_before_anything_is_queued(
    store: Store, settings: Settings, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 3)
    with pytest.raises(HeaderInjection, match="subject"):
        campaigns.create_email_campaign(store, settings, [article_id], "news", subject="Hi\r\nBcc: x@example.com")
    assert rows(store) == 0


def test_unknown_article_and_unknown_list_are_named(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 1)
    with pytest.raises(NotFound, match="no article with id 99, 98"):
        campaigns.create_email_campaign(store, settings, [article_id, 99, 98], "news")
    with pytest.raises(NotFound, match="no list named 'nope'"):
        campaigns.create_email_campaign(store, settings, [article_id], "nope")
    assert rows(store) == 0


def test_a_list_with_nobody_active_sends_nothing(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    subscribe(store, "news", 0)
    with pytest.raises(PublisherError, match="no active subscribers"):
        campaigns.create_email_campaign(store, settings, [article_id], "news")
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_share_queues_one_post_per_channel_and_refuses_a_second_share(
    store: Store, settings: Settings, seed_path: Path
):
    article_id = seed_article(store, seed_path)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["file"])

    with store.session() as session:
        [row] = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id))
    assert row.recipient_id == 0 and row.channel == "file"
    assert row.payload["url"] == "https://news.example.org/articles/" + (
        "us-rejects-netanyahus-request-to-join-direct-military-action-against-iran"
    )
    with pytest.raises(PublisherError, match="already shared to file"):
        campaigns.create_share_campaign(store, settings, article_id, ["file"])
    assert campaigns.create_share_campaign(store, settings, article_id, ["file"], force=True) != campaign_id


def test_unknown_channel_is_refused(store: Store, settings: Settings, seed_path: Path):
    article_id = seed_article(store, seed_path)
    with pytest.raises(PublisherError, match="unknown channel 'myspace'"):
        campaigns.create_share_campaign(store, settings, article_id, ["myspace"])
