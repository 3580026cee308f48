"""Threads through publisher.delivery against the fake networks: composed, posted, and resumed from the outbox.

The posted parts are recorded in the outbox row's stored post (payload "progress") in the transaction that
queues the row again, and the retry passes them back to the channel: no part is posted twice.
"""

from __future__ import annotations

import json

import pytest
import regex
from sqlalchemy import select

from publisher import campaigns, delivery, textrules
from publisher.config import Settings
from publisher.importers import load
from publisher.library import get_article, save_articles
from publisher.render.share import PostShape
from publisher.store import Store
from publisher.store.models import OutboxRow, utcnow
from tests.support.factories import seed_article
from tests.support.social import BLUESKY, MASTODON_TOKEN, X_KEYS

SPLIT = "Part one, the hook.\n---\nPart two, the middle.\n---\nPart three, the end."
TEXTS = ["Part one, the hook.", "Part two, the middle.", "Part three, the end."]


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


def _due_now(store: Store, row_id: int) -> None:
    with store.session() as session:
        session.get(OutboxRow, row_id).next_attempt_at = utcnow()


@pytest.fixture(params=["x", "mastodon", "bluesky"])
def network(request, fake_x, fake_mastodon, fake_bluesky):
    """(channel, its account URL, its fake) for each network that takes threads."""
    ck, cs, at, as_ = X_KEYS
    return {
        "x": ("x", f"x://{ck}:{cs}@{at}:{as_}?api={fake_x.base_url}", fake_x),
        "mastodon": ("mastodon", f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake_mastodon.port}", fake_mastodon),
        "bluesky": ("bluesky", f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{fake_bluesky.port}", fake_bluesky),
    }[request.param]


def _ids_and_parents(fake) -> tuple[list[str], list[str | None]]:
    if hasattr(fake, "did"):  # Bluesky: the records' reply refs
        return [p["uri"] for p in fake.posts], [
            (p["record"].get("reply") or {}).get("parent", {}).get("uri") for p in fake.posts
        ]
    return [p["id"] for p in fake.posts], [p.get("in_reply_to") for p in fake.posts]


def test_a_thread_whose_second_part_fails_with_a_500_resumes_from_the_outbox(
    monkeypatch, any_store, seed_path, network
):
    store = any_store  # SQLite, then PostgreSQL: the progress is JSON written with the row's update
    channel, url, fake = network
    settings = _settings(monkeypatch, {channel: url})
    shape = PostShape(texts={channel: SPLIT})
    article_id = seed_article(store, seed_path)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, [channel], shape=shape)
    fake.fail_post(2)

    outcome = _deliver(store, settings, campaign_id, channel)
    row = _row(store, campaign_id)
    assert (outcome.deferred, row.state, row.attempts) == (1, "queued", 1)
    assert "(500)" in row.error
    [posted] = row.payload["progress"]["posted"]  # recorded before the row was queued again
    assert [p["text"] for p in fake.posts] == TEXTS[:1]
    assert posted["id"] == _ids_and_parents(fake)[0][0]

    _due_now(store, row.id)
    assert _deliver(store, settings, campaign_id, channel).sent == 1
    row = _row(store, campaign_id)
    assert [p["text"] for p in fake.posts] == TEXTS  # parts 2 and 3 once each, part 1 once
    ids, parents = _ids_and_parents(fake)
    assert parents == [None, ids[0], ids[1]]
    assert (row.state, row.provider_id) == ("sent", ids[0])
    assert [ref["id"] for ref in row.payload["progress"]["posted"]] == ids
    assert campaigns.status(store, campaign_id).state == "done"


def test_a_numbered_thread_from_the_whole_post_keeps_every_word_within_the_limit(
    monkeypatch, store, tmp_path, fake_x
):
    ck, cs, at, as_ = X_KEYS
    settings = _settings(monkeypatch, {"x": f"x://{ck}:{cs}@{at}:{as_}?api={fake_x.base_url}"})
    opening = " ".join(f"Sentence {n} of an opening that runs past one post on X, by design." for n in range(8))
    path = tmp_path / "long.md"
    path.write_text(f"# The long read of the week, in full\n\n{opening}\n\nMore below.\n")
    [(article_id, _)] = save_articles(store, [load(path)])
    summary = get_article(store, article_id).summary  # the importer's (a few sentences)
    monkeypatch.setenv("PUBLISHER_SHARE_HASHTAGS", "LongRead,Harbour")
    settings = Settings()

    shape = PostShape(thread=True, numbered=True)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["x"], shape=shape)
    assert _deliver(store, settings, campaign_id, "x").sent == 1

    texts = [p["text"] for p in fake_x.posts]
    assert len(texts) >= 3 and all(textrules.length(t, "x") <= 280 for t in texts)
    assert [regex.search(r" (\d+)/(\d+)$", t).groups() for t in texts] == [
        (str(k), str(len(texts))) for k in range(1, len(texts) + 1)
    ]
    body = " ".join(regex.sub(r" \d+/\d+$", "", t) for t in texts)
    assert summary in body.replace("\n", " ") and "…" not in body  # nothing shortened
    assert body.startswith("The long read of the week, in full") and body.endswith("#LongRead #Harbour")
    assert [p.get("in_reply_to") for p in fake_x.posts] == [None] + [p["id"] for p in fake_x.posts[:-1]]


def test_a_network_without_threads_gets_the_usual_shortened_post(monkeypatch, store, seed_path, fake_webhook):
    from tests.support.social import WEBHOOK_SECRET

    hook = f"webhook+http://127.0.0.1:{fake_webhook.port}/hooks/T1/B2?secret={WEBHOOK_SECRET}"
    settings = _settings(monkeypatch, {"webhook": hook})
    article_id = seed_article(store, seed_path)
    campaign_id = campaigns.create_share_campaign(
        store, settings, article_id, ["webhook"], shape=PostShape(thread=True)
    )
    payload = _row(store, campaign_id).payload
    assert payload["replies"] == [] and payload["text"]
