import pytest

from publisher.articles import sentences, slugify, summarize
from publisher.articles import text as articles  # the sentence splitter lives in publisher/articles/text.py


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("U.S. Rejects Netanyahu’s Request", "us-rejects-netanyahus-request"),
        ("Crème brûlée: a how-to!", "creme-brulee-a-how-to"),
        ("¿¡!?", "article"),
    ],
)
def test_slugify(title: str, slug: str):
    assert slugify(title) == slug


def test_long_slug_is_cut_at_a_word():
    slug = slugify("word " * 40)
    assert len(slug) <= 80
    assert not slug.endswith("-")
    assert slug.endswith("word")


def test_sentences_keep_abbreviations_together():
    text = "U.S. Secretary Blinken spoke. Mr. Smith left! Why? He said “no.” The end"
    assert sentences(text) == ["U.S. Secretary Blinken spoke.", "Mr. Smith left!", "Why?", "He said “no.”", "The end"]


def test_summary_of_one_very_long_sentence_is_cut_at_a_word_with_an_ellipsis():
    summary = summarize("word " * 200, max_length=50)
    assert summary.endswith("…")
    assert len(summary) <= 50


# --- issue 18, item 8: one long paragraph must not tie up a CPU ---

LONG_PARAGRAPH = "A sentence that ends here. " * 15000  # took 23 s when summarize() was quadratic


def test_summary_looks_only_at_the_sentences_it_needs(monkeypatch: pytest.MonkeyPatch):
    """Work counted, not timed: the sentence ends examined stop once the summary is full."""
    examined = []
    real = articles._is_abbreviation
    monkeypatch.setattr(articles, "_is_abbreviation", lambda text, dot: examined.append(dot) or real(text, dot))

    summary = summarize(LONG_PARAGRAPH)

    assert summary == " ".join(["A sentence that ends here."] * 11)
    assert len(examined) <= 12  # one per sentence in the summary and the one that did not fit; not 15,000


def test_abbreviation_check_reads_a_bounded_window_before_each_period():
    """Each candidate end looks back at most one short word, so splitting is linear in the paragraph."""

    class Counting(str):
        read = 0

        def __getitem__(self, key):  # noqa: ANN001, ANN204
            part = super().__getitem__(key)
            Counting.read += len(part)
            return part

    text = Counting(LONG_PARAGRAPH)
    assert len(sentences(text)) == 15000
    assert Counting.read <= 200 * 15000


@pytest.mark.timeout(20)  # linear takes milliseconds; quadratic took 23 s for the summary alone
def test_splitting_the_fifteen_thousand_sentence_paragraph_finishes():
    assert len(sentences(LONG_PARAGRAPH)) == 15000
    assert summarize(LONG_PARAGRAPH).startswith("A sentence that ends here.")
