"""Share posts per network: fitted by textrules, with UTM, hashtags, Bluesky facets and webhook html."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from publisher import importers, textrules
from publisher.channels.base import TextLimits
from publisher.config import Settings
from publisher.errors import PublisherError, TextTooLong
from publisher.render.share import compose_post


def test_each_network_gets_a_post_within_its_limit_with_the_whole_link(settings, seed_path):
    article = importers.load(seed_path)
    article = replace(article, summary=article.summary + " " + "more words " * 100)
    for channel, limits in [
        ("x:work", TextLimits(280, 23)),
        ("mastodon", TextLimits(500, 23)),
        ("bluesky", TextLimits(300)),
    ]:
        post = compose_post(article, channel, limits, settings)
        network = channel.split(":")[0]
        assert textrules.length(post.text, network) <= limits.max_length
        assert post.url in post.text and post.text.split("\n\n")[1].endswith("…")
        assert post.extra["length"] == textrules.length(post.text, network)


def test_bluesky_posts_carry_byte_offset_facets_and_a_card(settings, seed_path):
    article = replace(importers.load(seed_path), title="Zürich — 日本 👨‍👩‍👧")
    post = compose_post(article, "bluesky", TextLimits(300), settings)
    [facet] = post.extra["facets"]
    encoded = post.text.encode()
    assert encoded[facet["byteStart"] : facet["byteEnd"]].decode() == post.url
    assert facet["byteStart"] != post.text.index(post.url)  # bytes, not characters
    assert post.extra["embed"] == {"uri": post.url, "title": article.title, "description": article.summary}


def test_utm_parameters_and_hashtags_come_from_settings(monkeypatch, seed_path):
    monkeypatch.setenv("PUBLISHER_SHARE_UTM", "true")
    monkeypatch.setenv("PUBLISHER_SHARE_HASHTAGS", "news, world politics")
    article = importers.load(seed_path)
    post = compose_post(article, "mastodon:fosstodon", TextLimits(500, 23), Settings())
    query = parse_qs(urlsplit(post.url).query)
    assert query == {"utm_source": ["mastodon"], "utm_medium": ["social"], "utm_campaign": [article.slug]}
    assert post.text.endswith(f"{post.url}\n\n#news #worldpolitics")


def test_webhook_posts_carry_the_article_html_and_no_limit(settings, seed_path):
    article = importers.load(seed_path)
    post = compose_post(article, "webhook:slack", TextLimits(), settings)
    assert post.extra["html"].startswith("<h1>U.S. Rejects") and "<p>" in post.extra["html"]
    assert article.summary in post.text  # never shortened


def test_a_link_too_long_for_the_network_is_a_publisher_error_naming_the_channel(settings, seed_path):
    article = replace(importers.load(seed_path), slug="a" * 400)
    with pytest.raises(TextTooLong, match="cannot share to bluesky: the link alone is too long for bluesky") as caught:
        compose_post(article, "bluesky", TextLimits(300), settings)
    assert isinstance(caught.value, PublisherError)


def test_an_article_with_a_cover_names_it_and_the_editors_choice_in_the_post(settings):
    article = importers.parse(b"# Title\n\nText here.\n\n![A crane](https://img.example.org/c.png)\n", "a.md")
    post = compose_post(article, "mastodon", TextLimits(500, 23), settings, attach_image=True)
    assert post.extra["image"] == {"url": "https://img.example.org/c.png", "alt": "A crane"}
    assert post.extra["attach_image"] is True
    assert compose_post(article, "x", TextLimits(280, 23), settings).extra["attach_image"] is False
    assert "media" not in post.payload()  # stored as JSON: no bytes


def test_an_article_without_an_image_has_no_cover(settings, seed_path):
    post = compose_post(importers.load(seed_path), "bluesky", TextLimits(300), settings, attach_image=True)
    assert "image" not in post.extra and "attach_image" not in post.extra
