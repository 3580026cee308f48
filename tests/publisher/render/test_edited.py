"""An edited share post: counted exactly as the network counts it (the Share page's counter and the refusal
share one count), refused over the limit naming the network, and finished like a composed post."""

from __future__ import annotations

import pytest

from publisher import importers, textrules
from publisher.channels.base import TextLimits
from publisher.errors import PublisherError, TextTooLong
from publisher.render.edited import MAX_EDIT, clean_text, count_text, edited_post
from publisher.render.share import compose_post

LONG_URL = "https://news.example.org/articles/" + "a-very-long-slug-" * 6
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster, 18 UTF-8 bytes
X = TextLimits(280, 23)
MASTODON = TextLimits(500, 23)
INSTANCE = TextLimits(1000, 30)  # an instance with its own max_characters and characters_reserved_per_url
BLUESKY = TextLimits(300, max_bytes=3000)


@pytest.mark.parametrize(
    ("channel", "text", "limits", "length", "limit"),
    [
        ("x:work", f"Read this {LONG_URL}", X, 10 + 23, 280),  # twitter-text: a URL weighs 23
        ("x:work", "日本語のニュース", X, 16, 280),  # CJK weighs 2 on X
        ("x:work", FAMILY, X, 2, 280),  # an emoji sequence weighs 2
        ("mastodon:social", f"{FAMILY} {LONG_URL}", MASTODON, 1 + 1 + 23, 500),  # graphemes, a URL as 23
        ("mastodon:big", f"{FAMILY} {LONG_URL}", INSTANCE, 1 + 1 + 30, 1000),  # the instance's own
        ("mastodon:social", "e\u0301" * 3, MASTODON, 3, 500),  # a combining accent is part of its letter
        ("bluesky", f"{FAMILY} {LONG_URL}", BLUESKY, 1 + 1 + len(LONG_URL), 300),  # a link counts in full
        ("bluesky", "日本語", BLUESKY, 3, 300),
        ("webhook:slack", "any length " * 100, TextLimits(), len("any length " * 100), None),
    ],
)
def test_an_edit_is_counted_as_its_network_counts_it(channel, text, limits, length, limit):
    counted = count_text(channel, text, limits)

    assert (counted.length, counted.limit) == (length, limit)
    assert counted.size == len(text.encode("utf-8"))
    assert not counted.over and counted.problem is None
    if limit is not None and channel.split(":")[0] != "webhook":
        assert counted.length == textrules.length(text, channel.split(":")[0], url_length=limits.url_length)


@pytest.mark.parametrize(
    ("channel", "text", "limits", "problem"),
    [
        ("x:work", "a" * 281, X, "1 character over x's limit of 280"),
        ("x:work", "日" * 141, X, "2 characters over x's limit of 280"),
        ("mastodon:social", "b" * 512, MASTODON, "12 characters over mastodon's limit of 500"),
        ("mastodon:big", "b" * 1001, INSTANCE, "1 character over mastodon's limit of 1000"),
        ("bluesky", "c" * 301, BLUESKY, "1 character over bluesky's limit of 300"),
        # 200 clusters fit the 300-grapheme limit, but not the 3,000 bytes.
        ("bluesky", FAMILY * 200, BLUESKY, "600 bytes over bluesky's limit of 3,000 UTF-8 bytes"),
    ],
)
def test_an_edit_over_the_limit_says_by_how_much_naming_the_network(channel, text, limits, problem):
    counted = count_text(channel, text, limits)

    assert counted.over
    assert counted.problem == problem
    assert counted.to_dict()["over"] is True and counted.to_dict()["problem"] == problem


def test_the_label_names_the_count_the_limit_and_bluesky_s_bytes():
    assert count_text("x:work", "hello", X).label == "5 / 280 characters, as x counts them"
    assert (
        count_text("bluesky", "héllo", BLUESKY).label == "5 / 300 characters, as bluesky counts them; 6 / 3,000 bytes"
    )
    assert count_text("webhook:slack", "hello", TextLimits()).label == "5 characters (no limit)"


def test_browser_line_ends_and_blank_edges_are_cleaned_and_control_characters_refused():
    assert clean_text("  One\r\nTwo\rThree\n\n") == "One\nTwo\nThree"
    with pytest.raises(PublisherError, match=r"control character U\+0007"):
        clean_text("a\x07b")
    with pytest.raises(PublisherError, match="at most 20,000"):
        clean_text("a" * (MAX_EDIT + 1))


def test_an_edited_bluesky_post_gets_facets_for_its_own_links_and_hashtags(settings, seed_path):
    article = importers.load(seed_path)
    composed = compose_post(article, "bluesky", BLUESKY, settings)
    text = f"Zürich 日本 {FAMILY}: read it #World #Politik\n{composed.url}\nAnd the source: https://example.com/ü?q=1."

    post = edited_post(article, "bluesky", BLUESKY, settings, text)

    encoded = post.text.encode("utf-8")
    link, source = post.extra["facets"]  # the article's link and the one the editor wrote, in text order
    assert encoded[link["byteStart"] : link["byteEnd"]].decode() == composed.url == link["uri"]
    assert encoded[source["byteStart"] : source["byteEnd"]].decode() == "https://example.com/ü?q=1" == source["uri"]
    assert [(encoded[t["byteStart"] : t["byteEnd"]].decode(), t["tag"]) for t in post.extra["tags"]] == [
        ("#World", "World"),
        ("#Politik", "Politik"),
    ]
    assert (
        post.text == text and post.extra["edited"] is True and post.extra["length"] == textrules.length(text, "bluesky")
    )
    assert post.extra["embed"]["uri"] == composed.url  # the card still links the article
    assert post.idempotency_key != composed.idempotency_key  # a different post to the network


def test_an_unchanged_edit_is_the_composed_post(settings, seed_path):
    article = importers.load(seed_path)
    composed = compose_post(article, "mastodon:social", MASTODON, settings)

    assert edited_post(article, "mastodon:social", MASTODON, settings, composed.text.replace("\n", "\r\n")) == composed


def test_an_edit_over_the_limit_or_empty_is_refused_naming_the_channel_and_network(settings, seed_path):
    article = importers.load(seed_path)
    with pytest.raises(
        TextTooLong, match="cannot share to mastodon:social: .* 12 characters over mastodon's limit of 500"
    ):
        edited_post(article, "mastodon:social", MASTODON, settings, "b" * 512)
    with pytest.raises(TextTooLong, match="over bluesky's limit of 3,000 UTF-8 bytes"):
        edited_post(article, "bluesky", BLUESKY, settings, FAMILY * 200)
    with pytest.raises(PublisherError, match="the post for x:work is empty"):
        edited_post(article, "x:work", X, settings, " \r\n ")
