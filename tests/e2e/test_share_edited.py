"""Edited posts reach the networks as edited (issue 14): a real worker process posts each account's edited
text to X, Mastodon, Bluesky and a Slack webhook fake; Mastodon's first attempt fails with a 500 and the
retry posts the edit (it is stored on the outbox row, never composed again); Bluesky gets link and tag
facets over the links and hashtags the editor wrote, at their UTF-8 byte offsets."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from publisher import campaigns, runtime
from publisher.campaigns import service
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import seed_article
from tests.support.fakes import FakeBluesky, FakeMastodon, FakeWebhook, FakeX, running
from tests.support.social import BLUESKY, MASTODON_TOKEN, WEBHOOK_SECRET, X_KEYS
from workers.process import spawn_worker, stop_worker

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
TEXTS = {
    "x": "X gets its own words: 日本語 https://news.example.org/a",
    "mastodon:social": f"Mastodon's edit {FAMILY}, with a link https://news.example.org/m #News",
    "bluesky": f"Zürich {FAMILY} مرحبا: our take #World #Politik https://source.example.com/ü",
    "webhook:slack": "The newsroom's own words for Slack.",
}


@pytest.fixture
def fakes() -> Iterator[dict[str, object]]:
    with ExitStack() as stack:
        yield {
            "x": stack.enter_context(running(FakeX(*X_KEYS))),
            "mastodon:social": stack.enter_context(running(FakeMastodon(MASTODON_TOKEN))),
            "bluesky": stack.enter_context(running(FakeBluesky(*BLUESKY))),
            "webhook:slack": stack.enter_context(running(FakeWebhook(WEBHOOK_SECRET))),
        }


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, fakes: dict) -> Settings:
    ck, cs, at, as_ = X_KEYS
    accounts = {
        "x": f"x://{ck}:{cs}@{at}:{as_}?api={fakes['x'].base_url}",
        "mastodon:social": f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fakes['mastodon:social'].port}",
        "bluesky": f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{fakes['bluesky'].port}",
        "webhook:slack": (
            f"webhook+slack+http://127.0.0.1:{fakes['webhook:slack'].port}/services/T1/B2?secret={WEBHOOK_SECRET}"
        ),
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    monkeypatch.setenv("PUBLISHER_RETRY_BASE_SECONDS", "0.5")
    return Settings()


def wait_done(store: Store, campaign_id: int, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = campaigns.status(store, campaign_id).state
        if state in ("done", "failed", "cancelled"):
            return state
        time.sleep(0.2)
    return campaigns.status(store, campaign_id).state


def test_each_network_s_fake_receives_the_edited_text_even_on_a_retry(
    settings: Settings, store: Store, fakes: dict, seed_path: Path, tmp_path: Path
):
    article_id = seed_article(store, seed_path)
    fakes["mastodon:social"].script("error")  # the first attempt fails: the retry must post the edit
    services = runtime.build(settings, store=store)
    env = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    worker = spawn_worker(env, concurrency=2, log_path=tmp_path / "worker.log")
    try:
        campaign_id = service.share(services, article_id, list(TEXTS), texts=TEXTS)
        state = wait_done(store, campaign_id)
    finally:
        stop_worker(worker)
        services.close()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert state == "done", log

    assert [p["text"] for p in fakes["x"].posts] == [TEXTS["x"]]
    assert [p["text"] for p in fakes["mastodon:social"].posts] == [TEXTS["mastodon:social"]]
    assert fakes["mastodon:social"].post_attempts == 2  # the 500, then the edit once
    assert [p["text"] for p in fakes["bluesky"].posts] == [TEXTS["bluesky"]]
    assert TEXTS["webhook:slack"] in fakes["webhook:slack"].posts[0]["payload"]["text"]
    assert all(f.rejections == [] for f in fakes.values())

    record = fakes["bluesky"].posts[0]["record"]
    encoded = record["text"].encode("utf-8")
    found = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0] for f in record["facets"]
    }
    assert found["#World"] == {"$type": "app.bsky.richtext.facet#tag", "tag": "World"}
    assert found["#Politik"] == {"$type": "app.bsky.richtext.facet#tag", "tag": "Politik"}
    assert found["https://source.example.com/ü"] == {
        "$type": "app.bsky.richtext.facet#link",
        "uri": "https://source.example.com/ü",
    }
    for secret in (X_KEYS[1], X_KEYS[3], MASTODON_TOKEN, BLUESKY[1], WEBHOOK_SECRET):
        assert secret not in log
