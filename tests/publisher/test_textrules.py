"""The text rules: each network's counting, and fitting a post without ever cutting its link."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher import textrules
from publisher.errors import TextTooLong
from publisher.textrules import ELLIPSIS, fit, length

URL = "https://news.example.org/articles/us-rejects-netanyahu-request?utm_source=x&utm_medium=social"


@pytest.mark.parametrize(
    ("text", "network", "expected"),
    [
        ("hello", "x", 5),
        (URL, "x", 23),  # any URL counts 23
        ("日本語", "x", 6),  # CJK is outside the light ranges: 2 each
        ("👨‍👩‍👧", "x", 2),  # an emoji ZWJ sequence counts 2
        ("e\u0301", "x", 1),  # NFC-normalized first: one é
        ("\u2014", "x", 1),  # the em dash is in a light range
        ("hello", "mastodon", 5),
        (f"see {URL}", "mastodon", 4 + 23),
        ("example.com", "mastodon", 11),  # Mastodon only shortens URLs with a scheme
        ("👨‍👩‍👧 日本語", "mastodon", 5),  # grapheme clusters
        (f"see {URL}", "bluesky", 4 + len(URL)),  # Bluesky counts the link as written
        ("👨‍👩‍👧e\u0301", "bluesky", 2),
    ],
)
def test_length_counts_the_way_each_network_does(text, network, expected):
    assert length(text, network) == expected


def test_length_refuses_an_unknown_network():
    with pytest.raises(ValueError, match="unknown network 'myspace'"):
        length("hi", "myspace")


def test_a_post_that_fits_is_left_alone():
    fitted = fit("x", "Title", "A short summary.", URL, hashtags=["news"])
    assert fitted.text == f"Title\n\nA short summary.\n\n{URL}\n\n#news"
    assert not fitted.shortened
    assert fitted.length == length(fitted.text, "x")


def test_the_summary_is_cut_at_a_word_boundary_with_an_ellipsis():
    summary = " ".join(f"word{i}" for i in range(200))
    fitted = fit("x", "Title", summary, URL)
    assert fitted.shortened and fitted.length <= 280
    body = fitted.text.split("\n\n")[1]
    assert body.endswith(ELLIPSIS)
    assert summary.startswith(body[:-1]) and summary[len(body) - 1] == " "  # whole words only
    # As long as it can be: one more word would not fit.
    longer = " ".join(summary.split()[: len(body[:-1].split()) + 1]) + ELLIPSIS
    assert length(f"Title\n\n{longer}\n\n{URL}", "x") > 280


def test_a_huge_title_is_shortened_and_the_link_kept():
    fitted = fit("bluesky", "Title " * 200, "summary", URL)
    assert fitted.text.endswith(URL) and fitted.length <= 300


def test_a_link_longer_than_the_limit_is_refused():
    with pytest.raises(TextTooLong, match="the link alone is too long for bluesky"):
        fit("bluesky", "t", "s", "https://example.org/" + "a" * 400)


def test_an_instance_limit_overrides_the_default():
    fitted = fit("mastodon", "Title", "word " * 200, URL, limit=100)
    assert fitted.length <= 100 and fitted.limit == 100


def test_no_network_means_no_limit():
    fitted = fit(None, "Title", "word " * 200, URL)
    assert not fitted.shortened and fitted.limit is None


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=1200)
words = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Z", "Cc")), min_size=1, max_size=30), max_size=150)
paths = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_/"), max_size=120)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    network=st.sampled_from(textrules.NETWORKS),
    title=text,
    summary=st.one_of(text, words.map(" ".join)),
    path=paths,
    tags=st.lists(st.text(min_size=1, max_size=20), max_size=5),
)
def test_any_fitted_post_is_within_the_limit_and_keeps_the_full_url(network, title, summary, path, tags):
    url = f"https://news.example.org/{path}"
    fitted = fit(network, title, summary, url, hashtags=tags)
    assert fitted.length == length(fitted.text, network) <= textrules.LIMITS[network]
    assert url in fitted.text.split("\n\n")  # whole, on its own line
