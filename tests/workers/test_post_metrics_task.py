"""The periodic read_post_metrics task: run by a worker, it stores the counts of the share posts due."""

from __future__ import annotations

import json

from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.store.models import OutboxRow, PostMetric
from tests.support.factories import seed_article
from tests.support.fakes import FakeMastodon, running
from tests.support.social import MASTODON_TOKEN
from workers import tasks


def test_the_task_reads_a_shared_posts_counts_back_and_stores_them(monkeypatch, seed_path):
    with running(FakeMastodon(MASTODON_TOKEN)) as fake:
        url = f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake.port}"
        monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({"mastodon": url}))
        s = tasks.services()
        campaign_id = campaigns.create_share_campaign(
            s.store, s.settings, seed_article(s.store, seed_path), ["mastodon"]
        )
        with s.store.session() as session:
            row_id = session.scalars(select(OutboxRow.id).where(OutboxRow.campaign_id == campaign_id)).one()
        delivery.deliver_batch(s.store, s.settings, campaign_id, "mastodon", row_id, row_id)
        fake.engage(fake.posts[0]["id"], favourites=4, reblogs=1, replies=7)

        result = tasks.read_post_metrics.apply()

    assert result.successful() and result.result == 1
    with s.store.session() as session:
        metric = session.get(PostMetric, row_id)
        assert (metric.likes, metric.reposts, metric.replies, metric.error) == (4, 1, 7, None)
