"""summarize() counts and cuts in grapheme clusters: a long first sentence is cut between clusters only,
never inside an emoji ZWJ sequence, a flag, a skin-tone modifier, or after a base letter before its mark."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.articles.text import summarize

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
FLAG = "\U0001f1ef\U0001f1f5"
SKIN_TONE = "\U0001f44b\U0001f3fd"
COMBINING = "q\u0303\u0301"
DECOMPOSED = "e\u0301"
PIECES = [FAMILY, RAINBOW_FLAG, FLAG, SKIN_TONE, COMBINING, DECOMPOSED, "日本語", "مرحبا", "word", " ", " ", ","]
_SENTENCE_PUNCTUATION = ".!?…"


def clusters(text: str) -> list[str]:
    return regex.findall(r"\X", text)


# Paragraphs of one sentence (no sentence punctuation), so a long one takes the cutting path.
paragraphs = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(st.characters(exclude_categories=("Cs", "Zl", "Zp"), exclude_characters=_SENTENCE_PUNCTUATION)),
    ),
    min_size=1,
    max_size=80,
).map(lambda parts: "".join(parts).strip())


@settings(max_examples=100, deadline=None)
@given(paragraph=paragraphs.filter(bool), max_length=st.integers(min_value=2, max_value=60))
def test_a_summary_is_whole_clusters_of_the_paragraph_within_max_length(paragraph: str, max_length: int):
    summary = summarize(paragraph, max_length)

    assert len(clusters(summary)) <= max_length
    if len(clusters(paragraph)) <= max_length:
        assert summary == paragraph
        return
    assert summary.endswith("…")
    kept = clusters(summary[:-1])
    assert clusters(paragraph)[: len(kept)] == kept  # a prefix of whole clusters, none split


def test_a_run_of_emoji_without_spaces_is_cut_between_sequences():
    summary = summarize(FAMILY * 50, 10)
    assert summary == FAMILY * 9 + "…"


def test_a_base_letter_keeps_its_combining_marks():
    summary = summarize(COMBINING * 50, 6)
    assert summary == COMBINING * 5 + "…"


def test_the_cut_goes_back_to_the_last_space_and_drops_punctuation_before_the_ellipsis():
    paragraph = f"Heute {FLAG}{FLAG}, dann {SKIN_TONE} morgen und übermorgen"
    assert summarize(paragraph, 12) == f"Heute {FLAG}{FLAG}…"  # 11 clusters kept: "Heute 🇯🇵🇯🇵, d"
    assert summarize(paragraph, 18) == f"Heute {FLAG}{FLAG}, dann {SKIN_TONE}…"


def test_sentences_are_counted_in_clusters():
    first = FAMILY * 10 + " is ten clusters and a few."
    assert summarize(f"{first} Second sentence.", len(clusters(first))) == first
