"""The images an editor picks for a share post: only the article's own, each with alt text, no more than a
network's post holds, and (when they are in the media store) files the network takes."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from publisher import library
from publisher.channels.base import Post
from publisher.channels.registry import network_for
from publisher.config import Settings
from publisher.errors import ImageRefused
from publisher.render import images as picking
from publisher.render.images import PickedImage, article_images, check_images, pick_images, with_images
from publisher.store import Store
from tests.support.covers import article_with_images, stored_images

CRANE = ("https://img.example.org/crane.png", "A crane at dusk")
QUAY = ("https://img.example.org/quay.jpg", "The quay at dawn")


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    accounts = {
        "mastodon": "mastodon://tok@social.example",
        "x": "x://ck:cs@at:as",
        "bluesky": "bluesky://me.example:pw@",
        "linkedin": "linkedin://tok@api.linkedin.com?author=urn:li:person:abc",
    }
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps(accounts))
    return Settings()


def _article(store: Store, settings: Settings, *images: tuple[str, str]):
    return library.get_article(store, article_with_images(store, settings, list(images)))


def test_the_article_s_images_are_listed_cover_first_each_url_once(store: Store, settings: Settings):
    article = _article(store, settings, CRANE, QUAY, CRANE)

    assert article_images(article) == [{"url": CRANE[0], "alt": CRANE[1]}, {"url": QUAY[0], "alt": QUAY[1]}]


def test_picks_keep_their_order_and_alt_text_and_default_to_the_article_s_alt(store: Store, settings: Settings):
    article = _article(store, settings, CRANE, QUAY)

    picked = pick_images(article, [PickedImage(QUAY[0], "  Boats   at the quay "), PickedImage(CRANE[0])])

    assert picked == [{"url": QUAY[0], "alt": "Boats at the quay"}, {"url": CRANE[0], "alt": CRANE[1]}]


def test_a_url_that_is_not_the_article_s_image_is_refused(store: Store, settings: Settings):
    article = _article(store, settings, CRANE)

    with pytest.raises(ImageRefused, match=r"https://evil.example/x.png is not an image of this article"):
        pick_images(article, [PickedImage("https://evil.example/x.png", "a picture")])


def test_an_image_without_alt_text_is_refused(store: Store, settings: Settings):
    article = _article(store, settings, CRANE, (QUAY[0], ""))

    with pytest.raises(ImageRefused, match=r"the image https://img.example.org/crane.png needs alt text"):
        pick_images(article, [PickedImage(CRANE[0], "   ")])
    with pytest.raises(ImageRefused, match="quay.jpg needs alt text"):  # its own alt is empty too
        pick_images(article, [PickedImage(QUAY[0])])


@pytest.mark.parametrize("network", ["mastodon", "x", "bluesky"])
def test_more_images_than_a_network_s_post_holds_are_refused_naming_it_and_its_limit(settings: Settings, network):
    five = [{"url": f"https://img.example.org/{n}.png", "alt": "a picture"} for n in range(5)]

    check_images(settings, five[:4], [network])  # four go
    with pytest.raises(ImageRefused, match=rf"^{network} takes at most 4 images in a post, and 5 are picked"):
        check_images(settings, five, ["linkedin", network])


def test_a_network_without_images_takes_the_post_without_them(settings: Settings):
    five = [{"url": f"https://img.example.org/{n}.png", "alt": "a picture"} for n in range(5)]
    post = Post(text="t", url="u", title="t", summary="s", idempotency_key="k")

    check_images(settings, five, ["linkedin"])  # no refusal: LinkedIn posts carry no images
    assert "images" not in with_images(post, "linkedin", five[:1]).extra
    assert with_images(post, "mastodon", five[:1]).extra["images"] == five[:1]


def test_a_stored_image_over_a_network_s_size_or_of_a_type_it_refuses_is_refused_before_posting(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    [image] = stored_images(settings, 1)
    picked = [{"url": image.url, "alt": "a picture"}]
    bluesky = network_for("bluesky")
    assert bluesky.media is not None
    check_images(settings, picked, ["bluesky"])  # the store's copies are within its 1,000,000 bytes

    small = replace(bluesky, media=replace(bluesky.media, max_bytes=100))
    monkeypatch.setattr(picking, "network_for", lambda channel: small)
    with pytest.raises(ImageRefused, match=rf"^bluesky cannot take the image {image.url}: its smallest copy is"):
        check_images(settings, picked, ["bluesky"])

    jpeg_only = replace(bluesky, media=replace(bluesky.media, types=frozenset({"image/jpeg"})))
    monkeypatch.setattr(picking, "network_for", lambda channel: jpeg_only)
    with pytest.raises(ImageRefused, match="it is image/png, which it does not take"):
        check_images(settings, picked, ["bluesky"])
