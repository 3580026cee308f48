"""One Publish (issue 16): it publishes, mails and shares as one action, and its timeline says what happened.

The batches go to a recording dispatcher and are then delivered in this process by publisher.delivery, as a
worker would: the digest into the file outbox, the posts to the fake Mastodon server.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from publisher import campaigns, delivery, publication
from publisher.automation.publish import publish
from publisher.automation.timeline import timeline
from publisher.campaigns import service
from publisher.config import Settings
from publisher.errors import NotFound, PublisherError
from publisher.runtime import Services, build
from publisher.store import Store
from publisher.store.automation import EventRow, PublishRow, WebhookEndpoint
from publisher.store.models import ArticleRow, Campaign, OutboxRow
from tests.support.factories import RecordingDispatcher, seed_article, subscribe
from tests.support.social import MASTODON_TOKEN

READERS = 3


@pytest.fixture
def mastodon_settings(monkeypatch: pytest.MonkeyPatch, fake_mastodon) -> Settings:
    accounts = {
        "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}",
        "mastodon:wrong": f"mastodon+http://not-the-token@127.0.0.1:{fake_mastodon.port}",
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    monkeypatch.setenv("PUBLISHER_SHARE_TIMEOUT", "5")
    return Settings()


@pytest.fixture
def services(mastodon_settings: Settings, any_store: Store) -> Services:
    """On SQLite, then on PostgreSQL (where two transactions really run at once)."""
    return build(mastodon_settings, store=any_store, dispatcher=RecordingDispatcher())


def deliver_everything(services: Services) -> None:
    """What a worker does with the dispatched batches."""
    dispatcher = services.dispatcher
    assert isinstance(dispatcher, RecordingDispatcher)
    while dispatcher.calls:
        campaign_id, channel, first, last, _queue = dispatcher.calls.pop(0)
        delivery.deliver_batch(services.store, services.settings, campaign_id, channel, first, last)


def kinds(found) -> list[str]:
    return [e.kind for e in found.entries]


def test_publish_publishes_mails_and_shares_and_the_timeline_shows_the_post_url(services, seed_path, fake_mastodon):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    publish_id = publish(services, article_id, lists=["readers"], accounts=["mastodon:social"], by="editor")

    before = timeline(services.store, publish_id)
    assert before.digest is not None and before.digest.pending == READERS and not before.final
    deliver_everything(services)

    found = timeline(services.store, publish_id)
    assert found.final and found.digest is not None
    assert (found.digest.counts["sent"], found.digest.state, found.digest.percent) == (READERS, "done", 100)
    assert kinds(found)[:2] == ["publish", "published"] and "Publish by editor" in found.entries[0].text
    assert {"digest", "digest-finished", "post"} <= set(kinds(found))
    [post] = [e for e in found.entries if e.kind == "post"]
    assert (post.channel, post.state) == ("mastodon:social", "sent")
    assert post.url == f"https://social.example/@editor/{fake_mastodon.posts[0]['id']}"
    assert all(e.at is not None for e in found.entries)
    assert [e.at for e in found.entries] == sorted(e.at for e in found.entries)
    with services.store.session() as session:
        assert session.get(ArticleRow, article_id).published_at is not None
    assert json.loads(json.dumps(found.to_dict()))["digest"]["counts"]["sent"] == READERS


def test_a_failing_share_is_shown_while_the_digest_still_goes(services, seed_path, fake_mastodon):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    publish_id = publish(services, article_id, lists=["readers"], accounts=["mastodon:wrong"])
    deliver_everything(services)

    found = timeline(services.store, publish_id)
    assert found.final and found.digest is not None and found.digest.counts["sent"] == READERS
    [post] = [e for e in found.entries if e.kind == "post"]
    assert post.state == "failed" and post.url is None and post.error
    assert found.problems == 1 and found.summary == "Final, with 1 problem: see the lines in red."
    assert fake_mastodon.posts == []


def test_the_same_form_posted_twice_makes_one_publish(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    first = publish(services, article_id, lists=["readers"], accounts=["mastodon:social"], submission="form-token-1")
    again = publish(services, article_id, lists=["readers"], accounts=["mastodon:social"], submission="form-token-1")

    assert again == first
    with services.store.session() as session:
        assert session.scalar(select(func.count()).select_from(PublishRow)) == 1
        assert session.scalar(select(func.count()).select_from(Campaign)) == 2  # one digest, one share
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == READERS + 1
    assert timeline(services.store, first).errors == []


def test_a_duplicate_send_is_reported_on_the_timeline_and_the_share_still_goes(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    earlier = service.send_digest(services, [article_id], "readers")
    publish_id = publish(services, article_id, lists=["readers"], accounts=["mastodon:social"])

    found = timeline(services.store, publish_id)
    [error] = [e for e in found.entries if e.kind == "error"]
    assert "Not mailed" in error.text and "went to list 'readers'" in error.text and f"campaign {earlier}" in error.text
    assert found.digest is None and found.share_campaign_id is not None
    assert found.errors[0]["campaign_id"] == earlier


def test_an_account_shared_to_before_is_noted_and_not_posted_again(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    service.share(services, article_id, ["mastodon:social"])
    deliver_everything(services)
    publish_id = publish(services, article_id, lists=[], accounts=["mastodon:social"])

    found = timeline(services.store, publish_id)
    [note] = [e for e in found.entries if e.kind == "note"]
    assert "mastodon:social: shared before, at https://social.example/@editor/" in note.text
    assert found.share_campaign_id is None and found.errors == [] and found.final


def test_publish_takes_the_publications_defaults(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    changes = {"publish_lists": ["readers"], "publish_accounts": ["mastodon:social"], "publish_full": False}
    publication.update(services.store, services.settings, changes)
    found = timeline(services.store, publish(services, article_id))
    assert (found.lists, found.accounts) == (["readers"], ["mastodon:social"])
    assert found.digest is not None and found.share_campaign_id is not None
    with services.store.session() as session:
        assert "Read more" in session.get(Campaign, found.digest.campaign_id).body_text  # the summary, not in full


def test_with_no_defaults_publish_only_publishes(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    found = timeline(services.store, publish(services, article_id))
    assert kinds(found) == ["publish", "published", "event"] and found.final  # article.published, no endpoint


@pytest.mark.parametrize(
    ("lists", "accounts", "error", "message"),
    [
        (["nobody"], [], NotFound, "there is no list called 'nobody' to mail on Publish"),
        ([], ["mastodon:elsewhere"], PublisherError, "unknown account 'mastodon:elsewhere' to share to"),
    ],
)
def test_an_unknown_list_or_account_is_refused_and_nothing_happens(
    services, seed_path, lists, accounts, error, message
):
    article_id = seed_article(services.store, seed_path)
    with pytest.raises(error, match=message):
        publish(services, article_id, lists=lists, accounts=accounts)
    with services.store.session() as session:
        assert session.scalar(select(func.count()).select_from(PublishRow)) == 0
        assert session.get(ArticleRow, article_id).published_at is None


def test_an_unknown_article_or_publish_is_not_found(services):
    with pytest.raises(NotFound, match="no article with id 999"):
        publish(services, 999)
    with pytest.raises(NotFound, match="no publish with id 999"):
        timeline(services.store, 999)


def test_the_timeline_shows_the_events_webhook_deliveries_with_their_response(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    with services.store.session() as session:
        endpoint = WebhookEndpoint(url="https://hooks.example/in", sealed_secret="sealed", event_types=["*"])
        session.add(endpoint)
        session.flush()
        endpoint_id = endpoint.id
    publish_id = publish(services, article_id, lists=[], accounts=[])
    assert not timeline(services.store, publish_id).final  # an endpoint listens: article.published is not out yet
    with services.store.session() as session:  # what fan_out and a delivery leave (automation.webhooks, delivery)
        [event] = session.scalars(select(EventRow).where(EventRow.article_id == article_id)).all()
        delivery_campaign = Campaign(kind="event", state="done", subject=event.type)
        session.add(delivery_campaign)
        session.flush()
        session.add(
            OutboxRow(
                campaign_id=delivery_campaign.id,
                recipient_id=endpoint_id,
                channel="hook",
                state="sent",
                provider_id=f"evt_{event.id}",
                payload={"event_id": event.id, "status": 200},
            )
        )
        event.fanned_out_at = event.created_at
        event.delivery_campaign_id = delivery_campaign.id

    found = timeline(services.store, publish_id)
    assert found.final
    [delivered] = [e for e in found.entries if e.kind == "delivery"]
    assert (delivered.channel, delivered.state, delivered.code) == ("https://hooks.example/in", "sent", "200")
    assert "Event article.published" in [e.text for e in found.entries]


def test_a_second_publish_of_a_published_article_says_it_was_already_published(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    publish(services, article_id)
    found = timeline(services.store, publish(services, article_id))
    assert kinds(found) == ["publish", "published"]
    assert found.entries[1].text.startswith("Already published, since ")


def test_two_posts_of_one_form_at_the_same_moment_make_one_publish(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    start = threading.Barrier(2)
    ids: list[int] = []

    def press() -> None:
        start.wait()
        ids.append(publish(services, article_id, lists=["readers"], accounts=["mastodon:social"], submission="same"))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ids) == 2 and ids[0] == ids[1]
    with services.store.session() as session:
        assert session.scalar(select(func.count()).select_from(PublishRow)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == READERS + 1  # mailed and posted once


def test_a_paused_digest_stops_the_timeline_until_it_is_resumed(services, seed_path):
    article_id = seed_article(services.store, seed_path)
    subscribe(services.store, "readers", READERS)
    found = timeline(services.store, publish(services, article_id, lists=["readers"], accounts=[]))
    assert found.digest is not None
    campaigns.pause(services.store, found.digest.campaign_id)
    paused = timeline(services.store, found.id)
    assert paused.stopped and not paused.final
    assert paused.summary == "Paused: resume it on the campaign's page."
