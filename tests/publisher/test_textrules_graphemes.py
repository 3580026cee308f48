"""Share posts are cut only between grapheme clusters, on every network (issue 11): never inside an emoji ZWJ
sequence, a flag, a skin-tone modifier, a keycap, a combining mark or a Hangul syllable's jamo.

Each case is tried at three neighbouring limits, so the cut lands at different points of the hazardous text."""

from __future__ import annotations

import unicodedata

import pytest

from publisher import textrules
from publisher.channels.counting import grapheme_list

URL = "https://news.example.org/articles/a"
TITLE = "Title"

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man ZWJ woman ZWJ girl ZWJ boy
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
FLAGS = "\U0001f1eb\U0001f1f7\U0001f1ef\U0001f1f5\U0001f1fa\U0001f1e6"  # FR JP UA: pairs of regional indicators
SKIN_TONE = "\U0001f44b\U0001f3fd"  # waving hand, medium skin tone
KEYCAP = "1\ufe0f\u20e3"
COMBINING = "q\u0303\u0301"  # no precomposed form: NFC keeps three code points in one cluster
STACKED = "e\u0301\u0302\u0323"  # NFC composes part of it; still one cluster
HANGUL = "\u1100\u1161\u11a8"  # conjoining jamo: NFC makes the syllable 각
OLD_HANGUL = "\u1112\u119e\u11ab"  # archaic jamo: no precomposed syllable, one cluster of three
DEVANAGARI = "\u0915\u094d\u0937\u093f"  # क्षि: a conjunct with a vowel sign

HAZARDS = {
    "emoji ZWJ family": FAMILY,
    "rainbow flag (ZWJ + variation selector)": RAINBOW_FLAG,
    "flags": FLAGS,
    "skin tone": SKIN_TONE,
    "keycap": KEYCAP,
    "combining accents": COMBINING,
    "stacked combining marks": STACKED,
    "Hangul jamo": HANGUL,
    "archaic Hangul": OLD_HANGUL,
    "Devanagari conjunct": DEVANAGARI,
}

# How the hazard sits in the summary: words of it between spaces, one long run without spaces (a script
# written without them, or an emoji storm), and words ending in it right where the cut would fall.
LAYOUTS = {
    "spaced": lambda h: " ".join([f"word{h}{h}"] * 120),
    "unspaced": lambda h: h * 600,
    "after text": lambda h: "Read this " + "".join(f"ab{h}" for _ in range(200)),
}

CAP = 500  # the largest limit the tests cut at
CASES = [
    pytest.param(network, hazard, layout, id=f"{network}-{name}-{layout}")
    for network in textrules.NETWORKS
    for name, hazard in HAZARDS.items()
    for layout in LAYOUTS
]


def clusters_of(text: str) -> list[str]:
    return grapheme_list(unicodedata.normalize("NFC", text))


def assert_whole_clusters(kept: str, original: str) -> None:
    """`kept` is the original's first few grapheme clusters, ending on a boundary."""
    whole, got = clusters_of(original), grapheme_list(kept)
    assert whole[: len(got)] == got, f"cut inside a grapheme cluster: {kept[-8:]!r}"


@pytest.mark.parametrize(("network", "hazard", "layout"), CASES)
def test_the_summary_is_cut_between_grapheme_clusters(network: str, hazard: str, layout: str):
    summary = LAYOUTS[layout](hazard)
    # Cutting is the same at any limit; capped so the summaries need not outgrow LinkedIn's 3,000.
    top = min(textrules.LIMITS[network], CAP)
    for limit in (top - 41, top - 40, top - 39):
        fitted = textrules.fit(network, TITLE, summary, URL, limit=limit)

        assert fitted.length <= limit and fitted.shortened
        assert fitted.text.startswith(f"{TITLE}\n\n") and fitted.text.endswith(f"\n\n{URL}")
        kept = fitted.text[len(TITLE) + 2 : -len(URL) - 2]
        assert kept.endswith(textrules.ELLIPSIS), "the summary was dropped instead of cut"
        assert_whole_clusters(kept.removesuffix(textrules.ELLIPSIS), summary)


@pytest.mark.parametrize("network", textrules.NETWORKS)
@pytest.mark.parametrize("hazard", list(HAZARDS.values()), ids=list(HAZARDS))
def test_a_long_title_is_cut_between_grapheme_clusters(network: str, hazard: str):
    title = hazard * 700
    limit = min(textrules.LIMITS[network], CAP)
    fitted = textrules.fit(network, title, "", URL, limit=limit)

    assert fitted.length <= limit and fitted.text.endswith(URL)
    kept = fitted.text.removesuffix(f"\n\n{URL}").removesuffix(textrules.ELLIPSIS)
    assert kept and textrules.ELLIPSIS in fitted.text
    assert_whole_clusters(kept, title)


@pytest.mark.parametrize("network", textrules.NETWORKS)
def test_a_space_carrying_a_combining_mark_is_not_a_word_boundary(network: str):
    # " \u0301" is one cluster: the accent sits on the space, so cutting there would strand the accent.
    summary = " ".join(["word \u0301x"] * 200)
    fitted = textrules.fit(network, TITLE, summary, URL)

    kept = fitted.text[len(TITLE) + 2 : -len(URL) - 2].removesuffix(textrules.ELLIPSIS)
    assert_whole_clusters(kept, summary)
    assert not kept.endswith(" ") and not kept.endswith("\u0301")


@pytest.mark.parametrize("network", textrules.NETWORKS)
def test_short_words_are_still_cut_at_a_word_boundary(network: str):
    fitted = textrules.fit(network, TITLE, "alpha beta, " * 100, URL, limit=min(textrules.LIMITS[network], CAP))

    kept = fitted.text[len(TITLE) + 2 : -len(URL) - 2]
    assert kept.endswith(("alpha…", "beta…"))
