"""Both of Bluesky's limits (300 graphemes and 3,000 UTF-8 bytes), and a URL length an account sets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import textrules
from publisher.channels.counting import grapheme_list

URL = "https://news.example.org/articles/a"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one cluster, 25 bytes


def test_a_bluesky_post_under_300_graphemes_but_over_3000_bytes_is_shortened_to_fit_both():
    summary = " ".join([FAMILY * 5] * 40)  # 239 clusters, 5,039 bytes

    fitted = textrules.fit("bluesky", "Title", summary, URL)

    assert fitted.shortened and len(fitted.text.encode("utf-8")) <= 3000
    assert fitted.length == textrules.length(fitted.text, "bluesky") <= 300
    body = fitted.text.split("\n\n")[1]
    assert body.endswith("…") and set(grapheme_list(body[:-1])) <= {FAMILY, " "}


def test_a_post_within_both_limits_is_left_alone():
    summary = " ".join([FAMILY * 5] * 15)  # 1,889 bytes
    fitted = textrules.fit("bluesky", "Title", summary, URL)
    assert not fitted.shortened and summary in fitted.text


def test_a_link_over_3000_bytes_is_refused_naming_the_bytes():
    url = "https://news.example.org/" + "é" * 1600
    with pytest.raises(textrules.TextTooLong, match="bytes"):
        textrules.fit("bluesky", "Title", "Summary", url)


def test_the_byte_limit_is_blueskys_only():
    summary = " ".join([FAMILY * 5] * 40)
    fitted = textrules.fit("mastodon", "Title", summary, URL, limit=10_000)
    assert not fitted.shortened


def test_an_accounts_url_length_counts_each_url_as_that_many():
    text = f"Two links: {URL} and https://example.org/b"
    assert textrules.length(text, "mastodon", url_length=30) == textrules.length(text, "mastodon") + 2 * 7
    assert textrules.length(text, "mastodon", url_length=23) == textrules.length(text, "mastodon")


def test_fit_keeps_the_post_within_the_limit_with_the_accounts_url_length():
    fitted = textrules.fit("mastodon", "Title", "word " * 200, URL, limit=100, url_length=60)
    assert fitted.length <= 100
    assert textrules.length(fitted.text, "mastodon", url_length=60) == fitted.length


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from([FAMILY, "\U0001f3f3\ufe0f\u200d\U0001f308", "日本語", "مرحبا", "word", "q\u0303\u0301"]),
        min_size=1,
        max_size=400,
    )
)
def test_every_bluesky_post_fits_both_limits(words: list[str]):
    fitted = textrules.fit("bluesky", "Title", " ".join(words), URL, hashtags=["Hafen", "港口"])
    assert fitted.length <= 300 and len(fitted.text.encode("utf-8")) <= 3000
