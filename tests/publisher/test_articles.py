import pytest

from publisher.articles import sentences, slugify, summarize


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
