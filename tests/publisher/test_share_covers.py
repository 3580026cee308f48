"""The cover image through delivery: loaded from the media store for the networks that take it.

Bluesky always shows it as its card's thumbnail; Mastodon and X attach it (with its alt text) only when the
editor asks. A missing image never stops a share; a media store that cannot be read now retries the row.
"""

from __future__ import annotations

import json
import shutil

from sqlalchemy import select

from publisher import campaigns, delivery
from publisher.config import Settings
from publisher.media import key_of, open_store
from publisher.store import Store
from publisher.store.models import OutboxRow, utcnow
from tests.support.covers import ALT, article_with_cover, stored_cover
from tests.support.social import BLUESKY, MASTODON_TOKEN, X_KEYS


def _settings(monkeypatch, **accounts: str) -> Settings:
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    monkeypatch.setenv("PUBLISHER_SHARE_TIMEOUT", "5")
    return Settings()


def _bluesky(fake) -> str:
    return f"bluesky+http://{BLUESKY[0]}:{BLUESKY[1]}@127.0.0.1:{fake.port}"


def _mastodon(fake) -> str:
    return f"mastodon+http://{MASTODON_TOKEN}@127.0.0.1:{fake.port}"


def _x(fake) -> str:
    ck, cs, at, as_ = X_KEYS
    return f"x://{ck}:{cs}@{at}:{as_}?api={fake.base_url}"


def _share(store: Store, settings: Settings, article_id: int, channels: list[str], **options) -> int:
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, channels, **options)
    with store.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).all()
        work = [(r.channel, r.id) for r in rows]
    for channel, row_id in work:
        delivery.deliver_batch(store, settings, campaign_id, channel, row_id, row_id)
    return campaign_id


def _rows(store: Store, campaign_id: int) -> dict[str, OutboxRow]:
    with store.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.campaign_id == campaign_id)).all()
        return {r.channel: r for r in rows}


def test_bluesky_card_thumbnail_is_the_uploaded_cover_blob(monkeypatch, store, fake_bluesky):
    settings = _settings(monkeypatch, bluesky=_bluesky(fake_bluesky))
    cover = stored_cover(settings)
    campaign_id = _share(store, settings, article_with_cover(store, settings, cover.url), ["bluesky"])

    assert _rows(store, campaign_id)["bluesky"].state == "sent"
    [post] = fake_bluesky.posts
    thumb = post["record"]["embed"]["external"]["thumb"]
    blob = fake_bluesky.blobs[thumb["ref"]["$link"]]
    assert (thumb["mimeType"], thumb["size"]) == ("image/png", blob["size"])
    assert blob["size"] <= 1_000_000  # the widest store copy within the thumb's cap
    assert blob["data"] == open_store(settings).get(key_of(open_store(settings), cover.smallest_under(1_000_000).url))
    assert fake_bluesky.rejections == []


def test_mastodon_and_x_attach_the_cover_with_its_alt_text_when_asked(monkeypatch, store, fake_mastodon, fake_x):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon), x=_x(fake_x))
    article_id = article_with_cover(store, settings, stored_cover(settings).url)

    rows = _rows(store, _share(store, settings, article_id, ["mastodon", "x"], attach_image=True))

    assert {r.state for r in rows.values()} == {"sent"}
    [toot] = fake_mastodon.posts
    [attachment] = toot["media"]
    assert attachment["description"] == ALT and attachment["mime_type"] == "image/png"
    [tweet] = fake_x.posts
    [media] = tweet["media"]
    assert media["alt"] == ALT and media["type"] == "image/png"
    assert "media" not in rows["x"].payload and rows["x"].payload["extra"]["attach_image"] is True


def test_without_the_editors_choice_only_bluesky_shows_the_cover(
    monkeypatch, store, fake_mastodon, fake_x, fake_bluesky
):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon), x=_x(fake_x), bluesky=_bluesky(fake_bluesky))
    article_id = article_with_cover(store, settings, stored_cover(settings).url)

    _share(store, settings, article_id, ["mastodon", "x", "bluesky"])

    assert fake_mastodon.posts[0]["media"] == [] and fake_mastodon.media == {}
    assert fake_x.posts[0]["media"] == [] and fake_x.media == {}
    assert "thumb" in fake_bluesky.posts[0]["record"]["embed"]["external"]


def test_a_cover_gone_from_the_store_still_posts_without_it(monkeypatch, store, fake_mastodon, fake_bluesky, caplog):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon), bluesky=_bluesky(fake_bluesky))
    cover = stored_cover(settings)
    article_id = article_with_cover(store, settings, cover.url)
    shutil.rmtree(settings.media_dir / "img" / cover.id)

    rows = _rows(store, _share(store, settings, article_id, ["mastodon", "bluesky"], attach_image=True))

    assert {r.state for r in rows.values()} == {"sent"}
    assert fake_mastodon.posts[0]["media"] == []
    assert "thumb" not in fake_bluesky.posts[0]["record"]["embed"]["external"]
    assert "posting without the image" in caplog.text


def test_a_media_store_that_cannot_be_read_retries_the_row(monkeypatch, store, fake_mastodon):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon))
    cover = stored_cover(settings)
    article_id = article_with_cover(store, settings, cover.url)
    record = settings.media_dir / "img" / cover.id / "image.json"
    saved = record.read_bytes()
    record.unlink()
    record.mkdir()  # reading it now fails with an OSError that is not "not found": the store is unreadable

    campaign_id = _share(store, settings, article_id, ["mastodon"], attach_image=True)
    row = _rows(store, campaign_id)["mastodon"]
    assert (row.state, row.attempts) == ("queued", 1) and "cannot be loaded now" in row.error
    assert fake_mastodon.post_attempts == 0  # nothing went out without the picture the editor asked for

    record.rmdir()
    record.write_bytes(saved)
    with store.session() as session:
        session.get(OutboxRow, row.id).next_attempt_at = utcnow()
    delivery.deliver_batch(store, settings, campaign_id, "mastodon", row.id, row.id)
    assert _rows(store, campaign_id)["mastodon"].state == "sent"
    assert fake_mastodon.posts[0]["media"][0]["description"] == ALT


def test_a_remote_cover_that_answers_404_still_posts(monkeypatch, store, fake_x, fake_webhook):
    settings = _settings(monkeypatch, x=_x(fake_x))
    article_id = article_with_cover(store, settings, f"{fake_webhook.base_url}/missing.png")  # GET: 405, no image

    rows = _rows(store, _share(store, settings, article_id, ["x"], attach_image=True))

    assert rows["x"].state == "sent" and fake_x.posts[0]["media"] == []
