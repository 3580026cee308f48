"""What the Bluesky composer finishes for the channel: link, tag and mention slices in UTF-8 bytes, langs.

Where a tag or a mention is found follows the Bluesky app's rich-text detection: only at the start of the
text or after white space, so a URL's #fragment and an e-mail address are neither.
"""

from __future__ import annotations

import pytest

from publisher.channels.network import Draft
from publisher.channels.networks.bluesky import compose, mentions, tag_facets

URL = "https://news.example.org/articles/a#section"


def covered(text: str, found: dict) -> str:
    return text.encode()[found["byteStart"] : found["byteEnd"]].decode()


def test_tag_slices_are_utf8_byte_offsets_covering_the_hash():
    text = "Zürich 👨‍👩‍👧 日本 #Hafen und #港口!"
    facets = tag_facets(text)
    assert [(covered(text, f), f["tag"]) for f in facets] == [("#Hafen", "Hafen"), ("#港口", "港口")]


@pytest.mark.parametrize(
    "text",
    [
        f"read {URL}",  # a URL's fragment
        "issue #123",  # digits only
        "a#b",  # inside a word
        "keycap #\ufe0f\u20e3",  # the keycap emoji
        "#" + "x" * 65,  # over the 64 graphemes a tag may hold
        "# alone",
    ],
)
def test_what_is_not_a_tag(text: str):
    assert tag_facets(text) == []


def test_a_tag_keeps_a_fullwidth_hash_and_drops_trailing_punctuation():
    text = "Neu: ＃東京, und #Hafen..."
    assert [(covered(text, f), f["tag"]) for f in tag_facets(text)] == [("＃東京", "東京"), ("#Hafen", "Hafen")]


def test_mentions_are_handles_after_space_or_parenthesis_with_their_byte_slices():
    text = "Grüße an @Ada.Example.org (@bob.test). Mail ada@example.org, or @nodot, or @1.2.3.4"
    found = mentions(text)
    assert [(covered(text, m), m["handle"]) for m in found] == [
        ("@Ada.Example.org", "ada.example.org"),
        ("@bob.test", "bob.test"),
    ]


def test_compose_gives_link_tag_and_mention_candidates_and_the_articles_language():
    text = f"Title #Hafen with @bob.test\n\n{URL}"
    extra = compose(Draft(text, URL, "Title", "Summary", html=str, lang="pt-BR"))
    assert [covered(text, f) for f in extra["facets"]] == [URL]
    assert [covered(text, f) for f in extra["tags"]] == ["#Hafen"]
    assert [m["handle"] for m in extra["mentions"]] == ["bob.test"]
    assert extra["langs"] == ["pt-BR"]
    assert extra["embed"] == {"uri": URL, "title": "Title", "description": "Summary"}


@pytest.mark.parametrize("lang", [None, "und"])
def test_an_undetermined_language_gives_no_langs(lang: str | None):
    assert "langs" not in compose(Draft("t", URL, "t", "s", html=str, lang=lang))
