"""Article: its document is the body, and `sections` (headings and the paragraphs' plain text) is derived
from it so that every renderer written before the model keeps reading the same text."""

import pytest

from publisher.articles import (
    Article,
    CodeBlock,
    Emphasis,
    Heading,
    Image,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Section,
    Text,
    blocks_from_sections,
    to_json,
)


def p(text: str) -> Paragraph:
    return Paragraph((Text(text),))


@pytest.mark.parametrize(
    ("blocks", "sections"),
    [
        pytest.param((p("a"), p("b")), [(None, ["a", "b"])], id="paragraphs"),
        pytest.param(
            (p("intro"), Heading(2, (Text("A"),)), p("a"), Heading(3, (Emphasis((Text("B"),)),)), p("b")),
            [(None, ["intro"]), ("A", ["a"]), ("B", ["b"])],
            id="headings-open-sections",
        ),
        pytest.param(
            (Heading(2, (Text("Empty"),)), Heading(2, (Text("Full"),)), p("x")), [("Full", ["x"])], id="empty-heading"
        ),
        pytest.param(
            (Heading(2, (Text("Photos"),)), Image("https://e.org/x.png", "x"), Rule()),
            [],
            id="images-and-rules-add-nothing",
        ),
        pytest.param(
            (Paragraph((Text("See "), Link("https://e.org", (Text("this"),)), LineBreak(), Text("now"))),),
            [(None, ["See this now"])],
            id="link-text-and-line-break-as-space",
        ),
        pytest.param(
            (ListBlock(False, ((p("one"),), (p("two"), ListBlock(False, ((p("nested"),),))))),),
            [(None, ["one", "two", "nested"])],
            id="nested-bullets",
        ),
        pytest.param(
            (ListBlock(True, ((p("four"), p("more")), (p("five"),)), 4),),
            [(None, ["4. four", "more", "5. five"])],
            id="ordered-items-numbered-from-start",
        ),
        pytest.param((Quote((p("q1"), Quote((p("q2"),)))),), [(None, ["q1", "q2"])], id="quotes"),
        pytest.param((CodeBlock("a  b\n  c", "text"),), [(None, ["a b c"])], id="code-on-one-line"),
    ],
)
def test_the_sections_view_of_a_document(blocks: tuple, sections: list):
    article = Article("T", "t", "s", blocks=blocks)

    assert [(s.heading, list(s.paragraphs)) for s in article.sections] == sections
    assert article.paragraphs == [p for _, ps in sections for p in ps]


def test_an_article_made_from_sections_gets_headings_and_paragraphs_as_its_document():
    article = Article("T", "t", "s", (Section(None, ("a",)), Section("H", ("b", "c"))))

    assert article.blocks == (p("a"), Heading(2, (Text("H"),)), p("b"), p("c"))
    assert article.blocks == blocks_from_sections(article.sections)


def test_sections_that_disagree_with_the_blocks_are_refused():
    with pytest.raises(ValueError, match="derived from its blocks"):
        Article("T", "t", "s", (Section(None, ("other",)),), blocks=(p("a"),))
    # agreeing ones (as dataclasses.replace passes them) are fine
    article = Article("T", "t", "s", (Section(None, ("a",)),), blocks=(p("a"),))
    assert article.sections == (Section(None, ("a",)),)


def test_to_dict_has_lang_blocks_and_the_sections_for_scripts():
    article = Article("T", "t", "s", blocks=(Heading(2, (Text("H"),)), p("a")), lang="de")

    data = article.to_dict()

    assert data["lang"] == "de"
    assert data["blocks"] == to_json(article.blocks)
    assert data["sections"] == [{"heading": "H", "paragraphs": ["a"]}]
    assert Article("T", "t", "s", blocks=(p("a"),)).lang == "en"
