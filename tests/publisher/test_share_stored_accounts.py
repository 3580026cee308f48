"""Accounts added in the editor share like configured ones (issue 14): LinkedIn and Threads accounts stored
encrypted, a share campaign rendered for each and delivered through publisher.delivery to the fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from publisher import campaigns, delivery, runtime
from publisher.channels import stored
from publisher.channels.networks import linkedin, threads
from publisher.config import Settings
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.support.factories import seed_article
from tests.support.fakes import FakeLinkedIn, FakeThreads, running

LINKEDIN_TOKEN = "AQV-linkedin-token-secret-0123"
THREADS_TOKEN = "THAAthreads-token-secret-4567"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeLinkedIn, FakeThreads]]:
    with running(FakeLinkedIn(LINKEDIN_TOKEN)) as li, running(FakeThreads(THREADS_TOKEN)) as th:
        yield li, th


@pytest.fixture
def added(store: Store, settings: Settings, fakes) -> list[str]:
    li, th = fakes
    runtime.build(settings, store=store)  # the composition root: the registry reads this store's accounts
    author = "urn:li:organization:2414183"
    stored.add(
        store, settings, "linkedin:page", f"linkedin+http://{LINKEDIN_TOKEN}@127.0.0.1:{li.port}?author={author}"
    )
    stored.add(store, settings, "threads", f"threads+http://{THREADS_TOKEN}@127.0.0.1:{th.port}/me")
    return ["linkedin:page", "threads"]


def _rows(store: Store, campaign_id: int) -> dict[str, OutboxRow]:
    with store.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).all()
        return {r.channel: r for r in rows}


def _deliver(store: Store, settings: Settings, campaign_id: int, channel: str) -> delivery.BatchOutcome:
    row = _rows(store, campaign_id)[channel]
    return delivery.deliver_batch(store, settings, campaign_id, channel, row.id, row.id)


def test_an_article_is_shared_to_stored_linkedin_and_threads_accounts_within_their_limits(
    store: Store, settings: Settings, seed_path, fakes, added
):
    li, th = fakes
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), added)

    for channel in added:
        assert _deliver(store, settings, campaign_id, channel).sent == 1
    rows = _rows(store, campaign_id)

    [li_post], [th_post] = li.posts, th.posts
    assert rows["linkedin:page"].state == "sent" and rows["linkedin:page"].provider_id == li_post["urn"]
    assert rows["threads"].state == "sent" and rows["threads"].url == th_post["permalink"]
    assert li_post["article"]["source"].startswith("https://news.example.org/")
    assert li_post["text"] == rows["linkedin:page"].payload["text"]  # escaped, so nothing was cut
    assert linkedin.count(li_post["text"]) <= 3000 and threads.count(th_post["text"]) <= 500
    assert th_post["link_attachment"] == rows["threads"].payload["url"]


def test_a_server_error_defers_the_row_and_the_retry_posts_once(
    store: Store, settings: Settings, seed_path, fakes, added
):
    _, th = fakes
    th.script("error")
    campaign_id = campaigns.create_share_campaign(store, settings, seed_article(store, seed_path), ["threads"])

    first = _deliver(store, settings, campaign_id, "threads")
    with store.session() as session:
        session.get(OutboxRow, _rows(store, campaign_id)["threads"].id).next_attempt_at = None
    second = _deliver(store, settings, campaign_id, "threads")

    assert (first.deferred, second.sent) == (1, 1)
    assert len(th.posts) == 1 and _rows(store, campaign_id)["threads"].state == "sent"
