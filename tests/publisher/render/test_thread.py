"""Splitting a post into a thread (publisher.render.thread): where it cuts, and that every part fits."""

from __future__ import annotations

import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from publisher import textrules
from publisher.channels.networks.bluesky import NETWORK as BLUESKY
from publisher.channels.networks.mastodon import NETWORK as MASTODON
from publisher.channels.networks.x import NETWORK as X
from publisher.errors import TextTooLong
from publisher.render.thread import MAX_PARTS, fits_for, is_split, split_thread

URL = "https://news.example.org/articles/harbour-bridge-reopens"
NUMBER = regex.compile(r" \d+/\d+$")


def at_most(n: int):
    """A plain count: each grapheme is one, at most n (the rules read easily at this scale)."""
    return lambda text: textrules.graphemes(text) <= n


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("Short enough.", 20, ["Short enough."]),
        ("One sentence here. Another one there.", 20, ["One sentence here.", "Another one there."]),
        ("Is it? Yes! It is… Done.", 12, ["Is it? Yes!", "It is… Done."]),
        ("First paragraph.\n\nSecond one.", 20, ["First paragraph.", "Second one."]),
        ("He said (“quite so.”) Then left.", 22, ["He said (“quite so.”)", "Then left."]),
        ("a b c d e f g h", 5, ["a b c", "d e f", "g h"]),
        ("工程在五月结束。交通周五恢复。", 8, ["工程在五月结束。", "交通周五恢复。"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("one\n---\ntwo", 100, ["one", "two"]),
        ("one\n  ---  \n\n---\ntwo", 100, ["one", "two"]),
        ("a---b stays", 100, ["a---b stays"]),
    ],
    ids=[
        "fits-whole",
        "at-sentences",
        "question-exclamation-ellipsis",
        "at-paragraphs",
        "closing-quote-stays",
        "at-words",
        "cjk-full-stops",
        "long-word-between-graphemes",
        "explicit-marker",
        "empty-pieces-dropped",
        "marker-only-on-its-own-line",
    ],
)
def test_split_rules(text, limit, parts):
    assert split_thread(text, at_most(limit)) == parts


def test_sentences_are_packed_together_while_they_fit():
    text = "A b. C d. E f. G h."
    assert split_thread(text, at_most(10)) == ["A b. C d.", "E f. G h."]


def test_a_marker_splits_even_a_text_that_would_fit():
    assert split_thread("Hook.\n---\nDetail.", at_most(280)) == ["Hook.", "Detail."]
    assert is_split("Hook.\n---\nDetail.") and not is_split("Hook. --- Detail.")


def test_numbered_parts_end_with_k_of_n_and_still_fit():
    parts = split_thread("a b c d e f g h i j", at_most(9), numbered=True)
    assert [NUMBER.search(p).group() for p in parts] == [f" {k}/{len(parts)}" for k in range(1, len(parts) + 1)]
    assert all(textrules.graphemes(p) <= 9 for p in parts)


def test_a_single_part_is_not_numbered():
    assert split_thread("Short.", at_most(100), numbered=True) == ["Short."]


def test_ten_parts_or_more_reserve_room_for_the_wider_label():
    # Unnumbered, five "ab" fit in 14: 8 parts; " 8/8" leaves room for three, so 14 parts, whose " 14/14"
    # still leaves room for three.
    parts = split_thread(" ".join(["ab"] * 40), at_most(14), numbered=True)
    assert len(parts) == 14 and parts[0] == "ab ab ab 1/14" and parts[-1].endswith(" 14/14")
    assert all(textrules.graphemes(p) <= 14 for p in parts)


def test_a_link_is_never_cut():
    with pytest.raises(TextTooLong, match="link is too long"):
        split_thread(f"See {URL}", at_most(20))


def test_a_thread_of_more_than_the_most_parts_is_refused():
    with pytest.raises(TextTooLong, match=f"more than {MAX_PARTS} parts"):
        split_thread(" ".join(["word"] * 200), at_most(5))


def test_nothing_to_post_is_refused():
    with pytest.raises(TextTooLong, match="no text"):
        split_thread("\n---\n  \n", at_most(5))


def test_on_x_a_link_counts_23_whatever_its_length():
    text = ("Sentence number one is here. " * 12) + URL
    parts = split_thread(text, fits_for("x", X.limits))
    assert all(textrules.length(p, "x") <= 280 for p in parts) and parts[-1].endswith(URL)


def test_on_bluesky_the_byte_limit_counts_too():
    # 300 graphemes of 4-byte emoji are 1,200 bytes: within both limits; 290 of a 13-byte family is not.
    family = "👨‍👩‍👧‍👦"
    parts = split_thread(" ".join([family] * 290), fits_for("bluesky", BLUESKY.limits))
    assert len(parts) > 1
    assert all(len(p.encode()) <= 3000 and textrules.graphemes(p) <= 300 for p in parts)


# Text made of what breaks naive splitting: ZWJ sequences, flags, skin tones, keycaps, combining marks
# (also after a space), CJK and Arabic, sentence ends, blank lines and markers.
PIECES = [
    "word", "Zürich", "e\u0301", "👨‍👩‍👧", "🇩🇪", "👷🏽‍♀️", "1️⃣", "工程在五月结束。", "مرحبا", "한국어",
    ".", "!", "?", "…", " ", " ", "\n", "\n\n", "\n---\n", " \u0301", "#Harbour", URL,
]  # fmt: skip


def _no_broken_cluster(original: str, parts: list[str]) -> bool:
    clusters = set(regex.findall(r"\X", original))
    return all(c in clusters for part in parts for c in regex.findall(r"\X", part))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=120),
    st.sampled_from(["x", "mastodon", "bluesky"]),
    st.booleans(),
)
def test_every_part_fits_keeps_the_words_and_no_cluster_is_broken(pieces, network, numbered):
    text = "".join(pieces)
    limits = {"x": X.limits, "mastodon": MASTODON.limits, "bluesky": BLUESKY.limits}[network]
    # Small limits make many parts: the same rules at a scale hypothesis explores quickly.
    small = type(limits)(max_length=40, url_length=limits.url_length, max_bytes=limits.max_bytes and 160)
    fits = fits_for(network, small)
    try:
        parts = split_thread(text, fits, numbered=numbered)
    except TextTooLong as exc:  # only for nothing to post, a link longer than a part, or too many parts
        assert any(why in str(exc) for why in ("no text", "link is too long", f"more than {MAX_PARTS}"))
        return
    assert parts and all(fits(p) for p in parts)
    body = [NUMBER.sub("", p) for p in parts] if numbered and len(parts) > 1 else parts
    marker_free = text.replace("\n---\n", "\n")
    assert "".join("".join(body).split()) == "".join(marker_free.split())  # every character, in order
    assert _no_broken_cluster(text + " 0123456789/", parts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["word", "Zürich", "👨‍👩‍👧", "工程", ".", " ", "\n\n"]), min_size=1, max_size=80))
def test_when_every_word_fits_a_part_the_words_are_kept_whole(pieces):
    text = "".join(pieces)
    assume(text.split() and all(textrules.graphemes(w) <= 30 for w in text.split()))
    parts = split_thread(text, at_most(30))
    assert " ".join(parts).split() == text.split()


def test_a_huge_text_is_refused_at_once():
    with pytest.raises(TextTooLong, match="too long for a thread"):
        split_thread("word " * 1_000_000, fits_for("x", X.limits))
