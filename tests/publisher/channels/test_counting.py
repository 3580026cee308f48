"""URLs in a post are found the way twitter-text finds them in the whole text, run by run between whitespace
(publisher.channels.counting.url_spans), so a long run of emoji no longer costs seconds per count."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.channels.counting import _twitter_text, url_spans

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def whole_text_spans(text: str) -> list[tuple[int, int]]:
    """What twitter-text finds when given the whole text at once (what url_spans did before)."""
    entities = _twitter_text()[2](text, extract_urls_without_protocol=False)
    return [(int(e["indices"][0]), int(e["indices"][1])) for e in entities]


@pytest.mark.parametrize(
    "text",
    [
        "see https://a.com/x, (https://b.org/y) and http://c.net\u00a0end https://d.io",
        "x https://a.com/p?q=1#f.",
        "nohttps://a.com",
        "https://a.com/\U0001f600x y",
        "\u3000https://jp.co.jp/\u65e5\u672c\u3000x",
        "a\u200bhttps://z.com",
        "https://t.co/abc\nhttps://u.com",
        f"{FAMILY * 40} https://a.com/{FAMILY} {FAMILY * 40}",
        "no link at all",
    ],
)
def test_the_urls_are_the_ones_twitter_text_finds_in_the_whole_text(text: str):
    assert url_spans(text) == whole_text_spans(text)


PIECES = st.sampled_from(
    ["https://a.com/x", "http://b.org", "(https://c.net/y)", "word", FAMILY, "\u00e9", " ", "\n", "\u00a0", ".", "://"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_any_mix_of_links_words_emoji_and_spaces_gives_the_whole_texts_urls(text: str):
    assert url_spans(text) == whole_text_spans(text)


def test_a_long_run_of_emoji_families_has_no_url_and_the_link_after_it_is_found():
    text = f"{FAMILY * 600}\n\nhttps://example.org/a"

    assert url_spans(text) == [(len(FAMILY * 600) + 2, len(text))]
