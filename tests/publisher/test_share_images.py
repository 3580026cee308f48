"""Images the editor picked, through delivery: each uploaded with its alt text, in order, to the networks
that take them (Mastodon's media_ids, X's media.media_ids, Bluesky's app.bsky.embed.images in place of the
card), refused before any row is written when they cannot go, left out with a warning when unfit later."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from publisher import campaigns, delivery
from publisher.channels import open_channel
from publisher.channels.base import Attachment, PermanentError, Post
from publisher.errors import ImageRefused
from publisher.media import find_image, open_store
from publisher.render.images import PickedImage
from publisher.render.share import PostShape
from publisher.store import Store
from publisher.store.models import OutboxRow
from tests.publisher.test_share_covers import _bluesky, _mastodon, _rows, _settings, _share, _x
from tests.support.covers import article_with_images, png, stored_images

ALTS = ["The crane lifts the first section", "Divers check the pier at low tide"]


def _two_picked(store: Store, settings) -> tuple[int, PostShape]:
    first, second = stored_images(settings, 2)
    article_id = article_with_images(store, settings, [(first.url, "first"), (second.url, "second")])
    shape = PostShape(images=(PickedImage(second.url, ALTS[1]), PickedImage(first.url, ALTS[0])))
    return article_id, shape


def test_mastodon_and_x_post_every_picked_image_with_its_alt_text_in_order(
    monkeypatch, store, fake_mastodon, fake_x
):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon), x=_x(fake_x))
    article_id, shape = _two_picked(store, settings)

    rows = _rows(store, _share(store, settings, article_id, ["mastodon", "x"], shape=shape))

    assert {r.state for r in rows.values()} == {"sent"}
    [toot] = fake_mastodon.posts
    assert [a["description"] for a in toot["media"]] == [ALTS[1], ALTS[0]]
    [tweet] = fake_x.posts
    assert [m["alt"] for m in tweet["media"]] == [ALTS[1], ALTS[0]]
    assert rows["x"].payload["extra"]["images"][0]["alt"] == ALTS[1] and "media" not in rows["x"].payload


def test_bluesky_posts_the_picked_images_as_an_images_embed_instead_of_the_card(monkeypatch, store, fake_bluesky):
    settings = _settings(monkeypatch, bluesky=_bluesky(fake_bluesky))
    article_id, shape = _two_picked(store, settings)

    rows = _rows(store, _share(store, settings, article_id, ["bluesky"], shape=shape))

    assert rows["bluesky"].state == "sent" and fake_bluesky.rejections == []
    [post] = fake_bluesky.posts
    embed = post["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in embed["images"]] == [ALTS[1], ALTS[0]]
    ratio = embed["images"][0]["aspectRatio"]
    assert (ratio["width"], ratio["height"]) == (440, 300)  # the second stored image, 440 x 300 px
    assert all(i["image"]["ref"]["$link"] in fake_bluesky.blobs for i in embed["images"])
    assert any(f["features"][0].get("uri") for f in post["record"]["facets"])  # the link stays a facet


def test_too_many_images_for_one_network_are_refused_before_any_row_is_written(monkeypatch, store, fake_mastodon):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon))
    images = stored_images(settings, 5)
    article_id = article_with_images(store, settings, [(i.url, f"picture {n}") for n, i in enumerate(images)])
    shape = PostShape(images=tuple(PickedImage(i.url) for i in images))

    with pytest.raises(ImageRefused, match="mastodon takes at most 4 images in a post, and 5 are picked"):
        campaigns.create_share_campaign(store, settings, article_id, ["mastodon"], shape=shape)
    with pytest.raises(ImageRefused, match="is not an image of this article"):
        foreign = PostShape(images=(PickedImage("https://elsewhere.example/x.png", "x"),))
        campaigns.create_share_campaign(store, settings, article_id, ["mastodon"], shape=foreign)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0


def test_a_picked_image_gone_from_the_store_at_delivery_is_left_out_with_a_warning(
    monkeypatch, store, fake_mastodon, caplog
):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon))
    article_id, shape = _two_picked(store, settings)
    campaign_id = campaigns.create_share_campaign(store, settings, article_id, ["mastodon"], shape=shape)
    found = find_image(open_store(settings), shape.images[0].url)
    assert found is not None
    shutil.rmtree(settings.media_dir / "img" / found.id)

    [row_id] = [r.id for r in _rows(store, campaign_id).values()]
    delivery.deliver_batch(store, settings, campaign_id, "mastodon", row_id, row_id)

    assert _rows(store, campaign_id)["mastodon"].state == "sent"
    assert [a["description"] for a in fake_mastodon.posts[0]["media"]] == [ALTS[0]]
    assert "posting without the image" in caplog.text


@pytest.mark.parametrize("network", ["mastodon", "x"])
def test_the_fakes_refuse_a_fifth_image_as_the_networks_do(monkeypatch, fake_mastodon, fake_x, network):
    settings = _settings(monkeypatch, mastodon=_mastodon(fake_mastodon), x=_x(fake_x))
    five = tuple(Attachment(png(40 + n, 30), "image/png", alt=f"picture {n}") for n in range(5))
    post = Post(text="Five pictures", url="https://news.example.org/a", title="A", summary="", idempotency_key="k5")
    channel = open_channel(network, settings)
    try:
        with pytest.raises(PermanentError):
            channel.send(replace(post, media=five))
    finally:
        channel.close()
    fake = fake_mastodon if network == "mastodon" else fake_x
    assert fake.posts == [] and len(fake.media) == 5
