"""Every importer refuses an article or a paragraph over the size limits, naming the limit (issue 18, item 8)."""

from pathlib import Path

import pytest

from publisher import importers
from publisher.errors import ImportFailed
from publisher.importers import html, markdown, text
from publisher.importers.text import MAX_ARTICLE_CHARS, MAX_PARAGRAPH_CHARS

SENTENCE = "A sentence that ends here. "


def article(fmt: str, paragraphs: list[str]) -> bytes:
    if fmt == "text":
        return ("Title\n" + "\n".join(paragraphs)).encode()
    if fmt == "markdown":
        return ("# Title\n\n" + "\n\n".join(paragraphs)).encode()
    return ("<h1>Title</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)).encode()


PARSERS = {"text": text.parse, "markdown": markdown.parse, "html": html.parse}


@pytest.mark.parametrize("fmt", PARSERS)
def test_a_paragraph_over_the_limit_is_refused_naming_the_limit(fmt: str):
    long = (SENTENCE * (MAX_PARAGRAPH_CHARS // len(SENTENCE) + 1)).strip()
    with pytest.raises(ImportFailed, match=rf"paragraph 2 is {len(long):,} characters long; at most 50,000"):
        PARSERS[fmt](article(fmt, ["A short first paragraph.", long]), "big")


@pytest.mark.parametrize("fmt", PARSERS)
def test_an_article_over_the_limit_is_refused_naming_the_limit(fmt: str):
    paragraph = (SENTENCE * (40_000 // len(SENTENCE))).strip()
    count = MAX_ARTICLE_CHARS // len(paragraph) + 1
    with pytest.raises(ImportFailed, match=r"big: the article's text is [\d,]+ characters long; at most 1,000,000"):
        PARSERS[fmt](article(fmt, [paragraph] * count), "big")


@pytest.mark.parametrize("fmt", PARSERS)
def test_an_article_just_within_the_limits_is_read(fmt: str):
    paragraph = "x" * (MAX_PARAGRAPH_CHARS - 1) + "."
    assert len(PARSERS[fmt](article(fmt, [paragraph, paragraph]), "ok").paragraphs) == 2


def test_load_refuses_a_file_with_one_huge_paragraph(tmp_path: Path):
    path = tmp_path / "huge.txt"
    path.write_text("Title\n" + SENTENCE * 150_000)  # 4 MB: under the 5 MiB file limit, one paragraph
    with pytest.raises(ImportFailed, match="at most 50,000"):
        importers.load(path)
